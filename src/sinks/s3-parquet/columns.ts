// Column builders: record values appended row by row into Arrow buffers
// (typed arrays that grow by doubling), finished into Arrow Data without a
// generic builder in between. A row that fails half-way is rolled back with
// truncate(): every builder can cut itself back to a length, and nested ones
// cut their children to where their own offsets say.
//
// Two modes. Strict (a schema from Avro or a Connect envelope): a value that
// does not fit is a ConvertError naming the field. Inferring (schemaless
// JSON/msgpack): it throws Misfit, and the encoder widens the schema.
import { copyBytes } from '../../core/copy-bytes.js';
import { stringifyJsonExact } from '../../workers/json-exact.js';
import {
  Binary, Bool, Decimal, FixedSizeBinary, Float64, Int32, Int64, List, makeData, Map_, Struct, Utf8, Field as ArrowField, type Data,
  type DataType,
} from 'apache-arrow';
import type { Field, FieldType } from '../../workers/schema.js';
import { ConvertError, SluiceError } from '../../errors.js';
import { epochMicros, fitsInt64, TimestampRangeError } from '../common/timestamps.js';
import { bitsText, DebeziumValueError, nanoTimeMicros, variableScaleDecimalText, zonedTimestampMicros } from '../common/debezium-values.js';
import { arrowType, MAX_DECIMAL128_PRECISION } from './arrow-types.js';
import { mapKeyType, typedMapKey } from './types.js';

/** A schemaless value does not fit the inferred schema: widen it and build again. */
/** A value that does not fit the schema inferred so far (schemaless data): the encoder widens the schema and encodes the batch again. */
export class Misfit extends SluiceError {
  override readonly action = 'replan';
}

export type Mode = 'strict' | 'infer';

