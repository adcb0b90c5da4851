// What the engine tracks per assigned partition: its open batch, the batches
// in flight in offset order, and the offsets those make durable. A commit may
// say only the next offset after the contiguous durable prefix: a batch that
// became durable after a later one, or a later one alone, moves nothing.
import { tpKey, type TopicPartition } from '../core/topic-partition.js';
import type { BatchWriter } from '../core/batch-layout.js';
import type { BudgetPartition } from './memory-budget.js';

export interface InflightBatch {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly records: number;
  /** Bytes this batch holds against the budget right now. */
  held: number;
  durable: boolean;
  /** The batch failed at a record, but the records before it were written: the next offset to commit. */
  durablePrefixNext?: number;
}

/** Offset tracking of one partition: the durable prefix, and what was committed of it. */
export class PartitionOffsets {
  readonly inflight: InflightBatch[] = [];
  /** Next offset after the contiguous durable prefix; what a commit may say. */
  durableNext: number | undefined;
  committedNext: number | undefined;
  /** First offset of the batch that failed: batches before it may still become durable and be committed. */
  failedFrom = Infinity;

  /** A sealed batch, in offset order after the ones before it. */
  track(batch: InflightBatch): void {
    this.inflight.push(batch);
  }

  /** The batch is durable: the durable prefix advances over every durable batch at its head. */
  markDurable(batch: InflightBatch): void {
    batch.durable = true;
    while (this.inflight.length > 0 && this.inflight[0]!.durable) {
      this.durableNext = this.inflight.shift()!.lastOffset + 1;
    }
    const head = this.inflight[0];
    if (head?.durablePrefixNext !== undefined) this.durableNext = head.durablePrefixNext;
  }

  /** The records of a failed batch before `next` are durable: a commit may say `next` once the batch is at the head. */
  markPrefixDurable(batch: InflightBatch, next: number): void {
    batch.durablePrefixNext = next;
    if (this.inflight[0] === batch) this.durableNext = next;
  }

  /** A position known durable without a batch (an exactly-once sink's stored position), unless one is known already. */
  startAt(next: number): void {
    if (this.durableNext === undefined) this.durableNext = next;
  }

  /** Nothing in flight can still become durable: every batch is durable, or at or after the failed one. */
  get settled(): boolean {
    return this.inflight.every((b) => b.durable || b.firstOffset >= this.failedFrom);
  }

  /** The offset a commit should say now: undefined when nothing is durable, or (unless `everything`) nothing new. */
  toCommit(everything: boolean): number | undefined {
    if (this.durableNext === undefined) return undefined;
    return everything || this.durableNext !== this.committedNext ? this.durableNext : undefined;
  }
}

export class PartitionState extends PartitionOffsets implements BudgetPartition {
  readonly key: string;
  open: BatchWriter | null = null;
  openSince = 0;
  /** Bytes the open batch holds against the budget. */
  openHeld = 0;
  /** Submissions to the sink happen in offset order through this chain. */
  submitChain: Promise<void> = Promise.resolve();
  heldBytes = 0;
  paused = false;
  /** Batches of this partition waiting out an outage (schema registry): it stays paused meanwhile. */
  outages = 0;
  gone = false;
  failed = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    super();
    this.key = tpKey(topic, partition);
  }
  get tp(): TopicPartition {
    return { topic: this.topic, partition: this.partition };
  }
}
