// auto.create and auto.evolve on the real broker, registry and PostgreSQL:
// tables made from the record schema, columns added and types widened when
// the producer's Avro schema gains a version mid-stream, schemaless JSON typed
// from its data, an incompatible change refused with what differs, and two
// Sluice instances racing to create and alter the same table.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { createLogger } from '../../src/log.js';
import { PostgresSink } from '../../src/sinks/postgres/sink.js';
import { PgEncoder } from '../../src/sinks/postgres/encoding.js';
import { type PgPlan, type PgReplanRequest } from '../../src/sinks/postgres/protocol.js';
import { SCHEMALESS } from '../../src/workers/schema.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, waitUntilCommitted, type ConnectField } from './postgres-helpers.js';

const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };

async function columnsOf(table: string): Promise<{ name: string; type: string; nullable: boolean }[]> {
  return sql(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type, NOT attnotnull AS nullable
                FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [`"${table}"`]);
}

async function primaryKey(table: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(`SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`, [`"${table}"`]);
  return rows.map((r) => r.name);
}

const V1 = {
  type: 'record', name: 'Item', namespace: 'sluice.it',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 8, scale: 2 } },
    { name: 'status', type: 'string', default: "it's new" },
  ],
};
// v2: a new optional field and one with a default, qty widened to long, price to decimal(12,3), name now optional.
const V2 = {
  type: 'record', name: 'Item', namespace: 'sluice.it',
  fields: [
    { name: 'name', type: ['null', 'string'], default: null },
    { name: 'qty', type: 'long' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 3 } },
    { name: 'status', type: 'string', default: "it's new" },
    { name: 'colour', type: ['null', 'string'], default: null },
    { name: 'size', type: 'int', default: 42 },
  ],
};

function unscaled(n: bigint): Buffer {
  const hex = BigInt.asUintN(64, n).toString(16).padStart(16, '0');
  return Buffer.from(hex, 'hex');
}

