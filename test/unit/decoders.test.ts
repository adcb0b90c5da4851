import { describe, expect, it } from 'vitest';
import { ConnectJsonDecoder, createDecoder, schemaPrefix } from '../../src/workers/decode/decoders.js';

const enc = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));
const schemaA = { type: 'struct', fields: [{ field: 'payload', type: 'string', optional: false }, { field: 'n', type: 'int32', optional: true }] };
const schemaB = { type: 'struct', fields: [{ field: 'x', type: 'int64', optional: false }] };

describe('Kafka Connect JSON envelope decoder', () => {
  it('finds the schema prefix even when a field is named "payload"', () => {
    const text = JSON.stringify({ schema: schemaA, payload: { payload: 'p', n: 1 } });
    const prefix = schemaPrefix(text)!;
    expect(prefix.endsWith('"payload":')).toBe(true);
    expect(JSON.parse(prefix.slice(0, -',"payload":'.length) + '}')).toEqual({ schema: schemaA });
    expect(schemaPrefix('{"payload": 1, "schema": {}}')).toBeUndefined();
  });

  it('decodes many records of one schema, and notices a schema change', () => {
    const d = new ConnectJsonDecoder();
    const values = [{ payload: 'a', n: 1 }, { payload: 'b', n: null }, { payload: '{"payload": 3}', n: 3 }];
    const decoded = values.map((v) => d.decode(enc({ schema: schemaA, payload: v })));
    expect(decoded.map((x) => x.value)).toEqual(values);
    expect(new Set(decoded.map((x) => x.schema)).size).toBe(1);
    expect(decoded[0]!.schema.fields!.map((f) => f.name)).toEqual(['payload', 'n']);
    const other = d.decode(enc({ schema: schemaB, payload: { x: 5 } }));
    expect(other.value).toEqual({ x: 5 });
    expect(other.schema.fields!.map((f) => f.name)).toEqual(['x']);
    expect(d.decode(enc({ schema: schemaA, payload: { payload: 'c', n: 2 } })).schema).toBe(decoded[0]!.schema);
  });

  it('copes with whitespace, a null payload, and a payload that is not an object', () => {
    const d = new ConnectJsonDecoder();
    const pretty = (p: unknown) => enc(`{ "schema" : ${JSON.stringify(schemaB)} , "payload" : ${JSON.stringify(p)} }\n`);
    expect(d.decode(pretty({ x: 1 })).value).toEqual({ x: 1 });
    expect(d.decode(pretty({ x: 2 })).value).toEqual({ x: 2 });
    expect(d.decode(pretty(null)).value).toBeNull();
    expect(d.decode(enc({ schema: null, payload: { free: 'form' } })).value).toEqual({ free: 'form' });
  });

  it('says what is wrong with a value that is not an envelope, or not JSON', () => {
    const d = new ConnectJsonDecoder();
    expect(() => d.decode(enc({ id: 1 }))).toThrow(/no \{"schema", "payload"\} envelope/);
    expect(() => d.decode(enc('{"schema": {'))).toThrow(SyntaxError);
  });
});

describe('other decoders', () => {
  it('json, msgpack, string and bytes', () => {
    expect(createDecoder('json', {}).decode(enc({ a: 1 })).value).toEqual({ a: 1 });
    expect(createDecoder('string', {}).decode(enc('héllo')).value).toBe('héllo');
    expect(() => createDecoder('string', {}).decode(Buffer.from([0xff, 0xfe]))).toThrow();
    expect(() => createDecoder('msgpack', {}).decode(Buffer.from([0xc1]))).toThrow('msgpack value is the never-used byte 0xC1');
    expect(() => createDecoder('msgpack', {}).decode(Buffer.from([0x81, 0xa1, 0x61, 1, 5]))).toThrow(/end of buffer not reached/);
    const b = createDecoder('bytes', {}).decode(Buffer.from([1, 2]));
    expect(Array.from(b.value as Uint8Array)).toEqual([1, 2]);
  });
});

