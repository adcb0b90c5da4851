// Schema defaults read into the form the decoders give values, compared with
// what Kafka Connect makes of them: AvroData.defaultValueFromAvro for Avro
// JSON defaults, JsonConverter (convertToConnect on "default") for Connect
// JSON envelopes; and the S3 Connect JSON writer writing a null field's
// default exactly, or refusing one that could not be read.
import { describe, expect, it } from 'vitest';
import { avroDefault } from '../../src/workers/schema-defaults.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, type ConnectSchema, type Field } from '../../src/workers/schema.js';
import { ConnectJsonWriter } from '../../src/sinks/common/connect-json.js';
import { ConvertError } from '../../src/errors.js';

const read = (type: unknown, v: unknown) => avroDefault(type as never, v, new Map());
const field = (fields: readonly Field[], name: string) => fields.find((f) => f.name === name)!;

describe('Avro JSON defaults (AvroData.defaultValueFromAvro)', () => {
  it('bytes, fixed and decimals are ISO-8859-1 text, one character per byte, read into the bytes the decoder gives', () => {
    expect(read('bytes', '\u0000\u007f\u0080\u00ff')).toEqual(Buffer.from([0, 0x7f, 0x80, 0xff]));
    expect(read({ type: 'fixed', name: 'F', size: 3 }, 'abc')).toEqual(Buffer.from('abc'));
    // A decimal's default is its unscaled two's complement bytes: -123 at any scale.
    expect(read({ type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 }, '\u00ff\u0085')).toEqual(Buffer.from([0xff, 0x85]));
    expect(read({ type: 'fixed', name: 'D', size: 2, logicalType: 'decimal', precision: 4, scale: 1 }, '\u0001\u0000')).toEqual(Buffer.from([1, 0]));
    expect(() => read('bytes', 'Ā')).toThrow(/U\+0100/);
    expect(() => read({ type: 'fixed', name: 'F', size: 3 }, 'ab')).toThrow(/fixed of size 3 cannot default to 2 bytes/);
    expect(() => read('bytes', 5)).toThrow(/JSON string/);
  });

  it('numbers as the decoder reads them: ints in range (connect.type int8/int16 too), longs exact, floats as float32', () => {
    expect(read('int', -2147483648)).toBe(-2147483648);
    expect(() => read('int', 2147483648)).toThrow(/not an int32/);
    expect(() => read({ type: 'int', 'connect.type': 'int16' }, 40000)).toThrow(/not an int16/);
    expect(() => read('int', 1.5)).toThrow(/not an int32/);
    expect(read('long', 9007199254740991)).toBe(9007199254740991);
    expect(() => read('long', 2 ** 63)).toThrow(/beyond 2\^53/);
    expect(read('float', 0.1)).toBe(Math.fround(0.1));
    expect(read('double', 0.1)).toBe(0.1);
    expect(read({ type: 'long', logicalType: 'timestamp-millis' }, 86_400_000)).toBe(86_400_000);
    expect(read('boolean', false)).toBe(false);
    expect(() => read('boolean', 'false')).toThrow(/not a boolean/);
  });

  it("a union's default is its first branch's; a first branch null makes it null", () => {
    expect(read(['string', 'null'], 'x')).toBe('x');
    expect(read(['null', 'string'], 'x')).toBeNull();
    expect(read([{ type: 'bytes' }, 'null'], '\u0001')).toEqual(Buffer.from([1]));
    expect(() => read(['string', 'int'], 'x')).toThrow(/several types/);
  });

  it('records by field name (a field the default leaves out is null, refused when required), enums, arrays, maps, named references', () => {
    const inner = { type: 'record', name: 'In', namespace: 'x', fields: [{ name: 'a', type: 'bytes' }, { name: 'b', type: ['null', 'int'] }] };
    expect(read(inner, { a: '\u0002', b: 3 })).toEqual({ a: Buffer.from([2]), b: null });
    expect(read(inner, { a: '' })).toEqual({ a: Buffer.alloc(0), b: null });
    expect(() => read(inner, { b: null })).toThrow(/no value for its required field a/);
    expect(read({ type: 'enum', name: 'E', symbols: ['A', 'B'] }, 'B')).toBe('B');
    expect(() => read({ type: 'enum', name: 'E', symbols: ['A', 'B'] }, 'C')).toThrow(/not one of the enum's symbols/);
    expect(read({ type: 'array', items: 'bytes' }, ['\u0001', ''])).toEqual([Buffer.from([1]), Buffer.alloc(0)]);
    expect(read({ type: 'map', values: 'long' }, { k: 1 })).toEqual({ k: 1 });
    const s = recordSchemaFromAvro('avro:refs', {
      type: 'record', name: 'R', namespace: 'x', fields: [
        { name: 'first', type: inner },
        { name: 'second', type: 'x.In', default: { a: '\u00e9' } },
      ],
    });
    expect(field(s.fields!, 'second').default).toEqual({ a: Buffer.from([0xe9]), b: null });
    expect(field(s.fields!, 'first')).not.toHaveProperty('default');
  });

  it('record schemas carry the read default, or why it could not be read', () => {
    const s = recordSchemaFromAvro('avro:d', {
      type: 'record', name: 'R', fields: [
        { name: 'ok', type: 'bytes', default: '\u0001' },
        { name: 'bad', type: 'long', default: 1e20 },
        { name: 'none', type: 'string' },
        { name: 'nul', type: ['null', 'string'], default: null },
      ],
    });
    expect(field(s.fields!, 'ok').default).toEqual(Buffer.from([1]));
    expect(field(s.fields!, 'bad')).toMatchObject({ defaultError: expect.stringMatching(/^the schema default of field bad cannot be read exactly: .*beyond 2\^53/) });
    expect(field(s.fields!, 'none')).not.toHaveProperty('default');
    expect(field(s.fields!, 'nul').default).toBeNull();
  });
});

describe('Connect JSON envelope defaults (JsonConverter)', () => {
  const struct = (fields: ConnectSchema[]) => recordSchemaFromConnect('connect:d', { type: 'struct', fields });

  it('are read as the payload is: bytes and decimals stay in the payload form; ones Connect would refuse are kept as why', () => {
    const s = struct([
      { field: 'b', type: 'bytes', optional: true, default: 'AQI=' },
      { field: 'bad', type: 'bytes', optional: true, default: 'not base64!' },
      { field: 'd', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '1' }, optional: true, default: 1.25 },
      { field: 'st', type: 'struct', optional: true, fields: [{ field: 'x', type: 'string' }], default: {} },
      { field: 'n', type: 'int64', optional: true, default: 5 },
    ]);
    expect(field(s.fields!, 'b').default).toBe('AQI=');
    expect(field(s.fields!, 'bad').defaultError).toMatch(/not base64/);
    expect(field(s.fields!, 'd').defaultError).toMatch(/scale 1 but 1\.25 has 2 decimal places/);
    expect(field(s.fields!, 'st').defaultError).toMatch(/field default\.x is missing but its schema says it is required/);
    expect(field(s.fields!, 'n').default).toBe(5);
  });
});

