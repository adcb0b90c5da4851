// The engine end to end on the real broker, registry and PostgreSQL: 100k
// records over 6 partitions land exactly once (no restarts) and the group's
// committed offsets equal the end offsets, for every wire format.
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDER_AVRO_SCHEMA, ORDERS_TABLE_DDL, type WireFormat } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { REGISTRY, uniqueName, waitFor } from '../helpers/stack.js';

const N = 100_000;
const PARTITIONS = 6;

describe.each<WireFormat>(['avro', 'json', 'connect-json', 'msgpack'])('%s → PostgreSQL', (format) => {
  it(`lands ${N} records exactly once and commits the end offsets`, async () => {
    const topic = uniqueName(`orders_${format.replace('-', '_')}`);
    const table = topic;
    await createTopic(topic, PARTITIONS);
    await sql(ORDERS_TABLE_DDL(table));
    const schemaId = format === 'avro' ? await registerSchema(`${topic}-value`, ORDER_AVRO_SCHEMA) : 0;
    const expected = [...orders(N, 7)];
    await produce(topic, (function* () {
      for (const o of expected) yield { key: String(o.id), value: encodeOrder(format, o, schemaId), partition: o.id % PARTITIONS };
    })());

    const name = uniqueName('it');
    const file = writeConnector(pgConnector(topic, converterConfig(format, REGISTRY)), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-2000)).toBe(0);
    }
    const [{ n, distinct }] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${table}`);
    expect(n).toBe(N);
    expect(distinct).toBe(N);
    const progress = await groupProgress(`connect-${name}`, topic);
    expect(progress.reduce((s, p) => s + p.end, 0)).toBe(N);
    for (const p of progress) expect(p.committed).toBe(p.end);

    // Values survive the trip: check a spread of rows field by field.
    const sample = [1, 2, 777, 50_000, N];
    const rows = await sql<{ id: string; customer: string; amount: string; quantity: number; created_at: Date; status: string; note: string | null }>(
      `SELECT id::text, customer, amount::text, quantity, created_at, status, note FROM ${table} WHERE id = ANY($1::bigint[]) ORDER BY id`, [sample]);
    expect(rows.length).toBe(sample.length);
    for (const r of rows) {
      const o = expected[Number(r.id) - 1]!;
      expect(r).toEqual({
        id: String(o.id), customer: o.customer, amount: (o.amountCents / 100).toFixed(2), quantity: o.quantity,
        created_at: new Date(o.createdAt), status: o.status, note: o.note,
      });
    }
  });
});
