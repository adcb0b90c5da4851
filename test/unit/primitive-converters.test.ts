import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';
import { createDecoder } from '../../src/workers/decode/decoders.js';
import { CONVERTER_CLASSES } from '../../src/config/converters.js';
import { connectorPlugins } from '../../src/connect-worker/plugins.js';

const base = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
  'value.converter.schemas.enable': 'false',
};
const P = 'org.apache.kafka.connect.converters.';

function problems(config: Record<string, string>): string[] {
  try {
    loadConfig({ json: { name: 'x', config: { ...base, ...config } }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("Apache Kafka's primitive converters", () => {
  it.each([
    ['LongConverter', 'long'], ['IntegerConverter', 'integer'], ['ShortConverter', 'short'],
    ['FloatConverter', 'float'], ['DoubleConverter', 'double'], ['BooleanConverter', 'boolean'],
  ])('%s is a key and a value format', (cls, format) => {
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'key.converter': P + cls, 'value.converter': P + cls } }, env: {} });
    expect(c.keyFormat).toBe(format);
    expect(c.valueFormat).toBe(format);
    // key.format / value.format name them too.
    const e = loadConfig({ json: { name: 'x', config: base }, env: { SLUICE_KEY_FORMAT: format } });
    expect(e.keyFormat).toBe(format);
  });

  it('refuses a converter Sluice does not read, listing the ones it does', () => {
    const [p] = problems({ 'key.converter': 'com.example.MyConverter' });
    expect(p).toContain('key.converter: "com.example.MyConverter" is not a converter Sluice reads');
    for (const c of CONVERTER_CLASSES) expect(p).toContain(c);
    expect(p).toContain(`${P}LongConverter`);
    expect(p).toContain('key.format');
    const [v] = problems({ 'value.converter': 'com.example.Other' });
    expect(v).toMatch(/^value\.converter: "com\.example\.Other" is not a converter Sluice reads; it reads .*value\.format/);
  });

  it('are listed as converter plugins of the Connect REST API', () => {
    const conv = connectorPlugins().filter((p) => p.type === 'converter').map((p) => p.class);
    expect(conv).toEqual(expect.arrayContaining([`${P}LongConverter`, `${P}IntegerConverter`, `${P}ShortConverter`, `${P}FloatConverter`, `${P}DoubleConverter`, `${P}BooleanConverter`]));
  });
});

describe('primitive decoders read the Kafka serializers\' bytes', () => {
  const dec = (f: 'long' | 'integer' | 'short' | 'float' | 'double' | 'boolean', bytes: number[]) => createDecoder(f, {}).decode(Uint8Array.from(bytes));
  const be64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(n);
    return [...b];
  };

  it('LongSerializer: 8 bytes big-endian, safe integers as numbers, wider ones as exact BigInts', () => {
    expect(dec('long', be64(42n)).value).toBe(42);
    expect(dec('long', be64(-1n)).value).toBe(-1);
    expect(dec('long', be64(2n ** 53n - 1n)).value).toBe(Number.MAX_SAFE_INTEGER);
    expect(dec('long', be64(-(2n ** 53n))).value).toBe(-(2 ** 53));
    expect(dec('long', be64(2n ** 63n - 1n)).value).toBe(2n ** 63n - 1n);
    expect(dec('long', be64(-(2n ** 63n))).value).toBe(-(2n ** 63n));
    expect(dec('long', be64(2n ** 53n + 1n)).value).toBe(2n ** 53n + 1n);
    const d = dec('long', be64(7n));
    expect(d.schema.scalar).toBe(true);
    expect(d.schema.fields).toEqual([{ name: 'value', type: { kind: 'int64' }, optional: true }]);
  });

  it('IntegerSerializer, ShortSerializer: 4 and 2 bytes big-endian, signed', () => {
    expect(dec('integer', [0x7f, 0xff, 0xff, 0xff]).value).toBe(2147483647);
    expect(dec('integer', [0x80, 0, 0, 0]).value).toBe(-2147483648);
    expect(dec('integer', [0, 0, 1, 0]).value).toBe(256);
    expect(dec('short', [0xff, 0xfe]).value).toBe(-2);
    expect(dec('short', [0x7f, 0xff]).value).toBe(32767);
    expect(dec('integer', [0, 0, 0, 1]).schema.fields![0]!.type).toEqual({ kind: 'int32' });
    expect(dec('short', [0, 1]).schema.fields![0]).toEqual({ name: 'value', type: { kind: 'int32', width: 16 }, optional: true });
  });

  it('FloatSerializer, DoubleSerializer: IEEE 754 big-endian, exactly', () => {
    const f = Buffer.alloc(4);
    f.writeFloatBE(0.1);
    expect(dec('float', [...f]).value).toBe(Math.fround(0.1));
    const d = Buffer.alloc(8);
    d.writeDoubleBE(-1234.5678e100);
    expect(dec('double', [...d]).value).toBe(-1234.5678e100);
    expect(Number.isNaN(dec('double', [0x7f, 0xf8, 0, 0, 0, 0, 0, 0]).value)).toBe(true);
    expect(dec('float', [0xff, 0x80, 0, 0]).value).toBe(-Infinity);
    expect(dec('float', [...f]).schema.fields![0]!.type).toEqual({ kind: 'float32' });
    expect(dec('double', [...d]).schema.fields![0]!.type).toEqual({ kind: 'float64' });
  });

  it('BooleanSerializer: one byte, 0 or 1', () => {
    expect(dec('boolean', [1]).value).toBe(true);
    expect(dec('boolean', [0]).value).toBe(false);
    expect(() => dec('boolean', [2])).toThrow(/Unexpected byte received by BooleanDeserializer: 2/);
    expect(() => dec('boolean', [0xff])).toThrow(/BooleanDeserializer: -1/);
  });

  it.each([
    ['long', 8, 'LongDeserializer'], ['integer', 4, 'IntegerDeserializer'], ['short', 2, 'ShortDeserializer'],
    ['float', 4, 'FloatDeserializer'], ['double', 8, 'DoubleDeserializer'], ['boolean', 1, 'BooleanDeserializer'],
  ] as const)('%s: any other length is a decode error', (format, size, deser) => {
    for (const n of [0, size - 1, size + 1, 16]) {
      if (n === size) continue;
      expect(() => dec(format, new Array(n).fill(0))).toThrow(new RegExp(`${n} bytes?, but its serializer writes exactly ${size} \\(Size of data received by ${deser} is not ${size}\\)`));
    }
  });

  it('reads from a view into a larger buffer at any offset', () => {
    const buf = new Uint8Array([9, 9, 9, 0, 0, 0, 0, 0, 0, 1, 2, 9]);
    expect(createDecoder('long', {}).decode(buf.subarray(3, 11)).value).toBe(258);
  });
});
