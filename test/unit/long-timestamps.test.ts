// Long-based Avro logical types, end to end without Kafka: the decoder reads
// every long exactly (avsc's own long type must never be used, logical type or
// not), and both sinks write the exact instant or refuse the record with a
// clear message, never a different date.
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { RecordContext } from '../../src/workers/encoder.js';
import { ConvertError } from '../../src/errors.js';
import { epochMicros, isoFromEpoch } from '../../src/sinks/common/timestamps.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { valueWriter, normalizeForJson } from '../../src/sinks/postgres/values.js';
import { S3ParquetEncoder, type S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { ByteWriter } from '../../src/workers/byte-writer.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import { recordSchemaFromAvro, type FieldType } from '../../src/workers/schema.js';

const LOGICAL = ['timestamp-millis', 'timestamp-micros', 'timestamp-nanos', 'local-timestamp-millis', 'local-timestamp-micros', 'local-timestamp-nanos', 'time-micros'];

/** Encodes with a plain-long writer schema (ExactLong's encoder), reads with the logical one. */
function roundTrip(logicalType: string | undefined, v: bigint): number | bigint {
  const writer = avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type: 'long' }, { name: 'o', type: ['null', 'long'] }] });
  const long = logicalType ? { type: 'long', logicalType } : { type: 'long' };
  const reader = avroType({ type: 'record', name: 'R', fields: [{ name: 'v', type: long }, { name: 'o', type: ['null', long] }] });
  const out = reader.fromBuffer(writer.toBuffer({ v, o: v })) as { v: number | bigint; o: number | bigint };
  expect(BigInt(out.o)).toBe(BigInt(out.v));
  return out.v;
}

describe('Avro long logical types decode exactly', () => {
  const cases = [
    -5_364_662_400_000_000n, // 1800-01-01 in micros: avsc made it 2140-01-01
    -8_000_000_000_000_000n, // millis: avsc made it year 255479
    -62_135_596_800_000_000n, // 0001-01-01 in micros, below -2^53: avsc refused it ("potential precision loss")
    -(2n ** 63n),
    2n ** 63n - 1n,
    1_700_000_000_123_456_789n,
    0n,
    86_399_999_999n,
  ];
  for (const lt of [...LOGICAL, undefined]) {
    it(`${lt ?? '{"type": "long"}'}: every 64-bit value, numbers while safe, BigInt beyond`, () => {
      for (const v of cases) {
        const out = roundTrip(lt, v);
        expect(BigInt(out)).toBe(v);
        expect(typeof out).toBe(v >= -(2n ** 53n) && v < 2n ** 53n ? 'number' : 'bigint');
      }
    });
  }

  it('maps each long logical type to a field kind that keeps its unit', () => {
    const kinds = LOGICAL.map((lt) => recordSchemaFromAvro('x', { type: 'record', name: 'R', fields: [{ name: 'v', type: { type: 'long', logicalType: lt } }] } as never).fields![0]!.type.kind);
    expect(kinds).toEqual(['timestamp-millis', 'timestamp-micros', 'timestamp-nanos', 'timestamp-millis', 'timestamp-micros', 'timestamp-nanos', 'time-micros']);
  });
});

describe('exact timestamp arithmetic', () => {
  it('converts units exactly, and refuses sub-microsecond nanos', () => {
    expect(epochMicros(-8_000_000_000_000_000, 'timestamp-millis')).toBe(-8_000_000_000_000_000_000n);
    expect(epochMicros(9_007_199_254_740, 'timestamp-millis')).toBe(9_007_199_254_740_000);
    expect(epochMicros(9_007_199_254_741, 'timestamp-millis')).toBe(9_007_199_254_741_000n);
    expect(epochMicros(-62_135_596_800_000_000n, 'timestamp-micros')).toBe(-62_135_596_800_000_000n);
    expect(epochMicros(1_700_000_000_123_456_000n, 'timestamp-nanos')).toBe(1_700_000_000_123_456);
    expect(() => epochMicros(1_700_000_000_123_456_789n, 'timestamp-nanos')).toThrow(/sub-microsecond digits \(…789 ns\)/);
    expect(() => epochMicros(-1, 'timestamp-nanos')).toThrow(/sub-microsecond digits \(…999 ns\)/);
    expect(isoFromEpoch(-5_364_662_400_000_000, 'timestamp-micros')).toBe('1800-01-01T00:00:00.000Z');
    expect(isoFromEpoch(1_700_000_000_123_456_789n, 'timestamp-nanos')).toBe('2023-11-14T22:13:20.123456789Z');
    expect(isoFromEpoch(-1, 'timestamp-micros')).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoFromEpoch(-(2n ** 63n), 'timestamp-millis')).toBeUndefined();
  });
});

/** µs since 2000-01-01 that the writer put on the wire, or the ConvertError message. */
function pgTimestamp(v: unknown, kind: FieldType['kind'], oid: number = OID.timestamptz): bigint | string {
  const w = new ByteWriter(64);
  try {
    valueWriter(oid, 0, { kind } as FieldType, 'escape', 'ts')(w, v);
  } catch (err) {
    if (err instanceof ConvertError) return err.message;
    throw err;
  }
  expect(w.pos).toBe(8);
  return w.view.getBigInt64(0);
}
const PG_EPOCH_US = 946_684_800_000_000n;

