// Rows PostgreSQL itself refuses (a value too long for varchar(n), a CHECK, a
// duplicate primary key): the worker cannot see these, COPY aborts the whole
// group. Without a dead-letter topic Sluice stops naming the exact record;
// with one, exactly the refused records go there and every other row lands.
import { describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, groupProgress, produce, readTopic } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { pgConnector } from '../helpers/connectors.js';
import { runSluice, startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

const N = 3000;
const PARTITIONS = 2;

interface Row { id: number; name: string; qty: number }

/** N rows over two partitions; `bad` maps a record number to the row that replaces it. */
async function prepare(prefix: string, bad: Map<number, Row>): Promise<{ topic: string; good: Row[] }> {
  const topic = uniqueName(prefix);
  await createTopic(topic, PARTITIONS);
  await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, name varchar(5) NOT NULL, qty integer CHECK (qty >= 0))`);
  const rows: Row[] = Array.from({ length: N }, (_, i) => bad.get(i) ?? { id: i, name: `n${i % 1000}`, qty: i % 7 });
  // Record i goes to partition i % 2 at offset floor(i / 2).
  await produce(topic, rows.map((r, i) => ({ key: `k${i}`, value: Buffer.from(JSON.stringify(r)), partition: i % PARTITIONS })));
  return { topic, good: rows.filter((_, i) => !bad.has(i)) };
}

function config(topic: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return pgConnector(topic, { 'value.converter.schemas.enable': 'false', 'batch.max.records': '700', ...extra });
}

describe('rows PostgreSQL refuses', () => {
  it('without a dead-letter topic: Sluice stops naming the record (topic, partition, offset) and why, with its offset uncommitted', async () => {
    const { topic } = await prepare('pg_refuse_stop', new Map([[1201, { id: 1201, name: 'far-too-long', qty: 1 }]]));
    const name = uniqueName('refuse');
    const r = await runSluice(['run', '--config', writeConnector(config(topic), name)], {}, 120_000);
    expect(r.code, r.output.slice(-2000)).toBe(1);
    expect(r.output).toContain(`sluice: write failed at topic ${topic} partition 1 offset 600: "${topic}" refused the row: value too long for type character varying(5) (SQLSTATE 22001) column name`);
    // The value itself is not repeated in the message.
    expect(r.output).not.toMatch(/sluice: write failed.*far-too-long/);
    const p1 = (await groupProgress(`connect-${name}`, topic)).find((p) => p.partition === 1)!;
    expect(p1.committed).toBeLessThanOrEqual(600);
  });

  for (const mode of ['insert', 'upsert'] as const) {
    it(`with a dead-letter topic (${mode}${mode === 'upsert' ? ', exactly_once' : ''}): exactly the refused records go there, every other row lands`, async () => {
      const bad = new Map<number, Row>([
        [10, { id: 10, name: 'toolong', qty: 1 }], // 22001, partition 0 offset 5
        [11, { id: 11, name: 'ok', qty: -1 }], // 23514 CHECK, partition 1 offset 5
        [1999, { id: 1999, name: 'x', qty: -5 }], // partition 1 offset 999
        [2000, { id: 2000, name: 'abcdef', qty: 0 }], // partition 0 offset 1000
      ]);
      // 23505: id 8 is taken by record 8, earlier in the same partition (0, offset 4); this one is offset 1250.
      if (mode === 'insert') bad.set(2500, { id: 8, name: 'dup', qty: 0 });
      const { topic, good } = await prepare(`pg_refuse_${mode}`, bad);
      const dlq = uniqueName('refused');
      const name = uniqueName('refuse');
      const file = writeConnector(config(topic, {
        'insert.mode': mode, 'pk.mode': 'record_value', 'pk.fields': 'id',
        ...(mode === 'upsert' ? { 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': `offs_${topic}` } : {}),
        'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      }), name);
      const sluice = startSluice(['run', '--config', file]);
      try {
        await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
      } finally {
        expect((await sluice.stop()).code, sluice.output().slice(-2000)).toBe(0);
      }
      const rows = await sql<Row>(`SELECT id::int, name, qty FROM ${topic} ORDER BY id`);
      expect(rows).toEqual([...good].sort((a, b) => a.id - b.id));

      const letters = await readTopic(dlq, bad.size);
      const byKey = new Map(letters.map((m) => [m.key, m]));
      expect([...byKey.keys()].sort()).toEqual([...bad.keys()].map((i) => `k${i}`).sort());
      for (const [i, row] of bad) {
        const m = byKey.get(`k${i}`)!;
        expect(JSON.parse(m.value!)).toEqual(row);
        expect(m.headers['__connect.errors.topic']).toBe(topic);
        expect(m.headers['__connect.errors.partition']).toBe(String(i % PARTITIONS));
        expect(m.headers['__connect.errors.offset']).toBe(String(Math.floor(i / PARTITIONS)));
        expect(m.headers['__connect.errors.stage']).toBe('TASK_PUT');
        // Confluent's JdbcSinkTask.unrollAndRetry reports a refused row as a java.sql.SQLException (getAllMessagesException).
        expect(m.headers['__connect.errors.exception.class.name']).toBe('java.sql.SQLException');
        const expected = row.name.length > 5 ? /value too long .*SQLSTATE 22001/ : row.qty < 0 ? /check constraint .*SQLSTATE 23514/ : /duplicate key .*SQLSTATE 23505/;
        expect(m.headers['__connect.errors.exception.message']).toMatch(expected);
      }
    });
  }
});
