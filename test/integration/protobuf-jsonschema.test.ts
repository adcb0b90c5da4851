// Confluent's ProtobufConverter and JsonSchemaConverter end to end: schemas
// registered in the stack's registry (Apicurio's Confluent API), records
// written byte for byte as Confluent's serializers write them (magic byte,
// schema id, message indexes, body), Sluice run with the converter classes a
// Kafka Connect user has, and the exact values read back from PostgreSQL and
// from S3 Parquet.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMessageIndexes } from '../../src/workers/decode/protobuf.js';
import { confluentFrame } from '../helpers/registry.js';
import { createTopic, fullyCommitted, produce, readTopic } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName, waitFor } from '../helpers/stack.js';
import { parseJsonExact } from '../../src/workers/json-exact.js';
import { pgConnector, runExpectingFailure, runUntilCommitted } from './postgres-helpers.js';
import { ensurePythonReaders, s3Connector, type ParquetFileRead } from './s3-support.js';

const PROTOBUF = 'io.confluent.connect.protobuf.ProtobufConverter';
const JSON_SCHEMA = 'io.confluent.connect.json.JsonSchemaConverter';

interface Reference { name: string; subject: string; version: number }

/** Registers a PROTOBUF or JSON schema, with its references, as Confluent's serializers do. */
async function register(subject: string, schemaType: 'PROTOBUF' | 'JSON', schema: string, references: Reference[] = []): Promise<number> {
  const res = await fetch(`${REGISTRY}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType, schema, references }),
  });
  if (!res.ok) throw new Error(`register ${subject}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** What KafkaProtobufSerializer writes: magic byte, schema id, message indexes, message. */
function protoFrame(id: number, indexes: number[], body: Uint8Array): Buffer {
  return confluentFrame(id, Buffer.concat([writeMessageIndexes(indexes), body]));
}

const MONEY = 'syntax = "proto3";\npackage common;\n\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n';
const ORDER = `syntax = "proto3";
package shop.v1;

import "common/money.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/type/date.proto";

enum Status {
  UNKNOWN = 0;
  PAID = 1;
  SHIPPED = 2;
}

message Key {
  string region = 1;
  int64 n = 2;
}

message Order {
  int64 id = 1;
  int32 small = 2;
  uint32 u32 = 3;
  sint64 s64 = 4;
  uint64 u64 = 5;
  double ratio = 6;
  bool paid = 7;
  string note = 8;
  bytes raw = 9;
  Status status = 10;
  google.protobuf.Timestamp at = 11;
  google.type.Date day = 12;
  confluent.type.Decimal amount = 13 [(confluent.field_meta) = { params: [ { key: "precision", value: "20" }, { key: "scale", value: "4" } ] }];
  optional string maybe = 14;
  repeated string tags = 15;
  map<string, int64> counts = 16;
  Line line = 17;
  oneof payment {
    string card = 18;
    common.Money cash = 19;
  }
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
}
`;

function protoRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of [MONEY, ORDER]) protobuf.parse(text, root, { keepCase: true });
  protobuf.parse('syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }', root);
  protobuf.parse('syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }', root);
  protobuf.parse('syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; }', root);
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  root.addJSON(protobuf.common.get('google/protobuf/wrappers.proto')!.nested!);
  root.resolveAll();
  return root;
}

/** Big-endian two's complement, shortest (confluent.type.Decimal's value). */
function twos(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
  } while (!((v === 0n && (bytes[0]! & 0x80) === 0) || (v === -1n && (bytes[0]! & 0x80) !== 0)));
  return Buffer.from(bytes);
}

interface Sample {
  id: bigint; small: number; u32: number; s64: bigint; u64: bigint; ratio: number; paid: boolean; note: string; raw: Buffer; status: number;
  atSeconds: bigint; atNanos: number; day: [number, number, number]; amountUnscaled: bigint; amountScale: number; maybe: string | null;
  tags: string[]; counts: Record<string, bigint>; line: { sku: string; qty: number } | null; card?: string; cash?: { currency: string; units: bigint };
}

