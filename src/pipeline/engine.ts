// The engine: Kafka messages → partition batches in shared memory → worker
// pool (decode, convert, encode) → sink → offsets committed only over durable
// writes. It also owns backpressure: one budget of bytes held across every
// partition, plus a per-partition cap.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { RecordError, RetryAbortedError, SinkSchemaError, errorMessage } from '../errors.js';
import { tpKey, type EncodedBatch, type RejectedRecord, type Sink, type TopicPartition } from '../sinks/common/sink.js';
import { CONSUME_BATCH, prefetchBytes, type BatchIntake, type PartitionOffset, type Source, type SourceHandlers, type SourceOptions } from '../source/source.js';
import { createSource } from '../source/index.js';
import { retriableFromWorker, type EncodeResult, type EncodeTask, type RecordFailure, type WorkerSetup } from '../workers/protocol.js';
import { BatchReader, BatchWriter, bufferBytes, HDR_RECORD_COUNT, HEADER_BYTES, HEADER_INTS, F64_PER_RECORD, I32_PER_RECORD } from '../core/batch-layout.js';
import { DeadLetterQueue } from './dead-letter.js';
import { SkippedRecords } from './skipped-records.js';
import { retryWithBackoff } from '../sinks/common/retry.js';
import { BufferPool } from './buffer-pool.js';
import { SharedMemoryCollector } from '../core/shared-memory-gc.js';
import { TransformChain } from '../transforms/chain.js';

const INDEX_BYTES_PER_RECORD = F64_PER_RECORD * 8 + I32_PER_RECORD * 4;

interface InflightBatch {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly records: number;
  /** Bytes this batch holds against the budget right now. */
  held: number;
  durable: boolean;
  /** The batch failed at a record, but the records before it were written: the next offset to commit. */
  durablePrefixNext?: number;
}

class PartitionState {
  readonly key: string;
  open: BatchWriter | null = null;
  openSince = 0;
  openHeld = 0;
  readonly inflight: InflightBatch[] = [];
  /** Submissions to the sink happen in offset order through this chain. */
  submitChain: Promise<void> = Promise.resolve();
  heldBytes = 0;
  /** Next offset after the contiguous durable prefix; what a commit may say. */
  durableNext: number | undefined;
  committedNext: number | undefined;
  paused = false;
  /** Batches of this partition waiting out an outage (schema registry): it stays paused meanwhile. */
  outages = 0;
  gone = false;
  failed = false;
  /** First offset of the batch that failed: batches before it may still become durable and be committed. */
  failedFrom = Infinity;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = tpKey(topic, partition);
  }
  get tp(): TopicPartition {
    return { topic: this.topic, partition: this.partition };
  }
}

export interface EngineStats {
  recordsIn: number;
  bytesIn: number;
  batches: number;
  rowsWritten: number;
  tombstones: number;
  commits: number;
  pauses: number;
  resumes: number;
  heldBytes: number;
  peakHeldBytes: number;
  /** Batch buffers kept for reuse, not holding records (within the budget's room). */
  idleBufferBytes: number;
  /** Records sent to the dead-letter topic. */
  deadLettered: number;
  /** Records skipped (errors.tolerance=all without a dead-letter topic). */
  skipped: number;
  /** Records read but not yet durable. */
  recordsActive: number;
  /** Records a transform dropped (Filter, Debezium tombstones/deletes): handled, committed, not written. */
  transformDropped: number;
  /** Sink writes: count, summed and largest time from submit to durable. */
  putBatches: number;
  putBatchMsTotal: number;
  putBatchMsMax: number;
  commitFailures: number;
  workerMicros: number;
  /** Main-thread time spent packing messages into shared buffers. */
  packMicros: number;
}

export interface EngineOptions {
  config: ResolvedConfig;
  sink: Sink;
  log: Logger;
  /** Messages per librdkafka consume call. */
  consumeBatch?: number;
  /** Builds the Kafka source (tests pass fakes); by default the one source.native selects. */
  source?: (opts: SourceOptions, handlers: SourceHandlers) => Source;
}