const MS_PER_DAY = 86_400_000;
const US_PER_DAY = 86_400_000_000;
const TWO_32 = 4294967296;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return v.length > 40 ? `a string ("${v.slice(0, 40)}…")` : `the string "${v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

export abstract class Builder {
  length = 0;
  nullCount = 0;
  /** Validity bits, allocated at the first null. */
  protected valid: Uint8Array | null = null;

  constructor(
    readonly path: string,
    readonly nullable: boolean,
    readonly mode: Mode,
    readonly type: DataType,
  ) {}

  append(v: unknown): void {
    if (v === null || v === undefined) {
      if (!this.nullable) throw this.misfit(v, 'is null but the schema says it is required');
      this.pushNull();
      return;
    }
    this.pushValue(v);
    if (this.valid) setBit(this.valid, this.length);
    this.length++;
  }

  /** A slot under a null parent: null when allowed, else a zero value; never fails. */
  appendPlaceholder(): void {
    if (this.nullable) this.pushNull();
    else {
      this.pushZero();
      if (this.valid) setBit(this.valid, this.length);
      this.length++;
    }
  }

  protected pushNull(): void {
    if (!this.valid) {
      this.valid = new Uint8Array(Math.max(64, (this.length >> 3) * 2 + 8)).fill(0xff);
    } else if ((this.length >> 3) >= this.valid.length) {
      // Bits past the end read as valid, so a grown bitmap starts all ones.
      const bigger = new Uint8Array(this.valid.length * 2).fill(0xff);
      bigger.set(this.valid);
      this.valid = bigger;
    }
    this.pushZero();
    clearBit(this.valid, this.length);
    this.nullCount++;
    this.length++;
  }

  /** Counts a value a subclass wrote at `length` by a path of its own, as append() counts one. */
  protected written(): void {
    if (this.valid) setBit(this.valid, this.length);
    this.length++;
  }

  /** Writes v at index `length` (does not advance it). Throws before writing when v does not fit. */
  protected abstract pushValue(v: unknown): void;
  /** Writes a zero value at index `length`. */
  protected abstract pushZero(): void;

  /** Cuts back to len values; always cascades, since a failed row may have left children longer than this builder. */
  truncate(len: number): void {
    if (len > this.length) return;
    if (this.valid) {
      for (let i = len; i < this.length; i++) if (!getBit(this.valid, i)) this.nullCount--;
      // Slots past the length must read as valid when reused.
      for (let i = len; i < this.length && (i >> 3) < this.valid.length; i++) setBit(this.valid, i);
    }
    this.length = len;
    this.truncateData(len);
  }

  protected truncateData(_len: number): void {}

  /** Empty again, keeping the grown buffers: builders are reused batch after batch. */
  reset(): void {
    this.length = 0;
    this.nullCount = 0;
    this.valid = null;
    this.resetData();
  }

  protected resetData(): void {
    this.truncateData(0);
  }

  abstract finish(): Data;

  /** What every finished column states: its length, null count and validity bits. */
  protected shape(): { length: number; nullCount: number; nullBitmap: Uint8Array | undefined } {
    return { length: this.length, nullCount: this.nullCount, nullBitmap: this.bitmap() };
  }
  protected bitmap(): Uint8Array | undefined {
    if (!this.valid || this.nullCount === 0) return undefined;
    const bytes = (this.length + 7) >> 3;
    if (this.valid.length >= bytes) return this.valid.subarray(0, bytes);
    const out = new Uint8Array(bytes).fill(0xff);
    out.set(this.valid);
    return out;
  }

  misfit(v: unknown, why: string): Error {
    if (this.mode === 'infer') return new Misfit(`${this.path} ${why}`);
    return new ConvertError(`field ${this.path} ${why} (got ${describe(v)})`);
  }

  wrong(v: unknown, expected: string): Error {
    return this.misfit(v, `should be ${expected}`);
  }
}

function setBit(a: Uint8Array, i: number): void {
  if ((i >> 3) < a.length) a[i >> 3]! |= 1 << (i & 7);
}
function clearBit(a: Uint8Array, i: number): void {
  a[i >> 3]! &= ~(1 << (i & 7));
}
function getBit(a: Uint8Array, i: number): boolean {
  return (a[i >> 3]! & (1 << (i & 7))) !== 0;
}

function grow<T extends Int32Array | Float64Array | Float32Array | Uint8Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

// ---------- fixed-width ----------

class BoolBuilder extends Builder {
  private bits = new Uint8Array(64);
  protected pushValue(v: unknown): void {
    if (typeof v !== 'boolean') throw this.wrong(v, 'a boolean');
    this.bits = grow(this.bits, (this.length >> 3) + 1);
    if (v) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    else this.bits[this.length >> 3]! &= ~(1 << (this.length & 7));
  }
  protected pushZero(): void {
    this.bits = grow(this.bits, (this.length >> 3) + 1);
    this.bits[this.length >> 3]! &= ~(1 << (this.length & 7));
  }
  finish(): Data {
    return makeData({ type: this.type as Bool, ...this.shape(), data: this.bits.subarray(0, (this.length + 7) >> 3) });
  }
}

type Int32Kind = 'int32' | 'date' | 'time-millis';

class Int32Builder extends Builder {
  private data = new Int32Array(256);
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, private readonly kind: Int32Kind) {
    super(path, nullable, mode, type);
  }
  protected pushValue(v: unknown): void {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (this.kind === 'date' && v instanceof Date) n = Math.floor(v.getTime() / MS_PER_DAY);
    else if (this.kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) n = Date.parse(`${v}T00:00:00Z`) / MS_PER_DAY;
    else if (typeof v === 'bigint') n = Number(v);
    else throw this.wrong(v, this.kind === 'date' ? 'a date (days since 1970-01-01)' : 'an integer');
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw this.wrong(v, 'a 32-bit integer');
    // A time of day is 00:00 to 24:00 (PostgreSQL's range too); outside it no reader can show it.
    if (this.kind === 'time-millis' && (n < 0 || n > MS_PER_DAY)) throw this.wrong(v, 'a time of day (0 to 86400000 milliseconds after midnight)');
    if (this.length >= this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length] = n;
  }
  protected pushZero(): void {
    if (this.length >= this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length] = 0;
  }
  finish(): Data {
    return makeData({ type: this.type as Int32, ...this.shape(), data: this.data.subarray(0, this.length) });
  }
}

type Int64Kind = 'int64' | 'timestamp-millis' | 'timestamp-micros' | 'timestamp-nanos' | 'time-micros';

/** 64-bit values kept as (low, high) 32-bit halves: no BigInt on the hot path. */
class Int64Builder extends Builder {
  private data = new Int32Array(512);
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, private readonly kind: Int64Kind) {
    super(path, nullable, mode, type);
  }
  protected pushValue(v: unknown): void {
    const kind = this.kind;
    if ((typeof v === 'number' || typeof v === 'bigint') && (kind === 'timestamp-millis' || kind === 'timestamp-micros' || kind === 'timestamp-nanos')) {
      if (typeof v === 'number' && !Number.isInteger(v)) {
        if (this.mode === 'infer') throw this.wrong(v, 'an integer');
        v = Math.trunc(v);
      }
      // Exact whatever the unit (millis × 1000 and nanos ÷ 1000 go through BigInt beyond 2^53), and never wrapped.
      let us: number | bigint;
      try {
        us = epochMicros(v as number | bigint, kind);
      } catch (err) {
        if (err instanceof TimestampRangeError) throw this.misfit(v, `cannot hold ${kind} ${String(v)}: ${err.message}`);
        throw err;
      }
      if (typeof us === 'number') this.put(us);
      else if (fitsInt64(us)) this.putBig(us);
      else throw this.misfit(v, `cannot hold ${kind} ${String(v)}: outside Parquet TIMESTAMP(MICROS) (int64 microseconds, about ±292277 years)`);
      return;
    }
    if (kind === 'time-micros') {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > US_PER_DAY) throw this.wrong(v, 'a time of day (0 to 86400000000 microseconds after midnight)');
      this.put(n);
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) {
        if (this.mode === 'infer' || kind === 'int64') throw this.wrong(v, 'an integer');
        v = Math.trunc(v);
      }
      this.put(v as number);
    } else if (typeof v === 'bigint') {
      if (!fitsInt64(v)) throw this.wrong(v, 'a 64-bit integer');
      this.putBig(v);
    } else if (kind !== 'int64' && (v instanceof Date || typeof v === 'string') && this.mode === 'strict') {
      const ms = v instanceof Date ? v.getTime() : Date.parse(v);
      if (Number.isNaN(ms)) throw this.wrong(v, 'a timestamp');
      this.put(ms * 1000);
    } else if (kind === 'timestamp-micros' && v instanceof Date) {
      this.put(v.getTime() * 1000);
    } else {
      throw this.wrong(v, kind === 'int64' ? 'an integer' : 'a timestamp');
    }
  }
  private putBig(b: bigint): void {
    const u = BigInt.asUintN(64, b);
    this.reserve();
    this.data[2 * this.length] = Number(u & 0xffffffffn) | 0;
    this.data[2 * this.length + 1] = Number(u >> 32n) | 0;
  }
  private reserve(): void {
    if (2 * this.length + 2 > this.data.length) this.data = grow(this.data, 2 * this.length + 2);
  }
  private put(x: number): void {
    this.reserve();
    const hi = Math.floor(x / TWO_32);
    this.data[2 * this.length] = (x - hi * TWO_32) | 0;
    this.data[2 * this.length + 1] = hi | 0;
  }
  protected pushZero(): void {
    this.reserve();
    this.data[2 * this.length] = 0;
    this.data[2 * this.length + 1] = 0;
  }
  finish(): Data {
    const data = new BigInt64Array(this.data.buffer, 0, this.length);
    return makeData({ type: this.type as Int64, ...this.shape(), data });
  }
}

class FloatBuilder extends Builder {
  private data: Float64Array | Float32Array;
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, single: boolean) {
    super(path, nullable, mode, type);
    this.data = single ? new Float32Array(256) : new Float64Array(256);
  }
  protected pushValue(v: unknown): void {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (this.mode === 'strict' && typeof v === 'string' && (v === 'NaN' || v === 'Infinity' || v === '-Infinity')) n = Number(v);
    else throw this.wrong(v, 'a number');
    if (this.length >= this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length] = n;
  }
  protected pushZero(): void {
    if (this.length >= this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length] = 0;
  }
  finish(): Data {
    return makeData({ type: this.type as Float64, ...this.shape(), data: this.data.subarray(0, this.length) as Float64Array });
  }
}

// ---------- variable-width ----------

type Utf8Kind = 'string' | 'uuid' | 'enum' | 'any' | 'null' | 'decimal-text';

function jsonText(v: unknown): string {
  return stringifyJsonExact(v, (_k, x: unknown) => {
    if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.length).toString('base64');
    if (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data)) {
      return Buffer.from((x as { data: number[] }).data).toString('base64');
    }
    return x;
  });
}

class Utf8Builder extends Builder {
  private offsets = new Int32Array(257);
  private bytes = Buffer.allocUnsafe(4096);
  private pos = 0;
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, private readonly kind: Utf8Kind, private readonly scale = 0) {
    super(path, nullable, mode, type);
  }
  protected pushValue(v: unknown): void {
    let s: string;
    // 'any' columns hold JSON text, strings included, so every value parses the same way.
    if (this.kind === 'any') s = jsonText(v);
    else if (typeof v === 'string') s = v;
    // Schemaless data: a text column also holds the numbers and booleans of its field (types.ts mergeParquetTypes).
    else if (this.kind === 'string' && this.mode === 'infer' && (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')) s = String(v);
    else if (this.kind === 'null') throw this.wrong(v, 'null');
    else if (this.kind === 'decimal-text') s = decimalText(v, this.scale, this);
    else if (this.kind === 'uuid' && v instanceof Uint8Array && v.length === 16) s = uuidText(v);
    else throw this.wrong(v, 'a string');
    this.writeString(s);
  }
  /** Whether appendUtf8() writes what append() writes for the string those bytes hold (its own pushValue, any kind but JSON text). */
  takesUtf8(): boolean {
    return this.constructor === Utf8Builder && this.kind !== 'any';
  }
  /** A string value given as its valid UTF-8 bytes b[start, end) (avro-columns.ts), without making the string. */
  appendUtf8(b: Uint8Array, start: number, end: number): void {
    const len = end - start;
    const need = this.pos + len;
    if (need > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.pos);
      this.bytes = grown;
    }
    const p = (this.pos = copyBytes(this.bytes, this.pos, b, start, end));
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = p;
    this.written();
  }
  writeString(s: string): void {
    const need = this.pos + s.length * 3;
    if (need > this.bytes.length) {
      const b = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(b, 0, 0, this.pos);
      this.bytes = b;
    }
    this.pos += this.bytes.write(s, this.pos, 'utf8');
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.pos;
  }
  protected pushZero(): void {
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.pos;
  }
  protected override truncateData(len: number): void {
    this.pos = this.offsets[len]!;
  }
  finish(): Data {
    return makeData({
      type: this.type as Utf8, ...this.shape(),
      valueOffsets: this.offsets.subarray(0, this.length + 1), data: this.bytes.subarray(0, this.pos),
    });
  }
}

/** Avro/Connect-style input for byte columns: bytes, or base64 text (Connect's JSON envelope). */
function bytesOf(v: unknown, b: Builder): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && b.mode === 'strict') return Buffer.from(v, 'base64');
  if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data) && b.mode === 'strict') {
    return Buffer.from((v as { data: number[] }).data);
  }
  throw b.wrong(v, 'bytes');
}

/** A builder that appendUtf8() may write a string into as its bytes; undefined for any other. */
export function utf8Target(b: Builder): { appendUtf8(b: Uint8Array, start: number, end: number): void } | undefined {
  return b instanceof Utf8Builder && b.takesUtf8() ? b : undefined;
}

class BinaryBuilder extends Builder {
  private offsets = new Int32Array(257);
  private bytes = new Uint8Array(4096);
  private pos = 0;
  protected pushValue(v: unknown): void {
    const b = bytesOf(v, this);
    this.bytes = grow(this.bytes, this.pos + b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.pos;
  }
  protected pushZero(): void {
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.pos;
  }
  protected override truncateData(len: number): void {
    this.pos = this.offsets[len]!;
  }
  finish(): Data {
    return makeData({
      type: this.type as Binary, ...this.shape(),
      valueOffsets: this.offsets.subarray(0, this.length + 1), data: this.bytes.subarray(0, this.pos),
    });
  }
}

class FixedBinaryBuilder extends Builder {
  private bytes: Uint8Array;
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, private readonly size: number) {
    super(path, nullable, mode, type);
    this.bytes = new Uint8Array(Math.max(1, size) * 64);
  }
  protected pushValue(v: unknown): void {
    const b = bytesOf(v, this);
    if (b.length !== this.size) throw this.wrong(v, `exactly ${this.size} bytes`);
    this.bytes = grow(this.bytes, (this.length + 1) * this.size);
    this.bytes.set(b, this.length * this.size);
  }
  protected pushZero(): void {
    this.bytes = grow(this.bytes, (this.length + 1) * this.size);
    this.bytes.fill(0, this.length * this.size, (this.length + 1) * this.size);
  }
  finish(): Data {
    return makeData({ type: this.type as FixedSizeBinary, ...this.shape(), data: this.bytes.subarray(0, this.length * this.size) });
  }
}

// ---------- decimals ----------

/** Unscaled integer of a decimal value given as bytes (two's complement, big-endian), number, numeric text or bigint. */
function unscaledOf(v: unknown, scale: number, b: Builder): bigint {
  // Text is base64 of the bytes (Connect's JSON envelope), never decimal digits.
  if (v instanceof Uint8Array || typeof v === 'string') {
    const bytes = bytesOf(v, b);
    if (bytes.length === 0) return 0n;
    let x = 0n;
    for (const byte of bytes) x = (x << 8n) | BigInt(byte);
    return bytes[0]! & 0x80 ? x - (1n << BigInt(bytes.length * 8)) : x;
  }
  if (typeof v === 'bigint') return v * 10n ** BigInt(scale);
  let text: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw b.wrong(v, 'a finite decimal');
    text = v.toFixed(scale);
  } else throw b.wrong(v, 'a decimal');
  const neg = text.startsWith('-');
  const [int = '0', frac = ''] = (neg ? text.slice(1) : text).split('.');
  const digits = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return neg ? -digits : digits;
}

function decimalText(v: unknown, scale: number, b: Builder): string {
  const x = unscaledOf(v, scale, b);
  const neg = x < 0n;
  const s = (neg ? -x : x).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}` : s;
  return neg ? `-${text}` : text;
}

