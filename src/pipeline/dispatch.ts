// Dispatch: a sealed batch goes to the worker pool (decode, convert, encode),
// then to the sink, in offset order per partition. Failed records go to the
// dead-letter hand-off (errors.tolerance=all) or stop the partition, after
// the records before them are written. Every path gives the batch's input
// buffer back exactly once.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { RecordError, RetryAbortedError, SinkSchemaError, errorMessage } from '../errors.js';
import type { EncodedBatch, Sink } from '../sinks/common/sink.js';
import { retryWithBackoff } from '../sinks/common/retry.js';
import { errorFromWorker, retriableFromWorker, type EncodeResult } from '../workers/protocol.js';
import { BatchReader, HDR_RECORD_COUNT, HEADER_INTS, type BatchWriter } from '../core/batch-layout.js';
import type { Backpressure } from './backpressure.js';
import type { BatchBuffers } from './batch-buffers.js';
import { locateRejected, type DeadLetterHandoff, type RetryLimits } from './dead-letter-handoff.js';
import type { EngineStats } from './engine-stats.js';
import type { InflightBatch, PartitionState } from './partition-state.js';
import type { WorkerPool } from './worker-pool.js';

/** What dispatch needs of the rest of the engine. */
export interface DispatchContext {
  readonly sink: Sink;
  /** The sink's kind, for messages. */
  readonly sinkName: string;
  readonly pool: WorkerPool;
  readonly buffers: BatchBuffers;
  readonly backpressure: Backpressure;
  /** errors.tolerance=all: where failed records go; undefined: a failed record stops its partition. */
  readonly deadLetters?: DeadLetterHandoff;
  /** Where a topic's batches go when a transform routes them by topic; undefined: their own topic. */
  readonly destinationOf?: (topic: string) => string;
  readonly retry: RetryLimits;
  /** shutdown.grace.ms: how long the records before a failed one may take to become durable. */
  readonly graceMs: number;
  readonly stats: EngineStats;
  readonly log: Logger;
  /** True once the engine is stopping. */
  stopping(): boolean;
  /** The batch is durable. */
  durable(p: PartitionState, batch: InflightBatch): void;
  /** The partition cannot go on: stop, committing what is durable before `at`. */
  failPartition(p: PartitionState, err: Error, at?: InflightBatch): void;
  requestCommit(): void;
}

export class Dispatcher {
  constructor(private readonly ctx: DispatchContext) {}

