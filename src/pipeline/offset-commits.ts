// Commits: each partition's durable prefix (partition-state.ts) is committed
// soon after it moves, at most one commit in flight and at least
// offset.flush.interval.ms apart, so a crash re-delivers as little as possible
// without flooding the group coordinator. A timer retries failed commits, and
// every few ticks commits every durable position again, changed or not: during
// a cooperative rebalance the broker can drop a commit the client reported as
// done, and this repairs it (and keeps lag metrics true).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { PartitionOffset } from '../source/source.js';
import type { EngineStats } from './engine-stats.js';
import type { PartitionState } from './partition-state.js';

export class OffsetCommitter {
  private committing: Promise<void> = Promise.resolve();
  private requested = false;
  private lastCommitAt = 0;
  private halted = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly partitions: () => Iterable<PartitionState>,
    private readonly intervalMs: number,
    private readonly stats: EngineStats,
    private readonly log: Logger,
  ) {}

  /** Starts the safety-net timer. */
  start(): void {
    let ticks = 0;
    this.timer = setInterval(() => void this.commitDurable(undefined, ++ticks % 5 === 0), Math.max(1000, this.intervalMs));
  }

  /** Stopping: no more timed or requested commits (the stop's final commit covers them). */
  halt(): void {
    this.halted = true;
    clearInterval(this.timer);
  }

  /** Durability moved: commit soon (rate-limited). */
  request(): void {
    if (this.requested || this.halted) return;
    this.requested = true;
    const wait = Math.max(0, this.lastCommitAt + this.intervalMs - performance.now());
    setTimeout(() => {
      void this.committing.then(() => {
        this.requested = false;
        this.lastCommitAt = performance.now();
        return this.commitDurable();
      });
    }, wait);
  }

  /**
   * Commits the durable prefix of the partitions (of `only`, by key), where it
   * moved since the last commit, or every one with `everything`. Commits run
   * one at a time, in the order asked; a failure is logged and retried later.
   */
  commitDurable(only?: ReadonlySet<string>, everything = false): Promise<void> {
    this.committing = this.committing.then(async () => {
      const offsets: PartitionOffset[] = [];
      const states: [PartitionState, number][] = [];
      for (const p of this.partitions()) {
        if (only && !only.has(p.key)) continue;
        const next = p.toCommit(everything);
        if (next === undefined) continue;
        offsets.push({ topic: p.topic, partition: p.partition, offset: next });
        states.push([p, next]);
      }
      if (offsets.length === 0) return;
      try {
        await this.commit(offsets);
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
}
