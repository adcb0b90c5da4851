import { describe, expect, it } from 'vitest';
import { PartitionOffsets, type InflightBatch } from '../../../src/pipeline/partition-state.js';

const batch = (first: number, last: number): InflightBatch => ({ firstOffset: first, lastOffset: last, records: last - first + 1, held: 0, durable: false });

describe('PartitionOffsets: what a commit may say', () => {
  it('advances only over the contiguous durable prefix, whatever order batches become durable in', () => {
    const o = new PartitionOffsets();
    const [a, b, c] = [batch(0, 3), batch(4, 7), batch(8, 11)];
    for (const x of [a, b, c]) o.track(x);
    o.markDurable(c);
    expect(o.durableNext).toBeUndefined();
    expect(o.toCommit(false)).toBeUndefined();
    o.markDurable(b);
    expect(o.durableNext).toBeUndefined();
    o.markDurable(a);
    expect(o.durableNext).toBe(12);
    expect(o.inflight).toHaveLength(0);
    expect(o.settled).toBe(true);
  });

  it('commits what moved since the last commit, or everything when asked', () => {
    const o = new PartitionOffsets();
    const a = batch(0, 3);
    o.track(a);
    o.markDurable(a);
    expect(o.toCommit(false)).toBe(4);
    o.committedNext = 4;
    expect(o.toCommit(false)).toBeUndefined();
    expect(o.toCommit(true)).toBe(4);
  });

  it('a failed batch whose first records were written commits up to its bad record, once it is at the head', () => {
    const o = new PartitionOffsets();
    const [a, b] = [batch(0, 3), batch(4, 7)];
    o.track(a);
    o.track(b);
    // b failed at offset 6; offsets 4 and 5 were written while a is still in flight.
    o.markPrefixDurable(b, 6);
    expect(o.durableNext).toBeUndefined();
    o.markDurable(a);
    expect(o.durableNext).toBe(6);
    expect(o.inflight).toEqual([b]);
  });

  it('the prefix of the batch at the head counts at once', () => {
    const o = new PartitionOffsets();
    const a = batch(10, 13);
    o.track(a);
    o.markPrefixDurable(a, 12);
    expect(o.durableNext).toBe(12);
  });

  it('a stored position (exactly-once) is where commits start, unless something is durable already', () => {
    const o = new PartitionOffsets();
    o.startAt(100);
    expect(o.toCommit(false)).toBe(100);
    o.startAt(50);
    expect(o.durableNext).toBe(100);
  });

  it('is settled when every batch before the failed one is durable', () => {
    const o = new PartitionOffsets();
    const [a, b, c] = [batch(0, 3), batch(4, 7), batch(8, 11)];
    for (const x of [a, b, c]) o.track(x);
    o.failedFrom = 4;
    expect(o.settled).toBe(false);
    o.markDurable(a);
    expect(o.settled).toBe(true);
    expect(o.durableNext).toBe(4);
  });
});
