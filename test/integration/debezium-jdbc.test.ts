// Debezium change events into PostgreSQL with Debezium's JDBC sink class
// (io.debezium.connector.jdbc.JdbcSinkConnector): events shaped exactly as a
// Debezium PostgreSQL source connector writes them (key struct with the
// primary key; value envelope with before/after/source/op/ts_ms/transaction),
// through Kafka Connect's JsonConverter with schemas and through Confluent's
// AvroConverter (connect.name properties). Covers the ops c/r/u/d/t,
// delete.enabled, truncate.enabled, tombstones, collection.name.format with
// ${source.…}, every semantic type landing with its exact value, and a bad
// value stopping Sluice with the record's location.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createTopic, produce, readTopic, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { JsonEvents, source, type Row } from './debezium-events.js';

const DBZ = 'io.debezium.connector.jdbc.JdbcSinkConnector';

/** The row's columns as a Debezium PostgreSQL connector describes them (Connect schema). */
const ROW_FIELDS: ConnectField[] = [
  { field: 'id', type: 'int32' },
  { field: 'name', type: 'string', optional: true },
  { field: 'd', type: 'int32', optional: true, name: 'io.debezium.time.Date' },
  { field: 't_ms', type: 'int32', optional: true, name: 'io.debezium.time.Time' },
  { field: 't_us', type: 'int64', optional: true, name: 'io.debezium.time.MicroTime' },
  { field: 't_ns', type: 'int64', optional: true, name: 'io.debezium.time.NanoTime' },
  { field: 'ts_ms', type: 'int64', optional: true, name: 'io.debezium.time.Timestamp' },
  { field: 'ts_us', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp' },
  { field: 'ts_ns', type: 'int64', optional: true, name: 'io.debezium.time.NanoTimestamp' },
  { field: 'tstz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp' },
  { field: 'ttz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTime' },
  { field: 'yr', type: 'int32', optional: true, name: 'io.debezium.time.Year' },
  {
    field: 'vdec', type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal',
    fields: [{ field: 'scale', type: 'int32' }, { field: 'value', type: 'bytes' }],
  },
  { field: 'js', type: 'string', optional: true, name: 'io.debezium.data.Json' },
  { field: 'u', type: 'string', optional: true, name: 'io.debezium.data.Uuid' },
  { field: 'x', type: 'string', optional: true, name: 'io.debezium.data.Xml' },
  { field: 'en', type: 'string', optional: true, name: 'io.debezium.data.Enum', parameters: { allowed: 'small,medium,large' } },
  { field: 'es', type: 'string', optional: true, name: 'io.debezium.data.EnumSet', parameters: { allowed: 'a,b,c' } },
  { field: 'bits', type: 'bytes', optional: true, name: 'io.debezium.data.Bits', parameters: { length: '10' } },
];

const JSON_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
};

function dbzConnector(topic: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return pgConnector(topic, {
    'connector.class': DBZ, ...JSON_CONVERTERS, 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', ...extra,
  });
}

