// Every type round-trips: what PostgreSQL gives back equals what was
// produced, through Avro (every primitive and logical type, enums, unions,
// nested records, maps, arrays), Kafka Connect's JSON envelope (with its
// Decimal, Date, Time and Timestamp), and schemaless JSON (types inferred).
// Tables are made by auto.create, so the type mapping is under test too.
// Also the NUL rule (text.nul.mode).
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };

/** Big-endian two's complement, minimal length (Avro decimal bytes). */
function twos(n: bigint, size?: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  for (;;) {
    bytes.unshift(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
    if (size === undefined ? (v === 0n && (bytes[0]! & 0x80) === 0) || (v === -1n && (bytes[0]! & 0x80) !== 0) : bytes.length === size) break;
  }
  return Buffer.from(bytes);
}

function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const s = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - scale)}${scale > 0 ? '.' + s.slice(-scale) : ''}`;
}

const dateText = (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10);
function timeText(us: number): string {
  const s = Math.floor(us / 1e6);
  const frac = us % 1e6;
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return frac ? `${hms}.${String(frac).padStart(6, '0').replace(/0+$/, '')}` : hms;
}
const isoMillis = (ms: number) => new Date(ms).toISOString();

const INNER = { type: 'record', name: 'Inner', fields: [
  { name: 'x', type: 'int' },
  { name: 'when', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'amt', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
] };

const ALL_TYPES = {
  type: 'record', name: 'AllTypes',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'by', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 4 } },
    { name: 'decfx', type: { type: 'fixed', name: 'DecFx', size: 8, logicalType: 'decimal', precision: 18, scale: 2 } },
    { name: 'dt', type: { type: 'int', logicalType: 'date' } },
    { name: 'tms', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tus', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsus', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'e', type: { type: 'enum', name: 'Colour', symbols: ['RED', 'GREEN', 'BLUE'] } },
    { name: 'ns', type: ['null', 'string'], default: null },
    { name: 'ni', type: ['null', 'int'], default: null },
    { name: 'rec', type: INNER },
    { name: 'm', type: { type: 'map', values: 'long' } },
    { name: 'arec', type: { type: 'array', items: 'Inner' } },
    { name: 'ai', type: { type: 'array', items: 'int' } },
    { name: 'as', type: { type: 'array', items: 'string' } },
    { name: 'ad', type: { type: 'array', items: 'double' } },
    { name: 'an', type: { type: 'array', items: ['null', 'long'] } },
    { name: 'multi', type: ['null', 'int', 'string'], default: null },
  ],
};

interface Inner { x: number; when: number; amt: bigint }
interface AllTypes {
  id: number; b: boolean; i: number; l: number; f: number; d: number; s: string; by: Buffer; fx: Buffer; dec: bigint; decfx: bigint;
  dt: number; tms: number; tus: number; tsms: number; tsus: number; u: string; e: string; ns: string | null; ni: number | null;
  rec: Inner; m: Record<string, number>; arec: Inner[]; ai: number[]; as: string[]; ad: number[]; an: (number | null)[]; multi: number | string | null;
}

const SAMPLES: AllTypes[] = [
  {
    id: 1, b: true, i: 2147483647, l: 4503599627370495, f: 3.25, d: Math.PI, s: 'plain', by: Buffer.from([0, 1, 2, 255]), fx: Buffer.from('abcd'),
    dec: 123456789012345678n, decfx: -99999n, dt: 19_000, tms: 86_399_999, tus: 43_200_000_001, tsms: 1_767_225_600_123, tsus: 1_767_225_600_123_456,
    u: '123e4567-e89b-12d3-a456-426614174000', e: 'GREEN', ns: 'x', ni: -5,
    rec: { x: 7, when: 1_700_000_000_000, amt: 1234n }, m: { a: 1, 'b c': -2 }, arec: [{ x: 1, when: 0, amt: -1n }, { x: 2, when: 86_400_000, amt: 5n }],
    ai: [1, -2, 3], as: ['a', '', 'ü "q" \\ ,{}'], ad: [0.5, -1e300, 1e-300], an: [1, null, 4503599627370495], multi: 5,
  },
  {
    id: 2, b: false, i: -2147483648, l: -4503599627370495, f: -0.1, d: -0, s: 'ünïcödé 😀 \'quoted\' "double" \\ tab\t newline\n', by: Buffer.alloc(0), fx: Buffer.from([0, 0, 0, 0]),
    dec: -1n, decfx: 0n, dt: -719_162, tms: 0, tus: 0, tsms: -1_000, tsus: -1,
    u: '00000000-0000-0000-0000-000000000000', e: 'RED', ns: null, ni: null,
    rec: { x: -1, when: -86_400_000, amt: 0n }, m: {}, arec: [], ai: [], as: [], ad: [], an: [], multi: 'text',
  },
  {
    id: 3, b: true, i: 0, l: 0, f: 1e30, d: Number.MIN_VALUE, s: '', by: Buffer.from('bytes'), fx: Buffer.from([255, 254, 253, 252]),
    dec: 10n ** 19n, decfx: 10n ** 17n, dt: 2_932_896, tms: 1, tus: 86_399_999_999, tsms: 0, tsus: 8_000_000_000_000_001,
    u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', e: 'BLUE', ns: '', ni: 0,
    rec: { x: 0, when: 0, amt: 99999n }, m: { only: 0 }, arec: [{ x: 3, when: 3, amt: 3n }], ai: [0], as: ['x'], ad: [Infinity, -Infinity], an: [null], multi: null,
  },
];

describe('Avro types round-trip (auto.create)', () => {
  it('every primitive and logical type, enums, unions, records, maps and arrays read back equal to what was produced', async () => {
    const topic = uniqueName('pg_types_avro');
    await createTopic(topic, 1);
    const id = await registerSchema(`${topic}-value`, ALL_TYPES);
    const type = avro.Type.forSchema(ALL_TYPES as avro.Schema, { wrapUnions: 'auto' } as never);
    const keySchema = { type: 'record', name: 'Key', fields: [{ name: 'region', type: 'string' }, { name: 'n', type: 'long' }] };
    const keyType = avro.Type.forSchema(keySchema as avro.Schema);
    const keyId = await registerSchema(`${topic}-key`, keySchema);
    const encode = (r: AllTypes) => type.toBuffer({
      ...r, dec: twos(r.dec), decfx: twos(r.decfx, 8), rec: { ...r.rec, amt: twos(r.rec.amt) }, arec: r.arec.map((x) => ({ ...x, amt: twos(x.amt) })),
    });
    await produce(topic, SAMPLES.map((r) => ({ key: confluentFrame(keyId, keyType.toBuffer({ region: r.id % 2 ? 'eu' : 'us', n: r.id })), value: confluentFrame(id, encode(r)) })));
    await runUntilCommitted(pgConnector(topic, {
      ...AVRO, 'key.converter': 'io.confluent.connect.avro.AvroConverter', 'key.converter.schema.registry.url': REGISTRY,
      'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'region,n',
    }), [topic]);

    const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      region: 'text', n: 'bigint', id: 'bigint', b: 'boolean', i: 'integer', l: 'bigint', f: 'real', d: 'double precision', s: 'text', by: 'bytea', fx: 'bytea',
      dec: 'numeric', decfx: 'numeric', dt: 'date', tms: 'time without time zone', tus: 'time without time zone',
      tsms: 'timestamp without time zone', tsus: 'timestamp without time zone', u: 'uuid', e: 'text', ns: 'text', ni: 'integer', rec: 'jsonb', m: 'jsonb',
      arec: 'jsonb', ai: 'integer[]', as: 'text[]', ad: 'double precision[]', an: 'bigint[]', multi: 'jsonb',
    });
    expect(await sql(`SELECT region, n::int FROM "${topic}" ORDER BY n`)).toEqual([{ region: 'eu', n: 1 }, { region: 'us', n: 2 }, { region: 'eu', n: 3 }]);

    const rows = await sql<Record<string, unknown>>(`SELECT id::int, b, i, l::text, f, d, s, "by", fx, dec::text, decfx::text, dt::text, tms::text, tus::text,
        ((extract(epoch FROM tsms) * 1000000)::numeric(30,0))::text AS tsms, ((extract(epoch FROM tsus) * 1000000)::numeric(30,0))::text AS tsus,
        u::text, e, ns, ni, rec, m, arec, ai, "as", ad, an, multi
      FROM "${topic}" ORDER BY id`);
    expect(rows.length).toBe(SAMPLES.length);
    rows.forEach((row, k) => {
      const r = SAMPLES[k]!;
      const innerJson = (x: Inner) => ({ x: x.x, when: isoMillis(x.when), amt: decimalText(x.amt, 2) });
      expect({ ...row, f: Math.fround(row.f as number) }).toEqual({
        id: r.id, b: r.b, i: r.i, l: String(r.l), f: Math.fround(r.f), d: r.d, s: r.s, by: r.by, fx: r.fx,
        dec: decimalText(r.dec, 4), decfx: decimalText(r.decfx, 2), dt: dateText(r.dt), tms: timeText(r.tms * 1000), tus: timeText(r.tus),
        tsms: String(r.tsms * 1000), tsus: String(r.tsus), u: r.u, e: r.e, ns: r.ns, ni: r.ni,
        rec: innerJson(r.rec), m: r.m, arec: r.arec.map(innerJson), ai: r.ai, as: r.as, ad: r.ad,
        an: r.an.map((x) => (x === null ? null : String(x))), multi: r.multi,
      });
    });
  });
});

describe('Kafka Connect JSON types round-trip (auto.create)', () => {
  it('primitives, bytes as base64, Decimal, Date, Time, Timestamp, structs, maps and arrays', async () => {
    const topic = uniqueName('pg_types_connect');
    await createTopic(topic, 1);
    const dec = (scale: number, precision?: number): Omit<ConnectField, 'field'> => ({
      type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: String(scale), ...(precision ? { 'connect.decimal.precision': String(precision) } : {}) },
    });
    const fields: ConnectField[] = [
      { field: 'id', type: 'int64' },
      { field: 'b', type: 'boolean' },
      { field: 'i8', type: 'int8' },
      { field: 'i16', type: 'int16' },
      { field: 'i32', type: 'int32' },
      { field: 'i64', type: 'int64' },
      { field: 'f', type: 'float' },
      { field: 'd', type: 'double' },
      { field: 's', type: 'string', optional: true },
      { field: 'by', type: 'bytes' },
      { field: 'dec', ...dec(3, 10) },
      { field: 'dt', type: 'int32', name: 'org.apache.kafka.connect.data.Date' },
      { field: 'tm', type: 'int32', name: 'org.apache.kafka.connect.data.Time' },
      { field: 'ts', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
      { field: 'st', type: 'struct', fields: [{ field: 'a', type: 'string' }, { field: 'n', type: 'int32', optional: true }] },
      { field: 'mp', type: 'map', keys: { type: 'string' }, values: { type: 'int32' } },
      { field: 'arr', type: 'array', items: { type: 'int32' } },
      { field: 'astr', type: 'array', items: { type: 'struct', fields: [{ field: 'a', type: 'string' }] } },
    ];
    const payloads = [
      { id: 1, b: true, i8: -128, i16: 32767, i32: -7, i64: 9007199254740991, f: 1.5, d: 2.25, s: 'x', by: Buffer.from([1, 2, 250]).toString('base64'),
        dec: twos(-1234567n).toString('base64'), dt: 20_000, tm: 45_296_789, ts: 1_767_225_600_987, st: { a: 'q', n: 1 }, mp: { k: 1 }, arr: [1, 2], astr: [{ a: 'z' }] },
      { id: 2, b: false, i8: 0, i16: 0, i32: 0, i64: -1, f: -0.25, d: 1e-10, s: null, by: '',
        dec: twos(0n).toString('base64'), dt: 0, tm: 0, ts: 0, st: { a: '', n: null }, mp: {}, arr: [], astr: [] },
    ];
    // An int64 beyond 2^53 must land exactly (JSON.parse alone would round it).
    const wide = envelope(fields, { ...payloads[1]!, id: 3, i64: 'I64_MAX' }).replace('"I64_MAX"', '9223372036854775807');
    await produce(topic, [...payloads.map((p) => ({ value: envelope(fields, p) })), { value: wide }]);
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true' }), [topic]);
    const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      id: 'bigint', b: 'boolean', i8: 'smallint', i16: 'smallint', i32: 'integer', i64: 'bigint', f: 'real', d: 'double precision', s: 'text', by: 'bytea',
      dec: 'numeric', dt: 'date', tm: 'time without time zone', ts: 'timestamp without time zone', st: 'jsonb', mp: 'jsonb', arr: 'integer[]', astr: 'jsonb',
    });
    const rows = await sql(`SELECT id::int, b, i8, i16, i32, i64::text, f, d, s, "by", dec::text, dt::text, tm::text,
      ((extract(epoch FROM ts) * 1000)::numeric(30,0))::text AS ts, st, mp, arr, astr FROM "${topic}" ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, b: true, i8: -128, i16: 32767, i32: -7, i64: '9007199254740991', f: 1.5, d: 2.25, s: 'x', by: Buffer.from([1, 2, 250]),
        dec: '-1234.567', dt: dateText(20_000), tm: timeText(45_296_789_000), ts: '1767225600987', st: { a: 'q', n: 1 }, mp: { k: 1 }, arr: [1, 2], astr: [{ a: 'z' }] },
      { id: 2, b: false, i8: 0, i16: 0, i32: 0, i64: '-1', f: -0.25, d: 1e-10, s: null, by: Buffer.alloc(0),
        dec: '0.000', dt: '1970-01-01', tm: '00:00:00', ts: '0', st: { a: '', n: null }, mp: {}, arr: [], astr: [] },
      { id: 3, b: false, i8: 0, i16: 0, i32: 0, i64: '9223372036854775807', f: -0.25, d: 1e-10, s: null, by: Buffer.alloc(0),
        dec: '0.000', dt: '1970-01-01', tm: '00:00:00', ts: '0', st: { a: '', n: null }, mp: {}, arr: [], astr: [] },
    ]);
  });
});

