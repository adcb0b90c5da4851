// The PostgreSQL sink: per target table, a writer that takes encoded batches
// in submission order and writes as many as are ready in ONE transaction with
// binary COPY. Retriable failures retry the same group with backoff; a batch's
// promise resolves only after COMMIT (the rule in sinks/common/sink.ts).
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import { SinkSchemaError, SluiceError, errorMessage } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { tpKey, type EncodedBatch, type Sink, type TopicPartition } from '../common/sink.js';
import { retryWithBackoff } from '../common/retry.js';
import { columnTypeSupported, type PgColumn, type PgPlan } from './encoding.js';
import { parseTableName, PgService, qualifiedName, type TableName } from './service.js';

interface Pending {
  batch: EncodedBatch;
  resolve: () => void;
  reject: (err: Error) => void;
}

const MAX_GROUP_BYTES = 64 * 1024 * 1024;

class TableWriter {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly sink: PostgresSink,
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  submit(p: Pending): void {
    this.queue.push(p);
    if (!this.running) void this.run();
  }

  drop(keys: Set<string>): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const b = this.queue[i]!.batch;
      if (keys.has(tpKey(b.topic, b.partition))) this.queue.splice(i, 1);
    }
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        let bytes = 0;
        let n = 0;
        while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.batch.outputBytes <= MAX_GROUP_BYTES)) {
          bytes += this.queue[n]!.batch.outputBytes;
          n++;
        }
        const group = this.queue.slice(0, n);
        try {
          await this.sink.writeGroup(this, group.map((p) => p.batch));
        } catch (err) {
          // Not retriable (or retries exhausted): fail this group and everything
          // queued behind it, since order must hold.
          const rest = this.queue.splice(0);
          for (const p of rest) p.reject(err as Error);
          return;
        }
        this.queue.splice(0, n);
        for (const p of group) p.resolve();
      }
    } finally {
      this.running = false;
      this.sink.writerIdle();
    }
  }
}

export class PostgresSink implements Sink {
  private readonly service: PgService;
  private readonly plans = new Map<string, Promise<{ plan: PgPlan; writer: TableWriter }>>();
  private readonly writers = new Map<string, TableWriter>();
  private idleWaiters: (() => void)[] = [];
  private readonly cfg: ResolvedConfig['postgres'];

  constructor(
    private readonly config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.cfg = config.postgres;
    this.service = new PgService({
      url: this.cfg['connection.url'],
      user: this.cfg['connection.user'],
      password: this.cfg['connection.password'],
      poolSize: this.cfg['pg.pool.size'],
      statementTimeoutMs: this.cfg['pg.statement.timeout.ms'],
      timezone: this.cfg['db.timezone'],
      applicationName: `sluice:${config.common.name}`.slice(0, 63),
    });
  }

  tableFor(topic: string): TableName {
    return parseTableName(this.cfg['table.name.format'].replace(/\$\{topic\}/g, topic));
  }

  async plan(topic: string): Promise<SinkPlan> {
    let p = this.plans.get(topic);
    if (!p) {
      p = this.buildPlan(topic);
      this.plans.set(topic, p);
      p.catch(() => this.plans.delete(topic));
    }
    return { sink: 'postgres', plan: (await p).plan };
  }

  private async buildPlan(topic: string): Promise<{ plan: PgPlan; writer: TableWriter }> {
    const t = this.tableFor(topic);
    const table = qualifiedName(t);
    const catalog = await retryWithBackoff(() => this.service.columns(t), this.retryPolicy(`reading table ${table}`));
    if (!catalog) {
      throw new SinkSchemaError(`table ${table} for topic "${topic}" does not exist; create it, or set auto.create=true`);
    }
    const pkMode = this.cfg['pk.mode'];
    const pkFields = new Set(this.cfg['pk.fields'] ?? []);
    const columns: PgColumn[] = [];
    for (const c of catalog) {
      if (c.generated) continue;
      if (!columnTypeSupported(c.typeOid, c.elemOid)) {
        throw new SinkSchemaError(`table ${table} column "${c.name}" has type ${c.typeName}, which Sluice cannot write`);
      }
      let source: PgColumn['source'] = { from: 'value', field: c.name };
      if (c.name === '__connect_topic') source = { from: 'kafka', what: 'topic' };
      else if (c.name === '__connect_partition') source = { from: 'kafka', what: 'partition' };
      else if (c.name === '__connect_offset') source = { from: 'kafka', what: 'offset' };
      else if (pkMode === 'record_key' && pkFields.has(c.name)) source = { from: 'key', field: pkFields.size === 1 ? undefined : c.name };
      columns.push({ name: c.name, typeOid: c.typeOid, typeName: c.typeName, elemOid: c.elemOid, notNull: c.notNull, source });
    }
    const plan: PgPlan = { key: `${table}#${columns.map((c) => `${c.name}:${c.typeOid}`).join(',')}`, table, columns, textNul: this.cfg['text.nul.mode'] };
    let writer = this.writers.get(table);
    if (!writer) this.writers.set(table, (writer = new TableWriter(this, table, columns.map((c) => c.name))));
    return { plan, writer };
  }

  private retryPolicy(what: string) {
    return {
      what,
      maxRetries: this.cfg['max.retries'],
      initialDelayMs: this.cfg['retry.backoff.ms'],
      maxDelayMs: this.config.common['errors.retry.delay.max.ms'],
      timeoutMs: this.config.common['errors.retry.timeout'],
      log: this.log,
    };
  }

  async submit(batch: EncodedBatch): Promise<void> {
    const { writer } = await this.plans.get(batch.topic)!;
    return new Promise<void>((resolve, reject) => writer.submit({ batch, resolve, reject }));
  }

  /** One transaction: COPY every batch of the group, then COMMIT. */
  async writeGroup(writer: TableWriter, batches: readonly EncodedBatch[]): Promise<void> {
    const chunks: Uint8Array[] = [];
    let rows = 0;
    for (const b of batches) {
      if (b.output) chunks.push(new Uint8Array(b.output, 0, b.outputBytes));
      rows += b.rows;
    }
    if (rows === 0) return;
    const first = batches[0]!;
    const last = batches[batches.length - 1]!;
    const what = `writing ${rows} rows to ${writer.table} (topic ${first.topic} partition ${first.partition} offset ${first.firstOffset} … ${last.topic} partition ${last.partition} offset ${last.lastOffset})`;
    await retryWithBackoff(
      () =>
        this.service.transaction(what, async (client) => {
          const n = await this.service.copyBinary(client, writer.table, writer.columns, chunks);
          if (n !== rows) throw new SluiceError(`${what}: COPY reported ${n} rows, expected ${rows}`);
        }),
      this.retryPolicy(what),
    );
  }

  writerIdle(): void {
    if ([...this.writers.values()].every((w) => w.idle)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Writers run as soon as batches arrive, so flushing is waiting for them. */
  async flush(_partitions: readonly TopicPartition[]): Promise<void> {
    if ([...this.writers.values()].every((w) => w.idle)) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  drop(partitions: readonly TopicPartition[]): void {
    const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const w of this.writers.values()) w.drop(keys);
  }

  async close(): Promise<void> {
    await this.service.close();
  }

  describeError(err: unknown): string {
    return errorMessage(err);
  }
}
