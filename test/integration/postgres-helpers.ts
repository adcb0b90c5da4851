// Shared by the postgres-*.test.ts files: connector JSON for the PostgreSQL
// sink, Kafka Connect JSON envelopes, and running Sluice until a group has
// committed everything (failing fast if Sluice exits first).
import { expect } from 'vitest';
import { fullyCommitted } from '../helpers/kafka.js';
import { startSluice, writeConnector, type RunningSluice } from '../helpers/sluice.js';

export { PG_JDBC, pgConnector } from '../helpers/connectors.js';

export interface ConnectField {
  field: string;
  type: string;
  optional?: boolean;
  name?: string;
  parameters?: Record<string, string>;
  items?: Omit<ConnectField, 'field'>;
  keys?: Omit<ConnectField, 'field'>;
  values?: Omit<ConnectField, 'field'>;
  fields?: ConnectField[];
}

/** A Kafka Connect JsonConverter envelope (schemas.enable=true) for a struct. */
export function envelope(fields: ConnectField[], payload: Record<string, unknown>, name = 'rec'): string {
  return JSON.stringify({ schema: { type: 'struct', name, optional: false, fields }, payload });
}

/** Starts Sluice, waits until every offset of the topics is committed, stops it; returns its output. */
export async function runUntilCommitted(
  config: Record<string, unknown>, topics: string[], opts: { name?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  const name = opts.name ?? `it_${Math.random().toString(36).slice(2, 10)}`;
  const file = writeConnector(config, name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2', ...opts.env });
  try {
    await waitUntilCommitted(sluice, `connect-${name}`, topics, opts.timeoutMs ?? 120_000);
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

export async function waitUntilCommitted(sluice: RunningSluice, group: string, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (sluice.child.exitCode !== null || sluice.child.signalCode !== null) {
      throw new Error(`sluice exited before committing everything:\n${sluice.output().slice(-3000)}`);
    }
    let done = true;
    for (const t of topics) if (!(await fullyCommitted(group, t).catch(() => false))) done = false;
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for group ${group} to commit everything:\n${sluice.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Runs Sluice expecting it to fail; returns its output. */
export async function runExpectingFailure(config: Record<string, unknown>, timeoutMs = 90_000): Promise<string> {
  const file = writeConnector(config, `it_${Math.random().toString(36).slice(2, 10)}`);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  const t = setTimeout(() => sluice.child.kill('SIGKILL'), timeoutMs);
  const exit = await sluice.exited;
  clearTimeout(t);
  expect(exit.code, sluice.output().slice(-3000)).toBe(1);
  return sluice.output();
}
