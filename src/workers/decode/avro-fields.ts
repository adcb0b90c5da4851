// Reading one Avro record's fields straight from its Confluent-framed bytes,
// for sink encoders that write them without a JS object per record
// (sinks/postgres/avro-copy.ts, sinks/s3-parquet/avro-columns.ts). Numbers,
// spans of bytes and strings, enum indexes and null marks go into per-field
// slots that the next record overwrites; a field of any other type (or one
// the sink asks for as a value) is decoded by avsc's own type for it, exactly
// as AvroDecoder would decode it. Whatever is unusual (bad or truncated bytes,
// invalid UTF-8, a long beyond ±2^52) makes read() return false: the caller
// then leaves the record to AvroDecoder and its usual path, which says what is wrong.
import { isUtf8 } from 'node:buffer';
import type avro from 'avsc';
import { avroWriterSchemaOf, type RecordSchema } from '../schema.js';
import { avroType } from './decoders.js';

// How a field is read.
export const R_VARINT = 0; // int, long and the logical types on them: nums
export const R_BOOL = 1; // nums: the byte (non-zero is true)
export const R_FLOAT = 2; // nums
export const R_DOUBLE = 3; // nums
export const R_STRING = 4; // starts/ends: a span of valid UTF-8; flags: FLAG_NUL
export const R_BYTES = 5; // starts/ends
export const R_FIXED = 6; // starts/ends
export const R_ENUM = 7; // nums: the symbol's index
export const R_NULL = 8; // the type null
export const R_GENERIC = 9; // values: avsc's value

/** The string holds U+0000. */
export const FLAG_NUL = 1;

/** The record type of an Avro value schema (as AvroDecoder compiled it); null when it has none or is not a record. */
export function avroRecordType(schema: RecordSchema): avro.types.RecordType | null {
  const writer = avroWriterSchemaOf(schema);
  if (writer === undefined || schema.scalar || !schema.fields) return null;
  let type: avro.Type;
  try {
    type = avroType(writer);
  } catch {
    return null;
  }
  if (type.typeName !== 'record') return null;
  const rt = type as avro.types.RecordType;
  return rt.fields.length === schema.fields.length ? rt : null;
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

export class AvroFieldReader {
  /** Per field: how it is read (R_*). */
  readonly reads: Int32Array;
  /** Per field, for a union of null and one type: the null branch's index (the other is 1 − it); −1 otherwise. */
  private readonly nullIndexes: Int32Array;
  /** Per field: fixed size, or number of enum symbols. */
  private readonly sizes: Int32Array;
  /** Per field: the type read (a union's other branch) or, generic, the field's own type. */
  readonly types: avro.Type[];
  // Per field, for the record last read: a number, a span, a null mark, flags, or a decoded value.
  readonly nums: Float64Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly nulls: Uint8Array;
  readonly flags: Uint8Array;
  readonly values: unknown[];

  /** `generic(i)`: field i is to be decoded as a value whatever its type. */
  constructor(type: avro.types.RecordType, generic: (i: number) => boolean = () => false) {
    const fields = type.fields;
    const n = fields.length;
    this.reads = new Int32Array(n);
    this.nullIndexes = new Int32Array(n).fill(-1);
    this.sizes = new Int32Array(n);
    this.types = [];
    fields.forEach((f, i) => {
      let t = f.type;
      let read = readerOf(t);
      if (t.typeName === 'union:unwrapped') {
        const branches = (t as avro.types.UnwrappedUnionType).types;
        const nullIndex = branches.length === 2 ? branches.findIndex((b) => b.typeName === 'null') : -1;
        const other = nullIndex >= 0 ? branches[1 - nullIndex]! : undefined;
        const inner = other ? readerOf(other) : R_GENERIC;
        if (other && inner !== R_GENERIC && inner !== R_NULL) {
          this.nullIndexes[i] = nullIndex;
          t = other;
          read = inner;
        }
      }
      if (generic(i) && read !== R_NULL) {
        t = f.type;
        read = R_GENERIC;
        this.nullIndexes[i] = -1;
      }
      this.reads[i] = read;
      this.types.push(t);
      this.sizes[i] = read === R_FIXED ? (t as avro.types.FixedType).size : read === R_ENUM ? (t as avro.types.EnumType).symbols.length : 0;
    });
    this.nums = new Float64Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.nulls = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.values = new Array<unknown>(n).fill(undefined);
  }

  /** The symbols of enum field i (read R_ENUM). */
  symbols(i: number): readonly string[] {
    return (this.types[i] as avro.types.EnumType).symbols;
  }

  /** Reads every field of a Confluent-framed value (its body from byte 5); false when the usual path must take the record. */
  read(b: Uint8Array): boolean {
    const { reads, nullIndexes, nums, starts, ends, nulls, flags } = this;
    const n = reads.length;
    const end = b.length;
    let pos = 5;
    let buf: Buffer | undefined;
    for (let f = 0; f < n; f++) {
      let read = reads[f]!;
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
            // ASCII without NUL, the common case, is valid as it is; the rest is checked as the decoder's strict reading would.
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
          const e = pos + this.sizes[f]!;
          if (e > end) return false;
          starts[f] = pos;
          ends[f] = e;
          pos = e;
          break;
        }
        case R_ENUM: {
          const i = varint(b, pos, end);
          if (vpos < 0 || i < 0 || i >= this.sizes[f]!) return false;
          nums[f] = i;
          pos = vpos;
          break;
        }
        case R_NULL:
          nulls[f] = 1;
          break;
        default: {
          buf ??= Buffer.from(b.buffer, b.byteOffset, b.length);
          const res = this.types[f]!.decode(buf, pos);
          if (res.offset < 0) return false;
          this.values[f] = res.value;
          if (res.value === null || res.value === undefined) nulls[f] = 1;
          pos = res.offset;
        }
      }
    }
    // Trailing bytes: the usual path reports them.
    return pos === end;
  }
}