export type StopReason = ({ kind: 'signal' | 'requested' } | { kind: 'failed'; error: Error }) & {
  /** Set on the final reason: false when the grace period ended before every batch that could be durable was. */
  drained?: boolean;
};

export class Engine {
  readonly stats: EngineStats = {
    recordsIn: 0, bytesIn: 0, batches: 0, rowsWritten: 0, tombstones: 0, commits: 0,
    pauses: 0, resumes: 0, heldBytes: 0, peakHeldBytes: 0, idleBufferBytes: 0, deadLettered: 0, skipped: 0, workerMicros: 0, packMicros: 0,
    recordsActive: 0, transformDropped: 0, putBatches: 0, putBatchMsTotal: 0, putBatchMsMax: 0, commitFailures: 0,
  };
  private readonly partitions = new Map<string, PartitionState>();
  private readonly pool: Piscina<EncodeTask, EncodeResult>;
  private readonly buffers: BufferPool;
  private readonly sharedGc: SharedMemoryCollector;
  private readonly source: Source;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly cfg: ResolvedConfig['common'];
  private readonly highWater: number;
  private readonly lowWater: number;
  private readonly partitionMax: number;
  private heldBytes = 0;
  private lingerTimer?: NodeJS.Timeout;
  private commitTimer?: NodeJS.Timeout;
  private committing: Promise<void> = Promise.resolve();
  private stopping?: Promise<StopReason>;
  /** When the grace period of a stop ends (performance.now()). */
  private stopDeadline = Infinity;
  /** Aborted when a stop's grace period is over: retry waits (registry, dead letters) end then. */
  private readonly shutdown = new AbortController();
  private firstError?: Error;
  private resolveRun?: (r: StopReason) => void;
  private readonly runDone: Promise<StopReason>;
  /** Where records that fail go with errors.tolerance=all: the dead-letter topic, or (without one) skipped. */
  private readonly deadLetters?: DeadLetterQueue | SkippedRecords;
  /** Where a topic's batches go when a transform routes them by topic (RegexRouter); undefined: their own topic. */
  private readonly destinationOf?: (topic: string) => string;

