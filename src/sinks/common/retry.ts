// Retries a retriable operation with exponential backoff and jitter.
// Non-retriable errors pass straight through. A retriable one that outlives
// the policy is thrown as RetriesExhaustedError (not retriable: whoever gets
// it must not retry it again), with the original as its cause and in its
// message. The wait between attempts ends at once when the policy's signal
// aborts (shutdown): the operation is then given up as RetryAbortedError.
import type { Logger } from 'pino';
import { RetriesExhaustedError, RetryAbortedError, SluiceError, errorMessage } from '../../errors.js';

export interface RetryPolicy {
  what: string;
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Keep retrying at least this long (ms); -1 = forever. */
  timeoutMs: number;
  log?: Logger;
  /** Aborted on shutdown: no further attempt, and a pending wait ends at once. */
  signal?: AbortSignal;
  /** Spread of each wait around its nominal delay (0.2 = ±20%); default JITTER. */
  jitter?: number;
  /** Random numbers in [0, 1) for the jitter (tests). */
  random?: () => number;
}

/** Default spread of the retry waits, so that many tasks that failed together do not retry in lockstep. */
export const JITTER = 0.2;

/** The wait before the next attempt: the nominal delay, spread by ±jitter, within [1, maxDelayMs]. */
export function jittered(delay: number, policy: Pick<RetryPolicy, 'jitter' | 'random' | 'maxDelayMs'>): number {
  const j = Math.min(1, Math.max(0, policy.jitter ?? JITTER));
  const r = (policy.random ?? Math.random)();
  return Math.max(1, Math.min(policy.maxDelayMs, Math.round(delay * (1 - j + 2 * j * r))));
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
  let delay = Math.max(1, policy.initialDelayMs);
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
      const wait = jittered(delay, policy);
      policy.log?.warn({ attempt, retryInMs: wait, err: errorMessage(err) }, `retrying: ${policy.what}`);
      await sleep(wait, policy.signal);
      if (policy.signal?.aborted) throw aborted(policy, err, attempt, Date.now() - started);
      delay = Math.min(delay * 2, policy.maxDelayMs);
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
