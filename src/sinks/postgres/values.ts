// One value → the bytes of one field in PostgreSQL's binary COPY format, per
// column type. A writer is chosen once per (column, field type) and called per
// record; it throws ConvertError for a value the column cannot take.
import { stringifyJsonExact } from '../../workers/json-exact.js';
import type { ByteWriter } from '../../workers/byte-writer.js';
import type { FieldType } from '../../workers/schema.js';
import { ConvertError } from '../../errors.js';
import { epochMicros, floorDiv, isoFromEpoch, minus, TimestampRangeError, type Exact, type TimestampKind } from '../common/timestamps.js';
import { numericTypmod, OID } from './types.js';
import { UTC_ZONES, wallMicros, type WallZones, type ZoneOffsets } from './wall-clock.js';
import { bitsText, DebeziumValueError, nanoTimeMicros, variableScaleDecimalText, zonedTime, zonedTimestampMicros } from '../common/debezium-values.js';

export type TextNulMode = 'drop' | 'escape' | 'fail';
export type ValueWriter = (w: ByteWriter, v: unknown) => void;

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in ms since 1970. */
const PG_EPOCH_MS = 946_684_800_000;
const PG_EPOCH_DAYS = 10_957;
const MS_PER_DAY = 86_400_000;
const PG_EPOCH_US = PG_EPOCH_MS * 1000;
/**
 * PostgreSQL's timestamp range in µs since its epoch: [4714-11-24 00:00 BC,
 * 294277-01-01 00:00) (MIN_TIMESTAMP, END_TIMESTAMP in datatype/timestamp.h);
 * date shares the lower bound (Julian day 0).
 */
const PG_MIN_TS = -211_813_488_000_000_000n;
const PG_END_TS = 9_223_371_331_200_000_000n;
const PG_MIN_DATE = -2_451_545; // days since 2000-01-01 of 4714-11-24 BC
const PG_RANGE = "PostgreSQL's timestamp range (4713 BC to 294276 AD)";

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  const s = typeof v === 'object' ? toJson(v) : String(v);
  return `${typeof v} ${s.length > 60 ? s.slice(0, 57) + '...' : s}`;
}

function fail(col: string, type: string, v: unknown, why?: string): never {
  throw new ConvertError(`column "${col}" (${type}) cannot take ${describe(v)}${why ? `: ${why}` : ''}`);
}

/** A long timestamp the column cannot hold as it is: the message says which kind of value it was and why. */
function failTimestamp(col: string, type: string, v: unknown, kind: string, why: string): never {
  throw new ConvertError(`column "${col}" (${type}) cannot take ${kind} ${String(v)}: ${why}`);
}

/**
 * `typmod`: the column's type modifier (atttypmod, -1 when none); numeric(p,s) keeps s decimal places.
 * `zones`: db.timezone / date.timezone when not UTC (wall-clock.ts).
 */
