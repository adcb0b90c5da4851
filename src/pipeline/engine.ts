// The engine: Kafka messages → partition batches in shared memory → worker
// pool (decode, convert, encode) → sink → offsets committed only over durable
// writes. This file composes the parts and owns the group's life: assignment,
// revoke (flush, drain, commit, release), loss (drop, no commit) and the
// stop's drain. The parts, one job each:
//   intake.ts             source records into open batches, sealing
//   dispatch.ts           batches through the worker pool to the sink, in order
//   partition-state.ts    per-partition offsets: the durable prefix a commit may say
//   offset-commits.ts     when and what to commit
//   memory-budget.ts      the byte budget (shareable by engines), backpressure.ts its engine side
//   dead-letter-handoff.ts failed records to the dead-letter topic
// The source, the worker pool, the budget and the dead-letter target are
// passed in; compose.ts builds the real ones.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../errors.js';
import { tpKey, type Sink, type TopicPartition } from '../sinks/common/sink.js';
import { CONSUME_BATCH, prefetchBytes, type Source, type SourceHandlers, type SourceOptions } from '../source/source.js';
import { TransformChain } from '../transforms/chain.js';
import { Waiters } from '../core/waiters.js';
import { Backpressure } from './backpressure.js';
import { BatchBuffers } from './batch-buffers.js';
import { DeadLetterHandoff, type DeadLetterSink } from './dead-letter-handoff.js';
import { Dispatcher } from './dispatch.js';
import { newEngineStats, type EngineStats } from './engine-stats.js';
import { Intake } from './intake.js';
import type { MemoryBudget } from './memory-budget.js';
import { OffsetCommitter } from './offset-commits.js';
import { PartitionState, type InflightBatch } from './partition-state.js';
import type { WorkerPool } from './worker-pool.js';

export type { EngineStats } from './engine-stats.js';

/** Everything an engine is built from. compose.ts makes the real ones; tests pass fakes. */
export interface EngineParts {
  config: ResolvedConfig;
  sink: Sink;
  log: Logger;
  /** Builds the Kafka source from the options the config gives and the engine's handlers. */
  source: (opts: SourceOptions, handlers: SourceHandlers) => Source;
  /** The worker pool as this engine's connector uses it; closed when the engine stops. */
  pool: WorkerPool;
  /** The byte budget (inflight.max.bytes), shared by every engine in the process. */
  budget: MemoryBudget;
  /** errors.tolerance=all: where failed records go (a dead-letter topic, or skipped); absent: a failed record stops Sluice. */
  deadLetters?: DeadLetterSink;
  /** Messages per librdkafka consume call. */
  consumeBatch?: number;
}

export type StopReason = ({ kind: 'signal' | 'requested' } | { kind: 'failed'; error: Error }) & {
  /** Set on the final reason: false when the grace period ended before every batch that could be durable was. */
  drained?: boolean;
};

export class Engine {
  readonly stats: EngineStats = newEngineStats();
  private readonly partitions = new Map<string, PartitionState>();
  private readonly source: Source;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly cfg: ResolvedConfig['common'];
  private readonly pool: WorkerPool;
  private readonly budget: MemoryBudget;
  private readonly prefetch: number;
  private readonly backpressure: Backpressure;
  private readonly buffers: BatchBuffers;
  private readonly intake: Intake;
  private readonly dispatcher: Dispatcher;
  private readonly commits: OffsetCommitter;
  private readonly deadLetters?: DeadLetterHandoff;
  /** Woken whenever a partition's in-flight work moves (durable, failed, forgotten). */
  private readonly drainWaiters = new Waiters();
  private lingerTimer?: NodeJS.Timeout;
  private stopping?: Promise<StopReason>;
  /** When the grace period of a stop ends (performance.now()). */
  private stopDeadline = Infinity;
  /** Aborted when a stop's grace period is over: retry waits (registry, dead letters) end then. */
  private readonly shutdown = new AbortController();
  private firstError?: Error;
  private resolveRun?: (r: StopReason) => void;
  private readonly runDone: Promise<StopReason>;

