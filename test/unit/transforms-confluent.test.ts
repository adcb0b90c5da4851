// Confluent's transforms (io.confluent.connect.transforms.*) on the examples
// of Confluent's usage reference: TombstoneHandler, Drop, ExtractTopic.
import { describe, expect, it } from 'vitest';
import type { Header, TRecord } from '../../src/transforms/record.js';
import { parseFieldPath } from '../../src/transforms/confluent.js';
import { recordSchemaFromConnect, SCHEMALESS } from '../../src/workers/schema.js';
import { chainOf, problemsOf } from './transform-chains.js';

const C = 'io.confluent.connect.transforms.';
const enc = new TextEncoder();

function rec(over: Partial<TRecord> = {}, headers: Header[] = []): TRecord {
  return {
    topic: 'orders', partition: 1, offset: 9, timestamp: 0, key: null, keySchema: undefined,
    value: null, valueSchema: undefined, headers: undefined, readHeaders: () => headers, ...over,
  };
}

const one = (alias: string, type: string, opts: Record<string, string> = {}): Record<string, string> => {
  const out: Record<string, string> = { transforms: alias, [`transforms.${alias}.type`]: type };
  for (const [k, v] of Object.entries(opts)) out[`transforms.${alias}.${k}`] = v;
  return out;
};

const intSchema = (optional: boolean) => recordSchemaFromConnect('connect:int', { type: 'int32', optional });

describe('TombstoneHandler', () => {
  it('drops tombstones by default (warn) and with ignore; other records pass', () => {
    for (const cfg of [one('t', `${C}TombstoneHandler`), one('t', `${C}TombstoneHandler`, { behavior: 'ignore' })]) {
      const chain = chainOf(cfg);
      expect(chain.apply(rec({ value: null, valueSchema: undefined }))).toBe(false);
      expect(chain.apply(rec({ value: { a: 1 }, valueSchema: SCHEMALESS }))).toBe(true);
    }
  });

  it('fails a tombstone with behavior=fail, naming the record; an unknown behavior is a config problem', () => {
    const chain = chainOf(one('t', `${C}TombstoneHandler`, { behavior: 'fail' }));
    expect(() => chain.apply(rec({ value: null }))).toThrow(/Tombstone record encountered.*topic orders partition 1 offset 9/);
    expect(problemsOf(one('t', `${C}TombstoneHandler`, { behavior: 'drop' }))[0]).toMatch(/^transforms\.t\.behavior: expected one of ignore, warn, fail/);
  });
});

describe('Drop', () => {
  it('Drop$Key with nullify (default): key 24 with an int schema becomes null with no schema', () => {
    const r = rec({ key: 24, keySchema: intSchema(false), value: { a: 1 }, valueSchema: SCHEMALESS });
    expect(chainOf(one('d', `${C}Drop$Key`)).apply(r)).toBe(true);
    expect([r.key, r.keySchema, r.value]).toEqual([null, undefined, { a: 1 }]);
  });

  it('retain keeps the schema; force_optional makes it optional; validate refuses a required one', () => {
    const s = intSchema(false);
    const kept = rec({ key: 24, keySchema: s });
    chainOf(one('d', `${C}Drop$Key`, { 'schema.behavior': 'retain' })).apply(kept);
    expect([kept.key, kept.keySchema]).toEqual([null, s]);
    const forced = rec({ value: 24, valueSchema: s });
    chainOf(one('d', `${C}Drop$Value`, { 'schema.behavior': 'force_optional' })).apply(forced);
    expect(forced.value).toBeNull();
    expect(forced.valueSchema!.fields![0]!.optional).toBe(true);
    expect(() => chainOf(one('d', `${C}Drop$Value`, { 'schema.behavior': 'validate' })).apply(rec({ value: 24, valueSchema: s }))).toThrow(/not optional/);
    const ok = rec({ value: 24, valueSchema: intSchema(true) });
    chainOf(one('d', `${C}Drop$Value`, { 'schema.behavior': 'validate' })).apply(ok);
    expect(ok.value).toBeNull();
  });
});

