// The PostgreSQL sink's write queue with a fake group writer: order, grouping
// by plan, fencing, failures and idleness, without a database.
import { describe, expect, it } from 'vitest';
import type { EncodedBatch } from '../../src/sinks/common/sink.js';
import { tpKey } from '../../src/sinks/common/sink.js';
import { Claims, type Claim } from '../../src/sinks/postgres/offsets.js';
import { TableState } from '../../src/sinks/postgres/planner.js';
import type { PgPlan } from '../../src/sinks/postgres/protocol.js';
import { WriteQueue } from '../../src/sinks/postgres/write-queue.js';
import type { GroupWriter, Pending } from '../../src/sinks/postgres/writer.js';

const table = new TableState({ table: 't' });
const plan = (id: number) => ({ id, table: '"t"' }) as unknown as PgPlan;

interface Submitted {
  pending: Pending;
  settled: Promise<'resolved' | Error>;
}

function batch(partition: number, firstOffset: number, planId = 1, claim?: Claim, outputBytes = 10): Submitted {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  const b = { topic: 'x', partition, firstOffset, lastOffset: firstOffset + 9, records: 10, rows: 10, tombstones: 0, output: null, outputBytes } as EncodedBatch;
  const pending: Pending = {
    batch: b,
    segments: [
      { output: new SharedArrayBuffer(0), header: { planId, rows: 10, deletes: 0, tupleBytes: 0 }, plan: plan(planId), state: table, truncate: false },
    ],
    claim,
    resolve,
    reject,
  };
  return { pending, settled: done.then(() => 'resolved' as const, (e: Error) => e) };
}

/** A group writer that records each group and answers as told. */
function fakeWriter(answer: (group: readonly Pending[], n: number) => Promise<Set<string>> = async () => new Set()) {
  const groups: number[][] = [];
  const writer = {
    write: (group: readonly Pending[]) => {
      groups.push(group.map((p) => p.batch.firstOffset));
      return answer(group, groups.length);
    },
  } as unknown as GroupWriter;
  return { writer, groups };
}

describe('WriteQueue', () => {
  it('writes in submission order, as many ready batches of one plan as fit in one group', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { writer, groups } = fakeWriter(async (_g, n) => {
      if (n === 1) await gate;
      return new Set();
    });
    const q = new WriteQueue(writer, new Claims());
    const a = batch(0, 0);
    const b = batch(0, 10);
    const c = batch(1, 0);
    const d = batch(0, 20, 2); // another plan: a group of its own
    q.submit(a.pending);
    q.submit(b.pending);
    q.submit(c.pending);
    q.submit(d.pending);
    expect(q.idle).toBe(false);
    release();
    await q.whenIdle();
    expect(groups).toEqual([[0], [10, 0], [20]]);
    for (const s of [a, b, c, d]) expect(await s.settled).toBe('resolved');
    expect(q.idle).toBe(true);
  });

  it('a failed group fails itself and everything queued behind it, since order must hold', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const boom = new Error('not retriable');
    const { writer } = fakeWriter(async () => {
      await gate;
      throw boom;
    });
    const q = new WriteQueue(writer, new Claims());
    const a = batch(0, 0);
    const b = batch(0, 10, 2);
    q.submit(a.pending);
    q.submit(b.pending);
    release();
    await q.whenIdle();
    expect(await a.settled).toBe(boom);
    expect(await b.settled).toBe(boom);
  });

  it('fenced partitions: their batches are dropped (resolved, not written), the rest is written', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { writer, groups } = fakeWriter(async (_g, n) => {
      if (n > 1) return new Set();
      await gate;
      return new Set([tpKey('x', 0)]);
    });
    const q = new WriteQueue(writer, new Claims());
    const a = batch(0, 0);
    const b = batch(0, 10);
    const c = batch(1, 100);
    q.submit(a.pending);
    q.submit(b.pending);
    q.submit(c.pending);
    release();
    await q.whenIdle();
    // a's transaction found partition 0 fenced: a and b (queued behind it) are dropped; c is written.
    expect(groups).toEqual([[0], [100]]);
    for (const s of [a, b, c]) expect(await s.settled).toBe('resolved');
  });

  it('batches whose claim is no longer current are never written', async () => {
    const { writer, groups } = fakeWriter();
    const claims = new Claims();
    const old: Claim = { epoch: 1, next: 0 };
    const current: Claim = { epoch: 2, next: 0 };
    claims.set(tpKey('x', 0), current);
    const q = new WriteQueue(writer, claims);
    const stale = batch(0, 0, 1, old);
    const fresh = batch(0, 10, 1, current);
    q.submit(stale.pending);
    q.submit(fresh.pending);
    await q.whenIdle();
    expect(groups).toEqual([[10]]);
    expect(await stale.settled).toBe('resolved');
    expect(await fresh.settled).toBe('resolved');
  });

  it('drop() forgets queued batches of those partitions but leaves the group being written to its transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { writer, groups } = fakeWriter(async (_g, n) => {
      if (n === 1) await gate;
      return new Set();
    });
    const q = new WriteQueue(writer, new Claims());
    const writing = batch(0, 0);
    q.submit(writing.pending);
    const queued = batch(0, 10, 2);
    const other = batch(1, 0, 2);
    q.submit(queued.pending);
    q.submit(other.pending);
    q.drop(new Set([tpKey('x', 0)]));
    expect(await queued.settled).toBe('resolved');
    release();
    await q.whenIdle();
    expect(groups).toEqual([[0], [0]]);
    expect(await writing.settled).toBe('resolved');
  });

  it('whenIdle() waits for what was submitted before it, and is at once when nothing is pending', async () => {
    const q0 = new WriteQueue(fakeWriter().writer, new Claims());
    await q0.whenIdle();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { writer } = fakeWriter(async () => {
      await gate;
      return new Set();
    });
    const q = new WriteQueue(writer, new Claims());
    const a = batch(0, 0);
    q.submit(a.pending);
    let idle = false;
    const waiting = q.whenIdle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(await a.settled).toBe('resolved');
  });
});