const SAMPLES: Sample[] = [
  {
    id: -(2n ** 63n), small: -2147483648, u32: 4294967295, s64: 2n ** 63n - 1n, u64: 2n ** 63n - 1n, ratio: -0.1, paid: true, note: 'héllo', raw: Buffer.from([0, 255, 7]), status: 2,
    atSeconds: 1_700_000_000n, atNanos: 123_456_000, day: [2024, 2, 29], amountUnscaled: -123456789012345n, amountScale: 4, maybe: 'x',
    tags: ['a', 'b'], counts: { big: 9007199254740993n, neg: -1n }, line: { sku: 's1', qty: 3 }, card: '4242',
  },
  {
    id: 2n ** 63n - 1n, small: 2147483647, u32: 0, s64: -(2n ** 63n), u64: 0n, ratio: 1e300, paid: false, note: '', raw: Buffer.alloc(0), status: 0,
    atSeconds: -62_135_596_800n, atNanos: 0, day: [1, 1, 1], amountUnscaled: 5n, amountScale: 1, maybe: null,
    tags: [], counts: {}, line: null, cash: { currency: 'EUR', units: -(2n ** 63n) },
  },
  {
    id: 42n, small: 0, u32: 123, s64: 0n, u64: 18446744073709551615n, ratio: 0, paid: false, note: 'u64 too big', raw: Buffer.alloc(0), status: 1,
    atSeconds: 0n, atNanos: 0, day: [1970, 1, 1], amountUnscaled: 0n, amountScale: 4, maybe: null, tags: [], counts: {}, line: null,
  },
];

function encodeOrder(Order: protobuf.Type, s: Sample): Uint8Array {
  return Order.encode(Order.fromObject({
    id: s.id.toString(), small: s.small, u32: s.u32, s64: s.s64.toString(), u64: s.u64.toString(),
    ratio: s.ratio, paid: s.paid, note: s.note, raw: s.raw, status: s.status,
    at: { seconds: s.atSeconds.toString(), nanos: s.atNanos }, day: { year: s.day[0], month: s.day[1], day: s.day[2] },
    amount: { value: twos(s.amountUnscaled), precision: 20, scale: s.amountScale }, ...(s.maybe === null ? {} : { maybe: s.maybe }),
    tags: s.tags, counts: Object.fromEntries(Object.entries(s.counts).map(([k, v]) => [k, v.toString()])), ...(s.line ? { line: s.line } : {}),
    ...(s.card !== undefined ? { card: s.card } : {}), ...(s.cash ? { cash: { currency: s.cash.currency, units: s.cash.units.toString() } } : {}),
  })).finish();
}

