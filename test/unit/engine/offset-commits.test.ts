import { describe, expect, it } from 'vitest';
import { newEngineStats } from '../../../src/pipeline/engine-stats.js';
import { OffsetCommitter } from '../../../src/pipeline/offset-commits.js';
import { PartitionState } from '../../../src/pipeline/partition-state.js';
import type { PartitionOffset } from '../../../src/source/source.js';
import { silent, until } from './fakes.js';

function durableAt(p: PartitionState, next: number): void {
  const b = { firstOffset: p.durableNext ?? 0, lastOffset: next - 1, records: 1, held: 0, durable: false };
  p.track(b);
  p.markDurable(b);
}

function setup(intervalMs: number) {
  const parts = [new PartitionState('t', 0), new PartitionState('t', 1)];
  const commits: PartitionOffset[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const stats = newEngineStats();
  const committer = new OffsetCommitter(async (offsets) => {
    commits.push(offsets);
    if (hold) await new Promise<void>((r) => (release = r));
  }, () => parts, intervalMs, stats, silent);
  return { parts, commits, committer, stats, holdCommits: (h: boolean) => (hold = h), release: () => release?.() };
}

describe('OffsetCommitter', () => {
  it('commits what moved, coalescing requests made before it runs', async () => {
    const s = setup(0);
    durableAt(s.parts[0]!, 4);
    s.committer.request();
    durableAt(s.parts[0]!, 8);
    s.committer.request();
    durableAt(s.parts[1]!, 3);
    s.committer.request();
    await until(() => s.commits.length === 1, 'a commit');
    expect(s.commits[0]).toEqual([{ topic: 't', partition: 0, offset: 8 }, { topic: 't', partition: 1, offset: 3 }]);
    expect(s.parts.map((p) => p.committedNext)).toEqual([8, 3]);
    // Nothing moved: nothing to commit.
    await s.committer.commitDurable();
    expect(s.commits).toHaveLength(1);
    // Unless everything is asked for (the periodic repair of commits a rebalance dropped).
    await s.committer.commitDurable(undefined, true);
    expect(s.commits[1]).toEqual(s.commits[0]);
  });

  it('runs one commit at a time, in order', async () => {
    const s = setup(0);
    s.holdCommits(true);
    durableAt(s.parts[0]!, 4);
    const first = s.committer.commitDurable();
    await until(() => s.commits.length === 1, 'the first commit');
    durableAt(s.parts[0]!, 9);
    const second = s.committer.commitDurable();
    await new Promise((r) => setTimeout(r, 10));
    expect(s.commits).toHaveLength(1);
    s.holdCommits(false);
    s.release();
    await Promise.all([first, second]);
    expect(s.commits.map((c) => c[0]!.offset)).toEqual([4, 9]);
  });

  it('commits only the partitions asked for (a revoke)', async () => {
    const s = setup(0);
    durableAt(s.parts[0]!, 4);
    durableAt(s.parts[1]!, 5);
    await s.committer.commitDurable(new Set([s.parts[1]!.key]));
    expect(s.commits).toEqual([[{ topic: 't', partition: 1, offset: 5 }]]);
  });

  it('a failed commit is counted and the position committed next time', async () => {
    const parts = [new PartitionState('t', 0)];
    const stats = newEngineStats();
    let fail = true;
    const done: number[] = [];
    const c = new OffsetCommitter(async (o) => {
      if (fail) throw new Error('coordinator moved');
      done.push(o[0]!.offset);
    }, () => parts, 0, stats, silent);
    durableAt(parts[0]!, 4);
    await c.commitDurable();
    expect(stats.commitFailures).toBe(1);
    expect(parts[0]!.committedNext).toBeUndefined();
    fail = false;
    await c.commitDurable();
    expect(done).toEqual([4]);
    expect(stats.commits).toBe(1);
  });

  it('once halted (stopping), requests commit nothing; the stop\'s own commit still does', async () => {
    const s = setup(0);
    s.committer.halt();
    durableAt(s.parts[0]!, 4);
    s.committer.request();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.commits).toEqual([]);
    await s.committer.commitDurable();
    expect(s.commits).toEqual([[{ topic: 't', partition: 0, offset: 4 }]]);
  });
});