  constructor(private readonly parts: EngineParts) {
    const { config, sink, log } = parts;
    this.cfg = config.common;
    this.sink = sink;
    this.log = log;
    this.pool = parts.pool;
    this.budget = parts.budget;
    // librdkafka's prefetch is memory of the budget too; the engines' batches get the rest (at least half).
    this.prefetch = prefetchBytes(config.kafka);
    this.budget.reserve(this.prefetch);
    if (this.prefetch > this.budget.maxBytes / 2) {
      log.warn({ prefetchBytes: this.prefetch, inflightMaxBytes: this.budget.maxBytes }, 'the consumer may prefetch more than half of inflight.max.bytes (queued.max.messages.kbytes + fetch.max.bytes): memory can exceed the budget; lower those or raise inflight.max.bytes');
    }
    const highWater = this.budget.highWater;
    const pause = { pause: (tps: TopicPartition[]) => this.source.pause(tps), resume: (tps: TopicPartition[]) => this.source.resume(tps) };
    this.backpressure = new Backpressure(this.budget, () => this.partitions.values(), pause, Math.min(this.cfg['partition.max.bytes'], highWater), this.stats, log);
    this.buffers = new BatchBuffers(this.cfg['batch.max.records'], this.cfg['batch.max.bytes'], highWater, this.cfg['worker.threads'], this.budget, this.stats);
    const retry = { maxDelayMs: this.cfg['errors.retry.delay.max.ms'], timeoutMs: this.cfg['errors.retry.timeout'], signal: this.shutdown.signal };
    if (parts.deadLetters) this.deadLetters = new DeadLetterHandoff(parts.deadLetters, retry, this.stats, log);
    // A sink that writes one destination per batch (PostgreSQL's table) follows a router that depends on the topic alone.
    let destinationOf: ((topic: string) => string) | undefined;
    if (config.transforms && !sink.routesPerRecord) {
      const chain = new TransformChain(config.transforms);
      if (chain.routing === 'topic') destinationOf = (topic) => chain.routeTopic(topic);
    }
    this.dispatcher = new Dispatcher({
      sink, sinkName: config.sink, pool: this.pool, buffers: this.buffers, backpressure: this.backpressure,
      ...(this.deadLetters ? { deadLetters: this.deadLetters } : {}),
      ...(destinationOf ? { destinationOf } : {}),
      retry, graceMs: this.cfg['shutdown.grace.ms'], stats: this.stats, log,
      stopping: () => this.stopping !== undefined,
      durable: (p, batch) => this.markDurable(p, batch),
      failPartition: (p, err, at) => this.failPartition(p, err, at),
      requestCommit: () => this.commits.request(),
    });
    this.intake = new Intake(this.partitions, this.buffers, this.backpressure, this.cfg['batch.linger.ms'], this.stats, (p, w, batch) => this.dispatcher.dispatch(p, w, batch));
    sink.useWorkers?.((filename, task) => this.pool.run(filename, task));
    const sourceOptions: SourceOptions = {
      bootstrapServers: this.cfg['bootstrap.servers'],
      groupId: config.groupId,
      clientId: `sluice-${this.cfg.name}-${os.hostname()}-${process.pid}`,
      topics: this.cfg.topics,
      topicsRegex: this.cfg['topics.regex'],
      overrides: config.kafka,
      security: config.kafkaSecurity,
      consumeBatch: parts.consumeBatch ?? Math.min(CONSUME_BATCH, this.cfg['batch.max.records']),
    };
    const handlers: SourceHandlers = {
      onAssign: (tps) => this.onAssign(tps),
      onRevoke: (tps) => this.onRevoke(tps),
      onLost: (tps) => this.onLost(tps),
      onError: (err) => this.fail(err),
    };
    this.source = parts.source(sourceOptions, handlers);
    this.commits = new OffsetCommitter((offsets) => this.source.commit(offsets), () => this.partitions.values(), this.cfg['offset.flush.interval.ms'], this.stats, log);
    this.runDone = new Promise((r) => (this.resolveRun = r));
  }