export function valueWriter(
  typeOid: number, elemOid: number, ft: FieldType, textNul: TextNulMode, col: string, typmod = -1, zones: WallZones = UTC_ZONES,
): ValueWriter {
  const k = ft.kind;
  const dbz = debeziumWriter(typeOid, ft, textNul, col, typmod);
  if (dbz) return dbz;
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
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) fail(col, tn, v);
        if (typeOid === OID.int2) w.int16(n);
        else w.int32(n);
      };
    }
    case OID.int8:
      return (w, v) => {
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v)) fail(col, 'bigint', v);
          w.int64(v);
        } else if (typeof v === 'bigint') {
          if (v > 9223372036854775807n || v < -9223372036854775808n) fail(col, 'bigint', v);
          w.bigInt64(v);
        } else if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) {
          const b = BigInt(v.trim());
          if (b > 9223372036854775807n || b < -9223372036854775808n) fail(col, 'bigint', v);
          w.bigInt64(b);
        } else if (v instanceof Date) w.int64(v.getTime());
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
    case OID.numeric: {
      // PostgreSQL rounds a value with more decimal places than numeric(p,s)
      // keeps: digits would be lost silently, so such a value is refused here.
      const nm = numericTypmod(typmod);
      const tn = nm === undefined ? 'numeric' : `numeric(${nm.precision},${nm.scale})`;
      const small = smallDecimalWriter(ft, typmod);
      return (w, v) => {
        // The common case, Avro decimal bytes of up to 6 bytes, goes straight to
        // base-10000 digits; anything else through the exact decimal string.
        if (small && v instanceof Uint8Array && small(w, v, 0, v.length)) return;
        const text = decimalString(v, ft, col);
        if (nm !== undefined) {
          const why = numericMisfit(text, nm.precision, nm.scale);
          if (why !== undefined) fail(col, tn, v, why);
        }
        writeNumeric(w, text);
      };
    }
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
      return (w, v) => {
        let s: string;
        if (typeof v === 'string') s = v;
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
        else if (v instanceof Uint8Array) s = Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
        else if (v instanceof Date) s = v.toISOString();
        else s = toJson(normalizeForJson(v, ft));
        w.utf8(cleanNul(s, textNul, col));
      };
    case OID.bytea:
      return (w, v) => {
        if (v instanceof Uint8Array) w.bytes(v);
        // Kafka Connect's JsonConverter writes bytes as base64.
        else if (typeof v === 'string') {
          if (k === 'bytes' || k === 'fixed') w.bytes(Buffer.from(v, 'base64'));
          else w.utf8(v);
        } else fail(col, 'bytea', v);
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
    case OID.date: {
      const shifted = zonedDateWriter(ft, zones, col);
      if (shifted) return shifted;
      return (w, v) => {
        const days = toEpochDays(v, k, col) - PG_EPOCH_DAYS;
        if (days < PG_MIN_DATE || days > 2_147_483_647 - PG_EPOCH_DAYS) fail(col, 'date', v, "outside PostgreSQL's date range (4713 BC to 5874897 AD)");
        w.int32(days);
      };
    }
    case OID.time: {
      const z = zones.ts;
      if (z && connectTime(ft)) return (w, v) => w.int64(zonedTimeMicros(toTimeMicros(v, k, col), z));
      return (w, v) => w.int64(toTimeMicros(v, k, col));
    }
    case OID.timestamp:
    case OID.timestamptz: {
      const tn = typeOid === OID.timestamp ? 'timestamp' : 'timestamptz';
      // An instant into a column without a zone: its wall clock in db.timezone (wall-clock.ts).
      const z = typeOid === OID.timestamp && instant(ft) ? zones.ts : undefined;
      if (z) {
        return (w, v) => {
          const us = minus(wallMicros(toEpochMicros(v, k, col, tn), z), PG_EPOCH_US);
          if (typeof us === 'number') w.int64(us);
          else if (us >= PG_MIN_TS && us < PG_END_TS) w.bigInt64(us);
          else failTimestamp(col, tn, v, k, `outside ${PG_RANGE}`);
        };
      }
      return (w, v) => {
        const us = minus(toEpochMicros(v, k, col, tn), PG_EPOCH_US);
        // A safe integer is always inside the range; beyond it, check (binary COPY would refuse it or, at ±2^63, read ±infinity).
        if (typeof us === 'number') w.int64(us);
        else if (us >= PG_MIN_TS && us < PG_END_TS) w.bigInt64(us);
        else failTimestamp(col, tn, v, k, `outside ${PG_RANGE}`);
      };
    }
    case OID.uuid:
      return (w, v) => writeUuid(w, v, col);
  }
  if (elemOid !== 0) return arrayWriter(elemOid, ft, textNul, col, typmod, zones);
  throw new ConvertError(`column "${col}" has a type (oid ${typeOid}) Sluice cannot write`);
}

