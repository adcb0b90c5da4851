import { describe, expect, it } from 'vitest';
import { ConnectionLostError, RetriableError, RetriesExhaustedError, RetryAbortedError, SluiceError } from '../../src/errors.js';
import type { Logger } from 'pino';
import { nextDelay, retryWithBackoff, type RetryPolicy } from '../../src/sinks/common/retry.js';

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

  it('waits with decorrelated jitter: between the initial delay and three times the previous wait, within the maximum', () => {
    const p = { initialDelayMs: 1000, maxDelayMs: 60_000 };
    expect(nextDelay(1000, { ...p, random: () => 0 })).toBe(1000);
    expect(nextDelay(1000, { ...p, random: () => 0.5 })).toBe(2000);
    expect(nextDelay(1000, { ...p, random: () => 0.999999 })).toBe(3000);
    expect(nextDelay(4000, { ...p, random: () => 0.25 })).toBe(3750);
    // Never past the maximum, never under the initial delay.
    expect(nextDelay(50_000, { ...p, random: () => 0.999999 })).toBe(60_000);
    expect(nextDelay(1, { ...p, random: () => 0.7 })).toBe(1000);
    const seen = new Set(Array.from({ length: 50 }, () => nextDelay(10_000, p)));
    expect(seen.size).toBeGreaterThan(1);
    for (const v of seen) {
      expect(v).toBeGreaterThanOrEqual(1000);
      expect(v).toBeLessThanOrEqual(30_000);
    }
  });

  it('each wait follows from the one before (the injected random source makes the schedule exact)', async () => {
    const waits: number[] = [];
    const logged: string[] = [];
    const log = { warn: (o: { retryInMs: number; action: string }, m: string) => (waits.push(o.retryInMs), logged.push(`${o.action} ${m}`)) } as unknown as Logger;
    const rs = [0.5, 1 - 1e-9, 0, 0.5];
    let n = 0;
    const err = await retryWithBackoff(async () => {
      n++;
      throw n === 2 ? new RetriableError('busy') : new ConnectionLostError('down');
    }, policy({ initialDelayMs: 2, maxDelayMs: 30, maxRetries: 4, log, random: () => rs.shift()! })).catch((e: unknown) => e);
    // 2 → uniform(2, 6) at 0.5 = 4 → uniform(2, 12) at ~1 = 12 → 2 (the floor) → uniform(2, 6) at 0.5 = 4.
    expect(waits).toEqual([4, 12, 2, 4]);
    expect(n).toBe(5);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    // The log says which failures were a lost connection.
    expect(logged.slice(0, 2)).toEqual(['reconnect retrying: writing', 'retry retrying: writing']);
  });

  it('the error after retries run out is not retried again by an outer retry', async () => {
    let inner = 0;
    const err = await retryWithBackoff(
      () => retryWithBackoff(async () => {
        inner++;
        throw new RetriableError('busy');
      }, policy({ maxRetries: 1 })),
      policy({ maxRetries: 5 }),
    ).catch((e: unknown) => e);
    expect(inner).toBe(2);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as SluiceError).action).toBe('stop');
    expect((err as SluiceError).cause).toBeInstanceOf(RetriableError);
  });

  it('retries for errors.retry.timeout even past max.retries', async () => {
    let n = 0;
    const started = Date.now();
    await expect(retryWithBackoff(async () => {
      n++;
      throw new RetriableError('busy');
    }, policy({ maxRetries: 0, timeoutMs: 60, initialDelayMs: 5, maxDelayMs: 5 }))).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(n).toBeGreaterThan(1);
  });
});