describe('schemaless JSON types round-trip (auto.create)', () => {
  it('types inferred from the values', async () => {
    const topic = uniqueName('pg_types_json');
    await createTopic(topic, 1);
    const values = [
      { id: 1, n: 5, x: 0.5, s: 'str', t: true, o: { deep: { list: [1, 'a', null] } }, ai: [1, 2], ax: [0.5, 1], as: ['a', 'b'], nested: [[1], [2, 3]] },
      { id: 2, n: -9007199254740991, x: -1e300, s: '', t: false, o: {}, ai: [], ax: [2], as: [''], nested: [] },
    ];
    // Integers beyond 2^53 land exactly, in a bigint column and inside jsonb.
    const wide = '{"id": 3, "n": -9223372036854775808, "x": 1, "s": "w", "t": true, "o": {"big": 12345678901234567890}, "ai": [9007199254740993], "ax": [], "as": [], "nested": []}';
    await produce(topic, [...values.map((v) => ({ value: JSON.stringify(v) })), { value: wide }]);
    await runUntilCommitted(pgConnector(topic, { 'value.converter.schemas.enable': 'false', 'auto.create': 'true' }), [topic]);
    const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      id: 'bigint', n: 'bigint', x: 'double precision', s: 'text', t: 'boolean', o: 'jsonb', ai: 'bigint[]', ax: 'double precision[]', as: 'text[]', nested: 'jsonb',
    });
    const rows = await sql(`SELECT id::int, n::text, x, s, t, o, ai, ax, "as", nested, o::text AS otext FROM "${topic}" ORDER BY id`);
    expect(rows).toEqual([
      ...values.map((v) => ({ ...v, n: String(v.n), ai: v.ai.map(String), otext: JSON.stringify(v.o).replace(/:/g, ': ').replace(/,/g, ', ') })),
      { id: 3, n: '-9223372036854775808', x: 1, s: 'w', t: true, o: { big: 12345678901234567000 }, ai: ['9007199254740993'], ax: [], as: [], nested: [], otext: '{"big": 12345678901234567890}' },
    ]);
  });
});

