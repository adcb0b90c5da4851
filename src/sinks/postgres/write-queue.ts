// The PostgreSQL sink's write queue for one table (or, with a ${source.…}
// table format, one topic): batches in submission order, written as groups
// by the GroupWriter (writer.ts), as many as are ready and share each table's
// plan in ONE transaction. A batch's promise resolves only after its group's
// COMMIT (the rule in sinks/common/sink.ts), or when the batch is dropped
// because its partition is no longer this instance's.
import { Waiters } from '../../core/waiters.js';
import { tpKey } from '../common/sink.js';
import type { Claims } from './offsets.js';
import type { TableState } from './planner.js';
import type { GroupWriter, Pending } from './writer.js';

/** A group of batches larger than this is split over several transactions. */
const MAX_GROUP_BYTES = 64 * 1024 * 1024;

export class WriteQueue {
  private readonly queue: Pending[] = [];
  private running = false;
  /** The group being written now: drop() leaves it alone, its transaction decides. */
  private writing: ReadonlySet<Pending> = new Set();
  private readonly idleWaiters = new Waiters();

  constructor(
    private readonly writer: GroupWriter,
    private readonly claims: Claims,
  ) {}

  submit(p: Pending): void {
    this.queue.push(p);
    if (!this.running) void this.run();
  }

  /** Forgets queued batches of these partitions; their promises resolve (the engine has let them go). */
  drop(keys: Set<string>): void {
    this.resolveWhere((p) => keys.has(tpKey(p.batch.topic, p.batch.partition)) && !this.writing.has(p));
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Resolves once everything submitted so far is written or failed. */
  async whenIdle(): Promise<void> {
    await this.idleWaiters.until(() => this.idle);
  }

  /** Takes the batches `drop` picks out of the queue and resolves them: they are not written by this instance. */
  private resolveWhere(drop: (p: Pending) => boolean): void {
    const dropped: Pending[] = [];
    let kept = 0;
    for (const p of this.queue) {
      if (drop(p)) dropped.push(p);
      else this.queue[kept++] = p;
    }
    this.queue.length = kept;
    for (const p of dropped) p.resolve();
  }

  private nextGroup(): Pending[] {
    // Batches already claimed by another instance (or from an earlier assignment) are never written.
    this.resolveWhere((p) => !this.claims.holds(p.batch.topic, p.batch.partition, p.claim));
    let bytes = 0;
    let n = 0;
    // Batches of a group share each table's plan: their tuples go into one COPY per table.
    const planOf = new Map<TableState, number>();
    const fits = (p: Pending) => p.segments.every((g) => (planOf.get(g.state) ?? g.plan.id) === g.plan.id);
    while (n < this.queue.length) {
      const p = this.queue[n]!;
      if (n > 0 && (!fits(p) || bytes + p.batch.outputBytes > MAX_GROUP_BYTES)) break;
      for (const g of p.segments) planOf.set(g.state, g.plan.id);
      bytes += p.batch.outputBytes;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.nextGroup();
        if (group.length === 0) continue;
        let fenced: Set<string>;
        this.writing = new Set(group);
        try {
          fenced = await this.writer.write(group);
        } catch (err) {
          // Not retriable (or retries exhausted): fail this group and everything
          // queued behind it, since order must hold.
          const rest = this.queue.splice(0);
          for (const p of rest) p.reject(err as Error);
          return;
        }
        if (fenced.size > 0) {
          // Another instance owns these partitions now: drop their batches and write the rest again.
          this.resolveWhere((p) => fenced.has(tpKey(p.batch.topic, p.batch.partition)));
          continue;
        }
        // By identity: drop() may have taken queued batches out meanwhile, never this group's.
        for (const p of group) this.queue.splice(this.queue.indexOf(p), 1);
        for (const p of group) p.resolve();
      }
    } finally {
      this.writing = new Set();
      this.running = false;
      this.idleWaiters.wake();
    }
  }
}