describe('auto.create', () => {
  it('creates the table from the Avro schema with the key as primary key (NOT NULL where the schema says so)', async () => {
    const topic = uniqueName('pg_create');
    await createTopic(topic, 2);
    const id = await registerSchema(`${topic}-value`, V1);
    const t = avro.Type.forSchema(V1 as avro.Schema);
    await produce(topic, Array.from({ length: 100 }, (_, i) => ({
      key: `item-${i % 30}`, partition: i % 2,
      value: confluentFrame(id, t.toBuffer({ name: `n${i}`, qty: i, price: unscaled(BigInt(i * 101)) })),
    })));
    await runUntilCommitted(pgConnector(topic, { ...AVRO, 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id' }), [topic]);
    expect(await columnsOf(topic)).toEqual([
      { name: 'id', type: 'text', nullable: false },
      { name: 'name', type: 'text', nullable: false },
      { name: 'qty', type: 'integer', nullable: false },
      // A Connect Decimal (Avro decimal(8,2)): unconstrained, as Confluent's PostgreSqlDatabaseDialect declares DECIMAL.
      { name: 'price', type: 'numeric', nullable: false },
      // A required field with a default: DEFAULT and nullable, as Confluent's writeColumnSpec.
      { name: 'status', type: 'text', nullable: true },
    ]);
    expect(await primaryKey(topic)).toEqual(['id']);
    const rows = await sql<{ id: string; name: string; qty: number; price: string }>(`SELECT id, name, qty, price::text FROM "${topic}" ORDER BY qty`);
    expect(rows.length).toBe(30);
    expect(rows.find((r) => r.id === 'item-0')).toEqual({ id: 'item-0', name: 'n90', qty: 90, price: '90.90' });
    expect(rows.find((r) => r.id === 'item-29')).toEqual({ id: 'item-29', name: 'n89', qty: 89, price: '89.89' });
  });

  it('with a weird table.name.format creates exactly one table of that name', async () => {
    const topic = uniqueName('pg_create_weird');
    const canary = uniqueName('canary');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${canary} (x int)`);
    const tablesBefore = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r'`);
    const fields: ConnectField[] = [{ field: 'id', type: 'int64' }, { field: 'v', type: 'string' }];
    await produce(topic, [{ value: envelope(fields, { id: 1, v: 'a' }) }, { value: envelope(fields, { id: 2, v: 'b' }) }]);
    await runUntilCommitted(pgConnector(topic, { 'table.name.format': `it "x"; DROP TABLE ${canary}; --\${topic}`, 'auto.create': 'true' }), [topic]);
    const name = `it "x"; DROP TABLE ${canary}; --${topic}`;
    expect(await sql(`SELECT id::int, v FROM "${name.replace(/"/g, '""')}" ORDER BY id`)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${canary}`)).toEqual([{ n: 0 }]);
    const tablesAfter = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r'`);
    // Exactly one new table (other tests may run at the same time, so: at least one, and this one exists once).
    expect(tablesAfter[0]!.n).toBeGreaterThanOrEqual(tablesBefore[0]!.n + 1);
    expect(await sql(`SELECT count(*)::int AS n FROM pg_class WHERE relname = $1`, [name])).toEqual([{ n: 1 }]);
  });
});

describe('auto.evolve', () => {
  it('the producer\'s Avro schema gains a version mid-stream: new column added, types widened, NOT NULL dropped; old rows keep their values', async () => {
    const topic = uniqueName('pg_evolve');
    await createTopic(topic, 2);
    const id1 = await registerSchema(`${topic}-value`, V1);
    const t1 = avro.Type.forSchema(V1 as avro.Schema);
    await produce(topic, Array.from({ length: 200 }, (_, i) => ({
      key: `k${i}`, partition: i % 2, value: confluentFrame(id1, t1.toBuffer({ name: `n${i}`, qty: i, price: unscaled(BigInt(i)), status: 'v1' })),
    })));
    const name = uniqueName('it');
    const file = writeConnector(pgConnector(topic, { ...AVRO, 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 60_000);
      expect((await columnsOf(topic)).map((c) => c.name)).toEqual(['k', 'name', 'qty', 'price', 'status']);
      // A new schema version, while Sluice runs.
      const id2 = await registerSchema(`${topic}-value`, V2);
      expect(id2).not.toBe(id1);
      const t2 = avro.Type.forSchema(V2 as avro.Schema);
      await produce(topic, Array.from({ length: 200 }, (_, i) => ({
        key: `k${200 + i}`, partition: i % 2,
        value: confluentFrame(id2, t2.toBuffer({ name: i % 2 ? null : `m${i}`, qty: 5_000_000_000 + i, price: unscaled(123_456_789n + BigInt(i)), status: 'v2', colour: `c${i}`, size: i })),
      })));
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 60_000);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await columnsOf(topic)).toEqual([
      { name: 'k', type: 'text', nullable: false },
      { name: 'name', type: 'text', nullable: true },
      { name: 'qty', type: 'bigint', nullable: false },
      // Unconstrained from the start (Confluent's DECIMAL): decimal(12,3) needs no change.
      { name: 'price', type: 'numeric', nullable: false },
      { name: 'status', type: 'text', nullable: true },
      { name: 'colour', type: 'text', nullable: true },
      { name: 'size', type: 'integer', nullable: true },
    ]);
    // The schemas' field defaults became column defaults (as Kafka Connect's JDBC sink does); rows
    // written before `size` existed took its default when the column was added.
    const defaults = await sql<{ name: string; def: string | null }>(`SELECT column_name AS name, column_default AS def FROM information_schema.columns
      WHERE table_name = $1 AND column_default IS NOT NULL ORDER BY ordinal_position`, [topic]);
    expect(defaults).toEqual([{ name: 'status', def: "'it''s new'::text" }, { name: 'size', def: '42' }]);
    const rows = await sql<{ k: string; name: string | null; qty: string; price: string; colour: string | null }>(
      `SELECT k, name, qty::text, price::text, status, colour, size FROM "${topic}" WHERE k IN ('k7', 'k201', 'k202') ORDER BY k`);
    expect(rows).toEqual([
      { k: 'k201', name: null, qty: '5000000001', price: '123456.790', status: 'v2', colour: 'c1', size: 1 },
      { k: 'k202', name: 'm2', qty: '5000000002', price: '123456.791', status: 'v2', colour: 'c2', size: 2 },
      // Each value at its own schema's scale: nothing rounded, nothing padded.
      { k: 'k7', name: 'n7', qty: '7', price: '0.07', status: 'v1', colour: null, size: 42 },
    ]);
    expect(await sql(`SELECT count(*)::int AS n FROM "${topic}"`)).toEqual([{ n: 400 }]);
  });

  it('a numeric(8,2) column an older Sluice made for decimal(8,2) stays while it holds the values, and becomes unconstrained numeric for decimal(12,3)', async () => {
    const topic = uniqueName('pg_evolve_num');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE "${topic}" (k text PRIMARY KEY, name text NOT NULL, qty integer NOT NULL, price numeric(8,2) NOT NULL, status text DEFAULT 'it''s new')`);
    const id1 = await registerSchema(`${topic}-value`, V1);
    const t1 = avro.Type.forSchema(V1 as avro.Schema);
    await produce(topic, [1n, -999_999_99n].map((p, i) => ({ key: `a${i}`, value: confluentFrame(id1, t1.toBuffer({ name: 'v1', qty: i, price: unscaled(p), status: 'v1' })) })));
    const cfg = pgConnector(topic, { ...AVRO, 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' });
    await runUntilCommitted(cfg, [topic]);
    expect((await columnsOf(topic)).find((c) => c.name === 'price')?.type).toBe('numeric(8,2)');
    const id2 = await registerSchema(`${topic}-value`, V2);
    const t2 = avro.Type.forSchema(V2 as avro.Schema);
    await produce(topic, [{ key: 'b0', value: confluentFrame(id2, t2.toBuffer({ name: null, qty: 1, price: unscaled(123_456_789_012n), status: 'v2', colour: null, size: 1 })) }]);
    await runUntilCommitted(cfg, [topic]);
    // Confluent's class declares a Decimal unconstrained, and PostgreSQL widens numeric(8,2) to that without a rewrite.
    expect((await columnsOf(topic)).find((c) => c.name === 'price')?.type).toBe('numeric');
    expect(await sql(`SELECT k, price::text FROM "${topic}" ORDER BY k`)).toEqual([
      { k: 'a0', price: '0.01' }, { k: 'a1', price: '-999999.99' }, { k: 'b0', price: '123456789.012' },
    ]);
  });

  it('schemaless JSON: columns typed from the data, integers widened to double when fractions come, objects and arrays of objects as jsonb', async () => {
    const topic = uniqueName('pg_evolve_json');
    await createTopic(topic, 1);
    const first = Array.from({ length: 50 }, (_, i) => ({ value: JSON.stringify({ id: i, a: i, flag: true }) }));
    await produce(topic, first);
    const cfg = pgConnector(topic, { 'value.converter.schemas.enable': 'false', 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' });
    await runUntilCommitted(cfg, [topic]);
    await produce(topic, [
      { value: JSON.stringify({ id: 100, a: 1.5, b: 'x', c: { n: [1, 2] }, d: [1, 2, 3], e: [{ z: 1 }], never: null }) },
      { value: JSON.stringify({ id: 101, a: 2, b: 'y', d: [], f: 'late' }) },
    ]);
    await runUntilCommitted(cfg, [topic]);
    const cols = Object.fromEntries((await columnsOf(topic)).map((c) => [c.name, c.type]));
    expect(cols).toEqual({ id: 'bigint', a: 'double precision', flag: 'boolean', b: 'text', c: 'jsonb', d: 'bigint[]', e: 'jsonb', f: 'text' });
    expect(await sql(`SELECT id::int, a, b, c, d, e, f FROM "${topic}" WHERE id >= 49 ORDER BY id`)).toEqual([
      { id: 49, a: 49, b: null, c: null, d: null, e: null, f: null },
      { id: 100, a: 1.5, b: 'x', c: { n: [1, 2] }, d: ['1', '2', '3'], e: [{ z: 1 }], f: null },
      { id: 101, a: 2, b: 'y', c: null, d: [], f: 'late', e: null },
    ]);
  });

  it('an incompatible change stops Sluice and says what differs', async () => {
    const topic = uniqueName('pg_incompatible');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE "${topic}" (k text PRIMARY KEY, name text, qty integer)`);
    const bad = { type: 'record', name: 'Item', namespace: 'sluice.it', fields: [{ name: 'name', type: 'string' }, { name: 'qty', type: 'string' }] };
    // Another subject: the registry would refuse it as a new version of the topic's subject.
    const id = await registerSchema(`${topic}-other-value`, bad);
    await produce(topic, [{ key: 'a', value: confluentFrame(id, avro.Type.forSchema(bad as avro.Schema).toBuffer({ name: 'x', qty: 'many' })) }]);
    const out = await runExpectingFailure(pgConnector(topic, { ...AVRO, 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }));
    expect(out).toContain(`sluice: table "${topic}" cannot take the records of topic ${topic} partition 0 offset 0: column "qty" is integer but field "qty" is string. Sluice never drops a column or narrows a type`);
    expect(await columnsOf(topic)).toEqual([
      { name: 'k', type: 'text', nullable: false }, { name: 'name', type: 'text', nullable: true }, { name: 'qty', type: 'integer', nullable: true },
    ]);
  });
});

describe('racing instances', () => {
  it('two sinks creating and then altering the same table at once both succeed', async () => {
    const log = createLogger('error');
    const make = () => new PostgresSink(loadConfig({ json: { name: uniqueName('race'), config: {
      ...pgConnector('unused', { 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id', 'table.name.format': 'race_${topic}' }),
    } }, env: {} }), log);
    const a = make();
    const b = make();
    try {
      for (let round = 0; round < 5; round++) {
        const topic = uniqueName('t');
        const base = { id: 'avro:1', fields: [{ name: 'id', type: { kind: 'int64' as const }, optional: false }, { name: 'v', type: { kind: 'int32' as const }, optional: false }] };
        const wider = { id: 'avro:2', fields: [...base.fields.slice(0, 1), { name: 'v', type: { kind: 'int64' as const }, optional: true }, { name: `extra`, type: { kind: 'string' as const }, optional: true }] };
        const create = (s: PostgresSink) => s.plan(topic).then((p) => s.replan!(topic, {
          planId: (p as { plan: { id: number } }).plan.id, values: [base], keys: [], partition: 0, offset: 0,
        } satisfies PgReplanRequest));
        await Promise.all([create(a), create(b)]);
        const evolve = (s: PostgresSink) => s.plan(topic).then((p) => s.replan!(topic, {
          planId: (p as { plan: { id: number } }).plan.id, values: [wider], keys: [], partition: 0, offset: 5,
        } satisfies PgReplanRequest));
        await Promise.all([evolve(a), evolve(b)]);
        expect(await columnsOf(`race_${topic}`)).toEqual([
          { name: 'id', type: 'bigint', nullable: false }, { name: 'v', type: 'bigint', nullable: true }, { name: 'extra', type: 'text', nullable: true },
        ]);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a batch encoded before another instance widened a column lands with the right values (no raw binary reinterpretation)', async () => {
    const topic = uniqueName('pg_widened_under');
    await sql(`CREATE TABLE "${topic}" (id bigint NOT NULL, v bigint, f real)`);
    const config = loadConfig({ json: { name: uniqueName('w'), config: pgConnector(topic, { 'value.converter.schemas.enable': 'false' }) }, env: {} });
    const sink = new PostgresSink(config, createLogger('error'));
    try {
      const plan = ((await sink.plan(topic)) as { plan: PgPlan }).plan;
      const enc = new PgEncoder();
      enc.begin(plan, topic, 0);
      [5, -7, 2 ** 40].forEach((v, i) => enc.add(
        { value: { id: i, v, f: 1.5 }, schema: SCHEMALESS }, undefined,
        { topic, partition: 0, offset: i, timestamp: 0, key: null, keyBytes: null, headers: () => [] },
      ));
      const out = enc.finish();
      // Another instance widens v; this sink does not know yet. int8 and float8 are both
      // 8 bytes, so a plain binary COPY would not even fail: it would store garbage.
      await sql(`ALTER TABLE "${topic}" ALTER COLUMN v TYPE double precision`);
      await sink.submit({
        topic, partition: 0, firstOffset: 0, lastOffset: 2, records: 3, rows: out.rows, tombstones: 0, output: out.output, outputBytes: out.outputBytes,
      });
      expect(await sql(`SELECT id::int, v, f FROM "${topic}" ORDER BY id`)).toEqual([{ id: 0, v: 5, f: 1.5 }, { id: 1, v: -7, f: 1.5 }, { id: 2, v: 2 ** 40, f: 1.5 }]);
    } finally {
      await sink.close();
    }
  });

  it('two Sluice processes on different topics, one table, auto.create: both land all their rows', async () => {
    const t1 = uniqueName('pg_race_a');
    const t2 = uniqueName('pg_race_b');
    const table = uniqueName('race_target');
    await createTopic(t1, 1);
    await createTopic(t2, 1);
    const fields: ConnectField[] = [{ field: 'id', type: 'int64' }, { field: 'src', type: 'string' }];
    await produce(t1, Array.from({ length: 300 }, (_, i) => ({ value: envelope(fields, { id: i, src: 'a' }) })));
    await produce(t2, Array.from({ length: 300 }, (_, i) => ({ value: envelope(fields, { id: 1000 + i, src: 'b' }) })));
    await Promise.all([
      runUntilCommitted(pgConnector(t1, { 'table.name.format': table, 'auto.create': 'true', 'auto.evolve': 'true' }), [t1]),
      runUntilCommitted(pgConnector(t2, { 'table.name.format': table, 'auto.create': 'true', 'auto.evolve': 'true' }), [t2]),
    ]);
    expect(await sql(`SELECT src, count(*)::int AS n FROM "${table}" GROUP BY src ORDER BY src`)).toEqual([{ src: 'a', n: 300 }, { src: 'b', n: 300 }]);
  });
});