/** PostgreSQL bit(10) '1000000101' as Debezium writes it: BitSet bytes, little-endian of the value. */
const BITS = Buffer.from([0b00000101, 0b10]).toString('base64');
/** 123456789012345678.90123 as VariableScaleDecimal: scale 5, unscaled two's complement. */
function unscaledBytes(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n;
  for (;;) {
    bytes.unshift(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
    if ((v === 0n && (bytes[0]! & 0x80) === 0) || (v === -1n && (bytes[0]! & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

const FULL_ROW = {
  name: 'full', d: 19_723, t_ms: 45_296_789, t_us: 45_296_789_012, t_ns: 45_296_789_012_000, ts_ms: 1_704_112_496_789, ts_us: 1_704_112_496_789_012,
  tstz: '2024-01-01T14:34:56.789012+02:00', ttz: '12:34:56.789Z', yr: 2024,
  js: '{"b": 2, "a": [1, 2.50]}', u: '8f14e45f-ceea-467a-9af5-1c3d2a6b7e90', x: '<a><b>1</b></a>', en: 'medium', es: 'a,c',
};

/** Exact JSON text of a row, with a long beyond 2^53 written as its digits. */
function rowJson(r: Row, nanos?: bigint): Row {
  return { ...r, ...(nanos !== undefined ? { ts_ns: `@@${nanos}@@` } : {}) };
}
function exactJson(m: TestMessage): TestMessage {
  return typeof m.value === 'string' ? { ...m, value: m.value.replace(/"@@(-?\d+)@@"/g, '$1') } : m;
}

const EXPECTED_TYPES = {
  id: 'integer', name: 'text', d: 'date', t_ms: 'time without time zone', t_us: 'time without time zone', t_ns: 'time without time zone',
  ts_ms: 'timestamp without time zone', ts_us: 'timestamp without time zone', ts_ns: 'timestamp without time zone', tstz: 'timestamp with time zone',
  ttz: 'time with time zone', yr: 'integer', vdec: 'numeric', js: 'json', u: 'uuid', x: 'xml', en: 'text', es: 'text', bits: 'bit varying(10)',
};

async function columnTypes(table: string): Promise<Record<string, string>> {
  const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [table]);
  return Object.fromEntries(types.map((t) => [t.name, t.type]));
}

const SELECT_ALL = `SELECT id, name, d::text, t_ms::text, t_us::text, t_ns::text, ts_ms::text, ts_us::text, ts_ns::text,
  (tstz AT TIME ZONE 'UTC')::text AS tstz, ttz::text, yr, vdec::text, js::text, u::text, x::text, en, es, bits::text`;

const EXPECTED_FULL = {
  name: 'full', d: '2024-01-01', t_ms: '12:34:56.789', t_us: '12:34:56.789012', t_ns: '12:34:56.789012', ts_ms: '2024-01-01 12:34:56.789',
  ts_us: '2024-01-01 12:34:56.789012', ts_ns: '2024-01-01 12:34:56.789012', tstz: '2024-01-01 12:34:56.789012', ttz: '12:34:56.789+00', yr: 2024,
  vdec: '123456789012345678.90123', js: '{"b": 2, "a": [1, 2.50]}', u: '8f14e45f-ceea-467a-9af5-1c3d2a6b7e90', x: '<a><b>1</b></a>', en: 'medium', es: 'a,c',
  bits: '1000000101',
};
const NULL_ROW = Object.fromEntries(Object.keys(EXPECTED_FULL).map((k) => [k, null]));

describe('Debezium change events (JdbcSinkConnector)', () => {
  it('applies c/r/u/d with delete.enabled and tombstones, the last state per key winning within a batch, every semantic type exact (Connect JSON)', async () => {
    const topic = uniqueName('dbz.public.items');
    const table = topic.replace(/\./g, '_'); // Debezium's naming: dots in ${topic} become underscores
    await createTopic(topic, 1);
    const ev = new JsonEvents('dbz', 'items', ROW_FIELDS);
    const full = rowJson({ id: 2, ...FULL_ROW, vdec: { scale: 5, value: unscaledBytes(12345678901234567890123n).toString('base64') }, bits: BITS }, 1_704_112_496_789_012_000n);
    await produce(topic, [
      ev.event('r', null, { id: 1, name: 'one' }),
      ev.event('r', null, { id: 2, name: 'two' }),
      ev.event('c', null, { id: 3, name: 'three' }),
      ev.event('u', { id: 2, name: 'two' }, full),
      ev.event('d', { id: 1, name: 'one' }, null),
      ev.tombstone(1),
      ev.event('c', null, { id: 1, name: 'one again' }), // re-inserted after its delete, in the same batch
      ev.event('u', { id: 3, name: 'three' }, { id: 3, name: 'three b' }),
      ev.event('d', { id: 3, name: 'three b' }, null),
      ev.tombstone(3),
      ev.event('c', null, { id: 4, name: 'four', vdec: { scale: -2, value: unscaledBytes(-15n).toString('base64') }, ts_ns: 0, tstz: '1969-12-31T23:59:59.999999-00:30' }),
    ].map(exactJson));
    await runUntilCommitted(dbzConnector(topic, { 'delete.enabled': 'true' }), [topic]);

    expect(await columnTypes(`"${table}"`)).toEqual(EXPECTED_TYPES);
    expect(await sql(`${SELECT_ALL} FROM "${table}" ORDER BY id`)).toEqual([
      { id: 1, ...NULL_ROW, name: 'one again' },
      { id: 2, ...EXPECTED_FULL },
      { id: 4, ...NULL_ROW, name: 'four', vdec: '-1500', ts_ns: '1970-01-01 00:00:00', tstz: '1970-01-01 00:29:59.999999' },
    ]);
    const pk = await sql<{ a: string }>(`SELECT a.attname AS a FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary`, [`"${table}"`]);
    expect(pk.map((r) => r.a)).toEqual(['id']);
  });

  it('truncate.enabled empties the table at the t event, in order with the rows around it; without it t is skipped, as are deletes without delete.enabled', async () => {
    const topic = uniqueName('dbz.public.trunc');
    const off = uniqueName('dbz.public.keep');
    await createTopic(topic, 1);
    await createTopic(off, 1);
    const events = (ev: JsonEvents) => [
      ev.event('c', null, { id: 1, name: 'a' }),
      ev.event('c', null, { id: 2, name: 'b' }),
      ev.event('t', null, null),
      ev.event('c', null, { id: 3, name: 'c' }),
      ev.event('d', { id: 3, name: 'c' }, null),
      ev.tombstone(3),
      ev.event('c', null, { id: 4, name: 'd' }),
    ];
    await produce(topic, events(new JsonEvents('dbz', 'trunc', ROW_FIELDS)));
    await produce(off, events(new JsonEvents('dbz', 'keep', ROW_FIELDS)));
    await runUntilCommitted(dbzConnector(topic, { 'delete.enabled': 'true', 'truncate.enabled': 'true' }), [topic]);
    await runUntilCommitted(dbzConnector(off), [off]);
    expect(await sql(`SELECT id, name FROM "${topic.replace(/\./g, '_')}" ORDER BY id`)).toEqual([{ id: 4, name: 'd' }]);
    expect(await sql(`SELECT id, name FROM "${off.replace(/\./g, '_')}" ORDER BY id`)).toEqual([
      { id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }, { id: 4, name: 'd' },
    ]);
  });

  it('a truncate in a later batch empties what earlier batches wrote; exactly-once keeps the offsets with it', async () => {
    const topic = uniqueName('dbz.public.eo');
    await createTopic(topic, 1);
    const ev = new JsonEvents('dbz', 'eo', ROW_FIELDS);
    await produce(topic, Array.from({ length: 300 }, (_, i) => ev.event('c', null, { id: i, name: `n${i}` })));
    await produce(topic, [ev.event('t', null, null), ev.event('c', null, { id: 1000, name: 'after' })]);
    const table = topic.replace(/\./g, '_');
    await runUntilCommitted(dbzConnector(topic, { 'truncate.enabled': 'true', 'delivery.guarantee': 'exactly_once', 'batch.max.records': '50' }), [topic]);
    expect(await sql(`SELECT id, name FROM "${table}" ORDER BY id`)).toEqual([{ id: 1000, name: 'after' }]);
    const stored = await sql<{ n: string }>('SELECT max(next_offset)::text AS n FROM sluice_offsets WHERE topic = $1', [topic]);
    expect(stored[0]!.n).toBe('302');
  });

  it('collection.name.format with ${source.schema} and ${source.table} names each topic\'s table from its events; already-flattened records are rows as they are', async () => {
    const t1 = uniqueName('srv.public.customers');
    const t2 = uniqueName('srv.public.orders');
    const flat = uniqueName('flat');
    await createTopic(t1, 1);
    await createTopic(t2, 1);
    await createTopic(flat, 1);
    const customers = `c_${t1.slice(-8)}`;
    const orders = `o_${t2.slice(-8)}`;
    await sql('CREATE SCHEMA IF NOT EXISTS dbz_target');
    const fields: ConnectField[] = [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }];
    await produce(t1, [new JsonEvents('srv', customers, fields).event('c', null, { id: 1, name: 'ann' }), new JsonEvents('srv', customers, fields).event('u', null, { id: 1, name: 'ann b' })]);
    await produce(t2, [new JsonEvents('srv', orders, fields).event('r', null, { id: 7, name: 'order' })]);
    await runUntilCommitted(dbzConnector(`${t1},${t2}`, { 'collection.name.format': 'dbz_target.${source.table}' }), [t1, t2]);
    expect(await sql(`SELECT id, name FROM dbz_target."${customers}"`)).toEqual([{ id: 1, name: 'ann b' }]);
    expect(await sql(`SELECT id, name FROM dbz_target."${orders}"`)).toEqual([{ id: 7, name: 'order' }]);

    // ExtractNewRecordState output (no envelope): written as it is.
    await produce(flat, [{ key: JSON.stringify({ schema: { type: 'struct', fields: [{ field: 'id', type: 'int32' }] }, payload: { id: 5 } }), value: JSON.stringify({
      schema: { type: 'struct', name: 'srv.public.flat.Value', fields: [{ field: 'id', type: 'int32' }, { field: 'ts', type: 'int64', name: 'io.debezium.time.MicroTimestamp', optional: true }] },
      payload: { id: 5, ts: 1_704_112_496_789_012 },
    }) }]);
    await runUntilCommitted(dbzConnector(flat), [flat]);
    expect(await sql(`SELECT id, ts::text FROM "${flat}"`)).toEqual([{ id: 5, ts: '2024-01-01 12:34:56.789012' }]);
  });

  it('Avro through the registry: Debezium\'s connect.name types and the envelope land exactly', async () => {
    const topic = uniqueName('avsrv.public.things');
    await createTopic(topic, 1);
    const ns = 'avsrv.public.things';
    const logical = (type: string, name: string, params?: Record<string, string>) => ({ type, 'connect.version': 1, ...(params ? { 'connect.parameters': params } : {}), 'connect.name': name });
    const value = {
      type: 'record', name: 'Value', namespace: ns, 'connect.name': `${ns}.Value`,
      fields: [
        { name: 'id', type: 'int' },
        { name: 'd', type: ['null', logical('int', 'io.debezium.time.Date')], default: null },
        { name: 't_us', type: ['null', logical('long', 'io.debezium.time.MicroTime')], default: null },
        { name: 'ts_ns', type: ['null', logical('long', 'io.debezium.time.NanoTimestamp')], default: null },
        { name: 'tstz', type: ['null', logical('string', 'io.debezium.time.ZonedTimestamp')], default: null },
        { name: 'vdec', type: ['null', { type: 'record', name: 'VariableScaleDecimal', namespace: 'io.debezium.data', fields: [{ name: 'scale', type: 'int' }, { name: 'value', type: 'bytes' }], 'connect.version': 1, 'connect.name': 'io.debezium.data.VariableScaleDecimal' }], default: null },
        { name: 'vdec2', type: ['null', 'io.debezium.data.VariableScaleDecimal'], default: null },
        { name: 'js', type: ['null', logical('string', 'io.debezium.data.Json')], default: null },
        { name: 'bits', type: ['null', logical('bytes', 'io.debezium.data.Bits', { length: '10' })], default: null },
      ],
    };
    const envelopeSchema = {
      type: 'record', name: 'Envelope', namespace: ns, 'connect.version': 1, 'connect.name': `${ns}.Envelope`,
      fields: [
        { name: 'before', type: ['null', value], default: null },
        { name: 'after', type: ['null', `${ns}.Value`], default: null },
        { name: 'source', type: { type: 'record', name: 'Source', namespace: 'io.debezium.connector.postgresql', 'connect.name': 'io.debezium.connector.postgresql.Source', fields: [
          { name: 'version', type: 'string' }, { name: 'connector', type: 'string' }, { name: 'name', type: 'string' }, { name: 'ts_ms', type: 'long' },
          { name: 'snapshot', type: [{ type: 'string', 'connect.version': 1, 'connect.parameters': { allowed: 'true,last,false,incremental' }, 'connect.default': 'false', 'connect.name': 'io.debezium.data.Enum' }, 'null'], default: 'false' },
          { name: 'db', type: 'string' }, { name: 'sequence', type: ['null', 'string'], default: null }, { name: 'schema', type: 'string' }, { name: 'table', type: 'string' },
          { name: 'txId', type: ['null', 'long'], default: null }, { name: 'lsn', type: ['null', 'long'], default: null }, { name: 'xmin', type: ['null', 'long'], default: null },
        ] } },
        { name: 'op', type: 'string' },
        { name: 'ts_ms', type: ['null', 'long'], default: null },
        { name: 'transaction', type: ['null', { type: 'record', name: 'block', namespace: 'event', 'connect.version': 1, 'connect.name': 'event.block', fields: [
          { name: 'id', type: 'string' }, { name: 'total_order', type: 'long' }, { name: 'data_collection_order', type: 'long' },
        ] }], default: null },
      ],
    };
    const keySchema = { type: 'record', name: 'Key', namespace: ns, 'connect.name': `${ns}.Key`, fields: [{ name: 'id', type: 'int' }] };
    const valueId = await registerSchema(`${topic}-value`, envelopeSchema);
    const keyId = await registerSchema(`${topic}-key`, keySchema);
    const longType = avro.types.LongType.__with({
      fromBuffer: (b: Buffer) => b.readBigInt64LE(), toBuffer: (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b; },
      fromJSON: BigInt, toJSON: Number, isValid: (n: unknown) => typeof n === 'bigint', compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
    });
    // Wrapped unions: avsc picks an unwrapped union's branch by the value's JavaScript type, which a bigint long defeats.
    const vType = avro.Type.forSchema(envelopeSchema as avro.Schema, {
      registry: { long: longType }, wrapUnions: true,
      typeHook: (sch) => (typeof sch === 'object' && (sch as { type?: unknown }).type === 'long' ? longType : undefined),
    });
    const w = (branch: string, v: unknown) => (v === null || v === undefined ? null : { [branch]: v });
    const wrapRow = (r: Record<string, unknown> | null) => r === null ? null : w(`${ns}.Value`, {
      id: r.id, d: w('int', r.d), t_us: w('long', r.t_us), ts_ns: w('long', r.ts_ns), tstz: w('string', r.tstz),
      vdec: w('io.debezium.data.VariableScaleDecimal', r.vdec), vdec2: w('io.debezium.data.VariableScaleDecimal', r.vdec2), js: w('string', r.js), bits: w('bytes', r.bits),
    });
    const kType = avro.Type.forSchema(keySchema as avro.Schema);
    const src = (op: string) => {
      const s = source('avsrv', 'things');
      return { ...s, ts_ms: 1_704_112_496_000n, txId: w('long', 771n), lsn: w('long', BigInt(s.lsn)), xmin: null, sequence: w('string', s.sequence), snapshot: w('string', op === 'r' ? 'true' : 'false') };
    };
    const msg = (op: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null, id: number): TestMessage => ({
      key: confluentFrame(keyId, kType.toBuffer({ id })),
      value: confluentFrame(valueId, vType.toBuffer({ before: wrapRow(before), after: wrapRow(after), source: src(op), op, ts_ms: w('long', 1_704_112_497_000n), transaction: null })),
    });
    const row = {
      id: 1, d: 19_723, t_us: 45_296_789_012n, ts_ns: 1_704_112_496_789_012_000n, tstz: '2024-01-01T12:34:56.789012Z',
      vdec: { scale: 3, value: unscaledBytes(-1234567n) }, vdec2: { scale: 0, value: unscaledBytes(98765432109876543210n) }, js: '[1,{"x":null}]',
      bits: Buffer.from([0b00000101, 0b10]),
    };
    await produce(topic, [
      msg('r', null, row, 1),
      msg('c', null, { ...row, id: 2, vdec: null, vdec2: null, bits: null }, 2),
      msg('d', { ...row, id: 2 }, null, 2),
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'connector.class': DBZ, 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'delete.enabled': 'true', 'schema.evolution': 'basic',
      'key.converter': 'io.confluent.connect.avro.AvroConverter', 'key.converter.schema.registry.url': REGISTRY,
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
    }), [topic]);
    const table = `"${topic.replace(/\./g, '_')}"`;
    expect(await columnTypes(table)).toEqual({
      id: 'integer', d: 'date', t_us: 'time without time zone', ts_ns: 'timestamp without time zone', tstz: 'timestamp with time zone',
      vdec: 'numeric', vdec2: 'numeric', js: 'json', bits: 'bit varying(10)',
    });
    expect(await sql(`SELECT id, d::text, t_us::text, ts_ns::text, (tstz AT TIME ZONE 'UTC')::text AS tstz, vdec::text, vdec2::text, js::text, bits::text FROM ${table}`)).toEqual([{
      id: 1, d: '2024-01-01', t_us: '12:34:56.789012', ts_ns: '2024-01-01 12:34:56.789012', tstz: '2024-01-01 12:34:56.789012',
      vdec: '-1234.567', vdec2: '98765432109876543210', js: '[1,{"x":null}]', bits: '1000000101',
    }]);
  });

  it('a NanoTimestamp with nanoseconds PostgreSQL cannot hold stops Sluice naming the record, the field and why', async () => {
    const topic = uniqueName('dbz.public.bad');
    await createTopic(topic, 1);
    const ev = new JsonEvents('dbz', 'bad', ROW_FIELDS);
    await produce(topic, [
      ev.event('c', null, { id: 1, name: 'ok' }),
      ev.event('c', null, rowJson({ id: 2, name: 'bad' }, 1_704_112_496_789_012_345n)),
    ].map(exactJson));
    const out = await runExpectingFailure(dbzConnector(topic));
    expect(out).toMatch(new RegExp(`topic ${topic.replace(/\./g, '\\.')} partition 0 offset 1`));
    expect(out).toMatch(/column "ts_ns" \(timestamp\) cannot take/);
    expect(out).toMatch(/sub-microsecond/);
  });

  it.each(['at_least_once', 'exactly_once'])('change events of several tables in one topic go each to its own table (${source.table}), in one transaction per batch, order kept per table (%s)', async (guarantee) => {
    const topic = uniqueName('dbz.mixed');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }];
    const a = `a_${topic.slice(-6)}`;
    const b = `b_${topic.slice(-6)}`;
    const c = `c_${topic.slice(-6)}`;
    await sql(`CREATE TABLE "${c}" (id integer PRIMARY KEY, name text)`);
    await sql(`INSERT INTO "${c}" VALUES (99, 'before the truncate')`);
    const ea = new JsonEvents('dbz', a, fields);
    const eb = new JsonEvents('dbz', b, fields);
    const ec = new JsonEvents('dbz', c, fields);
    await produce(topic, [
      ea.event('c', null, { id: 1, name: 'a1' }),
      eb.event('c', null, { id: 1, name: 'b1' }),
      ea.event('u', { id: 1, name: 'a1' }, { id: 1, name: 'a1 updated' }),
      eb.event('d', { id: 1, name: 'b1' }, null),
      eb.tombstone(1), // skipped: a tombstone has no source block to name a table
      ec.event('c', null, { id: 1, name: 'c1' }),
      ec.event('t', null, null),
      eb.event('c', null, { id: 1, name: 'b1 again' }),
      ec.event('c', null, { id: 2, name: 'c2' }),
      ea.event('c', null, { id: 2, name: 'a2' }),
    ]);
    await runUntilCommitted(dbzConnector(topic, { 'collection.name.format': '${source.table}', 'delete.enabled': 'true', 'truncate.enabled': 'true', 'delivery.guarantee': guarantee }), [topic]);
    expect(await sql(`SELECT id, name FROM "${a}" ORDER BY id`)).toEqual([{ id: 1, name: 'a1 updated' }, { id: 2, name: 'a2' }]);
    expect(await sql(`SELECT id, name FROM "${b}" ORDER BY id`)).toEqual([{ id: 1, name: 'b1 again' }]);
    expect(await sql(`SELECT id, name FROM "${c}" ORDER BY id`)).toEqual([{ id: 2, name: 'c2' }]);
    if (guarantee === 'exactly_once') {
      expect(await sql<{ n: string }>('SELECT next_offset::text AS n FROM sluice_offsets WHERE topic = $1', [topic])).toEqual([{ n: '10' }]);
    }
  });

  it('a row one table refuses goes to the dead-letter topic; every other row of every table lands, in the same transaction', async () => {
    const topic = uniqueName('dbz.refuse');
    const dlq = uniqueName('dbz_dlq');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }];
    const a = `ra_${topic.slice(-6)}`;
    const b = `rb_${topic.slice(-6)}`;
    await sql(`CREATE TABLE "${a}" (id integer PRIMARY KEY, name text)`);
    await sql(`CREATE TABLE "${b}" (id integer PRIMARY KEY, name text CHECK (name <> 'bad'))`);
    const ea = new JsonEvents('dbz', a, fields);
    const eb = new JsonEvents('dbz', b, fields);
    await produce(topic, [
      ea.event('c', null, { id: 1, name: 'a1' }),
      eb.event('c', null, { id: 1, name: 'b1' }),
      eb.event('c', null, { id: 2, name: 'bad' }), // offset 2: refused by b's CHECK
      ea.event('c', null, { id: 2, name: 'a2' }),
      eb.event('c', null, { id: 3, name: 'b3' }),
    ]);
    await runUntilCommitted(dbzConnector(topic, {
      'collection.name.format': '${source.table}', 'delivery.guarantee': 'exactly_once',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    }), [topic]);
    expect(await sql(`SELECT id, name FROM "${a}" ORDER BY id`)).toEqual([{ id: 1, name: 'a1' }, { id: 2, name: 'a2' }]);
    expect(await sql(`SELECT id, name FROM "${b}" ORDER BY id`)).toEqual([{ id: 1, name: 'b1' }, { id: 3, name: 'b3' }]);
    const letters = await readTopic(dlq, 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers['__connect.errors.offset']).toBe('2');
    expect(letters[0]!.headers['__connect.errors.exception.message']).toMatch(/check constraint .*SQLSTATE 23514/);
  });


  it('primary.key.mode=record_header: the key columns come from the headers named in primary.key.fields', async () => {
    const topic = uniqueName('dbz.public.hdr');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }];
    const ev = new JsonEvents('dbz', 'hdr', fields);
    const withHeaders = (m: TestMessage, tenant: string, seq: string): TestMessage => ({ ...m, headers: { tenant, seq } });
    await produce(topic, [
      withHeaders(ev.event('c', null, { id: 1, name: 'first' }), 'acme', '7'),
      withHeaders(ev.event('c', null, { id: 2, name: 'other tenant' }), 'globex', '7'),
      withHeaders(ev.event('u', null, { id: 3, name: 'replaces first' }), 'acme', '7'),
    ]);
    await runUntilCommitted(dbzConnector(topic, { 'primary.key.mode': 'record_header', 'primary.key.fields': 'tenant,seq' }), [topic]);
    const table = `"${topic.replace(/\./g, '_')}"`;
    expect(await columnTypes(table)).toEqual({ tenant: 'text', seq: 'text', id: 'integer', name: 'text' });
    expect(await sql(`SELECT tenant, seq, id, name FROM ${table} ORDER BY tenant`)).toEqual([
      { tenant: 'acme', seq: '7', id: 3, name: 'replaces first' },
      { tenant: 'globex', seq: '7', id: 2, name: 'other tenant' },
    ]);
  });

});