  constructor(private readonly opts: EngineOptions) {
    const { config, sink, log } = opts;
    this.cfg = config.common;
    this.sink = sink;
    this.log = log;
    // librdkafka's prefetch is memory of the budget too; the engine's batches get the rest (at least half).
    const budget = this.cfg['inflight.max.bytes'];
    const prefetch = prefetchBytes(config.kafka);
    this.highWater = Math.max(budget - prefetch, Math.floor(budget / 2));
    if (prefetch > budget / 2) {
      log.warn({ prefetchBytes: prefetch, inflightMaxBytes: budget }, 'the consumer may prefetch more than half of inflight.max.bytes (queued.max.messages.kbytes + fetch.max.bytes): memory can exceed the budget; lower those or raise inflight.max.bytes');
    }
    this.lowWater = Math.floor(this.highWater / 2);
    this.partitionMax = Math.min(this.cfg['partition.max.bytes'], this.highWater);
    const threads = this.cfg['worker.threads'];
    // Buffers released to the pool are reused rather than left to the garbage collector: a dropped
    // SharedArrayBuffer is freed only once every thread that saw it has collected it, so under load
    // fresh ones pile up. As many as the budget can hold are kept.
    const standard = bufferBytes(this.cfg['batch.max.records'], this.cfg['batch.max.bytes']);
    this.sharedGc = new SharedMemoryCollector(Math.max(16 * 1024 * 1024, Math.floor(this.highWater / 4)));
    this.buffers = new BufferPool(this.cfg['batch.max.records'], this.cfg['batch.max.bytes'], Math.ceil(this.highWater / standard) + threads * 2 + 2);
    const setup: WorkerSetup = {
      keyFormat: config.keyFormat,
      valueFormat: config.valueFormat,
      // URLs and credentials as config/registry-access.ts resolved them from every Connect spelling.
      keyRegistryUrl: config.registry.key?.url,
      valueRegistryUrl: config.registry.value?.url,
      keyRegistryAuth: config.registry.key && { authorization: config.registry.key.authorization, ca: config.registry.key.ca },
      valueRegistryAuth: config.registry.value && { authorization: config.registry.value.authorization, ca: config.registry.value.ca },
      keyWrapperForNullables: this.cfg['key.converter.wrapper.for.nullables'],
      valueWrapperForNullables: this.cfg['value.converter.wrapper.for.nullables'],
      keyJsonFailInvalidSchema: this.cfg['key.converter.json.fail.invalid.schema'],
      valueJsonFailInvalidSchema: this.cfg['value.converter.json.fail.invalid.schema'],
      ...(config.transforms ? { transforms: config.transforms } : {}),
    };
    // A sink that writes one destination per batch (PostgreSQL's table) follows a router that depends on the topic alone.
    if (config.transforms && !sink.routesPerRecord) {
      const chain = new TransformChain(config.transforms);
      if (chain.routing === 'topic') this.destinationOf = (topic) => chain.routeTopic(topic);
    }
    this.pool = new Piscina<EncodeTask, EncodeResult>({
      filename: path.join(path.dirname(fileURLToPath(import.meta.url)), '../workers/worker.js'),
      minThreads: threads,
      maxThreads: threads,
      // Backpressure is ours (the byte budget); the pool queue just holds what we send.
      maxQueue: Infinity,
      idleTimeout: 60_000,
      workerData: setup,
    });
    sink.useWorkers?.((filename, task) => this.pool.run(task as never, { filename }) as Promise<never>);
    const sourceOptions: SourceOptions = {
      bootstrapServers: this.cfg['bootstrap.servers'],
      groupId: config.groupId,
      clientId: `sluice-${this.cfg.name}-${os.hostname()}-${process.pid}`,
      topics: this.cfg.topics,
      topicsRegex: this.cfg['topics.regex'],
      overrides: config.kafka,
      security: config.kafkaSecurity,
      consumeBatch: opts.consumeBatch ?? Math.min(CONSUME_BATCH, this.cfg['batch.max.records']),
    };
    const handlers: SourceHandlers = {
      onAssign: (tps) => this.onAssign(tps),
      onRevoke: (tps) => this.onRevoke(tps),
      onLost: (tps) => this.onLost(tps),
      onError: (err) => this.fail(err),
    };
    this.source = opts.source ? opts.source(sourceOptions, handlers) : createSource(this.cfg['source.native'], sourceOptions, handlers, log);
    this.runDone = new Promise((r) => (this.resolveRun = r));
    if (this.cfg['errors.tolerance'] === 'all') {
      const dlq = this.cfg['errors.deadletterqueue.topic.name'];
      this.deadLetters = dlq !== undefined ? new DeadLetterQueue(config, log.child({ dlq })) : new SkippedRecords(config, log);
    }
  }

  /** Starts consuming; resolves when Sluice stops (signal, failure, stop()). */
  async run(): Promise<StopReason> {
    await this.source.connect();
    this.source.start(this.intake);
    // Sources also close lingering batches between polls; this covers long waits
    // (a revoke draining), and is skipped while the native source writes.
    const linger = this.cfg['batch.linger.ms'];
    this.lingerTimer = setInterval(() => {
      if (!this.source.writing) this.closeLingering();
    }, Math.max(5, Math.min(linger / 2, 100)));
    // A safety net: commits normally follow durability (requestCommit); this retries failed ones.
    // Every few seconds all durable positions are committed again, changed or
    // not: during a cooperative rebalance the broker can drop a commit that the
    // client reported as done, and this repairs it (and keeps lag metrics true).
    let ticks = 0;
    this.commitTimer = setInterval(() => void this.commitDurable(undefined, ++ticks % 5 === 0), Math.max(1000, this.cfg['offset.flush.interval.ms']));
    this.log.info({ group: this.opts.config.groupId, threads: this.cfg['worker.threads'], source: this.source.kind }, 'sluice running');
    return this.runDone;
  }

  // ---------------- intake ----------------

