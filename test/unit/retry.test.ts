import { describe, expect, it } from 'vitest';
import { ConnectionLostError, RetriesExhaustedError, RetryAbortedError, SluiceError } from '../../src/errors.js';
import { jittered, retryWithBackoff, type RetryPolicy } from '../../src/sinks/common/retry.js';

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ what: 'writing', maxRetries: 3, initialDelayMs: 1, maxDelayMs: 4, timeoutMs: 0, ...over });

describe('retryWithBackoff', () => {
  it('retries retriable failures and returns the first success', async () => {
    let n = 0;
    const v = await retryWithBackoff(async () => {
      if (++n < 3) throw new ConnectionLostError('down');
      return 'ok';
    }, policy());
    expect(v).toBe('ok');
    expect(n).toBe(3);
  });

  it('passes a non-retriable failure straight through', async () => {
    let n = 0;
    const bad = new SluiceError('no such table');
    await expect(retryWithBackoff(async () => {
      n++;
      throw bad;
    }, policy())).rejects.toBe(bad);
    expect(n).toBe(1);
  });

  it('once retries run out, throws an error that is not retriable, with the last failure as its cause', async () => {
    let n = 0;
    const last = new ConnectionLostError('connect ECONNREFUSED 127.0.0.1:1');
    const err = await retryWithBackoff(async () => {
      n++;
      throw last;
    }, policy({ maxRetries: 2 })).catch((e: unknown) => e);
    expect(n).toBe(3);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as SluiceError).retriable).toBe(false);
    expect((err as SluiceError).cause).toBe(last);
    expect((err as Error).message).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:1 \(gave up after 3 attempts in \d+\.\d s\)$/);
  });

  it('ends a pending wait at once when its signal aborts, and gives up without another attempt', async () => {
    const ctl = new AbortController();
    let n = 0;
    const started = Date.now();
    const p = retryWithBackoff(async () => {
      n++;
      throw new ConnectionLostError('down');
    }, policy({ initialDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: -1, signal: ctl.signal })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    ctl.abort();
    const err = await p;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(n).toBe(1);
    expect(err).toBeInstanceOf(RetryAbortedError);
    expect((err as SluiceError).retriable).toBe(false);
    expect((err as Error).message).toMatch(/^writing: given up on shutdown after 1 attempt .*; last error: down$/);
  });

  it('makes no attempt after the signal aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    let n = 0;
    await expect(retryWithBackoff(async () => {
      n++;
      throw new ConnectionLostError('down');
    }, policy({ signal: ctl.signal }))).rejects.toBeInstanceOf(RetryAbortedError);
    expect(n).toBe(1);
  });

  it('spreads each wait by the jitter around its nominal delay, within the maximum', () => {
    const p = { maxDelayMs: 60_000, jitter: 0.2 };
    expect(jittered(1000, { ...p, random: () => 0 })).toBe(800);
    expect(jittered(1000, { ...p, random: () => 0.5 })).toBe(1000);
    expect(jittered(1000, { ...p, random: () => 0.999999 })).toBe(1200);
    expect(jittered(60_000, { ...p, random: () => 0.999999 })).toBe(60_000);
    const seen = new Set(Array.from({ length: 50 }, () => jittered(10_000, { maxDelayMs: 60_000 })));
    expect(seen.size).toBeGreaterThan(1);
    for (const v of seen) {
      expect(v).toBeGreaterThanOrEqual(8000);
      expect(v).toBeLessThanOrEqual(12_000);
    }
  });
});