/** The amount at the field's scale 4 (the Connect Decimal's), as it lands in the unconstrained numeric column. */
function amountText(s: Sample): string {
  const u = s.amountUnscaled * 10n ** BigInt(4 - s.amountScale);
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

async function registerOrder(topic: string): Promise<number> {
  await register(`${topic}-common/money.proto`, 'PROTOBUF', MONEY);
  return register(`${topic}-value`, 'PROTOBUF', ORDER, [{ name: 'common/money.proto', subject: `${topic}-common/money.proto`, version: 1 }]);
}

describe('ProtobufConverter into PostgreSQL', () => {
  it('every type, exact: int64 and uint64 extremes, timestamps, decimals, nested, repeated, maps, enums, oneof, optional; Protobuf keys as the primary key', async () => {
    const topic = uniqueName('pb_pg');
    await createTopic(topic, 1);
    const root = protoRoot();
    const Order = root.lookupType('shop.v1.Order');
    const Key = root.lookupType('shop.v1.Key');
    const id = await registerOrder(topic);
    // The key is the file's first message (indexes [0], written as the single byte 0); Order is the second, [1].
    const keyId = await register(`${topic}-key`, 'PROTOBUF', ORDER, [{ name: 'common/money.proto', subject: `${topic}-common/money.proto`, version: 1 }]);
    const good = SAMPLES.slice(0, 2);
    await produce(topic, good.map((s, i) => ({
      key: protoFrame(keyId, [0], Key.encode(Key.fromObject({ region: i % 2 ? 'eu' : 'us', n: s.id.toString() })).finish()),
      value: protoFrame(id, [1], encodeOrder(Order, s)),
    })));
    await runUntilCommitted(pgConnector(topic, {
      'value.converter': PROTOBUF, 'value.converter.schema.registry.url': REGISTRY,
      'key.converter': PROTOBUF, 'key.converter.schema.registry.url': REGISTRY,
      'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'region,n',
    }), [topic]);

    const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      region: 'text', n: 'bigint', payment_0: 'jsonb', id: 'bigint', small: 'integer', u32: 'bigint', s64: 'bigint', u64: 'bigint', ratio: 'double precision',
      paid: 'boolean', note: 'text', raw: 'bytea', status: 'text', at: 'timestamp without time zone', day: 'date', amount: 'numeric', maybe: 'text',
      tags: 'text[]', counts: 'jsonb', line: 'jsonb',
    });
    const rows = await sql<Record<string, unknown>>(`SELECT region, n::text, payment_0, id::text, small, u32::text, s64::text, u64::text, ratio, paid, note, raw, status,
        ((extract(epoch FROM at) * 1000000)::numeric(30,0))::text AS at_us, day::text, amount::text, maybe, tags, counts::text, line
      FROM "${topic}" ORDER BY id`);
    const bySorted = [...good].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(rows).toEqual(bySorted.map((s) => ({
      region: s === good[0] ? 'us' : 'eu', n: s.id.toString(),
      payment_0: s.card !== undefined ? { card: s.card, cash: null } : { card: null, cash: { currency: s.cash!.currency, units: Number(s.cash!.units) } },
      id: s.id.toString(), small: s.small, u32: String(s.u32), s64: s.s64.toString(), u64: s.u64.toString(),
      ratio: s.ratio, paid: s.paid, note: s.note, raw: s.raw,
      status: ['UNKNOWN', 'PAID', 'SHIPPED'][s.status], at_us: (s.atSeconds * 1_000_000n + BigInt(s.atNanos / 1000)).toString(),
      day: `${String(s.day[0]).padStart(4, '0')}-${String(s.day[1]).padStart(2, '0')}-${String(s.day[2]).padStart(2, '0')}`,
      amount: amountText(s), maybe: s.maybe, tags: s.tags,
      // jsonb keeps the digits of a number: 2^53 + 1 stays exact.
      counts: Object.keys(s.counts).length ? `{${Object.entries(s.counts).map(([k, v]) => `"${k}": ${v}`).join(', ')}}` : '{}',
      line: s.line,
    })));
    // The oneof's money held int64 min: exact in jsonb text as well.
    const cash = await sql<{ t: string }>(`SELECT payment_0->'cash'->>'units' AS t FROM "${topic}" WHERE payment_0->'cash' <> 'null'::jsonb`);
    expect(cash).toEqual([{ t: '-9223372036854775808' }]);
  });

  it('bad records go to the dead-letter topic, named: uint64 ≥ 2^63, an unknown schema id, bytes without the magic byte, a body that does not parse', async () => {
    const topic = uniqueName('pb_dlq');
    const dlq = `${topic}_dlq`;
    await createTopic(topic, 1);
    const Order = protoRoot().lookupType('shop.v1.Order');
    const id = await registerOrder(topic);
    await sql(`CREATE TABLE "${topic}" (id bigint PRIMARY KEY, note text)`);
    await produce(topic, [
      { value: protoFrame(id, [1], encodeOrder(Order, { ...SAMPLES[2]!, u64: 1n })) },
      { value: protoFrame(id, [1], encodeOrder(Order, SAMPLES[2]!)) },
      { value: protoFrame(2_000_000_000, [0], Buffer.alloc(0)) },
      { value: Buffer.from('{"id": 1}') },
      { value: protoFrame(id, [1], Buffer.from([0x42, 0x09, 0x61])) }, // note: 9 bytes announced, 1 there
      { value: protoFrame(id, [1], encodeOrder(Order, { ...SAMPLES[2]!, id: 43n, u64: 5n })) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'value.converter': PROTOBUF, 'value.converter.schema.registry.url': REGISTRY, 'fields.whitelist': 'id,note',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    }), [topic]);
    expect(await sql(`SELECT id::int, note FROM "${topic}" ORDER BY id`)).toEqual([{ id: 42, note: 'u64 too big' }, { id: 43, note: 'u64 too big' }]);
    const dead = (await readTopic(dlq, 4)).sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(dead.map((m) => [m.headers['__connect.errors.offset'], m.headers['__connect.errors.stage'], m.headers['__connect.errors.exception.message']])).toEqual([
      ['1', 'VALUE_CONVERTER', "shop.v1.Order.u64: unsigned 64-bit value 18446744073709551615 is 2^63 or more, beyond int64 (Confluent's converter would wrap it to -1)"],
      ['2', 'VALUE_CONVERTER', `schema id 2000000000 is not in the schema registry at ${REGISTRY} (HTTP 404, error_code 40403)`],
      ['3', 'VALUE_CONVERTER', 'not the Confluent Protobuf wire format: does not start with the magic byte 0 (got 123)'],
      ['4', 'VALUE_CONVERTER', expect.stringMatching(/^Protobuf body does not match shop\.v1\.Order of schema id \d+: /)],
    ]);
  });

  it('without a dead-letter topic, a bad record stops Sluice naming topic, partition, offset and the reason', async () => {
    const topic = uniqueName('pb_stop');
    await createTopic(topic, 1);
    const Order = protoRoot().lookupType('shop.v1.Order');
    const id = await registerOrder(topic);
    await produce(topic, [
      { value: protoFrame(id, [1], encodeOrder(Order, { ...SAMPLES[2]!, u64: 1n })) },
      { value: protoFrame(id, [1], encodeOrder(Order, SAMPLES[2]!)) },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, { 'value.converter': PROTOBUF, 'value.converter.schema.registry.url': REGISTRY, 'auto.create': 'true' }));
    expect(out).toContain(`decode failed at topic ${topic} partition 0 offset 1: shop.v1.Order.u64: unsigned 64-bit value 18446744073709551615 is 2^63 or more`);
  });
});

