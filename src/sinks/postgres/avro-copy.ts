// Avro binary → binary COPY tuple, without a JS object per record: one
// transcoder per (plan, value schema, key schema) reads a record's Avro body
// field by field and writes the tuple directly (strings and bytes are copied
// as bytes, never made into JS strings). It writes exactly the bytes the
// decode-then-encode path (decoders.ts, row-encoders.ts, values.ts) writes.
// It covers the common types and columns itself; a field of any other type
// is decoded by avsc's own type for that field and written by the usual value
// writer. Whenever a record does anything unusual (a value a column refuses,
// NUL in text, bad or truncated bytes, a long beyond 2^52) the transcoder
// writes nothing and returns false: the caller then takes the usual path,
// which writes the same value or reports the same error. The worker uses it
// only for records no transform touches (worker.ts, WorkerEncoder.addAvro).
import { isUtf8 } from 'node:buffer';
import type avro from 'avsc';
import type { ByteWriter } from '../../workers/byte-writer.js';
import { avroType } from '../../workers/decode/decoders.js';
import type { RecordContext } from '../../workers/encoder.js';
import { avroWriterSchemaOf, type FieldType, type RecordSchema } from '../../workers/schema.js';
import type { PgPlan } from './protocol.js';
import { writeSeqDel, type ColumnWriter } from './row-encoders.js';
import { OID } from './types.js';
import { smallDecimalWriter, valueWriter, type ValueWriter } from './values.js';

/** Writes one record's tuple from its Confluent-framed Avro bytes; false, with nothing written, when it leaves the record to the usual path. */
export type AvroCopy = (w: ByteWriter, bytes: Uint8Array, ctx: RecordContext) => boolean;

// How a field is read.
const R_VARINT = 0; // int, long and the logical types on them
const R_BOOL = 1;
const R_FLOAT = 2;
const R_DOUBLE = 3;
const R_STRING = 4; // a span of valid UTF-8
const R_BYTES = 5; // a span
const R_FIXED = 6; // a span of the fixed size
const R_ENUM = 7; // the symbol's index
const R_NULL = 8;
const R_GENERIC = 9; // avsc's type for the field: a JS value

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

interface FieldStep {
  read: number;
  /** For a union of null and one type: the null branch's index (the other is 1 − it); −1 otherwise. */
  nullIndex: number;
  /** Fixed size, or number of enum symbols. */
  size: number;
  type: avro.Type;
}

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
const FLAG_NUL = 1;
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

/** How a field of this avsc type is read, for types read here. */
function readerOf(t: avro.Type): number {
  switch (t.typeName) {
    case 'int':
    case 'abstract:long': // decoders.ts's exact long
      return R_VARINT;
    case 'boolean': return R_BOOL;
    case 'float': return R_FLOAT;
    case 'double': return R_DOUBLE;
    case 'string': return R_STRING;
    case 'bytes': return R_BYTES;
    case 'fixed': return R_FIXED;
    case 'enum': return R_ENUM;
    case 'null': return R_NULL;
  }
  return R_GENERIC;
}

/**
 * Compiles the transcoder of a plan and an Avro value schema; null when it
 * would not cover it (no Avro writer schema, not a record, a column name an
 * avsc record would answer for itself).
 * `columns` are the row encoder's column writers (row-encoders.ts), used for the columns not from the value.
 */