class DecimalBuilder extends Builder {
  private words = new Uint32Array(256);
  private readonly limit: bigint;
  /** The same bound for the fast path (exact: 10^15 and below are doubles exactly). */
  private readonly limitNumber: number;
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, private readonly precision: number, private readonly scale: number) {
    super(path, nullable, mode, type);
    this.limit = 10n ** BigInt(precision);
    this.limitNumber = precision >= 16 ? Infinity : 10 ** precision;
  }
  protected pushValue(v: unknown): void {
    this.words = grow(this.words, (this.length + 1) * 4);
    const at = this.length * 4;
    // Fast path: up to 6 bytes of two's complement fit a double exactly.
    if (v instanceof Uint8Array && v.length > 0 && v.length <= 6) {
      let x = 0;
      for (let i = 0; i < v.length; i++) x = x * 256 + v[i]!;
      if (v[0]! & 0x80) x -= 2 ** (8 * v.length);
      // More digits than the declared precision make a file strict readers refuse.
      if (x >= this.limitNumber || x <= -this.limitNumber) throw this.wrong(v, `a decimal of at most ${this.precision} digits`);
      const hi = Math.floor(x / TWO_32);
      this.words[at] = x - hi * TWO_32;
      this.words[at + 1] = hi >>> 0;
      const sign = x < 0 ? 0xffffffff : 0;
      this.words[at + 2] = sign;
      this.words[at + 3] = sign;
      return;
    }
    const x = unscaledOf(v, this.scale, this);
    if (x >= this.limit || x <= -this.limit) throw this.wrong(v, `a decimal of at most ${this.precision} digits`);
    const u = BigInt.asUintN(128, x);
    this.words[at] = Number(u & 0xffffffffn);
    this.words[at + 1] = Number((u >> 32n) & 0xffffffffn);
    this.words[at + 2] = Number((u >> 64n) & 0xffffffffn);
    this.words[at + 3] = Number(u >> 96n);
  }
  protected pushZero(): void {
    this.words = grow(this.words, (this.length + 1) * 4);
    this.words.fill(0, this.length * 4, this.length * 4 + 4);
  }
  finish(): Data {
    return makeData({ type: this.type as Decimal, ...this.shape(), data: this.words.subarray(0, this.length * 4) });
  }
}

