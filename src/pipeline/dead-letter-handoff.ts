// errors.tolerance=all: a batch's failed records handed to the dead-letter
// topic (or skipped, without one), retried until the broker has them, before
// anything after them can be committed.
import type { Logger } from 'pino';
import type { RejectedRecord } from '../sinks/common/sink.js';
import { retryWithBackoff } from '../sinks/common/retry.js';
import type { RecordFailure } from '../workers/protocol.js';
import { BatchReader } from '../core/batch-layout.js';
import type { EngineStats } from './engine-stats.js';

/** Where failed records go: DeadLetterQueue (a topic) or SkippedRecords (logged and counted). */
export interface DeadLetterSink {
  /** True when the records are skipped (logged and counted), not sent to a topic. */
  readonly skips?: boolean;
  /** Resolves once the records may be committed past. */
  send(topic: string, reader: BatchReader, failures: readonly RecordFailure[]): Promise<void>;
  close(): Promise<void>;
}

export interface RetryLimits {
  maxDelayMs: number;
  timeoutMs: number;
  /** Aborted when a stop's grace period is over. */
  signal: AbortSignal;
}

export class DeadLetterHandoff {
  constructor(
    private readonly target: DeadLetterSink,
    private readonly limits: RetryLimits,
    private readonly stats: EngineStats,
    private readonly log: Logger,
  ) {}

  /** Sends a batch's failed records, retrying; resolves once the broker has them. */
  async send(topic: string, buffer: SharedArrayBuffer, failures: readonly RecordFailure[]): Promise<void> {
    await retryWithBackoff(() => this.target.send(topic, new BatchReader(buffer), failures), {
      what: `sending ${failures.length} records to the dead-letter topic`, maxRetries: 10, initialDelayMs: 500,
      maxDelayMs: this.limits.maxDelayMs, timeoutMs: this.limits.timeoutMs, log: this.log, signal: this.limits.signal,
    });
    if (this.target.skips === true) this.stats.skipped += failures.length;
    else this.stats.deadLettered += failures.length;
  }

  close(): Promise<void> {
    return this.target.close();
  }
}

/** The records (by offset) a sink refused, as failures of the batch in `buffer`. */
export function locateRejected(buffer: SharedArrayBuffer, rejected: readonly RejectedRecord[]): RecordFailure[] {
  const reader = new BatchReader(buffer);
  const index = new Map<number, number>();
  for (let i = 0; i < reader.count; i++) index.set(reader.offset(i), i);
  return rejected.map((r) => {
    const i = index.get(r.offset);
    if (i === undefined) throw new Error(`internal: offset ${r.offset} is not in the batch of partition ${reader.partition}`);
    return { index: i, offset: r.offset, stage: 'write', reason: r.reason, ...(r.exceptionClass ? { exceptionClass: r.exceptionClass } : {}) };
  });
}