/** A Debezium semantic type into the column types that read it specially; undefined: the generic writers. */
function debeziumWriter(typeOid: number, ft: FieldType, textNul: TextNulMode, col: string, typmod: number): ValueWriter | undefined {
  const guard = (type: string, f: ValueWriter): ValueWriter => (w, v) => {
    try {
      f(w, v);
    } catch (err) {
      if (err instanceof DebeziumValueError) fail(col, type, v, err.message);
      throw err;
    }
  };
  switch (ft.kind) {
    case 'variable-decimal':
      if (typeOid === OID.numeric) {
        const colScale = numericColumnScale(typmod);
        return guard('numeric', (w, v) => writeNumeric(w, keepsScale(variableScaleDecimalText(v), colScale, col, typmod)));
      }
      if (typeOid === OID.text || typeOid === OID.varchar) return guard('text', (w, v) => w.utf8(variableScaleDecimalText(v)));
      return undefined;
    case 'zoned-timestamp':
      if (typeOid !== OID.timestamptz && typeOid !== OID.timestamp) return undefined;
      return guard(typeOid === OID.timestamp ? 'timestamp' : 'timestamptz', (w, v) => {
        if (typeof v !== 'string') throw new DebeziumValueError('a ZonedTimestamp is text');
        const us = minus(zonedTimestampMicros(v), PG_EPOCH_US);
        if (typeof us === 'number') w.int64(us);
        else if (us >= PG_MIN_TS && us < PG_END_TS) w.bigInt64(us);
        else throw new DebeziumValueError(`outside ${PG_RANGE}`);
      });
    case 'time-nanos':
      if (typeOid !== OID.time) return undefined;
      return guard('time', (w, v) => {
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new DebeziumValueError('a NanoTime is an integer');
        w.int64(nanoTimeMicros(v));
      });
    case 'zoned-time':
      if (typeOid !== OID.timetz) return undefined;
      return guard('time with time zone', (w, v) => {
        if (typeof v !== 'string') throw new DebeziumValueError('a ZonedTime is text');
        const t = zonedTime(v);
        w.int64(t.micros);
        w.int32(-t.offsetSeconds); // timetz keeps seconds WEST of UTC
      });
    case 'bits':
      if (typeOid !== OID.bit && typeOid !== OID.varbit && typeOid !== OID.text && typeOid !== OID.varchar) return undefined;
      return guard(typeOid === OID.bit ? 'bit' : typeOid === OID.varbit ? 'bit varying' : 'text', (w, v) => {
        const bits = bitsText(v, ft.length);
        if (typeOid === OID.text || typeOid === OID.varchar) {
          w.utf8(bits);
          return;
        }
        w.int32(bits.length);
        w.ensure((bits.length + 7) >> 3);
        for (let i = 0; i < bits.length; i += 8) {
          let byte = 0;
          for (let j = 0; j < 8; j++) byte = (byte << 1) | (i + j < bits.length && bits.charCodeAt(i + j) === 49 ? 1 : 0);
          w.buf[w.pos++] = byte;
        }
      });
    case 'json':
      if (typeOid !== OID.json && typeOid !== OID.jsonb) return undefined;
      return guard(typeOid === OID.json ? 'json' : 'jsonb', (w, v) => {
        if (typeof v !== 'string') throw new DebeziumValueError('an io.debezium.data.Json value is JSON text');
        try {
          JSON.parse(v);
        } catch {
          throw new DebeziumValueError('not valid JSON text');
        }
        if (typeOid === OID.jsonb) w.byte(1);
        // json keeps the text exactly as the source column held it.
        w.utf8(cleanJsonNul(v.indexOf('\u0000') >= 0 ? cleanNul(v, textNul, col) : v, textNul, col));
      });
  }
  if (typeOid === OID.xml) {
    // xml's binary form is its text; PostgreSQL checks that it is well-formed.
    return (w, v) => {
      if (typeof v !== 'string') fail(col, 'xml', v);
      w.utf8(cleanNul(v, textNul, col));
    };
  }
  return undefined;
}

