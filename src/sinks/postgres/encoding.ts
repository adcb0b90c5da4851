// Worker side of the PostgreSQL sink: records → PostgreSQL binary COPY tuples.
// A column plan (from the table's catalog) and a RecordSchema compile once
// into one writer function per column; the per-record path only writes bytes.
import { ByteWriter } from '../../workers/byte-writer.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { ConvertError, type EncoderOutput, type RecordContext, type WorkerEncoder } from '../common/encoder.js';

/** Where a column's value comes from. */
export type ColumnSource =
  | { from: 'value'; field: string }
  | { from: 'key'; field?: string }
  | { from: 'kafka'; what: 'topic' | 'partition' | 'offset' };

export interface PgColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typeName: string;
  /** Element type of an array column, 0 otherwise. */
  readonly elemOid: number;
  readonly notNull: boolean;
  readonly source: ColumnSource;
}

export interface PgPlan {
  /** Cache key: the same plan compiles once per worker. */
  readonly key: string;
  readonly table: string;
  readonly columns: readonly PgColumn[];
  readonly textNul: 'drop' | 'escape' | 'fail';
}

export const OID = {
  bool: 16, bytea: 17, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, bpchar: 1042, varchar: 1043, date: 1082, time: 1083,
  timestamp: 1114, timestamptz: 1184, numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

export const ARRAY_OF: Record<number, number> = {
  1000: OID.bool, 1001: OID.bytea, 1005: OID.int2, 1007: OID.int4, 1009: OID.text, 1014: OID.bpchar,
  1015: OID.varchar, 1016: OID.int8, 1021: OID.float4, 1022: OID.float8, 1182: OID.date, 1183: OID.time,
  1115: OID.timestamp, 1185: OID.timestamptz, 1231: OID.numeric, 2951: OID.uuid, 199: OID.json, 3807: OID.jsonb,
};

const SUPPORTED = new Set<number>(Object.values(OID));

export function columnTypeSupported(typeOid: number, elemOid: number): boolean {
  if (SUPPORTED.has(typeOid) && typeOid !== OID.oid) return true;
  return elemOid !== 0 && SUPPORTED.has(elemOid);
}

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in ms since 1970. */
const PG_EPOCH_MS = 946_684_800_000;
const PG_EPOCH_DAYS = 10_957;
const MS_PER_DAY = 86_400_000;


type ValueWriter = (w: ByteWriter, v: unknown) => void;
type ColumnWriter = (w: ByteWriter, value: unknown, ctx: RecordContext) => void;


/** Compiles the writers of one (plan, value schema, key schema) combination. */
export function compileRowEncoder(plan: PgPlan, schema: RecordSchema, keySchema: RecordSchema | undefined): (w: ByteWriter, value: unknown, ctx: RecordContext) => void {
  const fields = new Map((schema.fields ?? []).map((f) => [f.name, f]));
  const keyFields = new Map((keySchema?.fields ?? []).map((f) => [f.name, f]));
  const writers: ColumnWriter[] = plan.columns.map((col) => {
    const src = col.source;
    let fieldType: FieldType = { kind: 'any' };
    let get: (value: unknown, ctx: RecordContext) => unknown;
    if (src.from === 'kafka') {
      get = src.what === 'topic' ? (_v, c) => c.topic : src.what === 'partition' ? (_v, c) => c.partition : (_v, c) => c.offset;
      fieldType = src.what === 'topic' ? { kind: 'string' } : { kind: 'int64' };
    } else if (src.from === 'key') {
      const kf = src.field;
      if (kf === undefined || keySchema?.scalar) {
        get = (_v, c) => c.key;
        fieldType = keySchema?.scalar ? keySchema.fields![0]!.type : { kind: 'any' };
      } else {
        get = (_v, c) => (c.key !== null && typeof c.key === 'object' ? (c.key as Record<string, unknown>)[kf] : undefined);
        fieldType = keyFields.get(kf)?.type ?? { kind: 'any' };
      }
    } else if (schema.scalar) {
      get = (v) => v;
      fieldType = schema.fields![0]!.type;
    } else {
      const name = src.field;
      get = (v) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined);
      fieldType = fields.get(name)?.type ?? { kind: 'any' };
    }
    const write = valueWriter(col.typeOid, col.elemOid, fieldType, plan.textNul, col.name);
    const notNull = col.notNull;
    const colName = col.name;
    return (w, value, ctx) => {
      const v = get(value, ctx);
      if (v === null || v === undefined) {
        if (notNull) throw new ConvertError(`column "${colName}" is NOT NULL but the record has no value for it`);
        w.int32(-1);
        return;
      }
      const at = w.lengthSlot();
      write(w, v);
      w.patchLength(at);
    };
  });
  const n = writers.length;
  return (w, value, ctx) => {
    w.int16(n);
    for (let i = 0; i < n; i++) writers[i]!(w, value, ctx);
  };
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `${typeof v} ${s.length > 60 ? s.slice(0, 57) + '...' : s}`;
}