describe('ExtractTopic', () => {
  it('uses the whole key, a value field, or a header as the topic', () => {
    const key = rec({ key: 'from-key', value: { f2: 'x' }, valueSchema: SCHEMALESS });
    chainOf(one('e', `${C}ExtractTopic$Key`)).apply(key);
    expect(key.topic).toBe('from-key');
    const field = rec({ value: { f1: 1, f2: 'from-f2' }, valueSchema: SCHEMALESS });
    chainOf(one('e', `${C}ExtractTopic$Value`, { field: 'f2' })).apply(field);
    expect(field.topic).toBe('from-f2');
    const header = rec({ value: {} }, [{ name: 'dest', value: enc.encode('old') }, { name: 'dest', value: enc.encode('from-header') }]);
    chainOf(one('e', `${C}ExtractTopic$Header`, { field: 'dest' })).apply(header);
    expect(header.topic).toBe('from-header');
  });

  it('follows a JSON path (field.format=JSON_PATH) into nested fields', () => {
    for (const path of ['$.f1.f3', '$["f1"]["f3"]', "$['f1']['f3']", '["f1"]["f3"]']) {
      const r = rec({ key: { f1: { f3: 'nested' } } });
      chainOf(one('e', `${C}ExtractTopic$Key`, { field: path, 'field.format': 'JSON_PATH' })).apply(r);
      expect(r.topic).toBe('nested');
    }
    expect(parseFieldPath('$.a.b', 'PLAIN')).toEqual(['$.a.b']);
    expect(problemsOf(one('e', `${C}ExtractTopic$Key`, { field: '$.f1[*]', 'field.format': 'JSON_PATH' }))[0]).toMatch(/^transforms\.e\.field: not a JSON_PATH field path/);
  });

  it('a missing or null field fails the record unless skip.missing.or.null=true keeps the topic', () => {
    const strict = chainOf(one('e', `${C}ExtractTopic$Value`, { field: 'f3' }));
    expect(() => strict.apply(rec({ value: { f2: 'x' }, valueSchema: SCHEMALESS }))).toThrow(/field f3 of the value is missing.*skip\.missing\.or\.null/);
    const lenient = chainOf(one('e', `${C}ExtractTopic$Value`, { field: 'f3', 'skip.missing.or.null': 'true' }));
    const r = rec({ value: { f3: null }, valueSchema: SCHEMALESS });
    expect(lenient.apply(r)).toBe(true);
    expect(r.topic).toBe('orders');
    expect(() => strict.apply(rec({ value: { f3: 5 }, valueSchema: SCHEMALESS }))).toThrow(/not a string/);
    expect(problemsOf(one('e', `${C}ExtractTopic$Header`))[0]).toMatch(/^transforms\.e\.field: required/);
    expect(chainOf(one('e', `${C}ExtractTopic$Value`, { field: 'f2' })).routing).toBe('record');
  });
});

describe('Filter (Confluent)', () => {
  // The documented example: filter.condition on a nested field, value1 or value2.
  const cond = '$.key[?(@.nestedKey == "value1" || @.nestedKey == "value2")]';
  const val = (v: unknown) => rec({ value: v, valueSchema: SCHEMALESS });

  it('include keeps the records the condition matches; exclude drops them', () => {
    const inc = chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': cond, 'filter.type': 'include' }));
    expect(inc.apply(val({ key: { nestedKey: 'value1' } }))).toBe(true);
    expect(inc.apply(val({ key: { nestedKey: 'value2' } }))).toBe(true);
    expect(inc.apply(val({ key: { nestedKey: 'value3' } }))).toBe(false);
    // Inside [?()] a missing field is undefined: no match, not "missing".
    expect(inc.apply(val({ key: { other: 1 } }))).toBe(false);
    const exc = chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': cond, 'filter.type': 'exclude' }));
    expect(exc.apply(val({ key: { nestedKey: 'value1' } }))).toBe(false);
    expect(exc.apply(val({ key: { nestedKey: 'value3' } }))).toBe(true);
  });

  it('a record without the path\'s field fails by default, or is kept / dropped as missing.or.null.behavior says', () => {
    const strict = chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': cond, 'filter.type': 'include' }));
    expect(() => strict.apply(val({ other: 1 }))).toThrow(/Filter: the value has no value at .*missing\.or\.null\.behavior/);
    const keep = chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': cond, 'filter.type': 'exclude', 'missing.or.null.behavior': 'include' }));
    expect(keep.apply(val({ other: 1 }))).toBe(true);
    const drop = chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': '$.a.b', 'filter.type': 'include', 'missing.or.null.behavior': 'exclude' }));
    expect(drop.apply(val({ a: { b: null } }))).toBe(false);
    expect(drop.apply(val({ a: { b: 0 } }))).toBe(true);
  });

  it('comparisons, &&, !, regex (whole match), arrays, bigint and the key', () => {
    const f = (c: string, v: unknown) => chainOf(one('f', `${C}Filter$Value`, { 'filter.condition': c, 'filter.type': 'include' })).apply(val(v));
    expect(f("$[?(@.qty > 5 && @.status != 'X')]", { qty: 6, status: 'A' })).toBe(true);
    expect(f("$[?(@.qty > 5 && @.status != 'X')]", { qty: 5, status: 'A' })).toBe(false);
    expect(f("$[?(!(@.qty <= 5))]", { qty: 7 })).toBe(true);
    expect(f('$[?(@.name =~ /ab.*/i)]', { name: 'ABC' })).toBe(true);
    expect(f('$[?(@.name =~ /b/)]', { name: 'abc' })).toBe(false);
    expect(f('$.items[?(@.sku == "k2")]', { items: [{ sku: 'k1' }, { sku: 'k2' }] })).toBe(true);
    expect(f('$.items[*].sku', { items: [] })).toBe(false);
    expect(f('$[?(@.id == 9007199254740993)]', { id: 9007199254740993n })).toBe(true);
    expect(f('$[?(@.id == 9007199254740992)]', { id: 9007199254740993n })).toBe(false);
    expect(f('$[?(@.flag)]', { flag: false })).toBe(true);
    // Jayway's value nodes: a number equals a string that reads as the same number, and the other way round.
    expect(f("$[?(@.n == '5')]", { n: 5 })).toBe(true);
    expect(f("$[?(@.n == 'five')]", { n: 5 })).toBe(false);
    expect(f('$[?(@.s == 5)]', { s: '5' })).toBe(true);
    const byKey = chainOf(one('f', `${C}Filter$Key`, { 'filter.condition': "$[?(@.region == 'eu')]", 'filter.type': 'include' }));
    expect(byKey.apply(rec({ key: { region: 'eu' }, value: { a: 1 } }))).toBe(true);
    expect(byKey.apply(rec({ key: { region: 'us' }, value: { a: 1 } }))).toBe(false);
  });

  it('what the subset does not read is a config problem naming filter.condition', () => {
    for (const c of ['$..book', '$.a[0:2]', '$[?(@.a in [1,2])]', '$.a.length()', 'a.b']) {
      expect(problemsOf(one('f', `${C}Filter$Value`, { 'filter.condition': c, 'filter.type': 'include' }))[0]).toMatch(/^transforms\.f\.filter\.condition: not a JSON path/);
    }
    expect(problemsOf(one('f', `${C}Filter$Value`, { 'filter.type': 'include' }))[0]).toMatch(/^transforms\.f\.filter\.condition: required/);
    expect(problemsOf(one('f', `${C}Filter$Value`, { 'filter.condition': '$.a', 'filter.type': 'keep' }))[0]).toMatch(/^transforms\.f\.filter\.type: expected one of include, exclude/);
  });
});