describe('Avro longs', () => {
  it('decodes every 64-bit value exactly: numbers while safe, BigInt beyond (avsc alone flips values below -2^52)', async () => {
    const { avroType } = await import('../../src/workers/decode/decoders.js');
    const t = avroType({ type: 'record', name: 'L', fields: [{ name: 'v', type: 'long' }] });
    const cases = [0n, -1n, 123456789012n, -(2n ** 52n) - 1n, -9007199254740990n, 2n ** 53n - 1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
    for (const v of cases) {
      const out = (t.fromBuffer(t.toBuffer({ v })) as { v: number | bigint }).v;
      expect(BigInt(out)).toBe(v);
      expect(typeof out).toBe(v >= -(2n ** 53n) && v < 2n ** 53n ? 'number' : 'bigint');
    }
  });
});

describe('Avro strings', () => {
  it('refuses invalid UTF-8 in a string or a map key instead of landing U+FFFD, and keeps valid text (a real U+FFFD included)', async () => {
    const { avroType } = await import('../../src/workers/decode/decoders.js');
    const t = avroType({ type: 'record', name: 'S', fields: [{ name: 's', type: 'string' }, { name: 'm', type: { type: 'map', values: 'int' } }] });
    const good = t.toBuffer({ s: 'a\uFFFDé😀', m: { k: 1 } });
    expect(t.decode(good, 0).value).toEqual({ s: 'a\uFFFDé😀', m: { k: 1 } });
    // "s": length 3, bytes 61 ff fe; then an empty map.
    expect(() => t.decode(Buffer.from([6, 0x61, 0xff, 0xfe, 0]), 0)).toThrow('Avro string is not valid UTF-8 (bytes 61fffe)');
    // "s" = "a"; map of one entry whose key is c3 28 (a broken two-byte sequence).
    expect(() => t.decode(Buffer.from([2, 0x61, 2, 4, 0xc3, 0x28, 2, 0]), 0)).toThrow('Avro string is not valid UTF-8 (bytes c328)');
  });
});

describe('Connect JSON payloads that do not fit their schema (as JsonConverter refuses them)', () => {
  const F = (field: string, type: string, extra: object = {}) => ({ field, type, optional: true, ...extra });
  const dec = (fields: object[], payload: string) =>
    new ConnectJsonDecoder().decode(Buffer.from(`{"schema":{"type":"struct","optional":false,"fields":${JSON.stringify(fields)}},"payload":${payload}}`)).value;

  it('refuses a required field that is null or missing, names it, and gives it its default when there is one', () => {
    const req = [F('s', 'string', { optional: false })];
    expect(() => dec(req, '{"s":null}')).toThrow('field s is null but its schema says it is required (optional=false, no default)');
    expect(() => dec(req, '{}')).toThrow('field s is missing but its schema says it is required');
    expect(dec([F('s', 'string', { optional: false, default: 'dflt' })], '{}')).toEqual({ s: 'dflt' });
    expect(dec(req, '{"s":"x"}')).toEqual({ s: 'x' });
    // Nested structs, array elements and map values are held to their schemas too.
    const nested = [F('in', 'struct', { fields: [F('n', 'int32', { optional: false })] })];
    expect(() => dec(nested, '{"in":{"n":null}}')).toThrow('field in.n is null but');
    expect(dec(nested, '{"in":null}')).toEqual({ in: null });
    expect(() => dec([F('xs', 'array', { items: { type: 'int32', optional: false } })], '{"xs":[1,null]}')).toThrow('field xs[1] is null but');
    expect(dec([F('xs', 'array', { items: { type: 'int32', optional: true } })], '{"xs":[1,null]}')).toEqual({ xs: [1, null] });
    expect(() => dec([F('m', 'map', { keys: { type: 'string' }, values: { type: 'string', optional: false } })], '{"m":{"a":null}}')).toThrow('field m.a is null but');
  });

  it('refuses bytes that are not base64 and a Decimal number with more places than its scale; takes the rest', () => {
    expect(() => dec([F('b', 'bytes')], '{"b":"!!not base64!!"}')).toThrow('field b is a bytes field but "!!not base64!!" is not base64');
    expect(() => dec([F('b', 'bytes')], '{"b":"QQ"}')).toThrow('is not base64');
    expect(dec([F('b', 'bytes')], '{"b":"QUJD"}')).toEqual({ b: 'QUJD' });
    const d2 = [F('d', 'bytes', { name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } })];
    expect(() => dec(d2, '{"d":1.2345}')).toThrow('field d is a Decimal of scale 2 but 1.2345 has 4 decimal places');
    expect(() => dec(d2, '{"d":1e-7}')).toThrow('has 7 decimal places');
    expect(dec(d2, '{"d":1.5}')).toEqual({ d: 1.5 });
    expect(dec(d2, '{"d":"MDk="}')).toEqual({ d: 'MDk=' });
    expect(() => dec(d2, '{"d":"MDk"}')).toThrow('is not base64');
  });

  it('checks every record, also those whose schema prefix is already known', () => {
    const d = new ConnectJsonDecoder();
    const env = (p: string) => Buffer.from(`{"schema":{"type":"struct","fields":[{"field":"s","type":"string","optional":false}]},"payload":${p}}`);
    expect(d.decode(env('{"s":"a"}')).value).toEqual({ s: 'a' });
    expect(() => d.decode(env('{"s":null}'))).toThrow('field s is null but');
    expect(d.decode(env('{"s":"b"}')).value).toEqual({ s: 'b' });
  });
});
