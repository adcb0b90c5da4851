// Backpressure: one budget of bytes held across every partition of every
// engine that shares it (inflight.max.bytes is per process, however many
// connectors run in it), plus a per-partition cap. Over the high-water mark
// the fullest partitions are paused until the paused ones hold the excess;
// they resume below the low-water mark. Engines report the bytes their
// partitions hold; the budget decides who pauses and resumes.

/** A partition as the budget sees it. */
export interface BudgetPartition {
  /** Bytes this partition's batches hold now. */
  readonly heldBytes: number;
  paused: boolean;
  readonly gone: boolean;
  /** Outages (schema registry) the partition waits out: it stays paused meanwhile. */
  readonly outages: number;
}

/** An engine as the budget sees it: its partitions, and how to pause and resume them. */
export interface BudgetMember {
  partitions(): Iterable<BudgetPartition>;
  /** A partition holding more than this is paused whatever the budget (partition.max.bytes). */
  readonly partitionMaxBytes: number;
  /** False while stopping: nothing is resumed then. */
  readonly resumable: boolean;
  pause(partitions: BudgetPartition[]): void;
  resume(partitions: BudgetPartition[]): void;
}

export class MemoryBudget {
  private held = 0;
  private peak = 0;
  private reserved = 0;
  private readonly members = new Set<BudgetMember>();
  /** Idle batch buffers kept for reuse by every engine, and what each engine's pool alone may keep. */
  private idle = 0;
  private readonly idleCaps = new Map<object, number>();

  /** `maxBytes`: inflight.max.bytes, for everything held in this process. */
  constructor(readonly maxBytes: number) {}

  /**
   * Memory outside the batches that still counts against the budget (a
   * consumer's prefetch); the batches get the rest, but at least half.
   */
  reserve(bytes: number): void {
    this.reserved += bytes;
  }

  unreserve(bytes: number): void {
    this.reserved -= bytes;
  }

  /** Above this, the fullest partitions are paused. */
  get highWater(): number {
    return Math.max(this.maxBytes - this.reserved, Math.floor(this.maxBytes / 2));
  }

  /** Paused partitions resume below this. */
  get lowWater(): number {
    return Math.floor(this.highWater / 2);
  }

  get heldBytes(): number {
    return this.held;
  }

  get peakHeldBytes(): number {
    return this.peak;
  }

  join(member: BudgetMember): void {
    this.members.add(member);
  }

  leave(member: BudgetMember): void {
    this.members.delete(member);
  }

  /** Bytes now held (delta > 0) or let go (delta < 0); apply() decides what that changes. */
  add(delta: number): void {
    this.held += delta;
    if (this.held > this.peak) this.peak = this.held;
  }

  /**
   * An engine's pool of idle batch buffers may keep up to `capBytes`; all
   * pools together keep no more than the largest of those caps, so engines
   * sharing the budget do not each keep a budget's worth of idle buffers.
   */
  setIdleCap(owner: object, capBytes: number | undefined): void {
    if (capBytes === undefined) this.idleCaps.delete(owner);
    else this.idleCaps.set(owner, capBytes);
  }

  /** True when an idle buffer of `bytes` may be kept (it is then counted until takeIdle). */
  keepIdle(bytes: number): boolean {
    let cap = 0;
    for (const c of this.idleCaps.values()) cap = Math.max(cap, c);
    if (this.idle + bytes > cap) return false;
    this.idle += bytes;
    return true;
  }

  /** Idle buffers of `bytes` were reused or let go. */
  takeIdle(bytes: number): void {
    this.idle -= bytes;
  }

  get idleBytes(): number {
    return this.idle;
  }

  /** Pauses and resumes partitions of every member to keep held bytes within the budget. */
  apply(): void {
    const toPause = new Map<BudgetMember, BudgetPartition[]>();
    const pausing = new Set<BudgetPartition>();
    const pause = (m: BudgetMember, p: BudgetPartition) => {
      pausing.add(p);
      const list = toPause.get(m);
      if (list) list.push(p);
      else toPause.set(m, [p]);
    };
    if (this.held > this.highWater) {
      // Pause the fullest partitions until the paused ones hold the excess.
      const active: [BudgetMember, BudgetPartition][] = [];
      for (const m of this.members) for (const p of m.partitions()) if (!p.paused && !p.gone) active.push([m, p]);
      active.sort((a, b) => b[1].heldBytes - a[1].heldBytes);
      let excess = this.held - this.lowWater;
      for (const [m, p] of active) {
        // Pausing a partition that holds nothing frees nothing (and right after an
        // assignment librdkafka can lose its fetch start: librdkafka#2190).
        if (excess <= 0 || p.heldBytes <= 0) break;
        pause(m, p);
        excess -= p.heldBytes;
      }
    }
    const toResume = new Map<BudgetMember, BudgetPartition[]>();
    for (const m of this.members) {
      const cap = Math.min(m.partitionMaxBytes, this.highWater);
      const resume: BudgetPartition[] = [];
      for (const p of m.partitions()) {
        if (p.gone) continue;
        if (!p.paused && p.heldBytes > cap && !pausing.has(p)) pause(m, p);
        else if (p.paused && p.outages === 0 && this.held < this.lowWater && p.heldBytes < cap / 2) resume.push(p);
      }
      if (resume.length > 0 && m.resumable) toResume.set(m, resume);
    }
    for (const [m, ps] of toPause) {
      for (const p of ps) p.paused = true;
      m.pause(ps);
    }
    for (const [m, ps] of toResume) {
      for (const p of ps) p.paused = false;
      m.resume(ps);
    }
  }
}