export function compileAvroCopy(plan: PgPlan, schema: RecordSchema, columns: readonly ColumnWriter[]): AvroCopy | null {
  const writer = avroWriterSchemaOf(schema);
  if (writer === undefined || schema.scalar || !schema.fields) return null;
  let type: avro.Type;
  try {
    type = avroType(writer);
  } catch {
    return null;
  }
  if (type.typeName !== 'record') return null;
  const avroFields = (type as avro.types.RecordType).fields;
  if (avroFields.length !== schema.fields.length) return null;
  const proto = (type as avro.types.RecordType).recordConstructor.prototype as object;
  const fields: FieldStep[] = avroFields.map((f) => {
    const t = f.type;
    if (t.typeName === 'union:unwrapped') {
      const branches = (t as avro.types.UnwrappedUnionType).types;
      if (branches.length === 2) {
        const nullIndex = branches.findIndex((b) => b.typeName === 'null');
        const other = branches[1 - nullIndex];
        if (nullIndex >= 0 && other) {
          const read = readerOf(other);
          if (read !== R_GENERIC && read !== R_NULL) return step(read, nullIndex, other);
        }
      }
      return step(R_GENERIC, -1, t);
    }
    return step(readerOf(t), -1, t);
  });
  const byName = new Map(schema.fields.map((f, i) => [f.name, i]));
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
      cols.push({ write: W_ABSENT, field: -1, notNull: col.notNull });
      continue;
    }
    const ft = schema.fields[f]!.type;
    cols.push({ write: fastWrite(fields[f]!.read, ft, col.typeOid), field: f, notNull: col.notNull });
  }
  // A field any of whose columns needs the value writer is decoded as a value for all of them.
  for (const c of cols) {
    if (c.field >= 0 && c.write < 0 && fields[c.field]!.read !== R_NULL) {
      const fs = fields[c.field]!;
      fs.read = R_GENERIC;
      fs.nullIndex = -1;
      fs.type = avroFields[c.field]!.type;
    }
  }
  let fast = false;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    if (c.field < 0) continue;
    const col = plan.columns[i]!;
    const fs = fields[c.field]!;
    const ft = schema.fields[c.field]!.type;
    if (fs.read === R_GENERIC || fs.read === R_NULL) {
      c.write = W_VALUE;
      c.value = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod);
      continue;
    }
    fast = true;
    if (c.write === W_ENUM_TEXT) {
      const symbols = (fs.type as avro.types.EnumType).symbols;
      // PostgreSQL text holds no NUL (text.nul.mode): a schema with such a symbol takes the usual path.
      if (symbols.some((s) => s.includes('\u0000'))) return null;
      c.symbols = symbols.map((s) => utf8.encode(s));
    } else if (c.write === W_NUMERIC) {
      c.value = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod);
      c.small = smallDecimalWriter(ft, col.typmod);
    }
  }
  if (!fast) return null;
  return transcoder(fields, cols, plan.staged);
}

function step(read: number, nullIndex: number, type: avro.Type): FieldStep {
  const size = read === R_FIXED ? (type as avro.types.FixedType).size : read === R_ENUM ? (type as avro.types.EnumType).symbols.length : 0;
  return { read, nullIndex, size, type };
}

// Where the last varint() ended; −1 when it could not be read here.
let vpos = 0;

/**
 * A zig-zag varint (int or long) of at most 8 bytes whose value is within
 * ±2^52, exactly as avsc and decoders.ts's exact long read it; anything else
 * sets vpos = −1 (the usual path reads it).
 */
function varint(b: Uint8Array, pos: number, end: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; ; i++) {
    if (pos >= end || i === 8) {
      vpos = -1;
      return 0;
    }
    const x = b[pos++]!;
    u += (x & 0x7f) * mul;
    if (x < 0x80) break;
    mul *= 128;
  }
  // Rounding cannot bring a sum of 2^53 or more below it: past it, the usual path.
  if (u > Number.MAX_SAFE_INTEGER) {
    vpos = -1;
    return 0;
  }
  vpos = pos;
  return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
}

// avsc's own readers of float and double (Buffer's), so that even a NaN's bits come out as they do there.
const readFloatLE = Buffer.prototype.readFloatLE as (this: Uint8Array, offset: number) => number;
const readDoubleLE = Buffer.prototype.readDoubleLE as (this: Uint8Array, offset: number) => number;

