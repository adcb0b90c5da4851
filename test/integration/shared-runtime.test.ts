// Two engines in one process sharing one worker pool and one byte budget, as
// `sluice worker` runs its connectors: each connector's batches are decoded
// with its own converter, both land every record, stopping one leaves the
// other (and the shared pool) running.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL, type WireFormat } from '../helpers/orders.js';
import { createEngine } from '../../src/pipeline/compose.js';
import type { StopReason } from '../../src/pipeline/engine.js';
import { MemoryBudget } from '../../src/pipeline/memory-budget.js';
import { EncodePool } from '../../src/pipeline/worker-pool.js';
import { createSink, loadConfig } from '../../src/sinks/index.js';
import { pgConnector } from '../helpers/connectors.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

// The engine runs from source here; its worker threads run the build (npm run build first, as for every integration test).
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/src/workers/worker.js');
const N = 5_000;

/** Waits until the group committed the topic's end, failing at once if the engine stops first. */
async function landed(c: { name: string; topic: string }, run: Promise<StopReason>): Promise<void> {
  let waiting = true;
  const stopped = run.then((r) => {
    if (waiting) throw new Error(`the engine of ${c.name} stopped: ${r.kind === 'failed' ? r.error.message : r.kind}`);
  });
  try {
    await Promise.race([waitFor(`${c.name} committed`, () => fullyCommitted(`connect-${c.name}`, c.topic), 120_000, 300), stopped]);
  } finally {
    waiting = false;
  }
}

async function connector(format: WireFormat) {
  const topic = uniqueName(`shared_${format.replace('-', '_')}`);
  await createTopic(topic, 3);
  await sql(ORDERS_TABLE_DDL(topic));
  const all = [...orders(2 * N, 3)];
  const send = (from: number, to: number) => produce(topic, (function* () {
    for (const o of all.slice(from, to)) yield { key: String(o.id), value: encodeOrder(format, o, 0), partition: o.id % 3 };
  })());
  await send(0, N);
  const name = uniqueName('shared');
  const config = loadConfig({ json: { name, config: pgConnector(topic, { ...converterConfig(format), 'worker.threads': '2' }) }, env: {} });
  return { topic, name, config, sendMore: () => send(N, 2 * N) };
}

describe('engines sharing a worker pool and a byte budget', () => {
  it('each lands its own records with its own converter; stopping one leaves the other and the pool running', async () => {
    const log = pino({ level: 'warn' });
    const pool = new EncodePool(2, WORKER);
    const budget = new MemoryBudget(64 * 1024 * 1024);
    const runtime = { pool, budget };
    try {
      // Schemaless JSON and msgpack: a batch routed to the other connector's converter would fail to decode.
      const a = await connector('json');
      const b = await connector('msgpack');
      const engineA = createEngine({ config: a.config, sink: await createSink(a.config, log), log, runtime });
      const engineB = createEngine({ config: b.config, sink: await createSink(b.config, log), log, runtime });
      const runA = engineA.run();
      const runB = engineB.run();
      await landed(a, runA);
      expect(await engineA.stop()).toEqual({ kind: 'requested', drained: true });
      expect(await runA).toEqual({ kind: 'requested', drained: true });
      // b keeps going on the shared pool after a stopped: records produced now are decoded there too.
      await landed(b, runB);
      await b.sendMore();
      await landed(b, runB);
      expect(await engineB.stop()).toEqual({ kind: 'requested', drained: true });
      await runB;
      for (const [c, count] of [[a, N], [b, 2 * N]] as const) {
        const [{ n, distinct }] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${c.topic}`);
        expect({ topic: c.topic, n, distinct }).toEqual({ topic: c.topic, n: count, distinct: count });
      }
      expect(engineA.stats.recordsIn).toBe(N);
      expect(engineB.stats.recordsIn).toBe(2 * N);
      // Both stopped: nothing of theirs is held, and the budget's reservations (prefetch) are back.
      expect(budget.heldBytes).toBe(0);
      expect(budget.highWater).toBe(64 * 1024 * 1024);
    } finally {
      await pool.destroy();
    }
  });
});
