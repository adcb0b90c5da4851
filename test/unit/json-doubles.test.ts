// Schemaless JSON numbers written as doubles but integral (1.0, 1e2):
// JsonConverter makes java.lang.Doubles of them and every JSON-writing sink
// prints 1.0 (Jackson, Double.toString). Sluice marks them at the parse and
// the writers and transforms keep them; every other consumer sees the number.
import { describe, expect, it } from 'vitest';
import { ConnectJsonWriter, schemalessJson } from '../../src/sinks/common/connect-json.js';
import { recordLine } from '../../src/sinks/file/lines.js';
import { DocumentWriter } from '../../src/sinks/opensearch/documents.js';
import { jsonText as pgJsonText } from '../../src/sinks/postgres/values.js';
import type { TRecord } from '../../src/transforms/record.js';
import { isJsonDouble, jsonDoubles, parseJsonExact, stringifyJsonExact } from '../../src/workers/json-exact.js';
import { SCHEMALESS } from '../../src/workers/schema.js';
import { chainOf } from './transform-chains.js';
import { workerSetup } from '../../src/pipeline/compose.js';
import { loadConfig } from '../../src/sinks/index.js';
import { createDecoder } from '../../src/workers/decode/decoders.js';

const T = 'org.apache.kafka.connect.transforms.';
const p = (text: string) => parseJsonExact(text, true) as Record<string, unknown>;

describe('which connectors pay for it', () => {
  it('only sinks that print schemaless JSON back (Elasticsearch, S3 JsonFormat, file) parse for it; PostgreSQL and Parquet do not', () => {
    const base = { topics: 't', 'bootstrap.servers': 'k:9092', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' };
    const setup = (config: Record<string, unknown>) => workerSetup(loadConfig({ json: { name: 'n', config: { ...base, ...config } }, env: {} }));
    const s3 = { 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 's3.bucket.name': 'b' };
    expect([
      setup({ 'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', 'connection.url': 'http://h:9200' }).sinkJsonDoubles,
      setup({ ...s3, 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' }).sinkJsonDoubles,
      setup({ 'connector.class': 'FileStreamSink', file: '/tmp/x' }).sinkJsonDoubles,
      setup(s3).sinkJsonDoubles,
      setup({ 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'connection.url': 'jdbc:postgresql://h/d' }).sinkJsonDoubles,
    ]).toEqual([true, true, true, false, false]);
    const bytes = new TextEncoder().encode('{"a":1.0}');
    expect(jsonDoubles(createDecoder('json', { jsonDoubles: true }).decode(bytes).value)).toEqual(new Set(['a']));
    expect(jsonDoubles(createDecoder('json', {}).decode(bytes).value)).toBeUndefined();
    expect(jsonDoubles(parseJsonExact('{"a":1.0}'))).toBeUndefined();
  });
});

describe('parsing schemaless JSON', () => {
  it('marks integral numbers written with a fraction or an exponent, and gives every consumer the plain number', () => {
    const v = p('{"a":1.0,"b":[2e0,3,4.00],"c":1,"e":1.5,"f":1E7,"g":{"h":-0.0}}');
    expect(v).toEqual({ a: 1, b: [2, 3, 4], c: 1, e: 1.5, f: 1e7, g: { h: -0 } });
    expect(typeof v.a).toBe('number');
    expect([...jsonDoubles(v)!].sort()).toEqual(['a', 'f']);
    expect([...jsonDoubles(v.b)!]).toEqual(['0', '2']);
    expect(isJsonDouble(v.g, 'h')).toBe(true);
    // Invisible to everything that reads the value: keys, spread, JSON.stringify.
    expect(Object.keys(v)).toEqual(['a', 'b', 'c', 'e', 'f', 'g']);
    expect(JSON.stringify(v)).toBe('{"a":1,"b":[2,3,4],"c":1,"e":1.5,"f":10000000,"g":{"h":0}}');
    expect(jsonDoubles({ ...v })).toBeUndefined();
  });

  it('takes JSON.parse (no mark) for text with no such number, strings that look like one included', () => {
    expect(jsonDoubles(p('{"t":"2024-01-01T00:00:00.000Z","n":3,"x":1.5}'))).toBeUndefined();
    expect(jsonDoubles(p('{"a":1,"b":[2,3]}'))).toBeUndefined();
  });

  it('keeps JSON.parse semantics on the slower path: the last duplicate key wins, wide integers stay exact', () => {
    const v = p('{"f":1.0,"f":2}');
    expect(v).toEqual({ f: 2 });
    expect(isJsonDouble(v, 'f')).toBe(false);
    const w = p('{"f":2,"f":1.0}');
    expect(isJsonDouble(w, 'f')).toBe(true);
    const x = p('{"id":12345678901234567890,"d":1.0}');
    expect(x.id).toBe(12345678901234567890n);
    expect(isJsonDouble(x, 'd')).toBe(true);
    expect(() => p('{"a":1.0,')).toThrow();
  });
});

describe('the JSON-writing sinks', () => {
  const v = () => p('{"a":1.0,"b":[2e0,3],"c":1,"g":{"h":-0.0,"i":1e21,"j":100.00}}');

  it('schemalessJson (S3 JsonFormat, Elasticsearch with schema.ignore) writes Doubles as Jackson does', () => {
    expect(schemalessJson(v())).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1.0E21,"j":100.0}}');
    expect(new ConnectJsonWriter('base64').record(v(), SCHEMALESS)).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1.0E21,"j":100.0}}');
    expect(new DocumentWriter(false, true).document(v(), SCHEMALESS)).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1.0E21,"j":100.0}}');
    expect(new DocumentWriter(true, true).document(v(), SCHEMALESS)).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1.0E21,"j":100.0}}');
    // The same numbers unmarked are Longs.
    expect(schemalessJson({ a: 1, b: [2, 3] })).toBe('{"a":1,"b":[2,3]}');
  });

  it('the file sink prints Double.toString', () => {
    expect(recordLine(v(), SCHEMALESS)).toBe('{a=1.0, b=[2.0, 3], c=1, g={h=0.0, i=1.0E21, j=100.0}}');
  });

  it('jsonb and Parquet JSON text keep 1.0 (stringifyJsonExact)', () => {
    expect(stringifyJsonExact(v(), (_k, x) => x)).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1e+21,"j":100.0}}');
    expect(stringifyJsonExact(p('{"w":12345678901234567890,"d":1.0}'), (_k, x) => x)).toBe('{"w":12345678901234567890,"d":1.0}');
    expect(pgJsonText(v(), { kind: 'any' }, 'fail', 'doc')).toBe('{"a":1.0,"b":[2.0,3],"c":1,"g":{"h":0.0,"i":1e+21,"j":100.0}}');
  });
});