function uuidText(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------- nested ----------

class ListBuilder extends Builder {
  private offsets = new Int32Array(257);
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, readonly child: Builder) {
    super(path, nullable, mode, type);
  }
  protected pushValue(v: unknown): void {
    if (!Array.isArray(v)) throw this.wrong(v, 'an array');
    for (let i = 0; i < v.length; i++) this.child.append(v[i]);
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.child.length;
  }
  protected pushZero(): void {
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.child.length;
  }
  protected override truncateData(len: number): void {
    this.child.truncate(this.offsets[len]!);
  }
  protected override resetData(): void {
    this.child.reset();
  }
  finish(): Data {
    return makeData({
      type: this.type as List, ...this.shape(),
      valueOffsets: this.offsets.subarray(0, this.length + 1), child: this.child.finish(),
    });
  }
}

class MapBuilder extends Builder {
  private offsets = new Int32Array(257);
  constructor(
    path: string, nullable: boolean, mode: Mode, type: DataType,
    private readonly keyType: FieldType, readonly keys: Builder, readonly values: Builder,
  ) {
    super(path, nullable, mode, type);
  }
  protected pushValue(v: unknown): void {
    if (v instanceof Map) {
      for (const [k, x] of v) this.entry(k, x);
    } else if (Array.isArray(v)) {
      // Connect's JSON envelope writes maps with non-string keys as [key, value] pairs.
      for (const pair of v) {
        if (!Array.isArray(pair) || pair.length !== 2) throw this.wrong(v, 'a map (an object, or [key, value] pairs)');
        this.entry(pair[0], pair[1]);
      }
    } else if (typeof v === 'object' && !(v instanceof Uint8Array)) {
      const o = v as Record<string, unknown>;
      for (const k in o) this.entry(k, o[k]);
    } else throw this.wrong(v, 'a map');
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.keys.length;
  }
  private entry(k: unknown, x: unknown): void {
    this.keys.append(this.key(k));
    this.values.append(x);
  }
  /** An object's keys are strings: a key of a number or boolean map is read back from its exact text. */
  private key(k: unknown): unknown {
    if (this.keyType.kind === 'string') return typeof k === 'string' ? k : jsonText(k);
    const typed = typedMapKey(k, this.keyType);
    if (typed === undefined) throw this.wrong(k, `a map key of type ${this.keyType.kind}`);
    return typed;
  }
  protected pushZero(): void {
    if (this.length + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.keys.length;
  }
  protected override truncateData(len: number): void {
    this.keys.truncate(this.offsets[len]!);
    this.values.truncate(this.offsets[len]!);
  }
  protected override resetData(): void {
    this.keys.reset();
    this.values.reset();
  }
  finish(): Data {
    const entriesType = (this.type as Map_).children[0]!.type as Struct;
    const entries = makeData({ type: entriesType, length: this.keys.length, nullCount: 0, children: [this.keys.finish(), this.values.finish()] });
    return makeData({
      type: this.type as Map_, ...this.shape(),
      valueOffsets: this.offsets.subarray(0, this.length + 1), child: entries,
    });
  }
}

/**
 * A row value that appends its fields to a record's child builders itself
 * (avro-columns.ts: straight from Avro bytes), exactly as a record object of
 * those fields would be appended.
 */
export const OWN_ROW = Symbol('a row that appends its own fields');
export interface OwnRow {
  [OWN_ROW](children: readonly Builder[]): void;
}

export class StructBuilder extends Builder {
  private readonly names: string[];
  constructor(path: string, nullable: boolean, mode: Mode, type: DataType, readonly children: Builder[], names: string[]) {
    super(path, nullable, mode, type);
    this.names = names;
  }
  protected pushValue(v: unknown): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) throw this.wrong(v, 'a record');
    if (this.mode === 'strict' && OWN_ROW in v) return (v as OwnRow)[OWN_ROW](this.children);
    const o = v as Record<string, unknown>;
    const names = this.names;
    const children = this.children;
    let present = 0;
    for (let i = 0; i < children.length; i++) {
      const x = o[names[i]!];
      if (x !== undefined) present++;
      children[i]!.append(x);
    }
    if (this.mode === 'infer') {
      // A field the schema does not have yet means the schema must widen.
      let keys = 0;
      for (const k in o) if (o[k] !== undefined) keys++;
      if (keys > present) throw new Misfit(`${this.path} has a new field`);
    }
  }
  protected pushZero(): void {
    for (const c of this.children) c.appendPlaceholder();
  }
  protected override truncateData(len: number): void {
    for (const c of this.children) c.truncate(len);
  }
  protected override resetData(): void {
    for (const c of this.children) c.reset();
  }
  finish(): Data {
    return makeData({ type: this.type as Struct, ...this.shape(), children: this.children.map((c) => c.finish()) });
  }
  /** The children as top-level columns of a record batch. */
  finishChildren(): Data[] {
    return this.children.map((c) => c.finish());
  }
}

