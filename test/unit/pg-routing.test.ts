// The PostgreSQL encoder picks each record's table: the batch topic's own
// table on the fast path, the table.name.format of RecordContext.topic when a
// routing transform changed it, a Debezium change event's source block with
// ${source.…}. An unknown table is asked for with one re-plan naming every
// such table; once planned, each table's tuples come out separately, in
// record order.
import { describe, expect, it } from 'vitest';
import type { RecordContext } from '../../src/workers/encoder.js';
import { ReplanNeeded } from '../../src/errors.js';
import { PgEncoder } from '../../src/sinks/postgres/encoding.js';
import { outputTuples, readOutputHeader, type PgBatchMeta, type PgColumn, type PgMultiReplanRequest, type PgPlan } from '../../src/sinks/postgres/protocol.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { recordSchemaFromConnect, type RecordSchema } from '../../src/workers/schema.js';

const cols: PgColumn[] = [
  { name: 'id', typeOid: OID.int4, typeName: 'int4', elemOid: 0, typmod: -1, sqlType: 'integer', notNull: true, pk: false, source: { from: 'value', field: 'id' } },
];
let nextId = 10;
const tablePlan = (table: string, extra: Partial<PgPlan> = {}): PgPlan => ({
  id: nextId++, table, staged: false, deletes: false, textNul: 'escape', autoEvolve: false, missingTable: false,
  rules: { pkMode: 'none', pkFields: [], exclude: [] } as never, columns: cols, naming: { format: 'sink_${topic}', debezium: false, database: 'postgres' }, ...extra,
});
const ctx = (topic: string, offset: number): RecordContext => ({ topic, partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });
const ROW: RecordSchema = recordSchemaFromConnect('c1', { type: 'struct', fields: [{ field: 'id', type: 'int32' }] });

function ids(output: SharedArrayBuffer): number[] {
  const h = readOutputHeader(output);
  const t = outputTuples(output, h);
  const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const out: number[] = [];
  // Each tuple: int16 field count, int32 length 4, int32 value.
  for (let at = 0; at < t.length; at += 10) out.push(v.getInt32(at + 6));
  return out;
}

describe('per-record tables', () => {
  it('records whose topic a transform changed go to that topic\'s table; the rest stay on the fast path', () => {
    const enc = new PgEncoder();
    const main = tablePlan('"sink_orders"');
    const run = (plan: PgPlan) => {
      enc.begin(plan, 'orders', 0);
      ['orders', 'orders_eu', 'orders', 'orders_us', 'orders_eu'].forEach((topic, i) => enc.add({ value: { id: i }, schema: ROW }, undefined, ctx(topic, i)));
      return enc.finish();
    };
    let err: unknown;
    try {
      run(main);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplanNeeded);
    const req = (err as ReplanNeeded).request as PgMultiReplanRequest;
    expect(req.multi).toBe(true);
    expect(req.routes).toEqual([{ table: 'sink_orders_eu' }, { table: 'sink_orders_us' }]);

    const eu = tablePlan('"sink_orders_eu"');
    const us = tablePlan('"sink_orders_us"');
    const out = run({ ...main, routes: { '"sink_orders_eu"': eu, '"sink_orders_us"': us } });
    expect(out.rows).toBe(5);
    expect(ids(out.output!)).toEqual([0, 2]);
    const more = (out.meta as PgBatchMeta).more!;
    expect(more.map((m) => readOutputHeader(m.output).planId)).toEqual([eu.id, us.id]);
    expect(more.map((m) => ids(m.output))).toEqual([[1, 4], [3]]);
  });

  it('without routed records the output is exactly the one-table output', () => {
    const enc = new PgEncoder();
    const main = tablePlan('"sink_t"');
    enc.begin(main, 't', 0);
    for (let i = 0; i < 3; i++) enc.add({ value: { id: i }, schema: ROW }, undefined, ctx('t', i));
    const out = enc.finish();
    expect(out.meta).toBeUndefined();
    expect(ids(out.output!)).toEqual([0, 1, 2]);
  });
});
