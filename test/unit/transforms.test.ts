// Single message transforms against the behaviour Kafka Connect's and
// Debezium's documentation and sources describe: schemaless and with schema,
// $Key and $Value, predicates, and config validation.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';
import { chainOf, problemsOf } from './transform-chains.js';
import type { Header, TRecord } from '../../src/transforms/record.js';
import { SimpleDateFormat } from '../../src/transforms/timefmt.js';
import { recordSchemaFromConnect, SCHEMALESS, type ConnectSchema, type RecordSchema } from '../../src/workers/schema.js';

const T = 'org.apache.kafka.connect.transforms.';
const enc = new TextEncoder();
const dec = new TextDecoder();


function rec(over: Partial<TRecord> = {}, headers: Header[] = []): TRecord {
  return {
    topic: 'orders', partition: 3, offset: 42, timestamp: Date.UTC(2024, 1, 29, 13, 14, 15, 678), key: null, keySchema: undefined,
    value: null, valueSchema: undefined, headers: undefined, readHeaders: () => headers, ...over,
  };
}

/** Runs a one-transform chain; the record after it, or 'dropped'. */
function run(cfg: Record<string, unknown>, r: TRecord): TRecord | 'dropped' {
  return chainOf(cfg).apply(r) ? r : 'dropped';
}

const struct = (fields: [string, string, boolean?][], name = 'x'): RecordSchema =>
  recordSchemaFromConnect(`connect:${name}`, { type: 'struct', fields: fields.map(([f, type, optional]) => ({ field: f, type, optional: optional ?? false })) });

const one = (alias: string, type: string, opts: Record<string, string> = {}): Record<string, string> => {
  const out: Record<string, string> = { transforms: alias, [`transforms.${alias}.type`]: type };
  for (const [k, v] of Object.entries(opts)) out[`transforms.${alias}.${k}`] = v;
  return out;
};