function fail(col: string, type: string, v: unknown): never {
  throw new ConvertError(`column "${col}" (${type}) cannot take ${describe(v)}`);
}

export function valueWriter(typeOid: number, elemOid: number, ft: FieldType, textNul: PgPlan['textNul'], col: string): ValueWriter {
  const k = ft.kind;
  switch (typeOid) {
    case OID.bool:
      return (w, v) => {
        if (typeof v === 'boolean') w.byte(v ? 1 : 0);
        else if (v === 'true' || v === 'false') w.byte(v === 'true' ? 1 : 0);
        else if (typeof v === 'number') w.byte(v !== 0 ? 1 : 0);
        else fail(col, 'boolean', v);
      };
    case OID.int2:
    case OID.int4: {
      const min = typeOid === OID.int2 ? -32768 : -2147483648;
      const max = typeOid === OID.int2 ? 32767 : 2147483647;
      const tn = typeOid === OID.int2 ? 'smallint' : 'integer';
      return (w, v) => {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) fail(col, tn, v);
        if (typeOid === OID.int2) w.int16(n);
        else w.int32(n);
      };
    }
    case OID.int8:
    case OID.oid:
      return (w, v) => {
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v)) fail(col, 'bigint', v);
          w.int64(v);
        } else if (typeof v === 'bigint') w.bigInt64(v);
        else if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) w.bigInt64(BigInt(v.trim()));
        else fail(col, 'bigint', v);
      };
    case OID.float4:
    case OID.float8:
      return (w, v) => {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(n) && !(typeof v === 'number' || v === 'NaN')) fail(col, typeOid === OID.float4 ? 'real' : 'double precision', v);
        if (typeOid === OID.float4) w.float32(n);
        else w.float64(n);
      };
    case OID.numeric:
      return (w, v) => writeNumeric(w, decimalString(v, ft, col));
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
      return (w, v) => {
        let s: string;
        if (typeof v === 'string') s = v;
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
        else if (v instanceof Uint8Array) s = Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
        else s = toJson(v);
        w.utf8(cleanNul(s, textNul, col));
      };
    case OID.bytea:
      return (w, v) => {
        if (v instanceof Uint8Array) w.bytes(v);
        else if (typeof v === 'string') w.utf8(v);
        else fail(col, 'bytea', v);
      };
    case OID.json:
      return (w, v) => {
        w.utf8(jsonText(v, ft, textNul, col));
      };
    case OID.jsonb:
      return (w, v) => {
        w.byte(1);
        w.utf8(jsonText(v, ft, textNul, col));
      };
    case OID.date:
      return (w, v) => w.int32(toEpochDays(v, k, col) - PG_EPOCH_DAYS);
    case OID.time:
      return (w, v) => w.int64(toTimeMicros(v, k, col));
    case OID.timestamp:
    case OID.timestamptz:
      return (w, v) => {
        const us = toEpochMicros(v, k, col);
        w.int64(us - PG_EPOCH_MS * 1000);
      };
    case OID.uuid:
      return (w, v) => writeUuid(w, v, col);
  }
  if (elemOid !== 0) return arrayWriter(elemOid, ft, textNul, col);
  throw new ConvertError(`column "${col}" has a type (oid ${typeOid}) Sluice cannot write`);
}