function transcoder(fields: FieldStep[], cols: ColumnStep[], staged: boolean): AvroCopy {
  const nf = fields.length;
  const nc = cols.length;
  const tupleFields = staged ? nc + 2 : nc;
  // Per field, for the record being written: a number, a span, a null mark, flags, or a decoded value.
  const nums = new Float64Array(nf);
  const starts = new Int32Array(nf);
  const ends = new Int32Array(nf);
  const nulls = new Uint8Array(nf);
  const flags = new Uint8Array(nf);
  const values: unknown[] = new Array(nf).fill(undefined);
  const fieldReads = Int32Array.from(fields, (f) => f.read);
  const nullIndexes = Int32Array.from(fields, (f) => f.nullIndex);

  /** Reads every field of b[5, end); false when the usual path must take the record. */
  const readFields = (b: Uint8Array): boolean => {
    const end = b.length;
    let pos = 5;
    let buf: Buffer | undefined;
    for (let f = 0; f < nf; f++) {
      let read = fieldReads[f]!;
      nulls[f] = 0;
      const nullIndex = nullIndexes[f]!;
      if (nullIndex >= 0) {
        const branch = varint(b, pos, end);
        if (vpos < 0) return false;
        pos = vpos;
        if (branch === nullIndex) read = R_NULL;
        else if (branch !== 1 - nullIndex) return false;
      }
      switch (read) {
        case R_VARINT:
          nums[f] = varint(b, pos, end);
          if (vpos < 0) return false;
          pos = vpos;
          break;
        case R_BOOL:
          if (pos >= end) return false;
          nums[f] = b[pos++]!;
          break;
        case R_FLOAT:
          if (pos + 4 > end) return false;
          nums[f] = readFloatLE.call(b, pos);
          pos += 4;
          break;
        case R_DOUBLE:
          if (pos + 8 > end) return false;
          nums[f] = readDoubleLE.call(b, pos);
          pos += 8;
          break;
        case R_STRING:
        case R_BYTES: {
          const len = varint(b, pos, end);
          if (vpos < 0 || len < 0 || vpos + len > end) return false;
          const s = vpos;
          const e = s + len;
          starts[f] = s;
          ends[f] = e;
          pos = e;
          if (read === R_STRING) {
            // ASCII without NUL, the common case, is valid as it is; the rest is checked as avsc's strict reading would.
            let fl = 0;
            let i = s;
            while (i < e) {
              const c = b[i]!;
              if (c === 0 || c >= 0x80) break;
              i++;
            }
            if (i < e) {
              const span = b.subarray(s, e);
              if (!isUtf8(span)) return false;
              if (span.indexOf(0) >= 0) fl = FLAG_NUL;
            }
            flags[f] = fl;
          }
          break;
        }
        case R_FIXED: {
          const e = pos + fields[f]!.size;
          if (e > end) return false;
          starts[f] = pos;
          ends[f] = e;
          pos = e;
          break;
        }
        case R_ENUM: {
          const i = varint(b, pos, end);
          if (vpos < 0 || i < 0 || i >= fields[f]!.size) return false;
          nums[f] = i;
          pos = vpos;
          break;
        }
        case R_NULL:
          nulls[f] = 1;
          break;
        default: {
          buf ??= Buffer.from(b.buffer, b.byteOffset, b.length);
          const res = fields[f]!.type.decode(buf, pos);
          if (res.offset < 0) return false;
          values[f] = res.value;
          if (res.value === null || res.value === undefined) nulls[f] = 1;
          pos = res.offset;
        }
      }
    }
    // Trailing bytes: the usual path reports them.
    return pos === end;
  };

  const copy = (w: ByteWriter, b: Uint8Array, s: number, e: number): void => {
    const len = e - s;
    w.ensure(4 + len);
    w.view.setInt32(w.pos, len);
    let p = w.pos + 4;
    const out = w.buf;
    if (len < 32) for (let i = s; i < e; i++) out[p++] = b[i]!;
    else {
      out.set(b.subarray(s, e), p);
      p += len;
    }
    w.pos = p;
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
      if (readFields(bytes) && writeColumns(w, bytes, ctx)) return true;
    } catch {
      // The usual path meets the same value and says what is wrong with it.
    }
    w.pos = start;
    return false;
  };
}