  /** Starts consuming; resolves when Sluice stops (signal, failure, stop()). */
  async run(): Promise<StopReason> {
    // The threads load the decoders, the encoder and the sink's task files while
    // the consumer joins its group, not while the first batches wait. A failure
    // shows again, with its records, on the first batch that meets it.
    this.pool.warm(this.parts.config.sink, this.sink.workerTaskFiles?.() ?? []).catch((err: unknown) =>
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'worker warm-up failed'));
    await this.source.connect();
    this.source.start(this.intake);
    // Sources also close lingering batches between polls; this covers long waits
    // (a revoke draining), and is skipped while the native source writes.
    const linger = this.cfg['batch.linger.ms'];
    this.lingerTimer = setInterval(() => {
      if (!this.source.writing) this.intake.closeLingering();
    }, Math.max(5, Math.min(linger / 2, 100)));
    this.commits.start();
    this.log.info({ group: this.parts.config.groupId, threads: this.cfg['worker.threads'], source: this.source.kind }, 'sluice running');
    return this.runDone;
  }

  private markDurable(p: PartitionState, batch: InflightBatch): void {
    p.markDurable(batch);
    this.buffers.letGo(batch.held);
    this.stats.recordsActive -= batch.records;
    this.backpressure.account(p, -batch.held);
    batch.held = 0;
    this.backpressure.apply();
    this.commits.request();
    if (p.inflight.length === 0) this.drainWaiters.wake();
  }

  // ---------------- rebalance ----------------

  private async onAssign(tps: TopicPartition[]): Promise<Map<string, number> | undefined> {
    for (const tp of tps) {
      const key = tpKey(tp.topic, tp.partition);
      const old = this.partitions.get(key);
      if (!old || old.gone) this.partitions.set(key, new PartitionState(tp.topic, tp.partition));
    }
    if (!this.sink.storedPositions) return undefined;
    const positions = await this.sink.storedPositions(tps);
    // Exactly-once: a stored position is durable by definition; report it to
    // Kafka too (monitoring, lag) even if no new record ever arrives.
    for (const [key, next] of positions) this.partitions.get(key)?.startAt(next);
    if (positions.size > 0) this.commits.request();
    return positions;
  }

  private async onRevoke(tps: TopicPartition[]): Promise<void> {
    const states = tps.map((tp) => this.partitions.get(tpKey(tp.topic, tp.partition))).filter((p): p is PartitionState => !!p);
    for (const p of states) this.intake.seal(p);
    this.flushSink(states);
    // While stopping, the stop's own drain already spent (most of) the grace period.
    const grace = this.stopping ? Math.max(0, this.stopDeadline - performance.now()) : this.cfg['shutdown.grace.ms'];
    const drained = await this.waitDrained(states, grace);
    if (!drained) this.log.warn({ partitions: states.length }, 'revoked partitions did not drain in time; uncommitted work will be read again by the new owner');
    await this.commits.commitDurable(new Set(states.map((p) => p.key)));
    for (const p of states) this.forget(p);
  }

  /**
   * Once every sealed batch of these partitions has reached the sink, asks it
   * to make them durable now (Sink.flush): a sink that buffers (open S3
   * files) would otherwise hold them until its own rotation.
   */
  private flushSink(states: PartitionState[], includeFailed = false): void {
    void Promise.all(states.map((p) => p.submitChain))
      .then(() => {
        // A failed partition's batches before the failure can still become durable (stop).
        const live = states.filter((p) => !p.gone && (includeFailed || !p.failed)).map((p) => p.tp);
        return live.length > 0 ? this.sink.flush(live) : undefined;
      })
      .catch((err) => this.log.warn({ err: errorMessage(err) }, 'sink flush failed'));
  }

  private onLost(tps: TopicPartition[]): void {
    this.sink.drop(tps);
    for (const tp of tps) {
      const p = this.partitions.get(tpKey(tp.topic, tp.partition));
      if (p) this.forget(p);
    }
  }

  /** Lets the partition go: its open batch is released and its bytes leave the budget; late writes of it change nothing. */
  private forget(p: PartitionState): void {
    p.gone = true;
    for (const b of p.inflight) if (!b.durable) this.stats.recordsActive -= b.records;
    if (p.open) this.stats.recordsActive -= p.open.records;
    if (p.open) {
      this.buffers.release(p.open.buffer);
      p.open = null;
    }
    this.backpressure.account(p, -p.heldBytes);
    this.partitions.delete(p.key);
    this.drainWaiters.wake();
  }

  /**
   * Waits until these partitions have nothing in flight that can still become
   * durable (for a failed partition: the batches before the failed one); false
   * on timeout, or when a partition fails meanwhile.
   */
  private async waitDrained(states: PartitionState[], timeoutMs: number): Promise<boolean> {
    const failedBefore = new Set(states.filter((p) => p.failed));
    const settled = (p: PartitionState) => p.gone || p.settled;
    let failedMeanwhile = false;
    const done = await this.drainWaiters.until(() => {
      if (states.every(settled)) return true;
      failedMeanwhile = states.some((p) => p.failed && !failedBefore.has(p) && !this.stopping);
      return failedMeanwhile;
    }, timeoutMs, 1000);
    if (!done || failedMeanwhile) return false;
    if (states.length > 0) await Promise.all(states.map((p) => p.submitChain));
    return states.every(settled);
  }

  // ---------------- stopping ----------------

  private failPartition(p: PartitionState, err: Error, at?: InflightBatch): void {
    if (p.failed) return;
    p.failed = true;
    p.failedFrom = at?.firstOffset ?? -Infinity;
    this.drainWaiters.wake();
    this.fail(err);
  }

  /** Stops with an error: drains what can be drained, commits only durable work. */
  fail(err: Error): void {
    if (!this.firstError) this.firstError = err;
    void this.stop({ kind: 'failed', error: err });
  }

  /** Graceful stop: no new intake, flush open batches, wait (grace), commit, close. */
  stop(reason: StopReason = { kind: 'requested' }): Promise<StopReason> {
    if (this.stopping) return this.stopping;
    this.commits.halt();
    this.backpressure.halt();
    this.stopping = (async () => {
      this.log.info({ reason: reason.kind }, 'stopping: draining in-flight batches');
      this.stopDeadline = performance.now() + this.cfg['shutdown.grace.ms'];
      clearInterval(this.lingerTimer);
      await this.source.stop();
      const states = [...this.partitions.values()];
      if (reason.kind !== 'failed') for (const p of states) this.intake.seal(p);
      // On a failure, open batches are dropped (read again after a restart), but
      // every partition's durable prefix is still committed, the failed one's too.
      else for (const p of states) this.intake.discardOpen(p);
      this.flushSink(states, true);
      const drained = await this.waitDrained(states, Math.max(0, this.stopDeadline - performance.now()));
      if (!drained) this.log.warn('grace period over before every batch was durable; what is not committed will be read again');
      // Retry waits still running (registry, dead letters) end now.
      this.shutdown.abort();
      await this.commits.commitDurable();
      await this.source.disconnect().catch((e) => this.log.warn({ err: errorMessage(e) }, 'kafka disconnect'));
      await this.pool.close().catch(() => {});
      await this.sink.close().catch(() => {});
      await this.deadLetters?.close();
      // What this engine held no longer counts against a budget other engines may share.
      this.backpressure.leave();
      this.buffers.close();
      this.budget.unreserve(this.prefetch);
      const final: StopReason = { ...(this.firstError ? { kind: 'failed', error: this.firstError } : reason), drained };
      this.resolveRun?.(final);
      return final;
    })();
    return this.stopping;
  }

  /** Kafka Connect's task states: RUNNING, PAUSED (all partitions held back), FAILED. */
  get state(): 'RUNNING' | 'PAUSED' | 'FAILED' | 'UNASSIGNED' {
    if (this.firstError) return 'FAILED';
    if (this.partitions.size === 0) return 'UNASSIGNED';
    return [...this.partitions.values()].every((p) => p.paused) ? 'PAUSED' : 'RUNNING';
  }

  get failure(): string | undefined {
    return this.firstError ? errorMessage(this.firstError) : undefined;
  }

  /** Per partition: records behind the last high watermark librdkafka saw (not yet durable). */
  lag(): { topic: string; partition: number; lag: number }[] {
    const out: { topic: string; partition: number; lag: number }[] = [];
    for (const p of this.partitions.values()) {
      const high = this.source.highWatermark(p.topic, p.partition);
      if (high === undefined) continue;
      out.push({ topic: p.topic, partition: p.partition, lag: Math.max(0, high - (p.durableNext ?? p.committedNext ?? high)) });
    }
    return out;
  }

  /** Committed positions, for status and tests. */
  positions(): { topic: string; partition: number; durable?: number; committed?: number; heldBytes: number; paused: boolean }[] {
    return [...this.partitions.values()].map((p) => ({
      topic: p.topic, partition: p.partition, durable: p.durableNext, committed: p.committedNext, heldBytes: p.heldBytes, paused: p.paused,
    }));
  }
}
