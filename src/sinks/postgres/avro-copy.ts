// Avro binary → binary COPY tuple, without a JS object per record: one
// transcoder per (plan, value schema, key schema) reads a record's fields
// straight from its bytes (workers/decode/avro-fields.ts) and writes the tuple
// directly (strings and bytes are copied as bytes, never made into JS
// strings). It writes exactly the bytes the decode-then-encode path
// (decoders.ts, row-encoders.ts, values.ts) writes: it writes the common
// (type, column) pairs itself, and hands any other field, decoded by avsc's
// own type for it, to the usual value writer. Whenever a record does anything
// unusual (a value a column refuses, NUL in text, bad or truncated bytes, a
// long beyond ±2^52) the transcoder writes nothing and returns false: the
// caller then takes the usual path, which writes the same value or reports
// the same error. The worker uses it only for records no transform touches
// (worker.ts, WorkerEncoder.addAvro).
import { copyBytes } from '../../core/copy-bytes.js';
import type { ByteWriter } from '../../workers/byte-writer.js';
import {
  AvroFieldReader, avroRecordType, FLAG_NUL, R_BOOL, R_BYTES, R_DOUBLE, R_ENUM, R_FIXED, R_FLOAT, R_GENERIC, R_NULL, R_STRING, R_VARINT,
} from '../../workers/decode/avro-fields.js';
import type { RecordContext } from '../../workers/encoder.js';
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import type { PgPlan } from './protocol.js';
import { writeSeqDel, type ColumnWriter } from './row-encoders.js';
import { OID } from './types.js';
import { shiftedByZone, smallDecimalWriter, valueWriter, type ValueWriter } from './values.js';
import { wallZones } from './wall-clock.js';

/** Writes one record's tuple from its Confluent-framed Avro bytes; false, with nothing written, when it leaves the record to the usual path. */
export type AvroCopy = (w: ByteWriter, bytes: Uint8Array, ctx: RecordContext) => boolean;

// How a column is written.
const W_ABSENT = 0; // no such field: NULL
const W_OTHER = 1; // not from the value (key, header, Kafka coordinates): the row encoder's column writer
const W_INT8 = 2;
const W_INT4 = 3;
const W_INT2 = 4;
const W_FLOAT4 = 5;
const W_FLOAT8 = 6;
const W_BOOL = 7;
const W_TEXT = 8;
const W_ENUM_TEXT = 9;
const W_BYTEA = 10;
const W_UUID = 11;
const W_NUMERIC = 12;
const W_TS_MILLIS = 13;
const W_TS_MICROS = 14;
const W_DATE = 15;
const W_TIME_MILLIS = 16;
const W_TIME_MICROS = 17;
const W_VALUE = 18; // the value writer of values.ts on the decoded value

interface ColumnStep {
  write: number;
  field: number;
  notNull: boolean;
  other?: ColumnWriter;
  value?: ValueWriter;
  symbols?: Uint8Array[];
  small?: (w: ByteWriter, b: Uint8Array, start: number, end: number) => boolean;
}

const PG_EPOCH_US = 946_684_800_000_000;
const PG_EPOCH_DAYS = 10_957;
const MAX_SAFE_MILLIS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
const TWO_32 = 4294967296;
const TEXT = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.name]);
const utf8 = new TextEncoder();