  /** Encodes the sealed batch in `w` now, and submits it once the partition's earlier batches are submitted. */
  dispatch(p: PartitionState, w: BatchWriter, batch: InflightBatch): void {
    const { ctx } = this;
    const records = batch.records;
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
        if (!p.gone) ctx.failPartition(p, err as Error, batch);
        return;
      }
      ctx.stats.workerMicros += res.workerMicros;
      if (res.dropped) ctx.stats.transformDropped += res.dropped;
      // With a dead-letter topic the input stays until the batch is durable: the
      // sink may yet refuse a row, and the dead letter carries the original record.
      const keepInput = ctx.deadLetters !== undefined && ctx.sink.refusesRows === true;
      // A sink that refuses rows only within submit(): the input is kept that long (see below).
      const keepWhileSubmitting = ctx.deadLetters !== undefined && !keepInput && ctx.sink.refusesOnSubmit === true;
      const releaseInput = () => ctx.buffers.release(w.buffer);
      try {
        if (p.gone || p.failed) return;
        if (res.failures.length > 0) {
          if (!ctx.deadLetters) {
            const f = res.failures[0]!;
            const error = new RecordError({ topic: p.topic, partition: p.partition, offset: String(f.offset) }, f.stage, f.reason);
            // The records before the bad one are written first, so a restart resumes exactly at it.
            if (f.index > 0) {
              await this.writePrefix(p, batch, w.buffer, f.index).catch((err: Error) =>
                ctx.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'records before the failed one could not be written; they will be read again'));
            }
            return ctx.failPartition(p, error, batch);
          }
          // Bad records reach the dead-letter topic before anything after them can be committed.
          await ctx.deadLetters.send(p.topic, w.buffer, res.failures).catch((err: Error) => ctx.failPartition(p, err));
          if (p.failed || p.gone) return;
        }
      } finally {
        // The worker is done with the input buffer, and so are the dead letters. (A kept
        // input is released once below; nothing is awaited between here and there.)
        if ((!keepInput && !keepWhileSubmitting) || p.gone || p.failed) releaseInput();
      }
      // The encoded output is what the batch holds now (and the input, when kept).
      // A kept input pins its whole (pooled) buffer, not just the bytes it used.
      const held = res.outputBytes + (keepInput ? w.buffer.byteLength : 0);
      ctx.backpressure.account(p, held - batch.held);
      batch.held = held;
      const deadLetters = ctx.deadLetters;
      const enc: EncodedBatch = {
        topic: p.topic, partition: p.partition, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset,
        records, rows: res.rows, tombstones: res.tombstones, output: res.output, outputBytes: res.outputBytes, meta: res.meta,
        ...(ctx.destinationOf ? { destination: ctx.destinationOf(p.topic) } : {}),
        ...(keepInput && deadLetters ? { deadLetter: (rejected) => deadLetters.send(p.topic, w.buffer, locateRejected(w.buffer, rejected)) } : {}),
        ...(keepWhileSubmitting && deadLetters ? { deadLetter: (rejected) => {
          if (!sentWhileSubmitting) throw new Error('internal: dead letters after submit() returned');
          const sent = deadLetters.send(p.topic, w.buffer, locateRejected(w.buffer, rejected));
          sentWhileSubmitting.push(sent);
          return sent;
        } } : {}),
      };
      let sentWhileSubmitting: Promise<void>[] | undefined = keepWhileSubmitting ? [] : undefined;
      const submittedAt = performance.now();
      const durable = ctx.sink.submit(enc);
      if (keepInput) durable.then(releaseInput, releaseInput);
      if (sentWhileSubmitting) {
        void Promise.allSettled(sentWhileSubmitting).then(releaseInput);
        sentWhileSubmitting = undefined;
      }
      durable.then(
        () => {
          const ms = performance.now() - submittedAt;
          ctx.stats.putBatches++;
          ctx.stats.putBatchMsTotal += ms;
          if (ms > ctx.stats.putBatchMsMax) ctx.stats.putBatchMsMax = ms;
          ctx.stats.rowsWritten += res.rows;
          ctx.stats.tombstones += res.tombstones;
          // A partition given up meanwhile has had its bytes released already.
          if (!p.gone) ctx.durable(p, batch);
        },
        (err: Error) => {
          // The new owner reads whatever this write did not make durable.
          if (this.givenUpOnShutdown(p, err)) return;
          if (p.gone) ctx.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'write for a partition no longer ours failed; its new owner reads it again');
          else ctx.failPartition(p, err, batch);
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
    const { ctx } = this;
    // The worker is done with this buffer: it now reads only the first `count` records.
    new Int32Array(buffer, 0, HEADER_INTS)[HDR_RECORD_COUNT] = count;
    const lastOffset = new BatchReader(buffer).offset(count - 1);
    const res = await this.encode(p, buffer);
    if (res.failures.length > 0) return;
    const durable = ctx.sink.submit({
      topic: p.topic, partition: p.partition, firstOffset: batch.firstOffset, lastOffset,
      records: count, rows: res.rows, tombstones: res.tombstones, output: res.output, outputBytes: res.outputBytes, meta: res.meta,
      ...(ctx.destinationOf ? { destination: ctx.destinationOf(p.topic) } : {}),
    });
    await ctx.sink.flush([p.tp]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('not durable within shutdown.grace.ms')), ctx.graceMs);
    });
    try {
      await Promise.race([durable, timeout]);
    } finally {
      clearTimeout(timer);
    }
    ctx.stats.rowsWritten += res.rows;
    ctx.stats.tombstones += res.tombstones;
    p.markPrefixDurable(batch, lastOffset + 1);
    ctx.requestCommit();
  }

  /** A retry the end of a stop's grace period cut short: not a failure, the batch is read again after a restart. */
  private givenUpOnShutdown(p: PartitionState, err: unknown): boolean {
    if (!this.ctx.stopping() || !(err instanceof RetryAbortedError)) return false;
    this.ctx.log.warn({ topic: p.topic, partition: p.partition, err: errorMessage(err) }, 'given up at shutdown; what was not written is read again on the next start');
    return true;
  }

  /**
   * Encodes a batch. An outage a worker reports (the schema registry
   * unreachable) is retried with backoff, the partition paused meanwhile; the
   * worker only reads the buffer, so the same batch is simply run again.
   */
  private async encode(p: PartitionState, batch: SharedArrayBuffer): Promise<EncodeResult> {
    const { ctx } = this;
    let waiting = false;
    try {
      return await retryWithBackoff(async () => {
        if (p.gone) throw new Error(`partition ${p.partition} of ${p.topic} is no longer ours`);
        try {
          return await this.encodeOnce(p.topic, batch);
        } catch (err) {
          const outage = retriableFromWorker(err);
          if (!outage) throw errorFromWorker(err) ?? err;
          if (!waiting) {
            waiting = true;
            ctx.backpressure.beginOutage(p);
          }
          throw outage;
        }
      }, {
        what: `decoding a batch of ${p.topic} partition ${p.partition}`, maxRetries: 10, initialDelayMs: 500,
        maxDelayMs: ctx.retry.maxDelayMs, timeoutMs: ctx.retry.timeoutMs, log: ctx.log, signal: ctx.retry.signal,
      });
    } finally {
      if (waiting) ctx.backpressure.endOutage(p);
    }
  }

  /** Encodes a batch; when the worker asks for a new plan (auto.create/evolve), lets the sink re-plan and tries again. */
  private async encodeOnce(topic: string, batch: SharedArrayBuffer): Promise<EncodeResult> {
    const { ctx } = this;
    for (let attempt = 1; ; attempt++) {
      const dest = ctx.destinationOf?.(topic) ?? topic;
      const plan = await ctx.sink.plan(dest);
      const res = await ctx.pool.encode({ batch, topic, plan, collect: ctx.buffers.dropGenerations });
      if (res.replan === undefined) return res;
      if (!ctx.sink.replan || attempt > 5) {
        throw new SinkSchemaError(`the ${ctx.sinkName} sink could not settle on a plan for topic "${dest}" after ${attempt} attempts`);
      }
      await ctx.sink.replan(dest, res.replan);
    }
  }
}