function arrayWriter(elemOid: number, ft: FieldType, textNul: PgPlan['textNul'], col: string): ValueWriter {
  const itemType: FieldType = ft.kind === 'array' ? ft.items : { kind: 'any' };
  const write = valueWriter(elemOid, 0, itemType, textNul, col);
  return (w, v) => {
    if (!Array.isArray(v)) fail(col, 'array', v);
    let hasNull = 0;
    for (const x of v) if (x == null) hasNull = 1;
    w.int32(1); // dimensions
    w.int32(hasNull);
    w.int32(elemOid);
    w.int32(v.length);
    w.int32(1); // lower bound
    for (const x of v) {
      if (x == null) w.int32(-1);
      else {
        const at = w.lengthSlot();
        write(w, x);
        w.patchLength(at);
      }
    }
  };
}

// ---------- text and JSON ----------

function cleanNul(s: string, mode: PgPlan['textNul'], col: string): string {
  if (s.indexOf('\u0000') < 0) return s;
  if (mode === 'drop') return s.replace(/\u0000/g, '');
  if (mode === 'escape') return s.replace(/\u0000/g, '\\u0000');
  throw new ConvertError(`column "${col}": text holds a NUL character, which PostgreSQL cannot store (text.nul.mode=fail)`);
}

function jsonReplacer(this: unknown, _k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  if (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  }
  return v;
}

function toJson(v: unknown): string {
  return JSON.stringify(v, jsonReplacer);
}

function jsonText(v: unknown, ft: FieldType, textNul: PgPlan['textNul'], col: string): string {
  // A string field mapped to json holds JSON text already (Debezium's Json type);
  // anything else is serialised.
  const text = typeof v === 'string' && ft.kind === 'string' && looksLikeJson(v) ? v : toJson(normalizeForJson(v, ft));
  // jsonb rejects \u0000 escapes inside strings just as text rejects NUL.
  if (text.indexOf('\\u0000') < 0) return text;
  if (textNul === 'drop') return text.replace(/\\u0000/g, '');
  if (textNul === 'escape') return text.replace(/\\u0000/g, '\\\\u0000');
  throw new ConvertError(`column "${col}": JSON holds a NUL character, which PostgreSQL cannot store (text.nul.mode=fail)`);
}

function looksLikeJson(s: string): boolean {
  const c = s.trimStart()[0];
  return c === '{' || c === '[';
}

/** Applies logical types inside nested values so JSON shows dates, decimals and times readably. */
function normalizeForJson(v: unknown, ft: FieldType): unknown {
  if (v === null || v === undefined) return v;
  switch (ft.kind) {
    case 'record': {
      if (typeof v !== 'object') return v;
      const out: Record<string, unknown> = {};
      const src = v as Record<string, unknown>;
      for (const f of ft.fields) out[f.name] = normalizeForJson(src[f.name], f.type);
      return out;
    }
    case 'array':
      return Array.isArray(v) ? v.map((x) => normalizeForJson(x, ft.items)) : v;
    case 'map': {
      if (typeof v !== 'object') return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeForJson(x, ft.values);
      return out;
    }
    case 'decimal':
      return decimalString(v, ft, 'json');
    case 'timestamp-millis':
    case 'timestamp-micros':
      return new Date(Math.floor(toEpochMicros(v, ft.kind, 'json') / 1000)).toISOString();
    case 'date':
      return new Date(toEpochDays(v, ft.kind, 'json') * MS_PER_DAY).toISOString().slice(0, 10);
    default:
      return v;
  }
}