describe('ProtobufConverter with wrapper.for.nullables=true into PostgreSQL', () => {
  it('wrappers become nullable columns of their type, plain scalars NOT NULL, as a JDBC sink saw them', async () => {
    const topic = uniqueName('pb_wrap');
    await createTopic(topic, 1);
    const text = 'syntax = "proto3";\npackage w;\nimport "google/protobuf/wrappers.proto";\n\nmessage Row {\n  int64 id = 1;\n  google.protobuf.StringValue name = 2;\n  google.protobuf.Int64Value big = 3;\n  google.protobuf.UInt32Value u = 4;\n}\n';
    const id = await register(`${topic}-value`, 'PROTOBUF', text);
    const root = new protobuf.Root();
    protobuf.parse(text, root, { keepCase: true });
    root.addJSON(protobuf.common.get('google/protobuf/wrappers.proto')!.nested!);
    root.resolveAll();
    const Row = root.lookupType('w.Row');
    await produce(topic, [
      { value: protoFrame(id, [0], Row.encode(Row.fromObject({ id: 1, name: { value: 'a' }, big: { value: '-9223372036854775808' }, u: { value: 4294967295 } })).finish()) },
      { value: protoFrame(id, [0], Row.encode(Row.fromObject({ id: 2 })).finish()) },
      { value: protoFrame(id, [0], Row.encode(Row.fromObject({ id: 3, name: {} })).finish()) },
    ]);
    await runUntilCommitted(pgConnector(topic, { 'value.converter': PROTOBUF, 'value.converter.schema.registry.url': REGISTRY, 'value.converter.wrapper.for.nullables': 'true', 'auto.create': 'true' }), [topic]);
    const types = await sql<{ name: string; type: string; notnull: boolean }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(types.map((t) => `${t.name} ${t.type}${t.notnull ? ' not null' : ''}`)).toEqual(['id bigint not null', 'name text', 'big bigint', 'u bigint']);
    // A wrapper that is present but empty holds its default ("").
    expect(await sql(`SELECT id::int, name, big::text, u::text FROM "${topic}" ORDER BY id`)).toEqual([
      { id: 1, name: 'a', big: '-9223372036854775808', u: '4294967295' },
      { id: 2, name: null, big: null, u: null },
      { id: 3, name: '', big: null, u: null },
    ]);
  });
});

