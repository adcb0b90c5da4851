// The PostgreSQL sink, main-thread half. It puts together the planner
// (planner.ts: each table's plan, and auto.create / auto.evolve when a worker
// asks for a re-plan), one write queue per table (write-queue.ts: batches in
// submission order, grouped) and the group writer (writer.ts: one
// transaction per group, and with delivery.guarantee=exactly_once each
// partition's stored offset in it). A batch's promise resolves only after
// COMMIT (the rule in sinks/common/sink.ts). What the workers send lies in
// protocol.ts.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PostgresConfig } from './config.js';
import { SluiceError } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { tpKey, type EncodedBatch, type Sink, type TopicPartition } from '../common/sink.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import { tableNameFor } from './names.js';
import { isDebeziumClass } from './table-names.js';
import { fieldRules } from './unquoted-config.js';
import { Claims, OffsetStore } from './offsets.js';
import { Planner } from './planner.js';
import { OUTPUT_HEADER_BYTES, readOutputHeader, type PgBatchMeta } from './protocol.js';
import { PgService } from './service.js';
import { WriteQueue } from './write-queue.js';
import { GroupWriter, type Pending, type Segment } from './writer.js';

export class PostgresSink implements Sink {
  readonly refusesRows = true;
  /** Each record's table follows its (routed) topic and source fields: one batch may write several tables. */
  readonly routesPerRecord = true;
  private readonly service: PgService;
  private readonly planner: Planner;
  private readonly writer: GroupWriter;
  /** Per table (quoted qualified name), or per topic when topics have no table of their own: the queue its batches take. */
  private readonly queues = new Map<string, WriteQueue>();
  private readonly exactlyOnce: boolean;
  private readonly offsets: OffsetStore | undefined;
  private readonly claims = new Claims();
  /** Aborted by close(): a retry waiting out an outage gives up at once instead of holding the shutdown. */
  private readonly closing = new AbortController();
  private readonly retry: Omit<RetryPolicy, 'what'>;
  private readonly log: Logger;

  constructor(config: ResolvedConfig, log: Logger) {
    const cfg = config.options as PostgresConfig;
    this.service = new PgService({
      url: cfg['connection.url'],
      user: cfg['connection.user'],
      password: cfg['connection.password'],
      poolSize: cfg['pg.pool.size'],
      statementTimeoutMs: cfg['pg.statement.timeout.ms'],
      timezone: cfg['db.timezone'],
      applicationName: `sluice:${config.common.name}`.slice(0, 63),
    });
    this.retry = {
      maxRetries: cfg['max.retries'],
      initialDelayMs: cfg['retry.backoff.ms'],
      maxDelayMs: config.common['errors.retry.delay.max.ms'],
      timeoutMs: config.common['errors.retry.timeout'],
      log,
      signal: this.closing.signal,
    };
    const mode = cfg['insert.mode'];
    this.planner = new Planner({
      service: this.service,
      cfg,
      rules: fieldRules(cfg),
      mode,
      debezium: isDebeziumClass(String(config.common['connector.class'])),
      retry: this.retry,
      log,
    });
    this.exactlyOnce = config.common['delivery.guarantee'] === 'exactly_once';
    if (this.exactlyOnce) {
      const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
      this.offsets = new OffsetStore(this.service, tableNameFor(cfg['pg.offsets.table'], ''), config.common.name, owner);
    }
    this.writer = new GroupWriter({ service: this.service, mode, offsets: this.offsets, retry: this.retry, log });
    this.log = log;
  }

  plan(topic: string): Promise<SinkPlan> {
    return this.planner.plan(topic);
  }

  replan(topic: string, request: unknown): Promise<void> {
    return this.planner.replan(topic, request);
  }

  // ---------------- writing ----------------

  async submit(batch: EncodedBatch): Promise<void> {
    const segments = this.segmentsOf(batch);
    // Nothing to write (every record filtered, failed or a skipped tombstone): durable as it is.
    if (segments.length === 0) return;
    let claim: Pending['claim'];
    if (this.exactlyOnce) {
      claim = this.claims.get(batch.topic, batch.partition);
      if (!claim) throw new SluiceError(`exactly_once: partition ${batch.topic}[${batch.partition}] was never claimed in ${this.offsets!.table}`);
    }
    const queue = this.queueFor(batch.topic);
    return new Promise<void>((resolve, reject) => queue.submit({ batch, segments, claim, resolve, reject }));
  }

  /** The queue a topic's batches take, in submission order: its table's, or the topic's own when it has no table. */
  private queueFor(topic: string): WriteQueue {
    const key = this.planner.sourceFormat ? `topic ${topic}` : this.planner.stateFor(topic).target;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = new WriteQueue(this.writer, this.claims)));
    return q;
  }

  /** The batch's tuples per table: its own output, then those of routed records (PgBatchMeta.more). */
  private segmentsOf(batch: EncodedBatch): Segment[] {
    const meta = batch.meta as PgBatchMeta | undefined;
    const outputs: { output: SharedArrayBuffer; truncate: boolean }[] = [];
    if (batch.output && batch.outputBytes >= OUTPUT_HEADER_BYTES) outputs.push({ output: batch.output, truncate: meta?.truncate === true });
    for (const m of meta?.more ?? []) outputs.push({ output: m.output, truncate: m.truncate === true });
    const out: Segment[] = [];
    for (const o of outputs) {
      const header = readOutputHeader(o.output);
      if (header.rows + header.deletes === 0 && !o.truncate) continue;
      const plan = this.planner.planById(header.planId);
      if (!plan) throw new SluiceError(`internal: batch encoded with unknown plan ${header.planId}`);
      out.push({ output: o.output, header, plan, state: this.planner.stateOf(plan), truncate: o.truncate });
    }
    return out;
  }

  // ---------------- exactly-once positions ----------------

  async storedPositions(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.offsets || partitions.length === 0) return out;
    const claims = await retryWithBackoff(() => this.offsets!.claim(partitions), { ...this.retry, what: `claiming partitions in ${this.offsets.table}` });
    for (const [key, claim] of claims) {
      this.claims.set(key, claim);
      if (claim.next !== null) out.set(key, claim.next);
    }
    this.log.info({ partitions: partitions.length, positions: Object.fromEntries([...out].map(([k, v]) => [k.replace('\u0000', '/'), v])) }, 'exactly_once: claimed partitions; seeking to stored offsets');
    return out;
  }

  // ---------------- lifecycle ----------------

  /** Queues write as soon as batches arrive, so flushing is waiting for them. */
  async flush(_partitions: readonly TopicPartition[]): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.whenIdle()));
  }

  drop(partitions: readonly TopicPartition[]): void {
    const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const q of this.queues.values()) q.drop(keys);
    for (const k of keys) this.claims.delete(k);
  }

  /** Gives up pending retries (their batches fail with RetryAbortedError and stay uncommitted), then closes the pool. */
  closedWithPendingWrites = false;

  async close(): Promise<void> {
    this.closedWithPendingWrites = [...this.queues.values()].some((q) => !q.idle);
    this.closing.abort();
    await this.service.close();
  }
}
