import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/pipeline/buffer-pool.js';
import { CONSUMER_DEFAULTS, prefetchBytes } from '../../src/source/source.js';

describe('BufferPool', () => {
  it('keeps released standard buffers only within the room it is given, and trims idle ones to a smaller room', () => {
    const pool = new BufferPool(10, 64 * 1024, 100);
    const size = pool.standardBytes;
    const bufs = [1, 2, 3, 4].map(() => pool.acquire().buffer);
    expect(bufs.every((b) => b.byteLength === size)).toBe(true);
    expect(pool.release(bufs[0]!, 2 * size)).toBe(true);
    expect(pool.release(bufs[1]!, 2 * size)).toBe(true);
    // No room for a third: it is let go, not kept.
    expect(pool.release(bufs[2]!, 2 * size + size - 1)).toBe(false);
    expect(pool.idleBytes).toBe(2 * size);
    // A one-off (oversized) buffer is never kept.
    expect(pool.release(pool.acquire(128 * 1024).buffer)).toBe(false);
    // The held bytes grew: idle buffers give way.
    expect(pool.trim(size)).toBe(size);
    expect(pool.idle).toBe(1);
    expect(pool.trim(-5)).toBe(size);
    expect(pool.idleBytes).toBe(0);
    // The count cap still applies with room to spare.
    const capped = new BufferPool(10, 64 * 1024, 1);
    const [c1, c2] = [capped.acquire().buffer, capped.acquire().buffer];
    expect(capped.release(c1)).toBe(true);
    expect(capped.release(c2)).toBe(false);
    // Reuse: an acquired buffer is the one released.
    const again = new BufferPool(10, 64 * 1024, 4);
    const b = again.acquire().buffer;
    again.release(b);
    expect(again.acquire().buffer).toBe(b);
  });
});

describe('prefetch budget', () => {
  it('is the prefetch queue plus a fetch in flight, with Sluice defaults or what config sets', () => {
    const def = Number(CONSUMER_DEFAULTS['queued.max.messages.kbytes']) * 1024 + Number(CONSUMER_DEFAULTS['fetch.max.bytes']);
    expect(prefetchBytes({})).toBe(def);
    expect(prefetchBytes({ 'queued.max.messages.kbytes': '65536', 'fetch.max.bytes': '52428800' })).toBe(64 * 1024 * 1024 + 52428800);
    expect(prefetchBytes({ 'fetch.max.bytes': 'lots' })).toBe(def);
  });
});