const ADDRESS = { type: 'object', properties: { city: { type: 'string' }, zip: { oneOf: [{ type: 'null' }, { type: 'string' }] } }, required: ['city'] };
const ORDER_JSON = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Order',
  type: 'object',
  properties: {
    id: { type: 'integer', 'connect.index': 0, 'connect.type': 'int64' },
    qty: { type: 'integer', 'connect.index': 1, 'connect.type': 'int32' },
    ratio: { type: 'number', 'connect.index': 2 },
    name: { 'connect.index': 3, oneOf: [{ type: 'null' }, { type: 'string' }] },
    amount: { 'connect.index': 4, type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.type': 'bytes', 'connect.parameters': { scale: '3', 'connect.decimal.precision': '24' } },
    at: { 'connect.index': 5, type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' },
    day: { 'connect.index': 6, type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' },
    tags: { 'connect.index': 7, type: 'array', items: { type: 'string' } },
    attrs: { 'connect.index': 8, type: 'object', 'connect.type': 'map', additionalProperties: { type: 'integer' } },
    ship_to: { 'connect.index': 9, $ref: 'address.json' },
    bill_to: { 'connect.index': 10, oneOf: [{ type: 'null' }, { $ref: '#/definitions/Contact' }] },
    flag: { 'connect.index': 11, type: 'boolean', default: false },
  },
  required: ['id', 'qty'],
  definitions: { Contact: { type: 'object', properties: { email: { type: 'string' } } } },
};

describe('JsonSchemaConverter into PostgreSQL', () => {
  it('the schema from the registry (with a referenced schema and local definitions), exact int64 and decimals, optional, maps, arrays, nested', async () => {
    const topic = uniqueName('js_pg');
    await createTopic(topic, 1);
    await register(`${topic}-address`, 'JSON', JSON.stringify(ADDRESS));
    const id = await register(`${topic}-value`, 'JSON', JSON.stringify(ORDER_JSON), [{ name: 'address.json', subject: `${topic}-address`, version: 1 }]);
    const payloads = [
      '{"id": -9223372036854775808, "qty": 2147483647, "ratio": 0.5, "name": "a", "amount": 123456789012345678.901, "at": 1700000000123, "day": 19782, "tags": ["x", "y"], "attrs": {"k": 9007199254740993}, "ship_to": {"city": "Oslo", "zip": "0150"}, "bill_to": {"email": "a@b"}, "flag": true}',
      '{"id": 9223372036854775807, "qty": -1, "ratio": -1e-7, "name": null, "amount": "AeJA", "at": -1, "day": -1, "tags": [], "attrs": {}, "ship_to": {"city": "Rome"}}',
    ];
    await produce(topic, payloads.map((p) => ({ value: confluentFrame(id, Buffer.from(p)) })));
    await runUntilCommitted(pgConnector(topic, { 'value.converter': JSON_SCHEMA, 'value.converter.schema.registry.url': REGISTRY, 'auto.create': 'true' }), [topic]);
    const types = await sql<{ name: string; type: string; notnull: boolean }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${topic}"`]);
    expect(types.map((t) => `${t.name} ${t.type}${t.notnull ? ' not null' : ''}`)).toEqual([
      'id bigint not null', 'qty integer not null', 'ratio double precision not null', 'name text', 'amount numeric not null', 'at timestamp without time zone not null',
      'day date not null', 'tags text[] not null', 'attrs jsonb not null', 'ship_to jsonb not null', 'bill_to jsonb',
      // Required with a default: DEFAULT and nullable, as Confluent's writeColumnSpec.
      'flag boolean',
    ]);
    const rows = await sql(`SELECT id::text, qty, ratio, name, amount::text, ((extract(epoch FROM at) * 1000)::numeric(20,0))::text AS at_ms, day::text, tags, attrs::text, ship_to, bill_to, flag
      FROM "${topic}" ORDER BY id`);
    expect(rows).toEqual([
      { id: '-9223372036854775808', qty: 2147483647, ratio: 0.5, name: 'a', amount: '123456789012345678.901', at_ms: '1700000000123', day: '2024-02-29', tags: ['x', 'y'], attrs: '{"k": 9007199254740993}', ship_to: { city: 'Oslo', zip: '0150' }, bill_to: { email: 'a@b' }, flag: true },
      // "AeJA" is base64 of the unscaled 123456 (decimal.format=BASE64, Confluent's default): 123.456 at scale 3. An absent flag takes its default.
      { id: '9223372036854775807', qty: -1, ratio: -1e-7, name: null, amount: '123.456', at_ms: '-1', day: '1969-12-31', tags: [], attrs: '{}', ship_to: { city: 'Rome', zip: null }, bill_to: null, flag: false },
    ]);
  });
});

/**
 * s3-support's readParquet, but the reader's JSON parsed keeping every digit:
 * 64-bit extremes come back as BigInt instead of rounded doubles.
 */
async function readParquetExact(prefix: string): Promise<ParquetFileRead[]> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const { stdout } = await promisify(execFile)(path.join(root, '.venv/bin/python'), [path.join(root, 'test/integration/s3-read-parquet.py'), S3_URL, S3_BUCKET, prefix], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return (parseJsonExact(stdout) as { files: ParquetFileRead[] }).files;
}

describe('JsonSchemaConverter with json.fail.invalid.schema=true', () => {
  it('a payload that does not validate against its schema is dead-lettered, named; the rest land', async () => {
    const topic = uniqueName('js_valid');
    const dlq = `${topic}_dlq`;
    await createTopic(topic, 1);
    const schema = { type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } }, required: ['id', 'email'] };
    const id = await register(`${topic}-value`, 'JSON', JSON.stringify(schema));
    await produce(topic, ['{"id": 1, "email": "a@example.com"}', '{"id": 2, "email": "not an address"}', '{"id": 3}', '{"id": 4, "email": "d@example.com"}'].map((p) => ({ value: confluentFrame(id, Buffer.from(p)) })));
    await runUntilCommitted(pgConnector(topic, {
      'value.converter': JSON_SCHEMA, 'value.converter.schema.registry.url': REGISTRY, 'value.converter.json.fail.invalid.schema': 'true', 'auto.create': 'true',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1', 'errors.deadletterqueue.context.headers.enable': 'true',
    }), [topic]);
    expect(await sql(`SELECT id::int, email FROM "${topic}" ORDER BY id`)).toEqual([{ id: 1, email: 'a@example.com' }, { id: 4, email: 'd@example.com' }]);
    const dead = (await readTopic(dlq, 2)).sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(dead.map((m) => [m.headers['__connect.errors.offset'], m.headers['__connect.errors.exception.message']])).toEqual([
      ['1', `JSON Schema payload does not validate against schema id ${id} (json.fail.invalid.schema=true): /email must match format "email"`],
      ['2', `JSON Schema payload does not validate against schema id ${id} (json.fail.invalid.schema=true): / must have required property 'email'`],
    ]);
  });
});

