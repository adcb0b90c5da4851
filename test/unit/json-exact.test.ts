import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createDecoder, ConnectJsonDecoder } from '../../src/workers/decode/decoders.js';
import { hasSixteenDigitRun, parseJsonExact } from '../../src/workers/json-exact.js';

const WIDE = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 18446744073709551615n, 1234567890123456789n];

describe('JSON integers beyond 2^53', () => {
  it('finds every run of 16 digits, and no shorter one (checked against a regex)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const len = Math.floor(rand() * 80);
      for (let j = 0; j < len; j++) s += rand() < 0.85 ? String(Math.floor(rand() * 10)) : ' ,"a:'[Math.floor(rand() * 5)];
      expect(hasSixteenDigitRun(s), s).toBe(/\d{16}/.test(s));
    }
  });

  it('parses wide integers exactly as BigInt, safe ones and fractions as numbers', () => {
    for (const v of WIDE) {
      const out = parseJsonExact(`{"id": ${v}, "n": 42, "x": 0.12345678901234567, "s": "12345678901234567890"}`) as Record<string, unknown>;
      expect(out).toEqual({ id: v, n: 42, x: 0.12345678901234567, s: '12345678901234567890' });
    }
    expect(parseJsonExact('[9007199254740991, 1e300, -0.5]')).toEqual([9007199254740991, 1e300, -0.5]);
  });

  it('keeps JSON.parse errors for bad text, and rejects an ambiguous repeated key in exact mode', () => {
    expect(() => parseJsonExact('{"a": 1')).toThrow(SyntaxError);
    expect(() => parseJsonExact('{"a": 12345678901234567890')).toThrow(/expected/);
    expect(() => parseJsonExact('{"a": 12345678901234567890, "a": 1}')).toThrow(/Duplicate key 'a'/);
  });

  it('schemaless JSON, the Connect envelope (both paths) and msgpack all keep every bit of an int64', () => {
    const json = createDecoder('json', {});
    const connect = new ConnectJsonDecoder();
    const msgpack = createDecoder('msgpack', {});
    const schema = { type: 'struct', fields: [{ field: 'id', type: 'int64', optional: false }] };
    for (const v of WIDE) {
      expect(json.decode(Buffer.from(`{"id":${v}}`)).value).toEqual({ id: v });
      // The first record of a schema parses the whole envelope; later ones only the payload.
      expect(connect.decode(Buffer.from(`{"schema":${JSON.stringify(schema)},"payload":{"id":${v}}}`)).value).toEqual({ id: v });
      expect(connect.decode(Buffer.from(`{"schema":${JSON.stringify(schema)},"payload":{"id":${v}}}`)).value).toEqual({ id: v });
      if (v >= -(2n ** 63n) && v < 2n ** 64n) expect(msgpack.decode(pack({ id: v })).value).toEqual({ id: v });
    }
    expect(msgpack.decode(pack({ id: 2n ** 40n })).value).toEqual({ id: 2 ** 40 });
  });
});

describe('JSON text with integers beyond 2^53', () => {
  it('writes a BigInt as the exact number, applies the replacer, and matches JSON.stringify otherwise', async () => {
    const { stringifyJsonExact } = await import('../../src/workers/json-exact.js');
    const b64 = (_k: string, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);
    expect(stringifyJsonExact({ a: 12345678901234567890n, b: [1, -(2n ** 63n)], c: new Uint8Array([1, 2]), s: 'x' }, b64))
      .toBe('{"a":12345678901234567890,"b":[1,-9223372036854775808],"c":"AQI=","s":"x"}');
    const plain = { a: 1, b: [0.5, 'q', null, true], c: { d: new Uint8Array([255]) }, u: undefined };
    expect(stringifyJsonExact(plain, b64)).toBe(JSON.stringify(plain, b64));
  });
});

describe('JSON values no destination can hold as written', () => {
  it('refuses a lone surrogate escape, naming where it is, and keeps escaped pairs', () => {
    expect(() => parseJsonExact('{"a":{"b":["x","\\ud800"]}}')).toThrow('JSON string at a.b[1] holds a lone UTF-16 surrogate \\ud800, which UTF-8 cannot carry');
    expect(() => parseJsonExact('"\\udc00x"')).toThrow('lone UTF-16 surrogate \\udc00');
    expect(() => parseJsonExact('{"\\ud800":1}')).toThrow('JSON object key holds a lone UTF-16 surrogate');
    expect(parseJsonExact('{"e":"\\ud83d\\ude00"}')).toEqual({ e: '😀' });
    // The exact parser (a 16-digit run) is checked too.
    expect(() => parseJsonExact('{"id":12345678901234567,"s":"\\uDBFF"}')).toThrow('JSON string at s holds a lone UTF-16 surrogate');
  });

  it('refuses a number beyond a double, on both parsers, and keeps big exponents that fit', () => {
    expect(() => parseJsonExact('{"f":1e400}')).toThrow('JSON number at f is beyond the range of a 64-bit float (it would become Infinity)');
    expect(() => parseJsonExact('[-1E+309]')).toThrow('JSON number at [0] is beyond the range');
    expect(() => parseJsonExact(`{"f":${'9'.repeat(400)}.5}`)).toThrow('is beyond the range of a 64-bit float');
    expect(parseJsonExact('{"f":1e300,"g":1e-400,"word":"e123"}')).toEqual({ f: 1e300, g: 0, word: 'e123' });
    // A 400-digit integer is exact as a BigInt: nothing lost.
    expect(parseJsonExact(`[${'9'.repeat(400)}]`)).toEqual([BigInt('9'.repeat(400))]);
  });

  it('says so from every JSON decoder: schemaless, the Connect envelope', () => {
    expect(() => createDecoder('json', {}).decode(Buffer.from('{"s":"\\ud800"}'))).toThrow('lone UTF-16 surrogate');
    const env = (p: string) => Buffer.from(`{"schema":{"type":"struct","fields":[{"field":"f","type":"double","optional":true}]},"payload":${p}}`);
    const d = createDecoder('connect-json', {});
    expect(d.decode(env('{"f":1.5}')).value).toEqual({ f: 1.5 });
    expect(() => d.decode(env('{"f":1e400}'))).toThrow('JSON number at payload.f is beyond the range');
  });
});
