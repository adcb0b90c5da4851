// Retries a retriable operation (SluiceError.retriable: action `retry` or
// `reconnect`) with exponential backoff and decorrelated jitter. Errors of any
// other action pass straight through. A retriable one that outlives the
// policy is thrown as RetriesExhaustedError (action `stop`, so whoever gets
// it must not retry it again), with the original as its cause and in its
// message. The wait between attempts ends at once when the policy's signal
// aborts (shutdown): the operation is then given up as RetryAbortedError.
import type { Logger } from 'pino';
import { RetriesExhaustedError, RetryAbortedError, SluiceError, errorMessage } from '../../errors.js';

export interface RetryPolicy {
  what: string;
  maxRetries: number;
  /** The shortest wait between attempts (ms). */
  initialDelayMs: number;
  /** The longest wait between attempts (ms). */
  maxDelayMs: number;
  /** Keep retrying at least this long (ms); -1 = forever. */
  timeoutMs: number;
  log?: Logger;
  /** Aborted on shutdown: no further attempt, and a pending wait ends at once. */
  signal?: AbortSignal;
  /** Random numbers in [0, 1) for the jitter; Math.random by default (tests pass their own). */
  random?: () => number;
}

/**
 * The wait before the next attempt, "decorrelated jitter": uniformly random
 * between initialDelayMs and three times the previous wait, at most
 * maxDelayMs. The waits grow about as an exponential backoff does, never fall
 * below initialDelayMs, and many tasks that failed together (a database
 * restart) spread out instead of retrying in lockstep.
 */
export function nextDelay(previous: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'random'>): number {
  const base = Math.max(1, policy.initialDelayMs);
  const cap = Math.max(base, policy.maxDelayMs);
  const r = (policy.random ?? Math.random)();
  const upper = Math.max(base, previous * 3);
  return Math.min(cap, Math.round(base + r * (upper - base)));
}

/** Resolves after ms, or as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function retryWithBackoff<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const started = Date.now();
  let wait = Math.max(1, policy.initialDelayMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof SluiceError && err.retriable;
      if (!retriable) throw err;
      const elapsed = Date.now() - started;
      if (policy.signal?.aborted) throw aborted(policy, err, attempt, elapsed);
      const withinTimeout = policy.timeoutMs < 0 || elapsed < policy.timeoutMs;
      if (attempt > policy.maxRetries && !withinTimeout) {
        throw new RetriesExhaustedError(`${errorMessage(err)} (gave up after ${attempts(attempt)} in ${seconds(elapsed)})`, { cause: err });
      }
      wait = nextDelay(wait, policy);
      // `reconnect`: the connection was lost; the next attempt runs on a new one.
      policy.log?.warn({ attempt, retryInMs: wait, action: (err as SluiceError).action, err: errorMessage(err) }, `retrying: ${policy.what}`);
      await sleep(wait, policy.signal);
      if (policy.signal?.aborted) throw aborted(policy, err, attempt, Date.now() - started);
    }
  }
}

function aborted(policy: RetryPolicy, err: unknown, attempt: number, elapsed: number): RetryAbortedError {
  return new RetryAbortedError(`${policy.what}: given up on shutdown after ${attempts(attempt)} in ${seconds(elapsed)}; last error: ${errorMessage(err)}`, { cause: err });
}

function attempts(n: number): string {
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
