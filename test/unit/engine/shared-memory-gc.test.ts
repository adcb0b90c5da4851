import { describe, expect, it } from 'vitest';
import { bufferBytes } from '../../../src/core/batch-layout.js';
import { DropGenerations, WorkerCollector } from '../../../src/core/shared-memory-gc.js';
import { BatchBuffers } from '../../../src/pipeline/batch-buffers.js';
import { newEngineStats } from '../../../src/pipeline/engine-stats.js';
import { MemoryBudget } from '../../../src/pipeline/memory-budget.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('DropGenerations', () => {
  it('moves the generation on once per everyBytes let go, in shared memory', () => {
    const d = new DropGenerations();
    d.add(10 * MiB, 16 * MiB);
    expect(d.generation).toBe(0);
    d.add(6 * MiB, 16 * MiB);
    expect(d.generation).toBe(1);
    expect(d.shared[0]).toBe(1);
    // However much at once: one collection frees it all.
    d.add(40 * MiB, 16 * MiB);
    expect(d.generation).toBe(2);
  });
});

describe('WorkerCollector', () => {
  it('collects once per newer generation, whether seen at a task or while idle', async () => {
    const calls: unknown[] = [];
    const c = new WorkerCollector((opts) => calls.push(opts));
    const d = new DropGenerations();
    expect(c.task(d.shared)).toBe(false);
    d.add(MiB, MiB);
    expect(c.task(d.shared)).toBe(true);
    expect(c.task(d.shared)).toBe(false);
    expect(calls).toEqual([{ type: 'major', execution: 'sync' }]);
    // No task comes after the last drop of a burst: the idle check finds it.
    d.add(MiB, MiB);
    await expect.poll(() => calls.length, { timeout: 5000 }).toBe(2);
    c.stop();
    // Tasks from a main thread that never drops anything collect nothing.
    expect(new WorkerCollector((opts) => calls.push(opts)).task(undefined)).toBe(false);
  });
});

describe('BatchBuffers and the workers\' collections', () => {
  it('counts only batch buffers let go (not those kept for reuse) towards a new generation', () => {
    const standard = bufferBytes(4, 8 * MiB);
    const drops = new DropGenerations();
    // Room for 1 buffer + 1 thread × 2 + 2: 5 kept; a generation per 16 MiB (the minimum) let go.
    const buffers = new BatchBuffers(4, 8 * MiB, standard, 1, new MemoryBudget(1024 * MiB), newEngineStats(), drops);
    expect(buffers.dropGenerations).toBe(drops.shared);
    const taken = Array.from({ length: 7 }, () => buffers.acquire(0).buffer);
    for (const b of taken.slice(0, 5)) buffers.release(b);
    expect(drops.generation).toBe(0);
    buffers.release(taken[5]!);
    expect(drops.generation).toBe(0);
    buffers.release(taken[6]!);
    expect(drops.generation).toBe(1);
    // Closing lets the idle ones go (5 × ~8 MiB at once): one more collection frees them all.
    buffers.close();
    expect(drops.generation).toBe(2);
  });
});