/** A builder for values of type t at `path`. */
export function builderFor(t: FieldType, path: string, nullable: boolean, mode: Mode): Builder {
  const type = arrowType(t);
  switch (t.kind) {
    case 'boolean': return new BoolBuilder(path, nullable, mode, type);
    case 'int32': case 'date': case 'time-millis': return new Int32Builder(path, nullable, mode, type, t.kind);
    case 'int64': case 'timestamp-millis': case 'timestamp-micros': case 'timestamp-nanos': case 'time-micros': return new Int64Builder(path, nullable, mode, type, t.kind);
    case 'float32': return new FloatBuilder(path, nullable, mode, type, true);
    case 'float64': return new FloatBuilder(path, nullable, mode, type, false);
    case 'string': case 'uuid': case 'enum': case 'any': return new Utf8Builder(path, nullable, mode, type, t.kind);
    case 'null': return new Utf8Builder(path, true, mode, type, 'null');
    case 'bytes': return new BinaryBuilder(path, nullable, mode, type);
    case 'fixed': return new FixedBinaryBuilder(path, nullable, mode, type, t.size);
    case 'decimal':
      return t.precision > MAX_DECIMAL128_PRECISION
        ? new Utf8Builder(path, nullable, mode, type, 'decimal-text', t.scale)
        : new DecimalBuilder(path, nullable, mode, type, Math.max(1, t.precision), t.scale);
    case 'array': return new ListBuilder(path, nullable, mode, type, builderFor(t.items, `${path}[]`, t.itemsOptional, mode));
    case 'map': {
      const keyType = mapKeyType(t);
      return new MapBuilder(path, nullable, mode, type, keyType, builderFor(keyType, `${path}.key`, false, mode), builderFor(t.values, `${path}{}`, true, mode));
    }
    case 'record': return recordBuilder(t.fields, path, nullable, mode, type);
    case 'time-nanos': case 'zoned-timestamp': case 'zoned-time': case 'variable-decimal': case 'json': case 'xml': case 'bits':
      return debeziumBuilder(t, path, nullable, mode, type);
  }
}