function arrayWriter(elemOid: number, ft: FieldType, textNul: TextNulMode, col: string, typmod: number, zones: WallZones): ValueWriter {
  const itemType: FieldType = ft.kind === 'array' ? ft.items : { kind: 'any' };
  // An array column's type modifier is its elements' (numeric(10,2)[]).
  const write = valueWriter(elemOid, 0, itemType, textNul, col, typmod, zones);
  return (w, v) => {
    if (!Array.isArray(v)) fail(col, 'array', v);
    let hasNull = 0;
    for (const x of v) if (x == null) hasNull = 1;
    if (v.length === 0) {
      // An empty array has no dimensions.
      w.int32(0);
      w.int32(0);
      w.int32(elemOid);
      return;
    }
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

/**
 * PostgreSQL text cannot hold U+0000. escape (default) writes the six
 * characters \u0000 instead, drop removes it, fail rejects the record.
 */
export function cleanNul(s: string, mode: TextNulMode, col: string): string {
  if (s.indexOf('\u0000') < 0) return s;
  if (mode === 'drop') return s.replace(/\u0000/g, '');
  if (mode === 'escape') return s.replace(/\u0000/g, '\\u0000');
  throw new ConvertError(`column "${col}": text holds a NUL character (U+0000), which PostgreSQL cannot store (text.nul.mode=fail)`);
}

/**
 * jsonb rejects the escape \u0000 the same way. Only a real escape counts:
 * one preceded by an even number of backslashes (\\u0000 is a literal
 * backslash followed by "u0000"). escape turns it into that literal text.
 */
export function cleanJsonNul(text: string, mode: TextNulMode, col: string): string {
  if (text.indexOf('u0000') < 0) return text;
  return text.replace(/(\\+)u0000/g, (m, bs: string) => {
    if (bs.length % 2 === 0) return m;
    const keep = bs.slice(0, -1);
    if (mode === 'drop') return keep;
    if (mode === 'escape') return `${keep}\\\\u0000`;
    throw new ConvertError(`column "${col}": JSON holds a NUL character (U+0000), which PostgreSQL cannot store (text.nul.mode=fail)`);
  });
}

function jsonReplacer(this: unknown, _k: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  if (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

function toJson(v: unknown): string {
  return stringifyJsonExact(v, jsonReplacer);
}

export function jsonText(v: unknown, ft: FieldType, textNul: TextNulMode, col: string): string {
  let text: string | undefined;
  // A string field mapped to json holds JSON text already (Debezium's Json type).
  if (typeof v === 'string' && ft.kind === 'string' && looksLikeJson(v)) {
    try {
      JSON.parse(v);
      text = v;
    } catch {
      text = undefined;
    }
  }
  text ??= toJson(normalizeForJson(v, ft));
  if (text.indexOf('\u0000') >= 0) text = cleanNul(text, textNul, col);
  return cleanJsonNul(text, textNul, col);
}

function looksLikeJson(s: string): boolean {
  const c = s.trimStart()[0];
  return c === '{' || c === '[';
}

/** Applies logical types inside nested values so JSON shows dates, decimals and times readably. */
export function normalizeForJson(v: unknown, ft: FieldType): unknown {
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
      // Connect's JSON writes a map whose keys are not strings as [key, value] pairs; a JSON object needs text keys.
      if (Array.isArray(v)) {
        for (const pair of v) {
          if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError(`JSON: a map given as an array must hold [key, value] pairs, not ${toJson(pair)}`);
          const k = pair[0];
          out[typeof k === 'string' ? k : toJson(k)] = normalizeForJson(pair[1], ft.values);
        }
        return out;
      }
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeForJson(x, ft.values);
      return out;
    }
    case 'decimal':
      return decimalString(v, ft, 'json');
    case 'variable-decimal':
    case 'bits':
      try {
        return ft.kind === 'bits' ? bitsText(v, ft.length) : variableScaleDecimalText(v);
      } catch (err) {
        if (err instanceof DebeziumValueError) throw new ConvertError(`${describe(v)}: ${err.message}`);
        throw err;
      }
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'timestamp-nanos': {
      if (typeof v !== 'number' && typeof v !== 'bigint') return isoMicros(Number(toEpochMicros(v, ft.kind, 'json')));
      // Exact, with every digit the value has (nanoseconds too): JSON text can hold them.
      const iso = isoFromEpoch(v, ft.kind);
      if (iso === undefined) throw new ConvertError(`JSON: ${ft.kind} ${String(v)} is beyond the dates Sluice can write as text (±275760 years)`);
      return iso;
    }
    case 'date':
      return new Date(toEpochDays(v, ft.kind, 'json') * MS_PER_DAY).toISOString().slice(0, 10);
    case 'time-millis':
    case 'time-micros':
      return timeText(toTimeMicros(v, ft.kind, 'json'));
    default:
      return v;
  }
}

function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  const extra = us - ms * 1000;
  return extra === 0 ? iso : `${iso.slice(0, -1)}${String(extra).padStart(3, '0')}Z`;
}

function timeText(us: number): string {
  const s = Math.floor(us / 1e6);
  const frac = us - s * 1e6;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return frac === 0 ? `${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

// ---------- numeric ----------

/** The scale of a numeric(p,s) column (negative from PostgreSQL 15 on); undefined for an unconstrained numeric. */
function numericColumnScale(typmod: number): number | undefined {
  return numericTypmod(typmod)?.scale;
}

/**
 * Why PostgreSQL would not store a decimal text as it is in numeric(precision, scale), or
 * undefined when it would. On input it rounds to the column's scale (a negative scale, allowed
 * from PostgreSQL 15 on, rounds to tens, hundreds…): digits would be lost silently, so such a
 * value is refused here; and it holds fewer than precision - scale digits before the point.
 */
function numericMisfit(text: string, precision: number, scale: number): string | undefined {
  const places = decimalPlaces(text);
  if (scale < 0 && places === 0 && trailingZeros(text) < -scale) {
    return `${text} is not a multiple of 1${'0'.repeat(-scale)} and the column keeps scale ${scale} (PostgreSQL would round it)`;
  }
  if (places > Math.max(scale, 0)) return `${text} has ${places} significant decimal places and the column keeps ${scale} (PostgreSQL would round it)`;
  const room = precision - scale;
  const digits = integerDigits(text);
  if (digits > Math.max(room, 0)) return `${text} has ${digits} digits before the point and the column has room for ${Math.max(room, 0)}`;
  // Scale above precision (PostgreSQL 15): only values below 10^(precision - scale) fit.
  if (room < 0 && leadingFractionZeros(text) < -room) return `${text} is not below 1e${room}, the largest the column holds`;
  return undefined;
}

/** Zeros at the end of a decimal text without a fraction, for a non-zero value: 12300 → 2; 0 → Infinity. */
function trailingZeros(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48) end--;
  return end === 0 || !/[1-9]/.test(text) ? Infinity : text.length - end;
}

/** Zeros right after the decimal point before the first other digit: 0.00123 → 2; a value with integer digits → 0; 0 → Infinity. */
function leadingFractionZeros(text: string): number {
  if (!/[1-9]/.test(text)) return Infinity;
  if (integerDigits(text) > 0) return 0;
  const dot = text.indexOf('.');
  let i = dot + 1;
  while (text.charCodeAt(i) === 48) i++;
  return i - dot - 1;
}

/**
 * PostgreSQL rounds a numeric to its column's scale on input: a value with
 * more (non-zero) decimal places would land changed, so it is refused.
 */
function keepsScale(s: string, colScale: number | undefined, col: string, typmod: number): string {
  if (colScale === undefined) return s;
  const precision = ((typmod - 4) >> 16) & 0xffff;
  if (colScale < 0) {
    const why = numericMisfit(s, precision, colScale);
    if (why !== undefined) fail(col, `numeric(${precision},${colScale})`, s, why);
    return s;
  }
  const dot = s.indexOf('.');
  if (dot < 0 || s.length - dot - 1 <= colScale) return s;
  if (/^0*$/.test(s.slice(dot + 1 + colScale))) return s;
  fail(col, `numeric(${precision},${colScale})`, s, `it has ${s.length - dot - 1} decimal places and the column keeps ${colScale}; PostgreSQL would round it`);
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal value in whatever form it arrived, as a plain decimal string. */
export function decimalString(v: unknown, ft: FieldType, col: string): string {
  const scale = ft.kind === 'decimal' ? ft.scale : 0;
  if (v instanceof Uint8Array) return unscaledToString(twosComplement(v), scale);
  if (typeof v === 'string') {
    const t = v.trim();
    if (ft.kind === 'decimal' && !(DECIMAL_RE.test(t) && /\d/.test(t))) {
      // Kafka Connect's JsonConverter writes decimals as base64 of the unscaled bytes.
      if (/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return unscaledToString(twosComplement(Buffer.from(t, 'base64')), scale);
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

/** Decimal places that carry a digit other than a trailing zero: 1.2300 → 2, 5 → 0. */
function decimalPlaces(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1;
}

/** Digits before the decimal point, leading zeros not counted: 0.5 → 0, -123.4 → 3. */
function integerDigits(text: string): number {
  let i = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? 1 : 0;
  while (text.charCodeAt(i) === 48) i++;
  const dot = text.indexOf('.');
  return Math.max(0, (dot < 0 ? text.length : dot) - i);
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

/** Big-endian two's complement of b[start, end) (at most 6 bytes), as an exact number. */
function smallTwosComplement(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 256 + b[i]!;
  return b[start]! & 0x80 ? n - 2 ** (8 * (end - start)) : n;
}

/**
 * The numeric column's fast path for decimal bytes b[start, end) of 1 to 6
 * bytes: writes them as binary numeric and returns true, or writes nothing
 * and returns false (the caller takes the exact decimal string path, which
 * also says why a value does not fit). Undefined when the column's scale
 * rules the fast path out. Shared by the value writer and avro-copy.ts.
 */
export function smallDecimalWriter(ft: FieldType, typmod: number): ((w: ByteWriter, b: Uint8Array, start: number, end: number) => boolean) | undefined {
  const scale = ft.kind === 'decimal' ? ft.scale : 0;
  const nm = numericTypmod(typmod);
  const keeps = nm?.scale;
  const precision = nm?.precision;
  if (!(scale >= 0 && (keeps === undefined || scale <= keeps))) return undefined;
  // The unscaled bound of the integer digits the column has room for (the fast path's check; exact below 10^16).
  const intDigits = precision === undefined ? undefined : precision - keeps!;
  const fastLimit = intDigits === undefined || intDigits + scale > 15 ? Infinity : 10 ** (intDigits + scale);
  return (w, b, start, end) => {
    const len = end - start;
    if (len <= 0 || len > 6) return false;
    const x = smallTwosComplement(b, start, end);
    return x < fastLimit && x > -fastLimit && writeNumericUnscaled(w, x, scale);
  };
}

const POW10 = [1, 10, 100, 1000, 10000];

/**
 * Binary numeric of unscaled × 10^-scale without strings or BigInt. Returns
 * false (writing nothing) when the aligned value would leave the safe-integer
 * range; the caller then takes the string path.
 */
export function writeNumericUnscaled(w: ByteWriter, unscaled: number, scale: number): boolean {
  const fracGroups = Math.ceil(scale / 4);
  let u = Math.abs(unscaled) * POW10[fracGroups * 4 - scale]!;
  if (!Number.isSafeInteger(u)) return false;
  const neg = unscaled < 0;
  // Base-10000 digits, least significant first; the last fracGroups are the fraction.
  const digits = numericScratch;
  let n = 0;
  while (u > 0) {
    digits[n++] = u % 10000;
    u = Math.floor(u / 10000);
  }
  let low = 0;
  while (low < n && digits[low] === 0) low++; // trailing zero groups are implied by dscale
  const nd = n - low;
  w.int16(nd);
  w.int16(nd === 0 ? 0 : n - fracGroups - 1);
  w.int16(neg && nd > 0 ? 0x4000 : 0);
  w.int16(scale);
  for (let i = n - 1; i >= low; i--) w.int16(digits[i]!);
  return true;
}
const numericScratch = new Array<number>(8).fill(0);

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

const US_PER_DAY = 86_400_000_000;

/** A Connect Timestamp (and what converters map to it): an instant, where local-* and Debezium's Timestamp types are wall clocks already. */
export function instant(ft: FieldType): boolean {
  return (ft.kind === 'timestamp-millis' || ft.kind === 'timestamp-micros' || ft.kind === 'timestamp-nanos') && !ft.local;
}

/** Whether a plan's zones change what a column of `typeOid` is written for a field of type `ft`. */
export function shiftedByZone(typeOid: number, ft: FieldType, zones: WallZones): boolean {
  if (typeOid === OID.timestamp || typeOid === OID.time) return zones.ts !== undefined && (typeOid === OID.time ? connectTime(ft) : instant(ft));
  if (typeOid !== OID.date) return false;
  return ft.kind === 'date' && !ft.local ? zones.date !== undefined : instant(ft) && zones.ts !== undefined;
}

/** A Connect Time (not Debezium's Time/MicroTime/NanoTime, which are the source column's own time of day). */
function connectTime(ft: FieldType): boolean {
  return (ft.kind === 'time-millis' || ft.kind === 'time-micros') && !ft.local;
}

/**
 * A Connect Time is an instant on 1970-01-01 (java.util.Date); bound with a
 * Calendar it becomes that instant's time of day in the zone, at the zone's
 * offset on that day.
 */
export function zonedTimeMicros(us: number, z: ZoneOffsets): number {
  const t = us + z.offsetMs(Math.floor(us / 1000)) * 1000;
  return ((t % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
}

/** The day of an instant's wall clock in `z`, in days since 1970-01-01. */
export function zonedEpochDays(us: number | bigint, z: ZoneOffsets, col: string, v: unknown): number {
  const days = floorDiv(wallMicros(us, z), US_PER_DAY);
  if (typeof days !== 'number') fail(col, 'date', v, "outside PostgreSQL's date range (4713 BC to 5874897 AD)");
  return days;
}

/** A date column under a zone: a Connect Date in date.timezone's zone, an instant in db.timezone's, as Connect's JDBC sink binds them. */
function zonedDateWriter(ft: FieldType, zones: WallZones, col: string): ValueWriter | undefined {
  const z = ft.kind === 'date' && !ft.local ? zones.date : instant(ft) ? zones.ts : undefined;
  if (!z) return undefined;
  const k = ft.kind;
  return (w, v) => {
    const us = k === 'date' ? toEpochDays(v, k, col) * US_PER_DAY : toEpochMicros(v, k, col, 'date');
    const days = zonedEpochDays(us, z, col, v) - PG_EPOCH_DAYS;
    if (days < PG_MIN_DATE || days > 2_147_483_647 - PG_EPOCH_DAYS) fail(col, 'date', v, "outside PostgreSQL's date range (4713 BC to 5874897 AD)");
    w.int32(days);
  };
}

/**
 * µs since the epoch, exactly: a number while it is a safe integer, BigInt
 * beyond. Integers of a timestamp kind convert by their unit; other numbers
 * (schemaless, plain longs) are epoch milliseconds.
 */
export function toEpochMicros(v: unknown, kind: FieldType['kind'], col: string, type = 'timestamp'): Exact {
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (kind === 'date') {
      if (typeof v === 'number' && Number.isInteger(v)) return v * MS_PER_DAY * 1000;
      fail(col, type, v);
    }
    const unit: TimestampKind = kind === 'timestamp-micros' || kind === 'timestamp-nanos' ? kind : 'timestamp-millis';
    try {
      return epochMicros(v, unit);
    } catch (err) {
      if (err instanceof TimestampRangeError) failTimestamp(col, type, v, kind === unit ? kind : `${kind} (epoch milliseconds)`, err.message);
      throw err;
    }
  }
  if (v instanceof Date) return v.getTime() * 1000;
  if (typeof v === 'string') {
    const us = parseIsoMicros(v);
    if (us !== undefined) return us;
  }
  fail(col, type, v);
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

export function toEpochDays(v: unknown, kind: FieldType['kind'], col: string): number {
  if ((typeof v === 'number' || typeof v === 'bigint') && (kind === 'timestamp-millis' || kind === 'timestamp-micros' || kind === 'timestamp-nanos')) {
    // Exact for every long: the day of the instant, never of a rounded one.
    const days = floorDiv(toEpochMicros(v, kind, col, 'date'), MS_PER_DAY * 1000);
    if (typeof days !== 'number') fail(col, 'date', v, "outside PostgreSQL's date range (4713 BC to 5874897 AD)");
    return days;
  }
  if (typeof v === 'number') {
    if (kind === 'any' && Math.abs(v) > 1e7) return Math.floor(v / MS_PER_DAY);
    if (!Number.isInteger(v)) fail(col, 'date', v);
    return v;
  }
  if (v instanceof Date) return Math.floor(v.getTime() / MS_PER_DAY);
  if (typeof v === 'string') {
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (!Number.isNaN(ms)) return Math.floor(ms / MS_PER_DAY);
  }
  fail(col, 'date', v);
}

export function toTimeMicros(v: unknown, kind: FieldType['kind'], col: string): number {
  if (kind === 'time-nanos' && (typeof v === 'number' || typeof v === 'bigint')) {
    try {
      return nanoTimeMicros(v);
    } catch (err) {
      if (err instanceof DebeziumValueError) fail(col, 'time', v, err.message);
      throw err;
    }
  }
  if (typeof v === 'number') {
    const us = kind === 'time-micros' ? v : v * 1000;
    if (!Number.isInteger(us) || us < 0 || us > 86_400_000_000) fail(col, 'time', v);
    return us;
  }
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