  /** The engine's side of intake (source.ts): the open batch of each partition. */
  private readonly intake: BatchIntake = {
    open: (topic, partition, minData) => {
      const p = this.ours(topic, partition);
      if (!p) return undefined;
      if (!p.open) this.openBatch(p, minData);
      return p.open!;
    },
    rollover: (topic, partition, minData) => {
      const p = this.ours(topic, partition);
      if (!p) return undefined;
      this.sealAndDispatch(p);
      this.openBatch(p, minData);
      return p.open!;
    },
    current: (topic, partition) => this.partitions.get(tpKey(topic, partition))?.open ?? undefined,
    appended: (topic, partition, records, bytes) => {
      const p = this.partitions.get(tpKey(topic, partition));
      if (!p?.open) return;
      const held = HEADER_BYTES + p.open.dataBytes + p.open.records * INDEX_BYTES_PER_RECORD;
      this.account(p, held - p.openHeld);
      p.openHeld = held;
      this.stats.recordsIn += records;
      this.stats.recordsActive += records;
      this.stats.bytesIn += bytes;
      if (p.open.records === p.open.capacity) this.sealAndDispatch(p);
    },
    polled: (intakeMicros) => {
      this.stats.packMicros += intakeMicros;
      this.closeLingering();
      this.applyBackpressure();
    },
  };

  /** The partition's state when it is ours and still taking records. */
  private ours(topic: string, partition: number): PartitionState | undefined {
    const p = this.partitions.get(tpKey(topic, partition));
    return !p || p.gone || p.failed ? undefined : p;
  }

  private openBatch(p: PartitionState, minData: number): void {
    const { buffer, recordCapacity } = this.buffers.acquire(minData);
    p.open = new BatchWriter(buffer, recordCapacity, p.partition);
    p.openSince = performance.now();
    p.openHeld = 0;
  }

  private closeLingering(): void {
    const now = performance.now();
    const linger = this.cfg['batch.linger.ms'];
    for (const p of this.partitions.values()) {
      if (p.open && p.open.records > 0 && now - p.openSince >= linger) this.sealAndDispatch(p);
    }
  }

