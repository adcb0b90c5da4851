// One engine's side of backpressure: the bytes its partitions hold, reported
// to the (possibly shared) MemoryBudget, and the pauses and resumes the budget
// or an outage asks for, carried out on the source.
import type { Logger } from 'pino';
import type { TopicPartition } from '../core/topic-partition.js';
import type { EngineStats } from './engine-stats.js';
import type { BudgetMember, BudgetPartition, MemoryBudget } from './memory-budget.js';
import type { PartitionState } from './partition-state.js';

export class Backpressure implements BudgetMember {
  /** Bytes this engine's partitions hold (the budget may count other engines' too). */
  private held = 0;
  private stopping = false;

  constructor(
    private readonly budget: MemoryBudget,
    private readonly states: () => Iterable<PartitionState>,
    private readonly source: { pause(tps: TopicPartition[]): void; resume(tps: TopicPartition[]): void },
    readonly partitionMaxBytes: number,
    private readonly stats: EngineStats,
    private readonly log: Logger,
  ) {
    budget.join(this);
  }

  partitions(): Iterable<BudgetPartition> {
    return this.states();
  }

  get resumable(): boolean {
    return !this.stopping;
  }

  /** Nothing resumes from now on (stopping). */
  halt(): void {
    this.stopping = true;
  }

  /** The engine is gone: its partitions no longer count. */
  leave(): void {
    this.budget.add(-this.held);
    this.held = 0;
    this.stats.heldBytes = 0;
    this.budget.leave(this);
  }

  /** The partition holds `delta` more bytes (less when negative). */
  account(p: PartitionState, delta: number): void {
    p.heldBytes += delta;
    this.held += delta;
    this.budget.add(delta);
    this.stats.heldBytes = this.held;
    if (this.held > this.stats.peakHeldBytes) this.stats.peakHeldBytes = this.held;
  }

  get heldBytes(): number {
    return this.held;
  }

  apply(): void {
    this.budget.apply();
  }

  pause(ps: BudgetPartition[]): void {
    this.source.pause((ps as PartitionState[]).map((p) => p.tp));
    this.stats.pauses += ps.length;
    this.log.debug({ partitions: ps.length, heldBytes: this.budget.heldBytes }, 'paused');
  }

  resume(ps: BudgetPartition[]): void {
    this.source.resume((ps as PartitionState[]).map((p) => p.tp));
    this.stats.resumes += ps.length;
    this.log.debug({ partitions: ps.length, heldBytes: this.budget.heldBytes }, 'resumed');
  }

  /** The partition waits out an outage (schema registry): paused until every outage of it ends. */
  beginOutage(p: PartitionState): void {
    p.outages++;
    if (p.paused || p.gone) return;
    p.paused = true;
    this.source.pause([p.tp]);
    this.stats.pauses++;
  }

  endOutage(p: PartitionState): void {
    p.outages--;
    // Backpressure resumes it when the budget allows.
    if (p.outages === 0) this.apply();
  }
}