/** The column writer for a field read by `read` with logical type `ft`, or −1 when only the value writer gives the same bytes. */
function fastWrite(read: number, ft: FieldType, oid: number): number {
  switch (read) {
    case R_VARINT:
      switch (ft.kind) {
        case 'int32':
        case 'int64':
          if (oid === OID.int8) return W_INT8;
          if (oid === OID.int4) return W_INT4;
          if (oid === OID.int2) return W_INT2;
          return oid === OID.float4 ? W_FLOAT4 : oid === OID.float8 ? W_FLOAT8 : -1;
        case 'timestamp-millis':
          return oid === OID.timestamptz || oid === OID.timestamp ? W_TS_MILLIS : -1;
        case 'timestamp-micros':
          return oid === OID.timestamptz || oid === OID.timestamp ? W_TS_MICROS : -1;
        case 'date':
          return oid === OID.date ? W_DATE : -1;
        case 'time-millis':
          return oid === OID.time ? W_TIME_MILLIS : -1;
        case 'time-micros':
          return oid === OID.time ? W_TIME_MICROS : -1;
      }
      return -1;
    case R_BOOL:
      return ft.kind === 'boolean' && oid === OID.bool ? W_BOOL : -1;
    case R_FLOAT:
    case R_DOUBLE:
      if (ft.kind !== 'float32' && ft.kind !== 'float64') return -1;
      return oid === OID.float4 ? W_FLOAT4 : oid === OID.float8 ? W_FLOAT8 : -1;
    case R_STRING:
      // Every writer of a text column writes a string's own UTF-8 (Debezium's semantic types included).
      return TEXT.has(oid) ? W_TEXT : -1;
    case R_ENUM:
      return TEXT.has(oid) ? W_ENUM_TEXT : -1;
    case R_BYTES:
    case R_FIXED:
      if (oid === OID.bytea) return W_BYTEA;
      if (oid === OID.uuid) return W_UUID;
      return oid === OID.numeric && ft.kind === 'decimal' ? W_NUMERIC : -1;
  }
  return -1;
}

/**
 * Compiles the transcoder of a plan and an Avro value schema; null when it
 * would not cover it (no Avro writer schema, not a record, a column name an
 * avsc record would answer for itself).
 * `columns` are the row encoder's column writers (row-encoders.ts), used for the columns not from the value.
 */
export function compileAvroCopy(plan: PgPlan, schema: RecordSchema, columns: readonly ColumnWriter[]): AvroCopy | null {
  const type = avroRecordType(schema);
  if (!type || !schema.fields) return null;
  const fields = schema.fields;
  const proto = type.recordConstructor.prototype as object;
  const plain = new AvroFieldReader(type);
  const byName = new Map(fields.map((f, i) => [f.name, i]));
  const zones = wallZones(plan);
  const cols: ColumnStep[] = [];
  for (let i = 0; i < plan.columns.length; i++) {
    const col = plan.columns[i]!;
    const src = col.source;
    if (src.from !== 'value') {
      cols.push({ write: W_OTHER, field: -1, notNull: col.notNull, other: columns[i]! });
      continue;
    }
    const f = byName.get(src.field);
    if (f === undefined) {
      // The usual path reads record[name]: a name the record object has anyway (its methods) is not NULL there.
      if (src.field in proto) return null;
      // Left out of the statement (absent.ts): its NOT NULL is PostgreSQL's to apply, after the default.
      cols.push({ write: W_ABSENT, field: -1, notNull: col.notNull && col.pk });
      continue;
    }
    const ft = fields[f]!.type;
    // A value a plan's zone shifts is written by the value writer.
    const zoned = shiftedByZone(col.typeOid, ft, zones);
    cols.push({ write: zoned ? -1 : fastWrite(plain.reads[f]!, ft, col.typeOid), field: f, notNull: col.notNull });
  }
  // A field any of whose columns needs the value writer is decoded as a value for all of them.
  const generic = new Set(cols.filter((c) => c.field >= 0 && c.write < 0).map((c) => c.field));
  const reader = generic.size > 0 ? new AvroFieldReader(type, (i) => generic.has(i)) : plain;
  let fast = false;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    if (c.field < 0) continue;
    const col = plan.columns[i]!;
    const ft = fields[c.field]!.type;
    const read = reader.reads[c.field]!;
    if (read === R_GENERIC || read === R_NULL) {
      c.write = W_VALUE;
      c.value = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod, zones);
      continue;
    }
    fast = true;
    if (c.write === W_ENUM_TEXT) {
      const symbols = reader.symbols(c.field);
      // PostgreSQL text holds no NUL (text.nul.mode): a schema with such a symbol takes the usual path.
      if (symbols.some((s) => s.includes('\u0000'))) return null;
      c.symbols = symbols.map((s) => utf8.encode(s));
    } else if (c.write === W_NUMERIC) {
      c.value = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod, zones);
      c.small = smallDecimalWriter(ft, col.typmod);
    }
  }
  if (!fast) return null;
  return transcoder(reader, cols, plan.staged);
}

