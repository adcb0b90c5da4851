// Retries a retriable operation with exponential backoff. Non-retriable errors
// pass straight through; a retriable one that outlives the policy is thrown
// as it is, so the caller still sees what went wrong.
import type { Logger } from 'pino';
import { SluiceError } from '../../errors.js';

export interface RetryPolicy {
  what: string;
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Keep retrying at least this long (ms); -1 = forever. */
  timeoutMs: number;
  log?: Logger;
  signal?: AbortSignal;
}

export async function retryWithBackoff<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const started = Date.now();
  let delay = Math.max(1, policy.initialDelayMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof SluiceError && err.retriable;
      const elapsed = Date.now() - started;
      const withinTimeout = policy.timeoutMs < 0 || elapsed < policy.timeoutMs;
      if (!retriable || policy.signal?.aborted || (attempt > policy.maxRetries && !withinTimeout)) throw err;
      policy.log?.warn({ attempt, retryInMs: delay, err: (err as Error).message }, `retrying: ${policy.what}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
