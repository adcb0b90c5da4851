import { describe, expect, it } from 'vitest';
import { bufferBytes } from '../../../src/core/batch-layout.js';
import { BatchBuffers } from '../../../src/pipeline/batch-buffers.js';
import { newEngineStats } from '../../../src/pipeline/engine-stats.js';
import { MemoryBudget } from '../../../src/pipeline/memory-budget.js';

const KiB = 1024;
const standard = bufferBytes(4, 64 * KiB);

describe('BatchBuffers', () => {
  it('keeps released buffers for reuse up to what the budget holds plus a few per thread, and lets the rest go', () => {
    const budget = new MemoryBudget(1024 * KiB);
    const stats = newEngineStats();
    // Room for 2 buffers, + 1 thread × 2 + 2: 6 kept at most.
    const buffers = new BatchBuffers(4, 64 * KiB, 2 * standard, 1, budget, stats);
    const taken = Array.from({ length: 8 }, () => buffers.acquire(0).buffer);
    expect(new Set(taken).size).toBe(8);
    for (const b of taken) buffers.release(b);
    expect(stats.idleBufferBytes).toBe(6 * standard);
    expect(budget.idleBytes).toBe(6 * standard);
    // Reused, last in first out; the idle count goes down as they are taken.
    expect(buffers.acquire(0).buffer).toBe(taken[5]);
    expect(budget.idleBytes).toBe(5 * standard);
    // A record larger than a batch gets a one-off buffer, never kept.
    const big = buffers.acquire(128 * KiB);
    expect(big.recordCapacity).toBe(1);
    buffers.release(big.buffer);
    expect(budget.idleBytes).toBe(5 * standard);
  });

  it('engines sharing a budget keep no more idle buffers together than one of them may alone; a closed one frees its share', () => {
    const budget = new MemoryBudget(1024 * KiB);
    const a = new BatchBuffers(4, 64 * KiB, 2 * standard, 1, budget, newEngineStats());
    const b = new BatchBuffers(4, 64 * KiB, 2 * standard, 1, budget, newEngineStats());
    const fromA = Array.from({ length: 4 }, () => a.acquire(0).buffer);
    const fromB = Array.from({ length: 4 }, () => b.acquire(0).buffer);
    for (const x of fromA) a.release(x);
    for (const x of fromB) b.release(x);
    expect(budget.idleBytes).toBe(6 * standard);
    // b kept only 2: a third acquire is a fresh buffer.
    const again = [b.acquire(0).buffer, b.acquire(0).buffer, b.acquire(0).buffer];
    expect(again.filter((x) => fromB.includes(x))).toHaveLength(2);
    a.close();
    expect(budget.idleBytes).toBe(0);
    for (const x of again) b.release(x);
    expect(budget.idleBytes).toBe(3 * standard);
  });
});
