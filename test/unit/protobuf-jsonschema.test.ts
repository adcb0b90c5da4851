// Confluent's ProtobufConverter and JsonSchemaConverter wire formats: message
// indexes, the mapping of .proto and JSON Schema documents to Sluice's record
// schema, exact values, and what a bad record or an unknown schema id says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetriableError } from '../../src/errors.js';
import { createDecoder } from '../../src/workers/decode/decoders.js';
import { compileJsonSchema } from '../../src/workers/decode/json-schema.js';
import { readMessageIndexes, writeMessageIndexes } from '../../src/workers/decode/protobuf.js';

const MAIN_PROTO = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "common/money.proto";

enum Status { UNKNOWN = 0; PAID = 1; SHIPPED = 2; }

message Order {
  int32 i32 = 1;
  sint32 s32 = 2;
  sfixed32 sf32 = 3;
  uint32 u32 = 4;
  fixed32 f32 = 5;
  int64 i64 = 6;
  sint64 s64 = 7;
  sfixed64 sf64 = 8;
  uint64 u64 = 9;
  fixed64 f64 = 10;
  float fl = 11;
  double db = 12;
  bool b = 13;
  string s = 14;
  bytes raw = 15;
  Status status = 16;
  google.protobuf.Timestamp ts = 17;
  google.type.Date day = 18;
  google.type.TimeOfDay at = 19;
  confluent.type.Decimal amount = 20 [(confluent.field_meta) = { params: [ { key: "precision", value: "12" }, { key: "scale", value: "3" } ] }];
  google.protobuf.StringValue note = 21;
  optional int32 maybe = 22;
  repeated string tags = 23;
  map<string, int64> counts = 24;
  map<int64, string> by_id = 25;
  Line line = 26;
  repeated Line lines = 27;
  oneof payment { string card = 28; common.Money cash = 29; }
  Node tree = 30;
  message Line { string sku = 1; int32 qty = 2; }
}

