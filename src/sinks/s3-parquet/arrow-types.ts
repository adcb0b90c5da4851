// Record shapes → Arrow types (worker side).
//
// Parquet readers disagree on many Arrow types, so the mapping is chosen for
// what Spark, Athena/Trino, DuckDB and pyarrow all read: timestamps become
// microseconds adjusted to UTC (never nanoseconds), enums and UUIDs strings,
// Avro unions of several branches JSON text.
import {
  Binary, Bool, DateDay, Decimal, Field as ArrowField, FixedSizeBinary, Float32, Float64, Int32, Int64, List, Map_, Struct,
  TimeMicrosecond, TimeMillisecond, TimestampMicrosecond, Utf8, type DataType,
} from 'apache-arrow';
import type { Field, FieldType } from '../../workers/schema.js';
import { mapKeyType } from './types.js';

/** Decimals wider than Decimal128 are written as their decimal text. */
export const MAX_DECIMAL128_PRECISION = 38;

export function arrowType(t: FieldType): DataType {
  switch (t.kind) {
    case 'boolean': return new Bool();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'string': case 'uuid': case 'enum': case 'any': case 'null': return new Utf8();
    case 'bytes': return new Binary();
    case 'fixed': return new FixedSizeBinary(t.size);
    case 'decimal':
      return t.precision > MAX_DECIMAL128_PRECISION ? new Utf8() : new Decimal(t.scale, Math.max(1, t.precision), 128);
    case 'date': return new DateDay();
    case 'time-millis': return new TimeMillisecond();
    case 'time-micros': return new TimeMicrosecond();
    // A local timestamp is no instant: no zone, so Parquet's isAdjustedToUTC=false.
    case 'timestamp-millis': case 'timestamp-micros': case 'timestamp-nanos': return new TimestampMicrosecond(t.local ? null : 'UTC');
    // Debezium's semantic types (an exact text where Parquet has no twin: a per-value scale, an offset, bits).
    case 'time-nanos': return new TimeMicrosecond();
    case 'zoned-timestamp': return new TimestampMicrosecond('UTC');
    case 'zoned-time': case 'variable-decimal': case 'json': case 'xml': case 'bits': return new Utf8();
    case 'array': return new List(new ArrowField('element', arrowType(t.items), t.itemsOptional));
    case 'map':
      return new Map_(new ArrowField('entries', new Struct([
        new ArrowField('key', arrowType(mapKeyType(t)), false),
        new ArrowField('value', arrowType(t.values), true),
      ] as ArrowField[]), false) as never);
    case 'record': return new Struct(t.fields.map(arrowField));
  }
}

export function arrowField(f: Field): ArrowField {
  return new ArrowField(f.name, arrowType(f.type), f.optional);
}