function transcoder(reader: AvroFieldReader, cols: ColumnStep[], staged: boolean): AvroCopy {
  const nc = cols.length;
  const tupleFields = staged ? nc + 2 : nc;
  const { nums, starts, ends, nulls, flags, values } = reader;

  const copy = (w: ByteWriter, b: Uint8Array, s: number, e: number): void => {
    const len = e - s;
    w.ensure(4 + len);
    w.view.setInt32(w.pos, len);
    w.pos = copyBytes(w.buf, w.pos + 4, b, s, e);
  };

  const writeColumns = (w: ByteWriter, b: Uint8Array, ctx: RecordContext): boolean => {
    w.int16(tupleFields);
    for (let ci = 0; ci < nc; ci++) {
      const c = cols[ci]!;
      const f = c.field;
      const write = c.write;
      if (write === W_OTHER) {
        c.other!(w, undefined, ctx);
        continue;
      }
      if (f < 0 || nulls[f] === 1) {
        if (c.notNull) return false;
        w.int32(-1);
        continue;
      }
      const v = nums[f]!;
      switch (write) {
        case W_INT8: {
          w.ensure(12);
          const hi = Math.floor(v / TWO_32);
          const view = w.view;
          view.setInt32(w.pos, 8);
          view.setInt32(w.pos + 4, hi);
          view.setUint32(w.pos + 8, v - hi * TWO_32);
          w.pos += 12;
          break;
        }
        case W_INT4:
          if (v < -2147483648 || v > 2147483647) return false;
          w.ensure(8);
          w.view.setInt32(w.pos, 4);
          w.view.setInt32(w.pos + 4, v);
          w.pos += 8;
          break;
        case W_INT2:
          if (v < -32768 || v > 32767) return false;
          w.int32(2);
          w.int16(v);
          break;
        case W_FLOAT4:
          w.int32(4);
          w.float32(v);
          break;
        case W_FLOAT8:
          w.int32(8);
          w.float64(v);
          break;
        case W_BOOL:
          w.int32(1);
          w.byte(v !== 0 ? 1 : 0);
          break;
        case W_TEXT:
          if (flags[f] === FLAG_NUL) return false;
          copy(w, b, starts[f]!, ends[f]!);
          break;
        case W_ENUM_TEXT: {
          const sym = c.symbols![v]!;
          copy(w, sym, 0, sym.length);
          break;
        }
        case W_BYTEA:
          copy(w, b, starts[f]!, ends[f]!);
          break;
        case W_UUID:
          if (ends[f]! - starts[f]! !== 16) return false;
          copy(w, b, starts[f]!, ends[f]!);
          break;
        case W_NUMERIC: {
          const at = w.lengthSlot();
          if (!(c.small && c.small(w, b, starts[f]!, ends[f]!))) {
            w.pos = at + 4;
            c.value!(w, b.subarray(starts[f]!, ends[f]!));
          }
          w.patchLength(at);
          break;
        }
        case W_TS_MILLIS:
        case W_TS_MICROS: {
          if (write === W_TS_MILLIS && Math.abs(v) > MAX_SAFE_MILLIS) return false;
          const us = (write === W_TS_MILLIS ? v * 1000 : v) - PG_EPOCH_US;
          if (!Number.isSafeInteger(us)) return false;
          w.int32(8);
          w.int64(us);
          break;
        }
        case W_DATE: {
          const days = v - PG_EPOCH_DAYS;
          if (days < -2_451_545 || days > 2_147_483_647 - PG_EPOCH_DAYS) return false;
          w.int32(4);
          w.int32(days);
          break;
        }
        case W_TIME_MILLIS:
        case W_TIME_MICROS: {
          const us = write === W_TIME_MILLIS ? v * 1000 : v;
          if (us < 0 || us > 86_400_000_000) return false;
          w.int32(8);
          w.int64(us);
          break;
        }
        default: {
          const at = w.lengthSlot();
          c.value!(w, values[f]);
          w.patchLength(at);
        }
      }
    }
    if (staged) writeSeqDel(w, ctx.offset, false);
    return true;
  };

  return (w, bytes, ctx) => {
    const start = w.pos;
    try {
      if (reader.read(bytes) && writeColumns(w, bytes, ctx)) return true;
    } catch {
      // The usual path meets the same value and says what is wrong with it.
    }
    w.pos = start;
    return false;
  };
}
