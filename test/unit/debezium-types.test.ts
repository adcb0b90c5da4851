// Debezium's semantic types: read from Connect schema names and Avro
// connect.name, mapped to PostgreSQL column types and written exactly (or
// refused with the column and the reason), and into Parquet builders.
import { describe, expect, it } from 'vitest';
import { bitsText, nanoTimeMicros, variableScaleDecimalText, zonedTime, zonedTimestampMicros } from '../../src/sinks/common/debezium-values.js';
import { ConvertError } from '../../src/errors.js';
import { OID, fitColumn, sqlTypeFor } from '../../src/sinks/postgres/types.js';
import { valueWriter } from '../../src/sinks/postgres/values.js';
import { splitTableFormat } from '../../src/sinks/postgres/names.js';
import { destinationTable } from '../../src/sinks/postgres/table-names.js';
import { builderFor } from '../../src/sinks/s3-parquet/columns.js';
import { ByteWriter } from '../../src/workers/byte-writer.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, type ConnectSchema, type FieldType } from '../../src/workers/schema.js';

const CONNECT_FIELDS: [string, ConnectSchema, FieldType, string][] = [
  ['d', { type: 'int32', name: 'io.debezium.time.Date' }, { kind: 'date', local: true }, 'date'],
  ['t', { type: 'int32', name: 'io.debezium.time.Time' }, { kind: 'time-millis', local: true }, 'time'],
  ['tu', { type: 'int64', name: 'io.debezium.time.MicroTime' }, { kind: 'time-micros', local: true }, 'time'],
  ['tn', { type: 'int64', name: 'io.debezium.time.NanoTime' }, { kind: 'time-nanos', local: true }, 'time'],
  ['ts', { type: 'int64', name: 'io.debezium.time.Timestamp' }, { kind: 'timestamp-millis', local: true }, 'timestamp'],
  ['tsu', { type: 'int64', name: 'io.debezium.time.MicroTimestamp' }, { kind: 'timestamp-micros', local: true }, 'timestamp'],
  ['tsn', { type: 'int64', name: 'io.debezium.time.NanoTimestamp' }, { kind: 'timestamp-nanos', local: true }, 'timestamp'],
  ['zts', { type: 'string', name: 'io.debezium.time.ZonedTimestamp' }, { kind: 'zoned-timestamp' }, 'timestamptz'],
  ['zt', { type: 'string', name: 'io.debezium.time.ZonedTime' }, { kind: 'zoned-time' }, 'time with time zone'],
  ['y', { type: 'int32', name: 'io.debezium.time.Year' }, { kind: 'int32' }, 'integer'],
  ['j', { type: 'string', name: 'io.debezium.data.Json' }, { kind: 'json' }, 'json'],
  ['x', { type: 'string', name: 'io.debezium.data.Xml' }, { kind: 'xml' }, 'xml'],
  ['u', { type: 'string', name: 'io.debezium.data.Uuid' }, { kind: 'uuid' }, 'uuid'],
  ['e', { type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'a,b' } }, { kind: 'string' }, 'text'],
  ['es', { type: 'string', name: 'io.debezium.data.EnumSet', parameters: { allowed: 'a,b' } }, { kind: 'string' }, 'text'],
  ['b', { type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '12' } }, { kind: 'bits', length: 12 }, 'bit varying(12)'],
  ['v', { type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', fields: [{ field: 'scale', type: 'int32' }, { field: 'value', type: 'bytes' }] }, { kind: 'variable-decimal' }, 'numeric'],
  // A name on a base type Debezium never writes it on: the base type stands.
  ['odd', { type: 'string', name: 'io.debezium.time.Date' }, { kind: 'string' }, 'text'],
];

describe('Debezium semantic types in record schemas', () => {
  it('maps Connect schema names to field types and PostgreSQL column types', () => {
    const schema = recordSchemaFromConnect('c', { type: 'struct', name: 'srv.public.t.Value', fields: CONNECT_FIELDS.map(([field, s]) => ({ ...s, field, optional: true })) });
    expect(schema.name).toBe('srv.public.t.Value');
    for (const [field, , type, sql] of CONNECT_FIELDS) {
      const f = schema.fields!.find((x) => x.name === field)!;
      expect(f.type, field).toEqual(type);
      expect(sqlTypeFor(f.type), field).toBe(sql);
    }
  });

  it('maps Avro connect.name properties (as AvroConverter writes them), named references included', () => {
    const vsd = { type: 'record', name: 'VariableScaleDecimal', namespace: 'io.debezium.data', 'connect.name': 'io.debezium.data.VariableScaleDecimal', fields: [{ name: 'scale', type: 'int' }, { name: 'value', type: 'bytes' }] };
    const schema = recordSchemaFromAvro('a', {
      type: 'record', name: 'Envelope', namespace: 'srv.public.t', 'connect.name': 'srv.public.t.Envelope',
      fields: [
        { name: 'ts', type: ['null', { type: 'long', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTimestamp' }] },
        { name: 'zts', type: { type: 'string', 'connect.name': 'io.debezium.time.ZonedTimestamp' } },
        { name: 'bits', type: { type: 'bytes', 'connect.parameters': { length: '3' }, 'connect.name': 'io.debezium.data.Bits' } },
        { name: 'v1', type: ['null', vsd] },
        { name: 'v2', type: ['null', 'io.debezium.data.VariableScaleDecimal'] },
      ],
    } as never);
    expect(schema.name).toBe('srv.public.t.Envelope');
    expect(schema.fields!.map((f) => [f.name, f.type, f.optional])).toEqual([
      ['ts', { kind: 'timestamp-micros', local: true }, true],
      ['zts', { kind: 'zoned-timestamp' }, false],
      ['bits', { kind: 'bits', length: 3 }, false],
      ['v1', { kind: 'variable-decimal' }, true],
      ['v2', { kind: 'variable-decimal' }, true],
    ]);
  });

  it('decides which existing columns take them', () => {
    const col = (typeOid: number, typmod = -1) => ({ typeOid, elemOid: 0, typmod });
    expect(fitColumn(col(OID.numeric), { kind: 'variable-decimal' }).kind).toBe('ok');
    // numeric(10,2) would round a value of scale 5: widen to unconstrained numeric.
    expect(fitColumn(col(OID.numeric, ((10 << 16) | 2) + 4), { kind: 'variable-decimal' })).toEqual({ kind: 'widen', to: 'numeric' });
    expect(fitColumn(col(OID.timestamptz), { kind: 'zoned-timestamp' }).kind).toBe('ok');
    expect(fitColumn(col(OID.time), { kind: 'zoned-time' }).kind).toBe('incompatible'); // would lose the offset
    expect(fitColumn(col(OID.timetz), { kind: 'zoned-time' }).kind).toBe('ok');
    expect(fitColumn(col(OID.varbit), { kind: 'bits', length: 4 }).kind).toBe('ok');
    expect(fitColumn(col(OID.xml), { kind: 'xml' }).kind).toBe('ok');
    expect(fitColumn(col(OID.jsonb), { kind: 'json' }).kind).toBe('ok');
    expect(fitColumn(col(OID.int4), { kind: 'json' }).kind).toBe('incompatible');
  });
});

describe('Debezium values, exactly', () => {
  it('ZonedTimestamp: the instant, whatever the offset; nanoseconds only when they are zeros', () => {
    expect(zonedTimestampMicros('2024-01-01T12:34:56.789012Z')).toBe(1_704_112_496_789_012);
    expect(zonedTimestampMicros('2024-01-01T14:34:56.789012+02:00')).toBe(1_704_112_496_789_012);
    expect(zonedTimestampMicros('2024-01-01T12:04:56.789012-00:30')).toBe(1_704_112_496_789_012);
    expect(zonedTimestampMicros('2024-01-01T12:34:56.789012000Z')).toBe(1_704_112_496_789_012);
    expect(zonedTimestampMicros('2024-01-01T12:34Z')).toBe(1_704_112_440_000_000);
    expect(zonedTimestampMicros('1969-12-31T23:59:59.999999Z')).toBe(-1);
    expect(zonedTimestampMicros('+10000-01-01T00:00:00Z')).toBe(253_402_300_800_000_000n);
    expect(() => zonedTimestampMicros('2024-01-01T12:34:56.789012345Z')).toThrow(/sub-microsecond/);
    expect(() => zonedTimestampMicros('2023-02-29T00:00:00Z')).toThrow(/not a valid date/);
    expect(() => zonedTimestampMicros('2024-01-01 12:34:56')).toThrow(/with an offset/);
  });

  it('ZonedTime, NanoTime, VariableScaleDecimal and Bits', () => {
    expect(zonedTime('10:15:30.123456Z')).toEqual({ micros: 36_930_123_456, offsetSeconds: 0 });
    expect(zonedTime('10:15:30+05:30')).toEqual({ micros: 36_930_000_000, offsetSeconds: 19_800 });
    expect(nanoTimeMicros(36_930_123_456_000)).toBe(36_930_123_456);
    expect(() => nanoTimeMicros(36_930_123_456_001)).toThrow(/sub-microsecond/);
    expect(variableScaleDecimalText({ scale: 3, value: Buffer.from([0xed, 0x29, 0x79]) })).toBe('-1234.567'); // -1234567
    expect(variableScaleDecimalText({ scale: 0, value: Buffer.from([0x05]).toString('base64') })).toBe('5');
    expect(variableScaleDecimalText({ scale: -3, value: Buffer.from([0x07]) })).toBe('7000');
    expect(variableScaleDecimalText({ scale: 4, value: Buffer.from([0x07]) })).toBe('0.0007');
    expect(() => variableScaleDecimalText('1.5')).toThrow(/struct/);
    expect(bitsText(Buffer.from([0b101, 0b10]), 10)).toBe('1000000101');
    expect(bitsText(Buffer.from([0b101]), 3)).toBe('101');
    expect(bitsText(Buffer.alloc(0), 4)).toBe('0000');
    expect(() => bitsText(Buffer.from([0xff]), 3)).toThrow(/more than the field's length 3/);
  });

  it('writes PostgreSQL binary forms, and refuses what cannot be held naming the column', () => {
    const bytes = (oid: number, ft: FieldType, v: unknown) => {
      const w = new ByteWriter(64);
      valueWriter(oid, 0, ft, 'escape', 'c')(w, v);
      return Buffer.from(w.buf.subarray(0, w.pos)).toString('hex');
    };
    // timetz: µs since midnight, then seconds WEST of UTC.
    expect(bytes(OID.timetz, { kind: 'zoned-time' }, '00:00:01+01:00')).toBe('00000000000f4240' + 'fffff1f0');
    // varbit: bit count, then the bits most significant first.
    expect(bytes(OID.varbit, { kind: 'bits', length: 10 }, Buffer.from([0b101, 0b10]))).toBe('0000000a' + '8140');
    // timestamptz from a zoned timestamp: µs since 2000-01-01.
    expect(bytes(OID.timestamptz, { kind: 'zoned-timestamp' }, '2000-01-01T01:00:00.000001+01:00')).toBe('0000000000000001');
    expect(bytes(OID.time, { kind: 'time-nanos' }, 1000)).toBe('0000000000000001');
    expect(bytes(OID.jsonb, { kind: 'json' }, '{"a": 1.50}')).toBe('01' + Buffer.from('{"a": 1.50}').toString('hex'));
    expect(bytes(OID.text, { kind: 'variable-decimal' }, { scale: 1, value: Buffer.from([0x0f]) })).toBe(Buffer.from('1.5').toString('hex'));
    const refuse = (oid: number, ft: FieldType, v: unknown, msg: RegExp) => {
      const w = new ByteWriter(64);
      let err: unknown;
      try {
        valueWriter(oid, 0, ft, 'escape', 'col_x')(w, v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConvertError);
      expect((err as Error).message).toMatch(/column "col_x"/);
      expect((err as Error).message).toMatch(msg);
    };
    refuse(OID.timestamptz, { kind: 'zoned-timestamp' }, '2024-01-01T00:00:00.0000001Z', /sub-microsecond/);
    refuse(OID.timestamp, { kind: 'timestamp-nanos', local: true }, 1_704_112_496_789_012_345n, /sub-microsecond/);
    refuse(OID.time, { kind: 'time-nanos' }, 1001, /sub-microsecond/);
    refuse(OID.jsonb, { kind: 'json' }, '{bad', /not valid JSON/);
    refuse(OID.numeric, { kind: 'variable-decimal' }, { scale: 'x', value: 'AA==' }, /scale/);
  });

  it('a numeric(p,s) column takes a value only when it need not round it', () => {
    const numeric102 = ((10 << 16) | 2) + 4;
    const write = (ft: FieldType, v: unknown) => valueWriter(OID.numeric, 0, ft, 'escape', 'amt', numeric102)(new ByteWriter(64), v);
    expect(() => write({ kind: 'variable-decimal' }, { scale: 4, value: Buffer.from([0x30, 0x0c]) })).not.toThrow(); // 1.2300: nothing to round
    expect(() => write({ kind: 'variable-decimal' }, { scale: 4, value: Buffer.from([0x30, 0x39]) })).toThrow(/column "amt" \(numeric\(10,2\)\) cannot take .*4 decimal places and the column keeps 2/);
    expect(() => write({ kind: 'decimal', precision: 10, scale: 4 }, Buffer.from([0x30, 0x39]))).toThrow(/PostgreSQL would round it/);
    expect(() => write({ kind: 'decimal', precision: 10, scale: 4 }, Buffer.from([0x30, 0x0c]))).not.toThrow(); // 1.2300
    expect(() => write({ kind: 'string' }, '1.005')).toThrow(/would round/);
    expect(() => write({ kind: 'string' }, '1.5')).not.toThrow();
  });

  it('into Parquet: ZonedTimestamp as a UTC instant, NanoTime as microseconds, VariableScaleDecimal and Bits as exact text', () => {
    const zts = builderFor({ kind: 'zoned-timestamp' }, 'zts', true, 'strict');
    zts.append('2024-01-01T14:34:56.789012+02:00');
    zts.append(null);
    expect(Array.from(zts.finish().values as BigInt64Array)).toEqual([1_704_112_496_789_012n, 0n]);
    expect(() => builderFor({ kind: 'zoned-timestamp' }, 'zts', true, 'strict').append('2024-01-01T00:00:00.000000001Z')).toThrow(/zts.*sub-microsecond/);
    const tn = builderFor({ kind: 'time-nanos' }, 'tn', false, 'strict');
    tn.append(5_000);
    expect(Array.from(tn.finish().values as BigInt64Array)).toEqual([5n]);
    const vd = builderFor({ kind: 'variable-decimal' }, 'vd', false, 'strict');
    vd.append({ scale: 2, value: Buffer.from([0x30, 0x39]) });
    const bt = builderFor({ kind: 'bits', length: 3 }, 'bt', false, 'strict');
    bt.append(Buffer.from([0b101]));
    const text = (d: { valueOffsets: Int32Array; values: Uint8Array }) => Buffer.from(d.values.subarray(d.valueOffsets[0]!, d.valueOffsets[1]!)).toString();
    expect(text(vd.finish() as never)).toBe('123.45');
    expect(text(bt.finish() as never)).toBe('101');
  });
});

describe("Debezium's table naming", () => {
  const collectionNameFor = (format: string, topic: string, source?: Record<string, unknown>) => destinationTable({ format, debezium: true, database: 'sales' }, topic, source);
  it('turns the dots of ${topic} into underscores and fills ${source.…} from the source block', () => {
    expect(collectionNameFor('${topic}', 'srv.public.orders')).toEqual({ table: 'srv_public_orders' });
    expect(collectionNameFor('${source.schema}.${source.table}', 'x', { schema: 'inv', table: 'orders' })).toEqual({ schema: 'inv', table: 'orders' });
    // The name is split after substitution (GeneralDatabaseDialect.getCollectionId): a dot from the source block names a schema too.
    expect(collectionNameFor('archive_${source.db}_${source.table}', 'x', { db: 'shop', table: 'o.x' })).toEqual({ schema: 'archive_shop_o', table: 'x' });
    expect(() => collectionNameFor('${source.table}', 'x')).toThrow(/no Debezium source block/);
    expect(() => collectionNameFor('${source.nope}', 'x', { table: 't' })).toThrow(/no text field "nope"/);
    expect(splitTableFormat('${source.table}')).toEqual({ table: '${source.table}' });
  });
});
