import { describe, expect, it } from 'vitest';
import { MemoryBudget, type BudgetMember, type BudgetPartition } from '../../../src/pipeline/memory-budget.js';

class Part implements BudgetPartition {
  paused = false;
  gone = false;
  outages = 0;
  constructor(
    readonly name: string,
    public heldBytes = 0,
  ) {}
}

class Member implements BudgetMember {
  resumable = true;
  readonly paused: string[] = [];
  readonly resumed: string[] = [];
  readonly parts: Part[];
  constructor(
    readonly partitionMaxBytes: number,
    ...parts: Part[]
  ) {
    this.parts = parts;
  }
  partitions(): Iterable<BudgetPartition> {
    return this.parts;
  }
  pause(ps: BudgetPartition[]): void {
    this.paused.push(...ps.map((p) => (p as Part).name));
  }
  resume(ps: BudgetPartition[]): void {
    this.resumed.push(...ps.map((p) => (p as Part).name));
  }
}

const MiB = 1024 * 1024;

/** Sets a partition's bytes and tells the budget, as an engine does. */
function hold(budget: MemoryBudget, p: Part, bytes: number): void {
  budget.add(bytes - p.heldBytes);
  p.heldBytes = bytes;
}

describe('MemoryBudget', () => {
  it('keeps what reservations (prefetch) leave, but at least half', () => {
    const b = new MemoryBudget(100 * MiB);
    expect(b.highWater).toBe(100 * MiB);
    b.reserve(12 * MiB);
    expect(b.highWater).toBe(88 * MiB);
    expect(b.lowWater).toBe(44 * MiB);
    b.reserve(60 * MiB);
    expect(b.highWater).toBe(50 * MiB);
    b.unreserve(72 * MiB);
    expect(b.highWater).toBe(100 * MiB);
  });

  it('over the high-water mark pauses the fullest partitions until they hold the excess, none that hold nothing', () => {
    const b = new MemoryBudget(100);
    const [p1, p2, p3, p4] = [new Part('a', 0), new Part('b', 0), new Part('c', 0), new Part('empty', 0)];
    const m = new Member(1000, p1, p2, p3, p4);
    b.join(m);
    hold(b, p1, 30);
    hold(b, p2, 50);
    hold(b, p3, 25);
    b.apply();
    // 105 held, low water 50: pausing b (50) leaves an excess of 5, then a (30) covers it.
    expect(m.paused).toEqual(['b', 'a']);
    expect(p4.paused).toBe(false);
  });

  it('resumes a paused partition once the total is under the low-water mark and it holds under half its cap', () => {
    const b = new MemoryBudget(100);
    const p = new Part('a');
    const m = new Member(1000, p);
    b.join(m);
    hold(b, p, 120);
    b.apply();
    expect(m.paused).toEqual(['a']);
    hold(b, p, 60);
    b.apply();
    expect(m.resumed).toEqual([]);
    hold(b, p, 49);
    b.apply();
    expect(m.resumed).toEqual(['a']);
    expect(p.paused).toBe(false);
  });

  it('pauses a partition over its own cap whatever the total, and resumes it under half the cap', () => {
    const b = new MemoryBudget(10_000);
    const [big, small] = [new Part('big'), new Part('small')];
    const m = new Member(100, big, small);
    b.join(m);
    hold(b, big, 101);
    hold(b, small, 99);
    b.apply();
    expect(m.paused).toEqual(['big']);
    hold(b, big, 50);
    b.apply();
    expect(m.resumed).toEqual([]);
    hold(b, big, 49);
    b.apply();
    expect(m.resumed).toEqual(['big']);
  });

  it('keeps a partition waiting out an outage paused, and resumes nothing of a member that is stopping', () => {
    const b = new MemoryBudget(100);
    const [p, q] = [new Part('outage'), new Part('stopping')];
    const m1 = new Member(1000, p);
    const m2 = new Member(1000, q);
    b.join(m1);
    b.join(m2);
    p.paused = true;
    p.outages = 1;
    q.paused = true;
    m2.resumable = false;
    b.apply();
    expect(m1.resumed).toEqual([]);
    expect(m2.resumed).toEqual([]);
    p.outages = 0;
    b.apply();
    expect(m1.resumed).toEqual(['outage']);
  });

  it('is one budget for every engine that shares it: the fullest partition of any engine pauses, and resumes when another engine lets go', () => {
    const b = new MemoryBudget(100);
    const [a1, b1] = [new Part('A/0'), new Part('B/0')];
    const engineA = new Member(1000, a1);
    const engineB = new Member(1000, b1);
    b.join(engineA);
    b.join(engineB);
    hold(b, a1, 40);
    hold(b, b1, 70);
    // Engine A's poll applies the budget: B's partition is the fullest and pauses, A's does not.
    b.apply();
    expect(engineB.paused).toEqual(['B/0']);
    expect(engineA.paused).toEqual([]);
    // A lets go of its bytes; B's are still held: nothing resumes until the total is under 50.
    hold(b, a1, 0);
    b.apply();
    expect(engineB.resumed).toEqual([]);
    hold(b, b1, 10);
    b.apply();
    expect(engineB.resumed).toEqual(['B/0']);
    // A member that leaves takes its partitions out of the decisions.
    b.leave(engineB);
    hold(b, b1, 500);
    b.apply();
    expect(engineB.paused).toEqual(['B/0']);
  });

  it('counts the peak of what was held', () => {
    const b = new MemoryBudget(100);
    b.add(70);
    b.add(-50);
    b.add(10);
    expect(b.heldBytes).toBe(30);
    expect(b.peakHeldBytes).toBe(70);
  });
});