describe('transforms on a schemaless value holding 1.0', () => {
  const rec = (value: unknown): TRecord => ({
    topic: 't', partition: 0, offset: 5, timestamp: 1_700_000_000_000, key: null, keySchema: undefined,
    value, valueSchema: SCHEMALESS, headers: undefined, readHeaders: () => [],
  });
  const one = (type: string, opts: Record<string, string> = {}): Record<string, string> => {
    const out: Record<string, string> = { transforms: 'x', 'transforms.x.type': `${T}${type}` };
    for (const [k, o] of Object.entries(opts)) out[`transforms.x.${k}`] = o;
    return out;
  };
  const after = (type: string, opts: Record<string, string>, text: string, part: 'value' | 'key' = 'value'): string => {
    const r = rec(p(text));
    expect(chainOf(one(type, opts)).apply(r)).toBe(true);
    return schemalessJson(part === 'value' ? r.value : r.key);
  };

  it('keeps Doubles through the transforms that copy the value, and makes none of Longs', () => {
    expect(after('InsertField$Value', { 'offset.field': 'o', 'static.field': 's', 'static.value': 'v' }, '{"a":1.0,"b":2}')).toBe('{"a":1.0,"b":2,"s":"v","o":5}');
    expect(after('InsertField$Value', { 'offset.field': 'a' }, '{"a":5.0}')).toBe('{"a":5}');
    expect(after('ReplaceField$Value', { renames: 'a:z', exclude: 'b' }, '{"a":1.0,"b":2.0,"c":3.0}')).toBe('{"c":3.0,"z":1.0}');
    expect(after('Flatten$Value', {}, '{"a":{"b":1.0,"c":[1.0]},"d":2}')).toBe('{"a.b":1.0,"d":2,"a.c":[1.0]}');
    expect(after('ValueToKey', { fields: 'a,b' }, '{"a":1.0,"b":2}', 'key')).toBe('{"a":1.0,"b":2}');
    expect(after('ExtractField$Value', { field: 'n' }, '{"n":{"a":1.0}}')).toBe('{"a":1.0}');
    expect(after('HoistField$Value', { field: 'h' }, '{"a":1.0}')).toBe('{"h":{"a":1.0}}');
    expect(after('TimestampConverter$Value', { field: 't', 'target.type': 'unix' }, '{"t":1000.0,"a":1.0}')).toBe('{"a":1.0,"t":1000}');
  });

  it('Cast: untouched fields stay Doubles, a cast to an integer type makes a Long, a cast to float64 a Double', () => {
    expect(after('Cast$Value', { spec: 'a:int64,b:float64,c:float32' }, '{"a":1.0,"b":2,"c":"3","d":4.0}')).toBe('{"a":1,"b":2.0,"c":3.0,"d":4.0}');
    // Cast.castToString is value.toString(): Double.toString.
    expect(after('Cast$Value', { spec: 'a:string,b:string' }, '{"a":1.0,"b":1}')).toBe('{"a":"1.0","b":"1"}');
  });

  it('MaskField: a masked Double is 0.0 (a Long 0)', () => {
    expect(after('MaskField$Value', { fields: 'a,b' }, '{"a":1.0,"b":2,"c":3.0}')).toBe('{"a":0.0,"b":0,"c":3.0}');
  });

  it('Filter predicates and comparisons see the plain number', () => {
    const v = p('{"a":1.0}');
    expect(v.a === 1).toBe(true);
    expect(Number.isInteger(v.a)).toBe(true);
  });
});

describe('the slower parse keeps the exact parse\'s guarantees', () => {
  it('an integer beyond a double next to a 1.0 is a BigInt; a fraction beyond a double is refused with its place', () => {
    const big = '1'.repeat(400);
    const v = p(`{"n":${big},"d":1.0}`);
    expect(v.n).toBe(BigInt(big));
    expect(isJsonDouble(v, 'd')).toBe(true);
    expect(() => p(`{"a":${big}.0}`)).toThrow('JSON number at a is beyond the range of a 64-bit float');
    expect(() => p('{"b":[1.0,-1e999]}')).toThrow('JSON number at b[1] is beyond the range of a 64-bit float (it would become -Infinity)');
  });
});
