import { describe, expect, it } from 'vitest';
import { Waiters } from '../../src/core/waiters.js';

describe('Waiters', () => {
  it('resolves at once when the condition already holds', async () => {
    expect(await new Waiters().until(() => true, 0)).toBe(true);
  });

  it('re-checks at each wake and resolves only once the condition holds', async () => {
    const w = new Waiters();
    let n = 0;
    let resolved = false;
    const done = w.until(() => n >= 2).then((r) => (resolved = r));
    n = 1;
    w.wake();
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    n = 2;
    w.wake();
    expect(await done).toBe(true);
  });

  it('wakes every waiter, each with its own condition', async () => {
    const w = new Waiters();
    let ready = false;
    const a = w.until(() => ready);
    const b = w.until(() => ready);
    ready = true;
    w.wake();
    expect(await Promise.all([a, b])).toEqual([true, true]);
  });

  it('answers false when the time runs out first', async () => {
    const w = new Waiters();
    expect(await w.until(() => false, 10)).toBe(false);
  });

  it('with a recheck period, notices a condition that changed without a wake', async () => {
    const w = new Waiters();
    let ready = false;
    setTimeout(() => (ready = true), 5);
    expect(await w.until(() => ready, 5_000, 10)).toBe(true);
  });
});