message Node { string name = 1; repeated Node children = 2; }
`;
const MONEY_PROTO = 'syntax = "proto3";\npackage common;\nmessage Money { string currency = 1; int64 units = 2; }\n';

interface Registered { schema: string; schemaType?: string; references?: { name: string; subject: string; version: number }[] }
const byId = new Map<number, Registered>([
  [1, { schema: MAIN_PROTO, schemaType: 'PROTOBUF', references: [{ name: 'common/money.proto', subject: 'money', version: 1 }] }],
  [2, { schema: '{"type": "record", "name": "A", "fields": []}' }],
  [3, { schema: 'syntax = "proto3"; import "missing.proto"; message X { int32 a = 1; }', schemaType: 'PROTOBUF' }],
  [4, { schema: 'syntax = "proto3"; message X { int32 a = 1; }', schemaType: 'PROTOBUF', references: [{ name: 'gone.proto', subject: 'gone', version: 7 }] }],
  [5, { schema: 'syntax = "proto3";\nimport "google/protobuf/descriptor.proto";\npackage x;\nextend google.protobuf.FieldOptions { string unit = 50001; }\nmessage W { int32 kg = 1 [(unit) = "kg"]; }\n', schemaType: 'PROTOBUF' }],
  [11, { schema: JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { at: { type: 'string', format: 'date-time' }, n: { type: 'integer', maximum: 10, 'connect.index': 0 } } }), schemaType: 'JSON' }],
  [10, { schema: JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, ref: { $ref: 'address.json' } }, required: ['id'] }), schemaType: 'JSON', references: [{ name: 'address.json', subject: 'address', version: 1 }] }],
]);
const bySubject = new Map<string, Registered>([
  ['money/1', { schema: MONEY_PROTO, schemaType: 'PROTOBUF' }],
  ['address/1', { schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } }), schemaType: 'JSON' }],
]);

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const id = /\/schemas\/ids\/(\d+)$/.exec(url)?.[1];
    const subj = /\/subjects\/([^/]+)\/versions\/([^/]+)$/.exec(url);
    const found = id !== undefined ? byId.get(Number(id)) : subj ? bySubject.get(`${decodeURIComponent(subj[1]!)}/${subj[2]}`) : undefined;
    if (id === '99') {
      res.writeHead(503);
      res.end('down');
      return;
    }
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ?? { error_code: id !== undefined ? 40403 : 40401, message: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function frame(id: number, indexes: number[] | null, body: Uint8Array): Buffer {
  const head = Buffer.from([0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
  return Buffer.concat([head, indexes ? writeMessageIndexes(indexes) : Buffer.alloc(0), body]);
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'decoded';
}

describe('message indexes', () => {
  it('read what Confluent writes: [0] as the single byte 0, other paths as zigzag varints', () => {
    expect(writeMessageIndexes([0])).toEqual(Buffer.from([0]));
    // Kafka's ByteUtils.writeVarint is zigzag: count 2 → 4, 1 → 2, 0 → 0, 70 → 140 (two bytes).
    expect(writeMessageIndexes([1, 0])).toEqual(Buffer.from([4, 2, 0]));
    expect(writeMessageIndexes([70])).toEqual(Buffer.from([2, 0x8c, 0x01]));
    for (const path of [[0], [1], [0, 0], [2, 5, 1], [70], [300, 0]]) {
      const bytes = Buffer.concat([Buffer.from([9, 9]), writeMessageIndexes(path), Buffer.from([42])]);
      const r = readMessageIndexes(bytes, 2);
      expect(r.indexes).toEqual(path);
      expect(bytes[r.next]).toBe(42);
    }
    // An explicit [0] (count 1, index 0) names the first message too.
    expect(readMessageIndexes(Buffer.from([2, 0]), 0)).toEqual({ indexes: [0], next: 2 });
  });

  it('refuses a negative count or index, and a truncated varint', () => {
    expect(() => readMessageIndexes(Buffer.from([1]), 0)).toThrow(/count -1/);
    expect(() => readMessageIndexes(Buffer.from([2, 3]), 0)).toThrow(/index -2 is negative/);
    expect(() => readMessageIndexes(Buffer.from([4, 0x80]), 0)).toThrow(/truncated varint/);
  });
});

describe('Protobuf (ProtobufConverter)', () => {
  const root = new protobuf.Root();
  protobuf.parse(MONEY_PROTO, root, { keepCase: true });
  protobuf.parse(MAIN_PROTO, root, { keepCase: true }); // parse() reads no imports: the test loads them below
  protobuf.parse('syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; } message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }', root);
  protobuf.parse('syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }', root);
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  root.addJSON(protobuf.common.get('google/protobuf/wrappers.proto')!.nested!);
  root.resolveAll();
  const Order = root.lookupType('shop.v1.Order');
  const Line = root.lookupType('shop.v1.Order.Line');
  const Node = root.lookupType('shop.v1.Node');

  const full = {
    i32: -2147483648, s32: -5, sf32: 7, u32: 4294967295, f32: 4000000000,
    i64: '-9223372036854775808', s64: '9223372036854775807', sf64: '-9007199254740993', u64: '9223372036854775807', f64: '18446744073709551615',
    fl: 1.5, db: -0.1, b: true, s: 'héllo', raw: Buffer.from([0, 255, 1]), status: 2,
    ts: { seconds: '1700000000', nanos: 123456789 }, day: { year: 2024, month: 2, day: 29 }, at: { hours: 23, minutes: 59, seconds: 58, nanos: 999999000 },
    amount: { value: Buffer.from([0xfe, 0x1d, 0xc0]), precision: 6, scale: 2 }, note: { value: 'n' }, maybe: 0,
    tags: ['a', 'b'], counts: { x: '9007199254740993' }, by_id: { '-9223372036854775808': 'min', '42': 'x' },
    line: { sku: 's1', qty: 3 }, lines: [{ sku: 'a', qty: 1 }, {}], cash: { currency: 'EUR', units: '5' },
    tree: { name: 'r', children: [{ name: 'c', children: [] }] },
  };

  it('maps every field type as Confluent does, in its field order (oneofs first)', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const bytes = frame(1, [0], Order.encode(Order.fromObject({ ...full, f64: '1' })).finish());
    await d.prepare([bytes]);
    const { schema } = d.decode(bytes);
    const types = Object.fromEntries(schema.fields!.map((f) => [f.name, f.type.kind]));
    expect(schema.fields!.map((f) => f.name).slice(0, 2)).toEqual(['payment_0', 'i32']);
    expect(schema.fields!.every((f) => f.optional)).toBe(true);
    expect(types).toMatchObject({
      i32: 'int32', s32: 'int32', sf32: 'int32', u32: 'int64', f32: 'int64', i64: 'int64', s64: 'int64', sf64: 'int64', u64: 'int64', f64: 'int64',
      fl: 'float32', db: 'float64', b: 'boolean', s: 'string', raw: 'bytes', status: 'string', ts: 'timestamp-nanos', day: 'date', at: 'time-micros',
      amount: 'decimal', note: 'record', maybe: 'int32', tags: 'array', counts: 'map', by_id: 'map', line: 'record', lines: 'array', payment_0: 'record', tree: 'record',
    });
    const byName = new Map(schema.fields!.map((f) => [f.name, f.type]));
    expect(byName.get('amount')).toEqual({ kind: 'decimal', precision: 12, scale: 3 });
    expect(byName.get('payment_0')).toMatchObject({ kind: 'record', fields: [{ name: 'card', type: { kind: 'string' } }, { name: 'cash', type: { kind: 'record' } }] });
    // A message that contains itself: the recursive field is kept as JSON.
    expect(byName.get('tree')).toMatchObject({ kind: 'record', fields: [{ name: 'name' }, { name: 'children', type: { kind: 'array', items: { kind: 'any' } } }] });
  });

  it('decodes values exactly: 64-bit extremes, unsigned, timestamps to the nanosecond, decimals at the field scale, maps, oneofs', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const bytes = frame(1, [0], Order.encode(Order.fromObject({ ...full, f64: '9223372036854775807' })).finish());
    await d.prepare([bytes]);
    const v = d.decode(bytes).value as Record<string, unknown>;
    expect(v).toMatchObject({
      i32: -2147483648, s32: -5, sf32: 7, u32: 4294967295, f32: 4000000000,
      i64: -(2n ** 63n), s64: 2n ** 63n - 1n, sf64: -9007199254740993n, u64: 2n ** 63n - 1n, f64: 2n ** 63n - 1n,
      fl: 1.5, db: -0.1, b: true, s: 'héllo', status: 'SHIPPED',
      ts: 1_700_000_000_123_456_789n, day: 19782, at: 86_398_999_999,
      note: { value: 'n' }, maybe: 0, tags: ['a', 'b'], counts: { x: 9007199254740993n }, by_id: { '-9223372036854775808': 'min', '42': 'x' },
      line: { sku: 's1', qty: 3 }, lines: [{ sku: 'a', qty: 1 }, { sku: '', qty: 0 }],
      payment_0: { card: null, cash: { currency: 'EUR', units: 5 } },
      tree: { name: 'r', children: [{ name: 'c', children: [] }] },
    });
    expect(Array.from(v.raw as Uint8Array)).toEqual([0, 255, 1]);
    // -1234.56 at scale 2 is -123456 unscaled; at the field's scale 3, -1234560.
    expect(Buffer.from(v.amount as Uint8Array).readIntBE(0, (v.amount as Uint8Array).length)).toBe(-1234560);
  });

  it('absent fields: scalars read as their default, messages and `optional` scalars as null, a oneof with nothing set as null', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const bytes = frame(1, [0], Order.encode(Order.fromObject({})).finish());
    await d.prepare([bytes]);
    const v = d.decode(bytes).value as Record<string, unknown>;
    expect(v).toMatchObject({ i32: 0, i64: 0, u64: 0, s: '', raw: new Uint8Array(0), b: false, status: 'UNKNOWN', ts: null, day: null, amount: null, note: null, maybe: null, line: null, payment_0: null, tags: [], counts: {} });
  });

  it('dates: years 1 to 9999 give the same calendar date in the destination (proleptic Gregorian days), a day the calendar does not have is an error', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const enc = (day: object) => frame(1, [0], Order.encode(Order.fromObject({ day })).finish());
    const cases = [
      enc({ year: 1, month: 1, day: 1 }), enc({ year: 99, month: 12, day: 31 }), enc({ year: 9999, month: 12, day: 31 }),
      enc({ year: 2023, month: 2, day: 29 }), enc({ year: 2024, month: 0, day: 1 }),
    ];
    await d.prepare(cases);
    expect(cases.map((c) => reasonOf(() => (d.decode(c).value as { day: number }).day))).toEqual(['decoded', 'decoded', 'decoded', 'shop.v1.Order.day: google.type.Date 2023-2-29 is not a calendar date', 'shop.v1.Order.day: google.type.Date 2024-0-1 is not a calendar date']);
    expect([0, 1, 2].map((i) => (d.decode(cases[i]!).value as { day: number }).day)).toEqual([-719162, -683004, 2932896]);
  });

  it('wrapper.for.nullables=true: wrappers are their optional value, plain scalars required, as Confluent maps them', async () => {
    const d = createDecoder('protobuf', { registryUrl: base, wrapperForNullables: true });
    const withNote = frame(1, [0], Order.encode(Order.fromObject({ i32: 5, note: { value: 'n' } })).finish());
    const without = frame(1, [0], Order.encode(Order.fromObject({ i32: 6 })).finish());
    await d.prepare([withNote, without]);
    const { value, schema } = d.decode(withNote);
    const f = new Map(schema.fields!.map((x) => [x.name, x]));
    expect(f.get('note')).toEqual({ name: 'note', type: { kind: 'string' }, optional: true });
    expect([f.get('i32')!.optional, f.get('s')!.optional, f.get('raw')!.optional]).toEqual([false, false, false]);
    expect([f.get('status')!.optional, f.get('maybe')!.optional, f.get('ts')!.optional, f.get('tags')!.optional, f.get('counts')!.optional, f.get('line')!.optional, f.get('payment_0')!.optional]).toEqual([true, true, true, true, true, true, true]);
    expect(value).toMatchObject({ i32: 5, note: 'n' });
    expect(d.decode(without).value).toMatchObject({ i32: 6, note: null });
  });

  it('picks the message the indexes name: a nested message, the second top-level one', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const line = frame(1, [0, 0], Line.encode(Line.fromObject({ sku: 'x', qty: 2 })).finish());
    const node = frame(1, [1], Node.encode(Node.fromObject({ name: 'n' })).finish());
    const bad = frame(1, [5], Buffer.alloc(0));
    await d.prepare([line, node, bad]);
    expect(d.decode(line)).toMatchObject({ value: { sku: 'x', qty: 2 }, schema: { id: 'protobuf:1:0.0' } });
    expect(d.decode(node).value).toEqual({ name: 'n', children: [] });
    expect(reasonOf(() => d.decode(bad))).toBe('message indexes [5] name no message of schema id 1');
  });

  it('a schema declaring custom options (importing descriptor.proto) decodes', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const bytes = frame(5, [0], Buffer.from([0x08, 0x07]));
    await d.prepare([bytes]);
    expect(d.decode(bytes).value).toEqual({ kg: 7 });
  });

  it('a uint64 of 2^63 or more is an error, never wrapped', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const bytes = frame(1, [0], Order.encode(Order.fromObject({ u64: '9223372036854775808' })).finish());
    await d.prepare([bytes]);
    expect(reasonOf(() => d.decode(bytes))).toBe(
      "shop.v1.Order.u64: unsigned 64-bit value 9223372036854775808 is 2^63 or more, beyond int64 (Confluent's converter would wrap it to -9223372036854775808)",
    );
  });

  it('bad records and unusable schema ids fail one by one with the reason; an outage fails the batch as retriable', async () => {
    const d = createDecoder('protobuf', { registryUrl: base });
    const good = frame(1, [0], Order.encode(Order.fromObject({ i32: 1 })).finish());
    const values = [good, Buffer.from('{"a":1}'), Buffer.from([0, 0]), frame(2, [0], Buffer.alloc(0)), frame(77, [0], Buffer.alloc(0)), frame(3, [0], Buffer.alloc(0)), frame(4, [0], Buffer.alloc(0)), frame(1, [0], Buffer.from([0x0a, 0x05, 0x61]))];
    await d.prepare(values);
    expect(values.map((v) => reasonOf(() => d.decode(v)))).toEqual([
      'decoded',
      'not the Confluent Protobuf wire format: does not start with the magic byte 0 (got 123)',
      '2 bytes, too short for the Confluent Protobuf wire format (magic byte 0, 4-byte schema id, body)',
      'schema id 2 is a AVRO schema, not Protobuf',
      `schema id 77 is not in the schema registry at ${base} (HTTP 404, error_code 40403)`,
      'schema id 3 is not a Protobuf schema Sluice can read: the schema imports "missing.proto", which is neither a reference registered with the schema nor a well-known type',
      `subject gone version 7 is not in the schema registry at ${base} (HTTP 404, error_code 40401)`,
      expect.stringMatching(/^Protobuf body does not match shop\.v1\.Order of schema id 1: /),
    ]);
    const err = await d.prepare([frame(99, [0], Buffer.alloc(0))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriableError);
  });
});

describe('JSON Schema (JsonSchemaConverter)', () => {
  const SCHEMA = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Order',
    type: 'object',
    properties: {
      big: { type: 'integer', 'connect.index': 1 },
      id: { type: 'integer', 'connect.type': 'int32', 'connect.index': 0 },
      ratio: { type: 'number' },
      name: { oneOf: [{ type: 'null' }, { type: 'string' }] },
      nick: { type: ['string', 'null'] },
      amount: { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.type': 'bytes', 'connect.parameters': { scale: '4', 'connect.decimal.precision': '30' } },
      at: { type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' },
      day: { type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' },
      blob: { type: 'string', 'connect.type': 'bytes' },
      kind: { type: 'string', enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'string' } },
      attrs: { type: 'object', 'connect.type': 'map', additionalProperties: { type: 'integer' } },
      byId: { type: 'array', 'connect.type': 'map', items: { type: 'object', properties: { key: { type: 'integer' }, value: { type: 'string' } } } },
      home: { $ref: '#/definitions/Address' },
      extra: {},
      free: { type: 'object' },
      choice: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      level: { type: 'integer', default: 3 },
    },
    required: ['id'],
    definitions: { Address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } } } },
  };

  it('a schema that refers to itself keeps the recursive part as JSON', () => {
    const tree = compileJsonSchema('json-schema:3', { type: 'object', properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#' } } } });
    expect(tree.schema.fields).toEqual([{ name: 'name', type: { kind: 'string' }, optional: false }, { name: 'kids', type: { kind: 'array', items: { kind: 'any' }, itemsOptional: true }, optional: false }]);
    expect(tree.read({ name: 'a', kids: [{ name: 'b', kids: [] }] }, '$')).toEqual({ name: 'a', kids: [{ name: 'b', kids: [] }] });
  });

  it('derives the record schema as JsonSchemaData does', () => {
    const { schema } = compileJsonSchema('json-schema:1', SCHEMA as never);
    expect(schema.fields!.map((f) => f.name)).toEqual(['id', 'big', 'ratio', 'name', 'nick', 'amount', 'at', 'day', 'blob', 'kind', 'tags', 'attrs', 'byId', 'home', 'extra', 'free', 'choice', 'level']);
    const t = Object.fromEntries(schema.fields!.map((f) => [f.name, [f.type.kind, f.optional]]));
    expect(t).toEqual({
      id: ['int32', false], big: ['int64', false], ratio: ['float64', false], name: ['string', true], nick: ['string', true], amount: ['decimal', false],
      at: ['timestamp-millis', false], day: ['date', false], blob: ['bytes', false], kind: ['string', false], tags: ['array', false], attrs: ['map', false],
      byId: ['map', false], home: ['record', false], extra: ['any', true], free: ['any', false], choice: ['any', false], level: ['int64', false],
    });
    expect(schema.fields!.find((f) => f.name === 'amount')!.type).toEqual({ kind: 'decimal', precision: 30, scale: 4 });
  });

  it('decodes payloads exactly (int64 beyond 2^53, decimals with every digit), fills defaults and nulls', async () => {
    const c = compileJsonSchema('json-schema:1', SCHEMA as never);
    expect(c.lossless).toBe(true);
    const text = `{"id": 7, "big": -9223372036854775808, "ratio": 0.25, "name": null, "amount": 12345678901234.5678, "at": 1700000000123, "day": 19782,
      "blob": "AAH/", "kind": "b", "tags": ["x"], "attrs": {"k": 9007199254740993}, "byId": [{"key": 5, "value": "five"}],
      "home": {"city": "Oslo"}, "extra": {"n": 1.5, "m": [1]}, "free": {"a": {"b": 12345678901234567890}}, "choice": 3, "unknown": true}`;
    const { parse } = await import('lossless-json');
    const v = c.read(parse(text), '$') as Record<string, unknown>;
    expect(v).toMatchObject({
      id: 7, big: -(2n ** 63n), ratio: 0.25, name: null, nick: null, at: 1700000000123, day: 19782, kind: 'b', tags: ['x'],
      attrs: { k: 9007199254740993n }, byId: { '5': 'five' }, home: { city: 'Oslo', zip: null }, extra: { n: 1.5, m: [1] },
      free: { a: { b: 12345678901234567890n } }, choice: 3, level: 3,
    });
    expect(v).not.toHaveProperty('unknown');
    // 12345678901234.5678 at scale 4: unscaled 123456789012345678, every digit kept.
    const amount = Buffer.from(v.amount as Uint8Array);
    expect(BigInt('0x' + amount.toString('hex'))).toBe(123456789012345678n);
    expect(Array.from(v.blob as Uint8Array)).toEqual([0, 1, 255]);
  });

  it('says what is wrong with a payload that does not fit the schema', async () => {
    const c = compileJsonSchema('json-schema:1', SCHEMA as never);
    const { parse } = await import('lossless-json');
    const r = (t: string) => reasonOf(() => c.read(parse(t), '$'));
    expect(r('{"id": 1.5}')).toBe('$.id: 1.5 is not an integer');
    expect(r('{"id": 2147483648}')).toBe('$.id: 2147483648 is beyond int32');
    expect(r('{"id": 1, "amount": 1e999999999}')).toBe('$.amount: 1e999999999 has more than 1000 digits');
    const small = compileJsonSchema('json-schema:2', { type: 'object', properties: { b: { type: 'integer', 'connect.type': 'int8' } } });
    expect(reasonOf(() => small.read({ b: 128 }, '$'))).toBe('$.b: 128 is beyond int8');
    expect(small.read({ b: -128 }, '$')).toEqual({ b: -128 });
    expect(r('{"id": null}')).toBe('$.id: null, but the schema does not allow null');
    expect(r('{"id": 1, "amount": 1.00001}')).toBe("$.amount: 1.00001 has more fractional digits than the schema's scale 4");
    expect(r('{"id": 1, "home": {"city": 5}}')).toBe('$.home.city: expected a string, got number 5');
    expect(r('[1]')).toBe('$: expected an object, got an array');
  });

  it('over the wire: header + JSON, references resolved, a bad payload or missing magic byte named', async () => {
    const d = createDecoder('json-schema', { registryUrl: base });
    const ok = frame(10, null, Buffer.from('{"id": 12345678901234567, "ref": {"city": "Rome"}}'));
    const notJson = frame(10, null, Buffer.from('{"id": '));
    const proto = frame(1, null, Buffer.from('{}'));
    await d.prepare([ok, notJson, proto]);
    expect(d.decode(ok).value).toEqual({ id: 12345678901234567n, ref: { city: 'Rome' } });
    expect(d.decode(ok).schema.fields!.map((f) => f.name)).toEqual(['id', 'ref']);
    expect(reasonOf(() => d.decode(notJson))).toMatch(/^JSON Schema payload \(schema id 10\) is not valid UTF-8 JSON: /);
    expect(reasonOf(() => d.decode(proto))).toBe('schema id 1 is a PROTOBUF schema, not JSON Schema');
    expect(reasonOf(() => d.decode(Buffer.from('{"id": 1}')))).toBe('not the Confluent JSON Schema wire format: does not start with the magic byte 0 (got 123)');
    // Not validated by default (json.fail.invalid.schema=false): a missing required property reads as null.
    const missing = frame(10, null, Buffer.from('{"ref": {"city": "Rome"}}'));
    expect(d.decode(missing).value).toEqual({ id: null, ref: { city: 'Rome' } });
  });

  it('json.fail.invalid.schema=true validates each payload against its schema (draft 7 or 2020-12, referenced schemas, formats)', async () => {
    const d = createDecoder('json-schema', { registryUrl: base, failInvalidSchema: true });
    const cases = [
      frame(10, null, Buffer.from('{"id": 12345678901234567, "ref": {"city": "Rome"}}')),
      frame(10, null, Buffer.from('{"ref": {"city": "Rome"}}')),
      frame(10, null, Buffer.from('{"id": 1, "ref": {"city": 5}}')),
      frame(11, null, Buffer.from('{"at": "2024-02-29T10:00:00Z", "n": 10}')),
      frame(11, null, Buffer.from('{"at": "yesterday", "n": 1}')),
      frame(11, null, Buffer.from('{"n": 11}')),
    ];
    await d.prepare(cases);
    expect(cases.map((c) => reasonOf(() => d.decode(c)))).toEqual([
      'decoded',
      "JSON Schema payload does not validate against schema id 10 (json.fail.invalid.schema=true): / must have required property 'id'",
      'JSON Schema payload does not validate against schema id 10 (json.fail.invalid.schema=true): /ref/city must be string',
      'decoded',
      'JSON Schema payload does not validate against schema id 11 (json.fail.invalid.schema=true): /at must match format "date-time"',
      'JSON Schema payload does not validate against schema id 11 (json.fail.invalid.schema=true): /n must be <= 10',
    ]);
  });
});

describe('config: the Confluent Protobuf and JSON Schema converter classes', () => {
  const connector = {
    name: 'pb', 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: 't', 'bootstrap.servers': '127.0.0.1:9092',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/db',
  };
  it('choose the formats, need a registry URL, and name it in the converter line', async () => {
    const { describeConverter } = await import('../../src/config/load.js');
    const { loadConfig } = await import('../../src/sinks/index.js');
    const { ConfigError } = await import('../../src/errors.js');
    const c = loadConfig({
      json: { ...connector, 'value.converter': 'io.confluent.connect.protobuf.ProtobufConverter', 'value.converter.schema.registry.url': 'http://u:secret@reg:8081', 'key.converter': 'io.confluent.connect.json.JsonSchemaConverter' },
      env: {},
    });
    expect([c.valueFormat, c.keyFormat]).toEqual(['protobuf', 'json-schema']);
    expect(describeConverter(c.converters.value)).toBe('value converter: io.confluent.connect.protobuf.ProtobufConverter (schema registry http://reg:8081) — connector config: value.converter');
    expect(describeConverter(c.converters.key)).toBe('key converter: io.confluent.connect.json.JsonSchemaConverter (schema registry http://reg:8081 from value.converter.schema.registry.url) — connector config: key.converter');
    let problems: readonly string[] = [];
    try {
      loadConfig({ json: { ...connector, 'value.converter': 'io.confluent.connect.json.JsonSchemaConverter', 'key.converter': 'io.confluent.connect.protobuf.ProtobufConverter' }, env: {} });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual([
      'value.converter.schema.registry.url: required when values are JSON Schema',
      'key.converter.schema.registry.url: required when keys are Protobuf',
    ]);
  });
});