// ---------- numeric ----------

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal value in whatever form it arrived, as a plain decimal string. */
export function decimalString(v: unknown, ft: FieldType, col: string): string {
  const scale = ft.kind === 'decimal' ? ft.scale : 0;
  if (v instanceof Uint8Array) return unscaledToString(twosComplement(v), scale);
  if (typeof v === 'string') {
    const t = v.trim();
    if (ft.kind === 'decimal' && !DECIMAL_RE.test(t)) {
      // Kafka Connect's JsonConverter writes decimals as base64 of the unscaled bytes.
      return unscaledToString(twosComplement(Buffer.from(t, 'base64')), scale);
    }
    if (DECIMAL_RE.test(t) && /\d/.test(t)) return expandExponent(t);
    if (t === 'NaN') return 'NaN';
    fail(col, 'numeric', v);
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) fail(col, 'numeric', v);
    return expandExponent(String(v));
  }
  if (typeof v === 'bigint') return v.toString();
  fail(col, 'numeric', v);
}

function twosComplement(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  if (b[0]! & 0x80) n -= 1n << BigInt(b.length * 8);
  return n;
}

function unscaledToString(n: bigint, scale: number): string {
  const neg = n < 0n;
  let s = (neg ? -n : n).toString();
  if (scale > 0) {
    s = s.padStart(scale + 1, '0');
    s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  } else if (scale < 0) s += '0'.repeat(-scale);
  return neg ? `-${s}` : s;
}

function expandExponent(t: string): string {
  const m = DECIMAL_RE.exec(t)!;
  const sign = m[1] === '-' ? '-' : '';
  let int = m[2] || '0';
  let frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) {
    const moved = frac.slice(0, exp).padEnd(exp, '0');
    int += moved;
    frac = frac.slice(exp);
  } else if (exp < 0) {
    const moved = int.padStart(-exp + 1, '0');
    frac = moved.slice(exp) + frac;
    int = moved.slice(0, exp);
  }
  return `${sign}${int}${frac ? '.' + frac : ''}`;
}

/** PostgreSQL's binary numeric: base-10000 digits around the decimal point. */
export function writeNumeric(w: ByteWriter, s: string): void {
  if (s === 'NaN') {
    w.int16(0);
    w.int16(0);
    w.int16(0xc000 - 0x10000);
    w.int16(0);
    return;
  }
  const m = DECIMAL_RE.exec(s)!;
  const neg = m[1] === '-';
  const intPart = (m[2] ?? '').replace(/^0+/, '');
  const fracPart = m[3] ?? '';
  const dscale = fracPart.length;
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const digits: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) digits.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) digits.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // Strip leading zero groups (adjusting weight) and trailing zero groups.
  let start = 0;
  while (start < digits.length && digits[start] === 0) {
    start++;
    weight--;
  }
  let end = digits.length;
  while (end > start && digits[end - 1] === 0) end--;
  const nd = end - start;
  w.int16(nd);
  w.int16(nd === 0 ? 0 : weight);
  w.int16(neg && nd > 0 ? 0x4000 : 0);
  w.int16(dscale);
  for (let i = start; i < end; i++) w.int16(digits[i]!);
}

// ---------- dates and times ----------

function toEpochMicros(v: unknown, kind: FieldType['kind'], col: string): number {
  if (typeof v === 'number') {
    if (kind === 'timestamp-micros') return v;
    if (kind === 'date') return v * MS_PER_DAY * 1000;
    return v * 1000; // timestamp-millis, and epoch ms for schemaless numbers
  }
  if (typeof v === 'bigint') return kind === 'timestamp-micros' ? Number(v) : Number(v) * 1000;
  if (v instanceof Date) return v.getTime() * 1000;
  if (typeof v === 'string') {
    const us = parseIsoMicros(v);
    if (us !== undefined) return us;
  }
  fail(col, 'timestamp', v);
}