describe('MessageTimestampRouter', () => {
  const cfg = {
    'topic.format': 'foo-${topic}-${timestamp}', 'message.timestamp.format': 'yyyy-MM-dd',
    'topic.timestamp.format': 'yyyy.MM.dd', 'message.timestamp.keys': 'timestamp,time,ts',
  };

  it('routes by the first timestamp field found, as the documented example: {"time":"2019-08-06"}, bar → foo-bar-2019.08.06', () => {
    const chain = chainOf(one('m', `${C}MessageTimestampRouter`, cfg));
    const r = rec({ topic: 'bar', value: { time: '2019-08-06' }, valueSchema: SCHEMALESS });
    chain.apply(r);
    expect(r.topic).toBe('foo-bar-2019.08.06');
    const first = rec({ topic: 'bar', value: { ts: '2020-01-01', timestamp: '2019-12-31' }, valueSchema: SCHEMALESS });
    chain.apply(first);
    expect(first.topic).toBe('foo-bar-2019.12.31');
    expect(chain.routing).toBe('record');
  });

  it('fails a record without any key, with a non-string or unparseable one, or with a Struct value', () => {
    const chain = chainOf(one('m', `${C}MessageTimestampRouter`, cfg));
    expect(() => chain.apply(rec({ value: { other: 1 }, valueSchema: SCHEMALESS }))).toThrow(/none of the fields timestamp, time, ts/);
    expect(() => chain.apply(rec({ value: { ts: 5 }, valueSchema: SCHEMALESS }))).toThrow(/not a string timestamp/);
    expect(() => chain.apply(rec({ value: { ts: 'yesterday' }, valueSchema: SCHEMALESS }))).toThrow(/Unparseable date/);
    const s = recordSchemaFromConnect('connect:s', { type: 'struct', fields: [{ field: 'ts', type: 'string', optional: false }] });
    expect(() => chain.apply(rec({ value: { ts: '2019-08-06' }, valueSchema: s }))).toThrow(/Struct/);
  });

  it('formats and keys it cannot verify a default for are required; bad patterns name their key', () => {
    expect(problemsOf(one('m', `${C}MessageTimestampRouter`, { ...cfg, 'message.timestamp.keys': '' }))[0]).toMatch(/^transforms\.m\.message\.timestamp\.keys: required/);
    expect(problemsOf(one('m', `${C}MessageTimestampRouter`, { ...cfg, 'topic.timestamp.format': 'yyyy-bb' }))[0]).toMatch(/^transforms\.m\.topic\.timestamp\.format: illegal pattern character 'b'/);
    expect(problemsOf(one('m', `${C}MessageTimestampRouter`, { ...cfg, 'message.timestamp.format': 'YYYY-ww' }))[0]).toMatch(/^transforms\.m\.message\.timestamp\.format: pattern letter 'Y'/);
  });
});