describe('ReplaceField', () => {
  it('excludes, includes and renames fields, schemaless', () => {
    const r = run(one('r', `${T}ReplaceField$Value`, { exclude: 'dont', renames: 'abc:xyz,foo:bar' }), rec({ value: { dont: 'x', abc: 42, foo: true, etc: 'e' }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.value).toEqual({ xyz: 42, bar: true, etc: 'e' });
    const w = run(one('r', `${T}ReplaceField$Value`, { include: 'abc,foo' }), rec({ value: { dont: 'x', abc: 42, foo: true }, valueSchema: SCHEMALESS })) as TRecord;
    expect(w.value).toEqual({ abc: 42, foo: true });
  });

  it('accepts the deprecated whitelist/blacklist spellings', () => {
    const r = run(one('r', `${T}ReplaceField$Value`, { blacklist: 'a' }), rec({ value: { a: 1, b: 2 }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.value).toEqual({ b: 2 });
    const w = run(one('r', `${T}ReplaceField$Value`, { whitelist: 'a' }), rec({ value: { a: 1, b: 2 }, valueSchema: SCHEMALESS })) as TRecord;
    expect(w.value).toEqual({ a: 1 });
  });

  it('derives a new schema once per input schema, with a stable id', () => {
    const s = struct([['dont', 'string'], ['abc', 'int32'], ['foo', 'boolean', true]]);
    const chain = chainOf(one('r', `${T}ReplaceField$Value`, { exclude: 'dont', renames: 'abc:xyz' }));
    const a = rec({ value: { dont: 'x', abc: 1, foo: null }, valueSchema: s });
    const b = rec({ value: { dont: 'y', abc: 2, foo: true }, valueSchema: s });
    chain.apply(a);
    chain.apply(b);
    expect(a.value).toEqual({ xyz: 1, foo: null });
    expect(a.valueSchema).toBe(b.valueSchema);
    expect(a.valueSchema!.id).toBe('connect:x|t:replace.value');
    expect(a.valueSchema!.fields!.map((f) => [f.name, f.type.kind, f.optional])).toEqual([['xyz', 'int32', false], ['foo', 'boolean', true]]);
  });

  it('works on the key ($Key) and leaves a tombstone alone', () => {
    const r = run(one('r', `${T}ReplaceField$Key`, { exclude: 'b' }), rec({ key: { a: 1, b: 2 }, keySchema: SCHEMALESS })) as TRecord;
    expect(r.key).toEqual({ a: 1 });
    expect(r.value).toBeNull();
  });

  it('rejects a bad rename mapping at config time', () => {
    expect(problemsOf(one('r', `${T}ReplaceField$Value`, { renames: 'a' }))).toEqual(['transforms.r.renames: Invalid rename mapping: a']);
  });
});

describe('InsertField', () => {
  const opts = { 'topic.field': 't', 'partition.field': 'p', 'offset.field': 'o!', 'timestamp.field': 'ts', 'static.field': 'instance_id', 'static.value': 'my-instance-id' };

  it('adds the record metadata, schemaless (timestamp as the record\'s long)', () => {
    const r = run(one('i', `${T}InsertField$Value`, opts), rec({ value: { magic: 42 }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.value).toEqual({ magic: 42, t: 'orders', p: 3, o: 42, ts: Date.UTC(2024, 1, 29, 13, 14, 15, 678), instance_id: 'my-instance-id' });
  });

  it('adds fields with schema: optional unless "!", Timestamp typed', () => {
    const r = run(one('i', `${T}InsertField$Value`, opts), rec({ value: { magic: 42 }, valueSchema: struct([['magic', 'int64']]) })) as TRecord;
    expect((r.value as Record<string, unknown>).ts).toBe(Date.UTC(2024, 1, 29, 13, 14, 15, 678));
    expect(r.valueSchema!.fields!.map((f) => [f.name, f.type.kind, f.optional])).toEqual([
      ['magic', 'int64', false], ['t', 'string', true], ['p', 'int32', true], ['o', 'int64', false], ['ts', 'timestamp-millis', true], ['instance_id', 'string', true],
    ]);
  });

  it('passes a tombstone through and fails a non-object value', () => {
    expect((run(one('i', `${T}InsertField$Value`, opts), rec()) as TRecord).value).toBeNull();
    expect(() => run(one('i', `${T}InsertField$Value`, opts), rec({ value: 'text', valueSchema: SCHEMALESS }))).toThrow(/transform "i".*Only Map objects supported in absence of schema for \[field insertion\], found: the string "text"/);
  });
});

describe('Cast', () => {
  it('casts fields by spec, schemaless and with schema', () => {
    const cfg = one('c', `${T}Cast$Value`, { spec: 'a:int32,b:string,c:boolean,d:float64' });
    const r = run(cfg, rec({ value: { a: '17', b: 2.5, c: 'TRUE', d: 3, e: 'x' }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.value).toEqual({ a: 17, b: '2.5', c: true, d: 3, e: 'x' });
    const s = struct([['a', 'string'], ['b', 'double'], ['c', 'int32', true], ['d', 'int64']]);
    const w = run(cfg, rec({ value: { a: '-5', b: 1, c: null, d: 0 }, valueSchema: s })) as TRecord;
    expect(w.value).toEqual({ a: -5, b: '1.0', c: null, d: 0 });
    expect(w.valueSchema!.fields!.map((f) => [f.name, f.type.kind, f.optional])).toEqual([['a', 'int32', false], ['b', 'string', false], ['c', 'boolean', true], ['d', 'float64', false]]);
  });

  it('casts the whole value and truncates fractions as Java does', () => {
    const scalar = recordSchemaFromConnect('connect:f', { type: 'double' });
    const r = run(one('c', `${T}Cast$Value`, { spec: 'int64' }), rec({ value: 12.9, valueSchema: scalar })) as TRecord;
    expect(r.value).toBe(12);
    expect(r.valueSchema!.fields![0]!.type.kind).toBe('int64');
    expect((run(one('c', `${T}Cast$Key`, { spec: 'string' }), rec({ key: 5, keySchema: SCHEMALESS })) as TRecord).key).toBe('5');
  });

  it('fails the record for a value that is not a number, or out of range', () => {
    expect(() => run(one('c', `${T}Cast$Value`, { spec: 'a:int32' }), rec({ value: { a: 'abc' }, valueSchema: SCHEMALESS }))).toThrow(/Value \(abc\) was out of range for requested data type int32/);
    expect(() => run(one('c', `${T}Cast$Value`, { spec: 'a:int8' }), rec({ value: { a: 300 }, valueSchema: SCHEMALESS }))).toThrow(/out of range for requested data type int8/);
  });

  it('rejects bad specs at config time', () => {
    expect(problemsOf(one('c', `${T}Cast$Value`, { spec: 'a:int33' }))).toEqual(['transforms.c.spec: Invalid type found in casting spec: int33']);
    expect(problemsOf(one('c', `${T}Cast$Value`, { spec: 'int32,a:string' }))[0]).toMatch(/transforms\.c\.spec: .*single cast/);
    expect(problemsOf(one('c', `${T}Cast$Value`))).toEqual(['transforms.c.spec: required (a comma-separated list, not empty)']);
  });
});

describe('ExtractField / HoistField / ValueToKey', () => {
  it('extracts a field, schemaless and with schema', () => {
    expect((run(one('e', `${T}ExtractField$Key`, { field: 'id' }), rec({ key: { id: 7, x: 1 }, keySchema: SCHEMALESS })) as TRecord).key).toBe(7);
    const s = struct([['id', 'int64'], ['name', 'string', true]]);
    const r = run(one('e', `${T}ExtractField$Value`, { field: 'name' }), rec({ value: { id: 1, name: 'n' }, valueSchema: s })) as TRecord;
    expect(r.value).toBe('n');
    expect(r.valueSchema!.scalar).toBe(true);
    expect(r.valueSchema!.fields![0]).toMatchObject({ type: { kind: 'string' }, optional: true });
    expect(() => run(one('e', `${T}ExtractField$Value`, { field: 'nope' }), rec({ value: { id: 1 }, valueSchema: s }))).toThrow(/Unknown field: nope/);
    expect(() => run(one('e', `${T}ExtractField$Value`, { field: 'id' }), rec({ value: 5, valueSchema: SCHEMALESS }))).toThrow(/Only Map objects supported/);
  });

  it('follows dotted paths with field.syntax.version=V2 only', () => {
    const v = { a: { b: 5 }, 'a.b': 6 };
    expect((run(one('e', `${T}ExtractField$Value`, { field: 'a.b' }), rec({ value: v, valueSchema: SCHEMALESS })) as TRecord).value).toBe(6);
    expect((run(one('e', `${T}ExtractField$Value`, { field: 'a.b', 'field.syntax.version': 'V2' }), rec({ value: v, valueSchema: SCHEMALESS })) as TRecord).value).toBe(5);
  });

  it('hoists a value into a struct', () => {
    const r = run(one('h', `${T}HoistField$Value`, { field: 'line' }), rec({ value: 'hello', valueSchema: recordSchemaFromConnect('connect:s', { type: 'string' }) })) as TRecord;
    expect(r.value).toEqual({ line: 'hello' });
    expect(r.valueSchema!.fields!.map((f) => [f.name, f.type.kind])).toEqual([['line', 'string']]);
    expect((run(one('h', `${T}HoistField$Key`, { field: 'k' }), rec({ key: 5, keySchema: SCHEMALESS })) as TRecord).key).toEqual({ k: 5 });
  });

  it('copies value fields into the key', () => {
    const s = struct([['id', 'int32'], ['name', 'string']]);
    const r = run(one('v', `${T}ValueToKey`, { fields: 'id' }), rec({ value: { id: 9, name: 'a' }, valueSchema: s })) as TRecord;
    expect(r.key).toEqual({ id: 9 });
    expect(r.keySchema!.fields!.map((f) => f.name)).toEqual(['id']);
    expect(() => run(one('v', `${T}ValueToKey`, { fields: 'nope' }), rec({ value: { id: 9 }, valueSchema: s }))).toThrow(/Field does not exist: nope/);
    expect(chainOf(one('v', `${T}ValueToKey`, { fields: 'id' })).usesKey).toBe(true);
  });
});

describe('Flatten / MaskField / TimestampConverter / SetSchemaMetadata', () => {
  it('flattens nested structs with the delimiter', () => {
    const v = { a: { b: 1, c: { d: 'x' } }, e: [1, 2], f: null };
    expect((run(one('f', `${T}Flatten$Value`), rec({ value: v, valueSchema: SCHEMALESS })) as TRecord).value).toEqual({ 'a.b': 1, 'a.c.d': 'x', e: [1, 2], f: null });
    const s = recordSchemaFromConnect('connect:n', {
      type: 'struct', fields: [{ field: 'a', type: 'struct', optional: true, fields: [{ field: 'b', type: 'int32' }] } as ConnectSchema, { field: 'z', type: 'string' }],
    });
    const r = run(one('f', `${T}Flatten$Value`, { delimiter: '_' }), rec({ value: { a: null, z: 'q' }, valueSchema: s })) as TRecord;
    expect(r.value).toEqual({ a_b: null, z: 'q' });
    expect(r.valueSchema!.fields!.map((f) => [f.name, f.optional])).toEqual([['a_b', true], ['z', false]]);
  });

  it('masks fields with the type\'s empty value or a replacement', () => {
    const v = { s: 'secret', n: 12, b: true, l: [1], keep: 'k' };
    expect((run(one('m', `${T}MaskField$Value`, { fields: 's,n,b,l' }), rec({ value: v, valueSchema: SCHEMALESS })) as TRecord).value).toEqual({ s: '', n: 0, b: false, l: [], keep: 'k' });
    expect((run(one('m', `${T}MaskField$Value`, { fields: 's', replacement: '***' }), rec({ value: v, valueSchema: SCHEMALESS })) as TRecord).value).toMatchObject({ s: '***' });
    const s = struct([['n', 'int32'], ['b', 'boolean']]);
    expect(() => run(one('m', `${T}MaskField$Value`, { fields: 'b', replacement: 'x' }), rec({ value: { n: 1, b: true }, valueSchema: s }))).toThrow(/Cannot mask value of type boolean with custom replacement/);
    expect((run(one('m', `${T}MaskField$Value`, { fields: 'n', replacement: '7' }), rec({ value: { n: 1, b: true }, valueSchema: s })) as TRecord).value).toEqual({ n: 7, b: true });
  });

  it('converts timestamps between string, unix, Date, Time and Timestamp', () => {
    const ms = Date.UTC(2017, 3, 18, 10, 20, 30, 500);
    const conv = (opts: Record<string, string>, v: unknown, s: RecordSchema = SCHEMALESS) => (run(one('t', `${T}TimestampConverter$Value`, opts), rec({ value: v, valueSchema: s })) as TRecord);
    expect(conv({ field: 'ts', 'target.type': 'string', format: 'yyyy-MM-dd HH:mm:ss.SSS' }, { ts: ms }).value).toEqual({ ts: '2017-04-18 10:20:30.500' });
    expect(conv({ field: 'ts', 'target.type': 'unix', format: 'yyyy-MM-dd' }, { ts: '2017-04-18' }).value).toEqual({ ts: Date.UTC(2017, 3, 18) });
    expect(conv({ 'target.type': 'unix', 'unix.precision': 'seconds' }, new Date(ms)).value).toBe(Math.floor(ms / 1000));
    expect(conv({ 'target.type': 'Timestamp', 'unix.precision': 'microseconds' }, ms * 1000).value).toEqual(new Date(ms));
    const s = struct([['ts', 'int64']]);
    const r = conv({ field: 'ts', 'target.type': 'Date' }, { ts: ms }, s);
    expect(r.value).toEqual({ ts: 17274 });
    expect(r.valueSchema!.fields![0]!.type.kind).toBe('date');
    const t = conv({ field: 'ts', 'target.type': 'Time' }, { ts: ms }, s);
    expect(t.value).toEqual({ ts: (10 * 3600 + 20 * 60 + 30) * 1000 + 500 });
    expect(() => conv({ field: 'ts', 'target.type': 'unix', format: 'yyyy-MM-dd' }, { ts: 'April' })).toThrow(/does not match pattern/);
    expect(problemsOf(one('t', `${T}TimestampConverter$Value`, { 'target.type': 'string' }))).toEqual(['transforms.t.format: TimestampConverter requires format option to be specified when using string timestamps']);
    expect(problemsOf(one('t', `${T}TimestampConverter$Value`, { 'target.type': 'Instant' }))[0]).toMatch(/^transforms\.t\.target\.type: expected one of/);
  });

  it('needs a schema to set schema metadata', () => {
    const s = struct([['a', 'int32']]);
    const r = run(one('m', `${T}SetSchemaMetadata$Value`, { 'schema.name': 'com.example.Order', 'schema.version': '3' }), rec({ value: { a: 1 }, valueSchema: s })) as TRecord;
    expect(r.valueSchema).toMatchObject({ name: 'com.example.Order', version: 3, fields: s.fields });
    expect(() => run(one('m', `${T}SetSchemaMetadata$Value`, { 'schema.name': 'x' }), rec({ value: { a: 1 }, valueSchema: SCHEMALESS }))).toThrow(/Schema required for \[updating schema metadata\]/);
  });

  it('SetSchemaMetadata with only schema.version keeps the schema name (name != null ? name : schema.name()); a tombstone without a schema passes', () => {
    const s = recordSchemaFromConnect('connect:named', { type: 'struct', name: 'com.example.Order', fields: [{ field: 'a', type: 'int32', optional: false }] });
    const r = run(one('m', `${T}SetSchemaMetadata$Key`, { 'schema.version': '7' }), rec({ key: { a: 1 }, keySchema: s })) as TRecord;
    expect(r.keySchema).toMatchObject({ name: 'com.example.Order', version: 7, fields: s.fields });
    const t = run(one('m', `${T}SetSchemaMetadata$Value`, { 'schema.name': 'x' }), rec({ value: null, valueSchema: undefined })) as TRecord;
    expect([t.value, t.valueSchema]).toEqual([null, undefined]);
  });
});

describe('headers', () => {
  it('inserts, drops and copies or moves fields into headers', () => {
    const hs: Header[] = [{ name: 'keep', value: enc.encode('k') }, { name: 'gone', value: null }];
    const r = rec({ value: { id: 5, name: 'n' }, valueSchema: SCHEMALESS }, hs);
    const chain = chainOf({
      transforms: 'ins,drop,from', [`transforms.ins.type`]: `${T}InsertHeader`, 'transforms.ins.header': 'source', 'transforms.ins.value.literal': 'sluice',
      'transforms.drop.type': `${T}DropHeaders`, 'transforms.drop.headers': 'gone',
      'transforms.from.type': `${T}HeaderFrom$Value`, 'transforms.from.fields': 'id', 'transforms.from.headers': 'the_id', 'transforms.from.operation': 'move',
    });
    expect(chain.apply(r)).toBe(true);
    expect(r.headers!.map((h) => [h.name, h.value && dec.decode(h.value)])).toEqual([['keep', 'k'], ['source', 'sluice'], ['the_id', '5']]);
    expect(r.value).toEqual({ name: 'n' });
    expect(hs).toHaveLength(2); // the batch's own headers are untouched
    expect(problemsOf(one('h', `${T}HeaderFrom$Value`, { fields: 'a,b', headers: 'x', operation: 'copy' }))[0]).toMatch(/^transforms\.h\.headers: 'fields' config must have the same number/);
  });
});

describe('routers', () => {
  it('RegexRouter replaces the whole-topic match with Java $n groups', () => {
    const cfg = one('route', `${T}RegexRouter`, { regex: '(.*)_(v\\d+)', replacement: 'new_$1' });
    const chain = chainOf(cfg);
    const r = rec({ topic: 'orders_v2', value: { a: 1 }, valueSchema: SCHEMALESS });
    chain.apply(r);
    expect(r.topic).toBe('new_orders');
    const n = rec({ topic: 'orders', value: { a: 1 }, valueSchema: SCHEMALESS });
    chain.apply(n);
    expect(n.topic).toBe('orders');
    expect(chain.routing).toBe('topic');
    expect(chain.routeTopic('x_v1')).toBe('new_x');
    expect(problemsOf(one('route', `${T}RegexRouter`, { regex: '(' , replacement: 'x' }))[0]).toMatch(/^transforms\.route\.regex: /);
  });

  it('TimestampRouter formats the record timestamp in UTC', () => {
    const r = run(one('tr', `${T}TimestampRouter`, { 'topic.format': 'foo-${topic}-${timestamp}', 'timestamp.format': 'yyyy-MM-dd' }), rec({ value: { a: 1 }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.topic).toBe('foo-orders-2024-02-29');
    expect((run(one('tr', `${T}TimestampRouter`), rec({ value: 1, valueSchema: SCHEMALESS })) as TRecord).topic).toBe('orders-20240229');
    expect(chainOf(one('tr', `${T}TimestampRouter`)).routing).toBe('record');
  });
});

describe('Filter and predicates', () => {
  const base = {
    transforms: 'f', 'transforms.f.type': `${T}Filter`, 'transforms.f.predicate': 'p', predicates: 'p',
  };
  it('drops what the predicate matches, or the rest with negate', () => {
    const byTopic = chainOf({ ...base, 'predicates.p.type': `${T}predicates.TopicNameMatches`, 'predicates.p.pattern': 'ord.*' });
    expect(byTopic.apply(rec({ value: 1, valueSchema: SCHEMALESS }))).toBe(false);
    expect(byTopic.apply(rec({ topic: 'xorders', value: 1, valueSchema: SCHEMALESS }))).toBe(true);
    const negated = chainOf({ ...base, 'transforms.f.negate': 'true', 'predicates.p.type': `${T}predicates.TopicNameMatches`, 'predicates.p.pattern': 'ord.*' });
    expect(negated.apply(rec({ topic: 'xorders', value: 1, valueSchema: SCHEMALESS }))).toBe(false);
    const tomb = chainOf({ ...base, 'predicates.p.type': `${T}predicates.RecordIsTombstone` });
    expect(tomb.apply(rec())).toBe(false);
    expect(tomb.apply(rec({ value: {}, valueSchema: SCHEMALESS }))).toBe(true);
    const header = chainOf({ ...base, 'predicates.p.type': `${T}predicates.HasHeaderKey`, 'predicates.p.name': 'skip' });
    expect(header.apply(rec({ value: 1 }, [{ name: 'skip', value: null }]))).toBe(false);
    expect(header.apply(rec({ value: 1 }, [{ name: 'other', value: null }]))).toBe(true);
  });

  it('makes a router with a record predicate a per-record router', () => {
    expect(chainOf({ ...one('r', `${T}RegexRouter`, { regex: 'a', replacement: 'b' }), 'transforms.r.predicate': 'p', predicates: 'p', 'predicates.p.type': `${T}predicates.RecordIsTombstone` }).routing).toBe('record');
    expect(chainOf({ ...one('r', `${T}RegexRouter`, { regex: 'a', replacement: 'b' }), 'transforms.r.predicate': 'p', predicates: 'p', 'predicates.p.type': `${T}predicates.TopicNameMatches`, 'predicates.p.pattern': 'a' }).routing).toBe('topic');
  });
});

describe('config validation', () => {
  it('names the key and the class of an unknown transform', () => {
    expect(problemsOf(one('x', 'com.example.MyTransform'))[0]).toMatch(/^transforms\.x\.type: unknown transform class "com\.example\.MyTransform"/);
    expect(problemsOf(one('x', `${T}ReplaceField`))[0]).toMatch(/did you mean org\.apache\.kafka\.connect\.transforms\.ReplaceField\$Key or .*ReplaceField\$Value/);
    expect(problemsOf({ transforms: 'a' })).toEqual(['transforms.a.type: required for the transform "a" listed in transforms (a transform class)']);
    expect(problemsOf({ transforms: 'a', 'transforms.a.type': `${T}Filter`, 'transforms.a.predicate': 'p' })).toEqual(['transforms.a.predicate: "p" is not listed in predicates']);
    expect(problemsOf({ transforms: 'a', 'transforms.a.type': `${T}Filter`, 'transforms.b.type': `${T}Filter` })).toEqual(['transforms.b.type: the transform "b" is not listed in transforms']);
    expect(problemsOf({ ...one('a', `${T}Filter`), 'transforms.a.predicate': 'p', predicates: 'p', 'predicates.p.type': 'x.Y' })[0]).toMatch(/^predicates\.p\.type: unknown predicate class "x\.Y"/);
  });

  it('is part of loading a connector, before anything runs', () => {
    const json = {
      name: 'n', 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: 't', 'bootstrap.servers': 'b:9092', 'connection.url': 'jdbc:postgresql://h/db',
    };
    expect(() => loadConfig({ json: { ...json, ...one('bad', 'com.example.Nope') }, env: {} })).toThrow(/transforms\.bad\.type: unknown transform class "com\.example\.Nope"/);
    expect(() => loadConfig({ json: { ...json, ...one('bad', 'com.example.Nope') }, env: {} })).toThrow(ConfigError);
    const ok = loadConfig({ json: { ...json, ...one('u', 'io.debezium.transforms.ExtractNewRecordState', { 'delete.handling.mode': 'rewrite' }) }, env: {} });
    expect(ok.transforms?.steps.map((s) => s.alias)).toEqual(['u']);
    // PostgreSQL picks each record's table: per-record routers are taken.
    expect(loadConfig({ json: { ...json, ...one('t', `${T}TimestampRouter`) }, env: {} }).transforms?.steps.map((s) => s.alias)).toEqual(['t']);
    expect(loadConfig({ json: { ...json, ...one('u', 'io.debezium.transforms.ExtractNewRecordState', { 'route.by.field': 'x' }) }, env: {} }).transforms?.steps.map((s) => s.alias)).toEqual(['u']);
  });
});

describe('ExtractNewRecordState', () => {
  const U = 'io.debezium.transforms.ExtractNewRecordState';
  const row: ConnectSchema = { type: 'struct', optional: true, fields: [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }] };
  const envSchema = recordSchemaFromConnect('connect:env', {
    type: 'struct', name: 'db.inventory.customers.Envelope',
    fields: [
      { ...row, field: 'before' }, { ...row, field: 'after' },
      { field: 'source', type: 'struct', fields: [{ field: 'table', type: 'string' }, { field: 'lsn', type: 'int64', optional: true }, { field: 'ts_ms', type: 'int64' }] },
      { field: 'op', type: 'string' }, { field: 'ts_ms', type: 'int64', optional: true },
    ],
  });
  const source = { table: 'customers', lsn: 100, ts_ms: 1700000000000 };
  const env = (op: string, before: unknown, after: unknown) => rec({ value: { before, after, source, op, ts_ms: 1700000000123 }, valueSchema: envSchema });

  it('unwraps the after state with its schema', () => {
    const r = run(one('u', U), env('c', null, { id: 1, name: 'a' })) as TRecord;
    expect(r.value).toEqual({ id: 1, name: 'a' });
    expect(r.valueSchema!.fields!.map((f) => f.name)).toEqual(['id', 'name']);
  });

  it('drops tombstones and deletes by default', () => {
    expect(run(one('u', U), rec())).toBe('dropped');
    expect(run(one('u', U), env('d', { id: 1, name: 'a' }, null))).toBe('dropped');
    expect(run(one('u', U, { 'drop.tombstones': 'false' }), rec())).not.toBe('dropped');
  });

  it('rewrites deletes with __deleted and adds fields and headers', () => {
    const cfg = one('u', U, { 'delete.handling.mode': 'rewrite', 'add.fields': 'op,table,source.ts_ms,lsn:pos', 'add.headers': 'op' });
    const d = run(cfg, env('d', { id: 1, name: 'a' }, null)) as TRecord;
    expect(d.value).toEqual({ id: 1, name: 'a', __deleted: 'true', __op: 'd', __table: 'customers', __source_ts_ms: 1700000000000, __pos: 100 });
    expect(d.valueSchema!.fields!.map((f) => [f.name, f.type.kind, f.optional])).toEqual([
      ['id', 'int32', false], ['name', 'string', true], ['__deleted', 'string', true], ['__op', 'string', true], ['__table', 'string', true], ['__source_ts_ms', 'int64', true], ['__pos', 'int64', true],
    ]);
    expect(d.headers!.map((h) => [h.name, dec.decode(h.value!)])).toEqual([['__op', 'd']]);
    const u = run(cfg, env('u', { id: 1, name: 'a' }, { id: 1, name: 'b' })) as TRecord;
    expect(u.value).toMatchObject({ id: 1, name: 'b', __op: 'u', __deleted: 'false' });
  });

  it('follows delete.tombstone.handling.mode over the legacy options', () => {
    const tomb = one('u', U, { 'delete.tombstone.handling.mode': 'tombstone', 'drop.tombstones': 'false' });
    const d = run(tomb, env('d', { id: 1 }, null)) as TRecord;
    expect(d.value).toBeNull();
    expect(run(tomb, rec())).toBe('dropped');
    expect(run(one('u', U, { 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }), rec())).not.toBe('dropped');
    expect(run(one('u', U, { 'delete.handling.mode': 'none' }), env('d', { id: 1 }, null))).toMatchObject({ value: null });
  });

  it('routes by a field of the row and passes non-envelopes unchanged', () => {
    const r = run(one('u', U, { 'route.by.field': 'name' }), env('c', null, { id: 1, name: 'people' })) as TRecord;
    expect(r.topic).toBe('people');
    const plain = rec({ value: { id: 1 }, valueSchema: SCHEMALESS });
    expect((run(one('u', U), plain) as TRecord).value).toEqual({ id: 1 });
  });

  it('unwraps schemaless envelopes and accepts the UnwrapFromEnvelope name', () => {
    const r = run(one('u', 'io.debezium.transforms.UnwrapFromEnvelope'), rec({ value: { before: null, after: { id: 2 }, op: 'r', source }, valueSchema: SCHEMALESS })) as TRecord;
    expect(r.value).toEqual({ id: 2 });
  });

  it('reads MongoDB documents from their JSON text (ExtractNewDocumentState)', () => {
    const r = run(one('u', 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState'), rec({
      value: { after: '{"_id": {"$oid": "5f1"}, "n": {"$numberLong": "9007199254740993"}, "name": "x"}', op: 'c', source }, valueSchema: SCHEMALESS,
    })) as TRecord;
    expect(r.value).toEqual({ _id: '5f1', n: 9007199254740993n, name: 'x' });
  });
});

describe('SimpleDateFormat', () => {
  it('formats and parses in UTC', () => {
    const f = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSX");
    const ms = Date.UTC(2020, 0, 2, 3, 4, 5, 6);
    expect(f.format(ms)).toBe('2020-01-02T03:04:05.006Z');
    expect(f.parse('2020-01-02T03:04:05.006Z')).toBe(ms);
    expect(new SimpleDateFormat('yyyyMMddHHmm').parse('202001020304')).toBe(Date.UTC(2020, 0, 2, 3, 4));
    expect(new SimpleDateFormat('EEE, d MMM yyyy hh:mm a').format(ms)).toBe('Thu, 2 Jan 2020 03:04 AM');
  });
});

describe('more of Connect\'s cases', () => {
  it('Flatten$Key, ExtractField$Key with schema, MaskField with schema', () => {
    const k = run(one('f', `${T}Flatten$Key`), rec({ key: { a: { b: 1 } }, keySchema: SCHEMALESS })) as TRecord;
    expect(k.key).toEqual({ 'a.b': 1 });
    const ks = struct([['id', 'int64'], ['region', 'string']], 'key');
    const e = run(one('e', `${T}ExtractField$Key`, { field: 'id' }), rec({ key: { id: 5, region: 'eu' }, keySchema: ks })) as TRecord;
    expect(e.key).toBe(5);
    expect(e.keySchema).toMatchObject({ scalar: true, fields: [{ type: { kind: 'int64' } }] });
    const s = struct([['n', 'int64'], ['f', 'double'], ['s', 'string'], ['b', 'boolean'], ['o', 'string', true]]);
    const m = run(one('m', `${T}MaskField$Value`, { fields: 'n,f,s,b,o' }), rec({ value: { n: 9, f: 1.5, s: 'x', b: true, o: null }, valueSchema: s })) as TRecord;
    expect(m.value).toEqual({ n: 0, f: 0, s: '', b: false, o: null });
    expect(m.valueSchema).toBe(s);
  });

  it('RegexRouter: named groups, ${name}, escaped $, no match leaves the topic', () => {
    const chain = chainOf(one('r', `${T}RegexRouter`, { regex: '(?<db>[^.]+)\\.(?<table>.+)', replacement: '${table}_from_${db}\\$' }));
    const r = rec({ topic: 'inventory.orders', value: {}, valueSchema: SCHEMALESS });
    chain.apply(r);
    expect(r.topic).toBe('orders_from_inventory$');
    const n = rec({ topic: 'plain', value: {}, valueSchema: SCHEMALESS });
    chain.apply(n);
    expect(n.topic).toBe('plain');
  });

  it('TimestampConverter reads a schema\'s Timestamp and Date fields into a string', () => {
    const s = recordSchemaFromConnect('connect:ts', {
      type: 'struct', fields: [
        { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' } as ConnectSchema,
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date' } as ConnectSchema,
      ],
    });
    const at = Date.UTC(2021, 5, 1, 12, 0, 0);
    const chain = chainOf({
      transforms: 'a,b',
      'transforms.a.type': `${T}TimestampConverter$Value`, 'transforms.a.field': 'at', 'transforms.a.target.type': 'string', 'transforms.a.format': "yyyy-MM-dd'T'HH:mm",
      'transforms.b.type': `${T}TimestampConverter$Value`, 'transforms.b.field': 'day', 'transforms.b.target.type': 'Timestamp',
    });
    const r = rec({ value: { at, day: 18779 }, valueSchema: s });
    chain.apply(r);
    expect(r.value).toEqual({ at: '2021-06-01T12:00', day: Date.UTC(2021, 5, 1) });
    expect(r.valueSchema!.fields!.map((f) => f.type.kind)).toEqual(['string', 'timestamp-millis']);
  });

  it('a predicate can be shared and negated per transform', () => {
    const chain = chainOf({
      transforms: 'a,b', predicates: 'isFoo',
      'predicates.isFoo.type': `${T}predicates.TopicNameMatches`, 'predicates.isFoo.pattern': 'foo',
      'transforms.a.type': `${T}InsertField$Value`, 'transforms.a.static.field': 'x', 'transforms.a.static.value': 'foo', 'transforms.a.predicate': 'isFoo',
      'transforms.b.type': `${T}InsertField$Value`, 'transforms.b.static.field': 'y', 'transforms.b.static.value': 'other', 'transforms.b.predicate': 'isFoo', 'transforms.b.negate': 'true',
    });
    const a = rec({ topic: 'foo', value: {}, valueSchema: SCHEMALESS });
    const b = rec({ topic: 'bar', value: {}, valueSchema: SCHEMALESS });
    chain.apply(a);
    chain.apply(b);
    expect(a.value).toEqual({ x: 'foo' });
    expect(b.value).toEqual({ y: 'other' });
  });
});

describe('the worker step', () => {
  it('hands back the decoded objects untouched when no transform changed them, and resets the topic per record', async () => {
    const { newTransformRecord, runChain } = await import('../../src/transforms/worker-step.js');
    const chain = chainOf({ ...one('r', `${T}RegexRouter`, { regex: 'a', replacement: 'b' }), 'transforms.r.predicate': 'p', predicates: 'p', 'predicates.p.type': `${T}predicates.HasHeaderKey`, 'predicates.p.name': 'go' });
    let headers: Header[] = [];
    const r = newTransformRecord('a', 0, () => headers);
    const ctx = { topic: 'a', partition: 0, offset: 0, timestamp: 0, key: null, keyBytes: null, headers: () => headers };
    const value = { value: { x: 1 }, schema: SCHEMALESS };
    headers = [{ name: 'go', value: null }];
    const routed = runChain(chain, r, ctx, undefined, value, 'a') as { value: unknown };
    expect(ctx.topic).toBe('b');
    expect(routed.value).toBe(value);
    headers = [];
    runChain(chain, r, ctx, undefined, value, 'a');
    expect(ctx.topic).toBe('a');
  });
});