/** ISO-8601 text to µs since the epoch, keeping sub-millisecond digits. */
function parseIsoMicros(s: string): number | undefined {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  const frac = /[T ]\d{2}:\d{2}:\d{2}\.(\d+)/.exec(s);
  let extra = 0;
  if (frac && frac[1]!.length > 3) extra = Number(frac[1]!.slice(3, 6).padEnd(3, '0'));
  return ms * 1000 + extra;
}

function toEpochDays(v: unknown, kind: FieldType['kind'], col: string): number {
  if (typeof v === 'number') {
    if (kind === 'timestamp-millis' || (kind === 'any' && Math.abs(v) > 1e7)) return Math.floor(v / MS_PER_DAY);
    if (kind === 'timestamp-micros') return Math.floor(v / MS_PER_DAY / 1000);
    return v;
  }
  if (v instanceof Date) return Math.floor(v.getTime() / MS_PER_DAY);
  if (typeof v === 'string') {
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (!Number.isNaN(ms)) return Math.floor(ms / MS_PER_DAY);
  }
  fail(col, 'date', v);
}

function toTimeMicros(v: unknown, kind: FieldType['kind'], col: string): number {
  if (typeof v === 'number') return kind === 'time-micros' ? v : v * 1000;
  if (typeof v === 'string') {
    const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(v.trim());
    if (m) return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1e6 + Number((m[4] ?? '').padEnd(6, '0'));
  }
  fail(col, 'time', v);
}

function writeUuid(w: ByteWriter, v: unknown, col: string): void {
  if (v instanceof Uint8Array && v.length === 16) {
    w.bytes(v);
    return;
  }
  if (typeof v === 'string') {
    const hex = v.replace(/[-{}]/g, '');
    if (/^[0-9a-fA-F]{32}$/.test(hex)) {
      w.ensure(16);
      for (let i = 0; i < 16; i++) w.buf[w.pos + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      w.pos += 16;
      return;
    }
  }
  fail(col, 'uuid', v);
}

type RowEncoder = ReturnType<typeof compileRowEncoder>;

/** Worker half of the PostgreSQL sink: binary COPY tuples into one reusable buffer. */
export class PgEncoder implements WorkerEncoder<PgPlan> {
  private readonly writer = new ByteWriter(4 << 20);
  private readonly compiled = new Map<string, RowEncoder>();
  private plan!: PgPlan;
  private lastSchema: RecordSchema | undefined;
  private lastKeySchema: RecordSchema | undefined;
  private encodeRow: RowEncoder | undefined;
  private rows = 0;
  private rowStart = 0;

  needsKeys(plan: PgPlan): boolean {
    return plan.columns.some((c) => c.source.from === 'key');
  }

  begin(plan: PgPlan): void {
    this.plan = plan;
    this.writer.reset();
    this.rows = 0;
    this.encodeRow = undefined;
    this.lastSchema = undefined;
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    if (value.schema !== this.lastSchema || key?.schema !== this.lastKeySchema || !this.encodeRow) {
      const cacheKey = `${this.plan.key}|${value.schema.id}|${key?.schema.id ?? ''}`;
      let enc = this.compiled.get(cacheKey);
      if (!enc) {
        enc = compileRowEncoder(this.plan, value.schema, key?.schema);
        this.compiled.set(cacheKey, enc);
      }
      this.encodeRow = enc;
      this.lastSchema = value.schema;
      this.lastKeySchema = key?.schema;
    }
    this.rowStart = this.writer.pos;
    try {
      this.encodeRow(this.writer, value.value, ctx);
    } catch (err) {
      if (err instanceof RangeError || err instanceof TypeError) throw new ConvertError(err.message);
      throw err;
    }
    this.rows++;
  }

  tombstone(): void {}

  discardCurrent(): void {
    this.writer.pos = this.rowStart;
  }

  finish(): EncoderOutput {
    const w = this.writer;
    let output: SharedArrayBuffer | null = null;
    if (w.pos > 0) {
      output = new SharedArrayBuffer(w.pos);
      new Uint8Array(output).set(w.buf.subarray(0, w.pos));
    }
    return { output, outputBytes: w.pos, rows: this.rows };
  }
}