describe('PostgreSQL timestamps from longs', () => {
  it('writes the exact instant, far past and far future included', () => {
    expect(pgTimestamp(-5_364_662_400_000_000, 'timestamp-micros')).toBe(-5_364_662_400_000_000n - PG_EPOCH_US);
    expect(pgTimestamp(-62_135_596_800_000_000n, 'timestamp-micros')).toBe(-62_135_596_800_000_000n - PG_EPOCH_US);
    expect(pgTimestamp(-62_135_596_800_000, 'timestamp-millis')).toBe(-62_135_596_800_000_000n - PG_EPOCH_US);
    expect(pgTimestamp(253_402_300_799_999_999n, 'timestamp-micros', OID.timestamp)).toBe(253_402_300_799_999_999n - PG_EPOCH_US);
    expect(pgTimestamp(1_700_000_000_123_456_000n, 'timestamp-nanos')).toBe(1_700_000_000_123_456n - PG_EPOCH_US);
    expect(pgTimestamp(9_007_199_254_740_993n, 'timestamp-micros')).toBe(9_007_199_254_740_993n - PG_EPOCH_US);
  });

  it('refuses what PostgreSQL cannot hold, naming the column, the kind and the value', () => {
    expect(pgTimestamp(-8_000_000_000_000_000, 'timestamp-millis')).toBe(
      'column "ts" (timestamptz) cannot take timestamp-millis -8000000000000000: outside PostgreSQL\'s timestamp range (4713 BC to 294276 AD)');
    expect(pgTimestamp(-(2n ** 63n), 'timestamp-micros', OID.timestamp)).toBe(
      'column "ts" (timestamp) cannot take timestamp-micros -9223372036854775808: outside PostgreSQL\'s timestamp range (4713 BC to 294276 AD)');
    expect(pgTimestamp(2n ** 63n - 1n, 'timestamp-millis')).toMatch(/outside PostgreSQL's timestamp range/);
    expect(pgTimestamp(1_700_000_000_123_456_789n, 'timestamp-nanos')).toBe(
      'column "ts" (timestamptz) cannot take timestamp-nanos 1700000000123456789: it has sub-microsecond digits (…789 ns), and the destination holds microseconds');
  });

  it('dates and JSON of far-away instants are exact too', () => {
    const w = new ByteWriter(16);
    valueWriter(OID.date, 0, { kind: 'timestamp-micros' }, 'escape', 'd')(w, -62_135_596_800_000_000n);
    expect(w.view.getInt32(0)).toBe(-719_162 - 10_957); // 0001-01-01
    expect(() => valueWriter(OID.date, 0, { kind: 'timestamp-millis' }, 'escape', 'd')(new ByteWriter(16), -8_000_000_000_000_000)).toThrow(/date range/);
    expect(normalizeForJson({ t: -5_364_662_400_000_000 }, { kind: 'record', fields: [{ name: 't', type: { kind: 'timestamp-micros' }, optional: false }] })).toEqual({ t: '1800-01-01T00:00:00.000Z' });
    expect(normalizeForJson(1_700_000_000_123_456_789n, { kind: 'timestamp-nanos' })).toBe('2023-11-14T22:13:20.123456789Z');
  });
});

describe('S3 Parquet timestamps from longs', () => {
  const plan: S3Plan = { key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED };
  const ctx = (offset: number): RecordContext => ({ topic: 't', partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });

  it('writes exact microseconds for every unit and fails, by field, what TIMESTAMP(MICROS) cannot hold', () => {
    const schema = recordSchemaFromAvro('avro:1', {
      type: 'record', name: 'R', fields: [
        { name: 'ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'us', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'ns', type: { type: 'long', logicalType: 'local-timestamp-nanos' } },
      ],
    } as never);
    const enc = new S3ParquetEncoder();
    enc.begin(plan, 't', 0);
    const rows: Record<string, number | bigint>[] = [
      { ms: -8_000_000_000_000_000, us: -5_364_662_400_000_000, ns: -5_364_662_400_000_000_000n },
      { ms: 9_007_199_254_741, us: -62_135_596_800_000_000n, ns: 1_700_000_000_123_456_000n },
      { ms: 2n ** 63n - 1n, us: 0, ns: 0 },
      { ms: 0, us: 0, ns: 1_700_000_000_123_456_789n },
    ];
    const errors: string[] = [];
    rows.forEach((r, i) => {
      try {
        enc.add({ value: r, schema }, undefined, ctx(i));
      } catch (err) {
        if (!(err instanceof ConvertError)) throw err;
        enc.discardCurrent();
        errors.push(err.message);
      }
    });
    expect(errors).toEqual([
      'field ms cannot hold timestamp-millis 9223372036854775807: outside Parquet TIMESTAMP(MICROS) (int64 microseconds, about ±292277 years) (got bigint 9223372036854775807)',
      'field ns cannot hold timestamp-nanos 1700000000123456789: it has sub-microsecond digits (…789 ns), and the destination holds microseconds (got bigint 1700000000123456789)',
    ]);
    const out = enc.finish();
    const g = (out.meta as { groups: { byteOffset: number; byteLength: number }[] }).groups[0]!;
    const table = tableFromIPC(new Uint8Array(out.output!, g.byteOffset, g.byteLength));
    const col = (name: string) => Array.from(table.getChild(name)!.data[0]!.values as BigInt64Array);
    expect(col('ms')).toEqual([-8_000_000_000_000_000_000n, 9_007_199_254_741_000n]);
    expect(col('us')).toEqual([-5_364_662_400_000_000n, -62_135_596_800_000_000n]);
    expect(col('ns')).toEqual([-5_364_662_400_000_000n, 1_700_000_000_123_456n]);
  });
});