describe('the S3 Connect JSON writer writes a null field as its default', () => {
  it('exactly, from an Avro bytes / decimal / record default; an unreadable default is an error naming the field', () => {
    const s = recordSchemaFromAvro('avro:w', {
      type: 'record', name: 'R', fields: [
        { name: 'b', type: ['bytes', 'null'], default: '\u0001\u00ff' },
        { name: 'd', type: [{ type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 }, 'null'], default: '\u00ff\u0085' },
        { name: 'r', type: [{ type: 'record', name: 'In', fields: [{ name: 'x', type: 'bytes' }] }, 'null'], default: { x: 'A' } },
      ],
    });
    const w = new ConnectJsonWriter('base64');
    // What JsonConverter writes for those Connect defaults: bytes as base64, the Decimal (-1.23) as base64 of
    // BigInteger.toByteArray of its unscaled value: the shortest form, 0x85.
    expect(w.record({ b: null, d: null, r: null }, s)).toBe('{"b":"Af8=","d":"hQ==","r":{"x":"QQ=="}}');
    expect(new ConnectJsonWriter('numeric').record({ b: null, d: null, r: null }, s)).toBe('{"b":"Af8=","d":-1.23,"r":{"x":"QQ=="}}');
    const bad = recordSchemaFromAvro('avro:w2', { type: 'record', name: 'R', fields: [{ name: 'b', type: ['bytes', 'null'], default: 'Ā' }] });
    expect(() => w.record({ b: null }, bad)).toThrow(ConvertError);
    expect(() => w.record({ b: null }, bad)).toThrow(/field b is null and the schema default of field b cannot be read exactly/);
    expect(w.record({ b: Buffer.from([7]) }, bad)).toBe('{"b":"Bw=="}');
  });
});