export function recordBuilder(fields: readonly Field[], path: string, nullable: boolean, mode: Mode, type?: DataType): StructBuilder {
  const children = fields.map((f) => builderFor(f.type, path ? `${path}.${f.name}` : f.name, f.optional, mode));
  const structType = type ?? new Struct(fields.map((f) => new ArrowField(f.name, arrowType(f.type), f.optional)));
  return new StructBuilder(path, nullable, mode, structType, children, fields.map((f) => f.name));
}

// ---------- Debezium's semantic types (workers/schema.ts debeziumType) ----------

/** Converts a Debezium value exactly (sinks/common/debezium-values.ts) before the base builder takes it. */
function debeziumBuilder(t: FieldType, path: string, nullable: boolean, mode: Mode, type: DataType): Builder {
  const convert = (b: Builder, v: unknown, f: (v: unknown) => unknown): unknown => {
    try {
      return f(v);
    } catch (err) {
      if (err instanceof DebeziumValueError) throw b.misfit(v, err.message);
      throw err;
    }
  };
  switch (t.kind) {
    case 'time-nanos':
      return new (class extends Int64Builder {
        protected override pushValue(v: unknown): void {
          super.pushValue(convert(this, v, (x) => (typeof x === 'number' || typeof x === 'bigint' ? nanoTimeMicros(x) : x)));
        }
      })(path, nullable, mode, type, 'time-micros');
    case 'zoned-timestamp':
      return new (class extends Int64Builder {
        protected override pushValue(v: unknown): void {
          super.pushValue(convert(this, v, (x) => (typeof x === 'string' ? zonedTimestampMicros(x) : x)));
        }
      })(path, nullable, mode, type, 'timestamp-micros');
    case 'variable-decimal':
    case 'bits':
      return new (class extends Utf8Builder {
        protected override pushValue(v: unknown): void {
          super.pushValue(convert(this, v, (x) => (t.kind === 'bits' ? bitsText(x, t.length) : variableScaleDecimalText(x))));
        }
      })(path, nullable, mode, type, 'string');
    default:
      return new Utf8Builder(path, nullable, mode, type, 'string');
  }
}