describe('ProtobufConverter into S3 Parquet', () => {
  beforeAll(async () => {
    await ensurePythonReaders();
  }, 600_000);

  it('exact values read back by pyarrow', async () => {
    const topic = uniqueName('pb_s3');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const Order = protoRoot().lookupType('shop.v1.Order');
    const id = await registerOrder(topic);
    const good = SAMPLES.slice(0, 2);
    await produce(topic, good.map((s) => ({ value: protoFrame(id, [1], encodeOrder(Order, s)) })));
    const name = uniqueName('pb_s3_c');
    const sluice = startSluice(['run', '--config', writeConnector(s3Connector(topic, dir, {
      'value.converter': PROTOBUF, 'value.converter.schema.registry.url': REGISTRY, 'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'flush.size': '2', 'rotate.interval.ms': '600000',
    }), name)], { SLUICE_WORKER_THREADS: '1' });
    try {
      await waitFor('everything committed', async () => fullyCommitted(`connect-${name}`, topic), 120_000);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    const files = await readParquetExact(`${dir}/${topic}/`);
    expect(files).toHaveLength(1);
    const f = files[0]!;
    const types = Object.fromEntries(f.schema.map(([n, t]) => [n, t.replace(/ \('[^']*'\)>/g, '>')]));
    expect(types).toMatchObject({ id: 'int64', small: 'int32', u32: 'int64', u64: 'int64', status: 'string', at: 'timestamp[us, tz=UTC]', day: 'date32[day]', amount: 'decimal128(20, 4)', tags: 'list<element: string>', counts: 'map<string, int64>' });
    expect(f.data).toHaveLength(2);
    const ts = (s: Sample) => {
      const us = s.atSeconds * 1_000_000n + BigInt(s.atNanos / 1000);
      const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
      const iso = new Date(Number(ms)).toISOString().slice(0, 23);
      return { $timestamp: `${iso}${String(((us % 1000n) + 1000n) % 1000n).padStart(3, '0')}+00:00` };
    };
    f.data.forEach((row, i) => {
      const s = good[i]!;
      expect(row).toMatchObject({
        small: s.small, u32: s.u32, status: ['UNKNOWN', 'PAID', 'SHIPPED'][s.status], at: ts(s),
        amount: { $decimal: amountText(s) }, tags: s.tags, line: s.line, maybe: s.maybe,
      });
      // 64-bit extremes, every digit (BigInt beyond 2^53, as the exact parse gives them).
      for (const k of ['id', 's64', 'u64'] as const) expect(BigInt(row[k] as number | bigint), k).toBe(s[k]);
      const exactCounts = Object.fromEntries(Object.entries(s.counts).map(([k, v]) => [k, v >= -(2n ** 53n) && v < 2n ** 53n ? Number(v) : v]));
      expect(row.counts).toEqual(Object.keys(s.counts).length ? exactCounts : []);
      expect(row.payment_0).toEqual(s.card !== undefined
        ? { card: s.card, cash: null }
        : { card: null, cash: { currency: s.cash!.currency, units: s.cash!.units } });
    });
  });
});
