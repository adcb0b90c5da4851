// Where the local stack (scripts/stack.sh) listens, and unique names so tests
// can run again and side by side.
import { randomBytes } from 'node:crypto';

export const KAFKA = process.env.SLUICE_TEST_KAFKA ?? `127.0.0.1:${process.env.SLUICE_STACK_KAFKA_PORT ?? 19092}`;
export const PG_URL = process.env.SLUICE_TEST_PG ?? `postgresql://postgres@127.0.0.1:${process.env.SLUICE_STACK_PG_PORT ?? 15432}/postgres`;
export const S3_URL = process.env.SLUICE_TEST_S3 ?? `http://127.0.0.1:${process.env.SLUICE_STACK_S3_PORT ?? 19000}`;
export const S3_BUCKET = process.env.SLUICE_TEST_S3_BUCKET ?? 'sluice';
export const S3_ACCESS_KEY = process.env.SLUICE_TEST_S3_ACCESS_KEY ?? 'sluice';
export const S3_SECRET_KEY = process.env.SLUICE_TEST_S3_SECRET_KEY ?? 'sluice-secret-key';
export const REGISTRY = process.env.SLUICE_TEST_REGISTRY ?? `http://127.0.0.1:${process.env.SLUICE_STACK_REGISTRY_PORT ?? 18081}/apis/ccompat/v7`;

/** A name no other test (or earlier run) has used: prefix_<time>_<random>. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