describe('NUL characters (text.nul.mode)', () => {
  const fields: ConnectField[] = [{ field: 'id', type: 'int64' }, { field: 's', type: 'string' }, { field: 'j', type: 'map', keys: { type: 'string' }, values: { type: 'string' } }];
  const produceNul = async (topic: string) => {
    await createTopic(topic, 1);
    await produce(topic, [
      { value: envelope(fields, { id: 1, s: 'clean', j: { k: 'clean' } }) },
      { value: envelope(fields, { id: 2, s: 'a\u0000b', j: { k: 'x\u0000y', lit: 'back\\u0000slash' } }) },
    ]);
  };

  it('escape (default) writes \\u0000 as text; a literal backslash-u0000 stays what it was', async () => {
    const topic = uniqueName('pg_nul_escape');
    await produceNul(topic);
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true' }), [topic]);
    expect(await sql(`SELECT id::int, s, j FROM "${topic}" ORDER BY id`)).toEqual([
      { id: 1, s: 'clean', j: { k: 'clean' } },
      { id: 2, s: 'a\\u0000b', j: { k: 'x\\u0000y', lit: 'back\\u0000slash' } },
    ]);
  });

  it('drop removes it', async () => {
    const topic = uniqueName('pg_nul_drop');
    await produceNul(topic);
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true', 'text.nul.mode': 'drop' }), [topic]);
    expect(await sql(`SELECT id::int, s, j FROM "${topic}" ORDER BY id`)).toEqual([
      { id: 1, s: 'clean', j: { k: 'clean' } },
      { id: 2, s: 'ab', j: { k: 'xy', lit: 'back\\u0000slash' } },
    ]);
  });

  it('fail stops Sluice naming the record and the column', async () => {
    const topic = uniqueName('pg_nul_fail');
    await produceNul(topic);
    const out = await runExpectingFailure(pgConnector(topic, { 'auto.create': 'true', 'text.nul.mode': 'fail' }));
    expect(out).toContain(`sluice: convert failed at topic ${topic} partition 0 offset 1: column "s": text holds a NUL character (U+0000), which PostgreSQL cannot store (text.nul.mode=fail)`);
  });
});