  private sealAndDispatch(p: PartitionState): void {
    const w = p.open;
    if (!w || w.records === 0) return;
    p.open = null;
    w.seal();
    const batch: InflightBatch = { firstOffset: w.firstOffset(), lastOffset: w.lastOffset(), records: w.records, held: p.openHeld, durable: false };
    p.openHeld = 0;
    p.inflight.push(batch);
    this.stats.batches++;
    const records = w.records;
    const encoded = this.encode(p, w.buffer);
    // Handled below when the chain reaches it; until then a rejection must not count as unhandled.
    encoded.catch(() => {});
    // Submit in offset order: each submission waits for the previous one to be
    // handed over (not for it to be durable).
    p.submitChain = p.submitChain.then(async () => {
      let res: EncodeResult;
      try {
        res = await encoded;
      } catch (err) {
        if (this.givenUpOnShutdown(p, err)) return;
        if (!p.gone) this.failPartition(p, err as Error, batch);
        return;
      }
      this.stats.workerMicros += res.workerMicros;
      if (res.dropped) this.stats.transformDropped += res.dropped;
      // With a dead-letter topic the input stays until the batch is durable: the
      // sink may yet refuse a row, and the dead letter carries the original record.
      const keepInput = this.deadLetters !== undefined && this.sink.refusesRows === true;
      const releaseInput = () => this.releaseBuffer(w.buffer);
      try {
        if (p.gone || p.failed) return;
        if (res.failures.length > 0) {
          if (!this.deadLetters) {
            const f = res.failures[0]!;
            const error = new RecordError({ topic: p.topic, partition: p.partition, offset: String(f.offset) }, f.stage, f.reason);
            // The records before the bad one are written first, so a restart resumes exactly at it.
            if (f.index > 0) {
              await this.writePrefix(p, batch, w.buffer, f.index).catch((err: Error) =>
                this.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'records before the failed one could not be written; they will be read again'));
            }
            return this.failPartition(p, error, batch);
          }
          // Bad records reach the dead-letter topic before anything after them can be committed.
          await this.sendDeadLetters(p, w.buffer, res.failures).catch((err: Error) => this.failPartition(p, err));
          if (p.failed || p.gone) return;
        }
      } finally {
        // The worker is done with the input buffer, and so are the dead letters. (A kept
        // input is released once below; nothing is awaited between here and there.)
        if (!keepInput || p.gone || p.failed) releaseInput();
      }
      // The encoded output is what the batch holds now (and the input, when kept).
      // A kept input pins its whole (pooled) buffer, not just the bytes it used.
      const held = res.outputBytes + (keepInput ? w.buffer.byteLength : 0);
      this.account(p, held - batch.held);
      batch.held = held;
      const enc: EncodedBatch = {
        topic: p.topic, partition: p.partition, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset,
        records, rows: res.rows, tombstones: res.tombstones, output: res.output, outputBytes: res.outputBytes, meta: res.meta,
        ...(this.destinationOf ? { destination: this.destinationOf(p.topic) } : {}),
        ...(keepInput ? { deadLetter: (rejected) => this.sendDeadLetters(p, w.buffer, this.locate(w.buffer, rejected)) } : {}),
      };
      const submittedAt = performance.now();
      const durable = this.sink.submit(enc);
      if (keepInput) durable.then(releaseInput, releaseInput);
      durable.then(
        () => {
          const ms = performance.now() - submittedAt;
          this.stats.putBatches++;
          this.stats.putBatchMsTotal += ms;
          if (ms > this.stats.putBatchMsMax) this.stats.putBatchMsMax = ms;
          this.stats.rowsWritten += res.rows;
          this.stats.tombstones += res.tombstones;
          // A partition given up meanwhile has had its bytes released already.
          if (!p.gone) this.markDurable(p, batch);
        },
        (err: Error) => {
          // The new owner reads whatever this write did not make durable.
          if (this.givenUpOnShutdown(p, err)) return;
          if (p.gone) this.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'write for a partition no longer ours failed; its new owner reads it again');
          else this.failPartition(p, err, batch);
        },
      );
    });
  }

  /**
   * Writes the first `count` records of a batch whose record `count` failed,
   * and waits (within the grace period) until they are durable; the failed
   * batch then commits up to its bad record.
   */
  private async writePrefix(p: PartitionState, batch: InflightBatch, buffer: SharedArrayBuffer, count: number): Promise<void> {
    // The worker is done with this buffer: it now reads only the first `count` records.
    new Int32Array(buffer, 0, HEADER_INTS)[HDR_RECORD_COUNT] = count;
    const lastOffset = new BatchReader(buffer).offset(count - 1);
    const res = await this.encode(p, buffer);
    if (res.failures.length > 0) return;
    const durable = this.sink.submit({
      topic: p.topic, partition: p.partition, firstOffset: batch.firstOffset, lastOffset,
      records: count, rows: res.rows, tombstones: res.tombstones, output: res.output, outputBytes: res.outputBytes, meta: res.meta,
      ...(this.destinationOf ? { destination: this.destinationOf(p.topic) } : {}),
    });
    await this.sink.flush([p.tp]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('not durable within shutdown.grace.ms')), this.cfg['shutdown.grace.ms']);
    });
    try {
      await Promise.race([durable, timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.stats.rowsWritten += res.rows;
    this.stats.tombstones += res.tombstones;
    batch.durablePrefixNext = lastOffset + 1;
    if (p.inflight[0] === batch) p.durableNext = batch.durablePrefixNext;
    this.requestCommit();
  }

  /** A retry the end of a stop's grace period cut short: not a failure, the batch is read again after a restart. */
  private givenUpOnShutdown(p: PartitionState, err: unknown): boolean {
    if (!this.stopping || !(err instanceof RetryAbortedError)) return false;
    this.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'given up at shutdown; what was not written is read again on the next start');
    return true;
  }

  /** Sends a batch's failed records to the dead-letter topic, retrying; resolves once the broker has them. */
  private async sendDeadLetters(p: PartitionState, buffer: SharedArrayBuffer, failures: readonly RecordFailure[]): Promise<void> {
    await retryWithBackoff(() => this.deadLetters!.send(p.topic, new BatchReader(buffer), failures), {
      what: `sending ${failures.length} records to the dead-letter topic`, maxRetries: 10, initialDelayMs: 500,
      maxDelayMs: this.cfg['errors.retry.delay.max.ms'], timeoutMs: this.cfg['errors.retry.timeout'], log: this.log, signal: this.shutdown.signal,
    });
    if (this.deadLetters instanceof SkippedRecords) this.stats.skipped += failures.length;
    else this.stats.deadLettered += failures.length;
  }

  /** The records (by offset) a sink refused, as failures of the batch in `buffer`. */
  private locate(buffer: SharedArrayBuffer, rejected: readonly RejectedRecord[]): RecordFailure[] {
    const reader = new BatchReader(buffer);
    const index = new Map<number, number>();
    for (let i = 0; i < reader.count; i++) index.set(reader.offset(i), i);
    return rejected.map((r) => {
      const i = index.get(r.offset);
      if (i === undefined) throw new Error(`internal: offset ${r.offset} is not in the batch of partition ${reader.partition}`);
      return { index: i, offset: r.offset, stage: 'write', reason: r.reason };
    });
  }

  /** Encodes a batch; when the worker asks for a new plan (auto.create/evolve), lets the sink re-plan and tries again. */
  /**
   * Encodes a batch. An outage a worker reports (the schema registry
   * unreachable) is retried with backoff, the partition paused meanwhile; the
   * worker only reads the buffer, so the same batch is simply run again.
   */
  private async encode(p: PartitionState, batch: SharedArrayBuffer): Promise<EncodeResult> {
    let waiting = false;
    try {
      return await retryWithBackoff(async () => {
        if (p.gone) throw new Error(`partition ${p.partition} of ${p.topic} is no longer ours`);
        try {
          return await this.encodeOnce(p.topic, batch);
        } catch (err) {
          const outage = retriableFromWorker(err);
          if (!outage) throw err;
          if (!waiting) {
            waiting = true;
            this.beginOutage(p);
          }
          throw outage;
        }
      }, {
        what: `decoding a batch of ${p.topic} partition ${p.partition}`, maxRetries: 10, initialDelayMs: 500,
        maxDelayMs: this.cfg['errors.retry.delay.max.ms'], timeoutMs: this.cfg['errors.retry.timeout'], log: this.log, signal: this.shutdown.signal,
      });
    } finally {
      if (waiting) this.endOutage(p);
    }
  }

  private beginOutage(p: PartitionState): void {
    p.outages++;
    if (p.paused || p.gone) return;
    p.paused = true;
    this.source.pause([p.tp]);
    this.stats.pauses++;
  }

  private endOutage(p: PartitionState): void {
    p.outages--;
    // Backpressure resumes it when the budget allows.
    if (p.outages === 0) this.applyBackpressure();
  }

  private async encodeOnce(topic: string, batch: SharedArrayBuffer): Promise<EncodeResult> {
    for (let attempt = 1; ; attempt++) {
      const dest = this.destinationOf?.(topic) ?? topic;
      const plan = await this.sink.plan(dest);
      const res = await this.pool.run({ batch, topic, plan });
      if (res.replan === undefined) return res;
      if (!this.sink.replan || attempt > 5) {
        throw new SinkSchemaError(`the ${this.opts.config.sink} sink could not settle on a plan for topic "${dest}" after ${attempt} attempts`);
      }
      await this.sink.replan(dest, res.replan);
    }
  }

  private markDurable(p: PartitionState, batch: InflightBatch): void {
    batch.durable = true;
    this.sharedGc.release(batch.held);
    this.stats.recordsActive -= batch.records;
    this.account(p, -batch.held);
    batch.held = 0;
    // Advance only over the contiguous prefix of durable batches.
    while (p.inflight.length > 0 && p.inflight[0]!.durable) {
      p.durableNext = p.inflight.shift()!.lastOffset + 1;
    }
    const head = p.inflight[0];
    if (head?.durablePrefixNext !== undefined) p.durableNext = head.durablePrefixNext;
    this.applyBackpressure();
    this.requestCommit();
    if (p.inflight.length === 0) this.notifyDrained();
  }

  private commitRequested = false;
  private lastCommitAt = 0;

  /**
   * Commits soon after durability moves: at most one commit in flight and at
   * least offset.flush.interval.ms apart, so a crash re-delivers as little as
   * possible without flooding the group coordinator.
   */
  private requestCommit(): void {
    // While stopping, the final commit covers it.
    if (this.commitRequested || this.stopping) return;
    this.commitRequested = true;
    const wait = Math.max(0, this.lastCommitAt + this.cfg['offset.flush.interval.ms'] - performance.now());
    setTimeout(() => {
      void this.committing.then(() => {
        this.commitRequested = false;
        this.lastCommitAt = performance.now();
        return this.commitDurable();
      });
    }, wait);
  }

  // ---------------- backpressure ----------------

  private account(p: PartitionState, delta: number): void {
    p.heldBytes += delta;
    this.heldBytes += delta;
    this.stats.heldBytes = this.heldBytes;
    if (this.heldBytes > this.stats.peakHeldBytes) this.stats.peakHeldBytes = this.heldBytes;
  }

  /**
   * A batch buffer the engine is done with: kept for reuse (up to the pool's
   * cap), else let go to the collector. Reuse is what bounds memory: idle
   * buffers never raise the peak above what was in use at once, while a buffer
   * let go stays resident until every thread that saw it has collected it (a
   * first version that let buffers go whenever held bytes filled the budget
   * peaked at 954 MiB catching up a 3M-row backlog).
   */
  private releaseBuffer(buffer: SharedArrayBuffer): void {
    if (!this.buffers.release(buffer)) this.sharedGc.release(buffer.byteLength);
    this.stats.idleBufferBytes = this.buffers.idleBytes;
  }

  private applyBackpressure(): void {
    const toPause: PartitionState[] = [];
    const toResume: PartitionState[] = [];
    if (this.heldBytes > this.highWater) {
      // Pause the fullest partitions until the paused ones hold the excess.
      const active = [...this.partitions.values()].filter((p) => !p.paused && !p.gone).sort((a, b) => b.heldBytes - a.heldBytes);
      let excess = this.heldBytes - this.lowWater;
      for (const p of active) {
        // Pausing a partition that holds nothing frees nothing (and right after an
        // assignment librdkafka can lose its fetch start: librdkafka#2190).
        if (excess <= 0 || p.heldBytes <= 0) break;
        toPause.push(p);
        excess -= p.heldBytes;
      }
    }
    for (const p of this.partitions.values()) {
      if (p.gone) continue;
      if (!p.paused && p.heldBytes > this.partitionMax && !toPause.includes(p)) toPause.push(p);
      else if (p.paused && p.outages === 0 && this.heldBytes < this.lowWater && p.heldBytes < this.partitionMax / 2) toResume.push(p);
    }
    if (toPause.length > 0) {
      for (const p of toPause) p.paused = true;
      this.source.pause(toPause.map((p) => p.tp));
      this.stats.pauses += toPause.length;
      this.log.debug({ partitions: toPause.length, heldBytes: this.heldBytes }, 'paused');
    }
    if (toResume.length > 0 && !this.stopping) {
      for (const p of toResume) p.paused = false;
      this.source.resume(toResume.map((p) => p.tp));
      this.stats.resumes += toResume.length;
      this.log.debug({ partitions: toResume.length, heldBytes: this.heldBytes }, 'resumed');
    }
  }

  // ---------------- commits ----------------

  private commitDurable(only?: Set<string>, everything = false): Promise<void> {
    this.committing = this.committing.then(async () => {
      const offsets: PartitionOffset[] = [];
      const states: [PartitionState, number][] = [];
      for (const p of this.partitions.values()) {
        if (only && !only.has(p.key)) continue;
        if (p.durableNext !== undefined && (everything || p.durableNext !== p.committedNext)) {
          offsets.push({ topic: p.topic, partition: p.partition, offset: p.durableNext });
          states.push([p, p.durableNext]);
        }
      }
      if (offsets.length === 0) return;
      try {
        await this.source.commit(offsets);
        for (const [p, off] of states) p.committedNext = off;
        this.stats.commits++;
      } catch (err) {
        // A failed commit is retried on the next tick; the data is durable.
        this.stats.commitFailures++;
        this.log.warn({ err: errorMessage(err) }, 'offset commit failed; will retry');
      }
    });
    return this.committing;
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
    for (const [key, next] of positions) {
      const p = this.partitions.get(key);
      if (p && p.durableNext === undefined) p.durableNext = next;
    }
    if (positions.size > 0) this.requestCommit();
    return positions;
  }

  private async onRevoke(tps: TopicPartition[]): Promise<void> {
    const states = tps.map((tp) => this.partitions.get(tpKey(tp.topic, tp.partition))).filter((p): p is PartitionState => !!p);
    for (const p of states) this.sealAndDispatch(p);
    this.flushSink(states);
    // While stopping, the stop's own drain already spent (most of) the grace period.
    const grace = this.stopping ? Math.max(0, this.stopDeadline - performance.now()) : this.cfg['shutdown.grace.ms'];
    const drained = await this.waitDrained(states, grace);
    if (!drained) this.log.warn({ partitions: states.length }, 'revoked partitions did not drain in time; uncommitted work will be read again by the new owner');
    await this.commitDurable(new Set(states.map((p) => p.key)));
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

  /** Drops the partition's open batch (its records are read again after a restart); the partition stays. */
  private discardOpen(p: PartitionState): void {
    if (!p.open) return;
    this.stats.recordsActive -= p.open.records;
    this.releaseBuffer(p.open.buffer);
    p.open = null;
    this.account(p, -p.openHeld);
    p.openHeld = 0;
  }

  private forget(p: PartitionState): void {
    p.gone = true;
    for (const b of p.inflight) if (!b.durable) this.stats.recordsActive -= b.records;
    if (p.open) this.stats.recordsActive -= p.open.records;
    if (p.open) {
      this.releaseBuffer(p.open.buffer);
      p.open = null;
    }
    this.account(p, -p.heldBytes);
    this.partitions.delete(p.key);
    this.notifyDrained();
  }

  private drainWaiters: (() => void)[] = [];
  private notifyDrained(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /**
   * Waits until these partitions have nothing in flight that can still become
   * durable (for a failed partition: the batches before the failed one); false
   * on timeout, or when a partition fails meanwhile.
   */
  private async waitDrained(states: PartitionState[], timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const failedBefore = new Set(states.filter((p) => p.failed));
    const settled = (p: PartitionState) => p.gone || p.inflight.every((b) => b.durable || b.firstOffset >= p.failedFrom);
    for (;;) {
      if (states.every(settled)) {
        if (states.length > 0) await Promise.all(states.map((p) => p.submitChain));
        return states.every(settled);
      }
      if (states.some((p) => p.failed && !failedBefore.has(p) && !this.stopping)) return false;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  // ---------------- stopping ----------------

  private failPartition(p: PartitionState, err: Error, at?: InflightBatch): void {
    if (p.failed) return;
    p.failed = true;
    p.failedFrom = at?.firstOffset ?? -Infinity;
    this.notifyDrained();
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
    this.stopping = (async () => {
      this.log.info({ reason: reason.kind }, 'stopping: draining in-flight batches');
      this.stopDeadline = performance.now() + this.cfg['shutdown.grace.ms'];
      clearInterval(this.lingerTimer);
      clearInterval(this.commitTimer);
      await this.source.stop();
      const states = [...this.partitions.values()];
      if (reason.kind !== 'failed') for (const p of states) this.sealAndDispatch(p);
      // On a failure, open batches are dropped (read again after a restart), but
      // every partition's durable prefix is still committed, the failed one's too.
      else for (const p of states) this.discardOpen(p);
      this.flushSink(states, true);
      const drained = await this.waitDrained(states, Math.max(0, this.stopDeadline - performance.now()));
      if (!drained) this.log.warn('grace period over before every batch was durable; what is not committed will be read again');
      // Retry waits still running (registry, dead letters) end now.
      this.shutdown.abort();
      await this.commitDurable();
      await this.source.disconnect().catch((e) => this.log.warn({ err: errorMessage(e) }, 'kafka disconnect'));
      await this.pool.destroy().catch(() => {});
      await this.sink.close().catch(() => {});
      await this.deadLetters?.close();
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
