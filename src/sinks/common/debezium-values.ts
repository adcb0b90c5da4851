// Values of Debezium's semantic types (workers/schema.ts debeziumType), read
// exactly for any sink: a ZonedTimestamp's text as the instant it names, a
// NanoTime/NanoTimestamp only where no digit is lost, a VariableScaleDecimal
// struct as its decimal text, Bits as the bit string the source column held.
// Each function throws DebeziumValueError saying why; the caller names the
// column or field.
import { ConvertError } from '../../errors.js';
import type { Exact } from './timestamps.js';

export class DebeziumValueError extends ConvertError {}

const US_PER_DAY = 86_400_000_000n;

function norm(b: bigint): Exact {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Fraction digits as µs; more than six digits must be zeros past the sixth. */
function fractionMicros(frac: string | undefined, text: string): number {
  if (!frac) return 0;
  if (frac.length > 6 && !/^0+$/.test(frac.slice(6))) {
    throw new DebeziumValueError(`${JSON.stringify(text)} has sub-microsecond digits (.${frac}), and the destination holds microseconds`);
  }
  return Number(frac.slice(0, 6).padEnd(6, '0'));
}

/** Offset text (Z, ±HH:MM, ±HH:MM:SS, ±HHMM) in seconds east of UTC. */
function offsetSeconds(off: string, text: string): number {
  if (off === 'Z' || off === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/.exec(off);
  if (!m) throw new DebeziumValueError(`${JSON.stringify(text)} has an offset ${off} that is not ±HH:MM`);
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (Number(m[2]) > 18 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59 || s > 18 * 3600) throw new DebeziumValueError(`${JSON.stringify(text)} has an offset ${off} beyond ±18:00`);
  return m[1] === '-' ? -s : s;
}

const ZONED_TS = /^([+-]?\d{4,9})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;

/**
 * µs since the epoch of an io.debezium.time.ZonedTimestamp (ISO-8601 with an
 * offset, as DateTimeFormatter.ISO_OFFSET_DATE_TIME writes it): the instant,
 * whatever the offset; nanosecond digits only when they are zeros.
 */
export function zonedTimestampMicros(text: string): Exact {
  const m = ZONED_TS.exec(text.trim());
  if (!m) throw new DebeziumValueError(`${JSON.stringify(text)} is not an ISO-8601 timestamp with an offset (io.debezium.time.ZonedTimestamp)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    throw new DebeziumValueError(`${JSON.stringify(text)} is not a valid date and time`);
  }
  const off = offsetSeconds(m[8]!.length === 3 ? `${m[8]}:00` : m[8]!, text);
  const local = BigInt(daysFromCivil(y, mo, d)) * US_PER_DAY + BigInt(((h * 60 + mi) * 60 + s - off) * 1_000_000 + fractionMicros(m[7], text));
  return norm(local);
}

/** io.debezium.time.ZonedTime ("10:15:30.123456Z", "10:15:30+02:00"): µs since midnight and the offset east of UTC in seconds. */
export function zonedTime(text: string): { micros: number; offsetSeconds: number } {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/.exec(text.trim());
  if (!m) throw new DebeziumValueError(`${JSON.stringify(text)} is not an ISO-8601 time with an offset (io.debezium.time.ZonedTime)`);
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0))) throw new DebeziumValueError(`${JSON.stringify(text)} is not a valid time`);
  const micros = ((h * 60 + mi) * 60 + s) * 1_000_000 + fractionMicros(m[4], text);
  if (h === 24 && micros !== 86_400_000_000) throw new DebeziumValueError(`${JSON.stringify(text)} is not a valid time`);
  return { micros, offsetSeconds: offsetSeconds(m[5]!.length === 3 ? `${m[5]}:00` : m[5]!, text) };
}

/** io.debezium.time.NanoTime (ns since midnight) as µs, only when no digit is lost. */
export function nanoTimeMicros(v: number | bigint): number {
  const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (b === undefined) throw new DebeziumValueError(`${String(v)} is not an integer number of nanoseconds`);
  if (b < 0n || b > 86_400_000_000_000n) throw new DebeziumValueError(`${String(v)} ns is not a time of day`);
  if (b % 1000n !== 0n) throw new DebeziumValueError(`${String(v)} ns has sub-microsecond digits, and the destination holds microseconds`);
  return Number(b / 1000n);
}

function unscaledBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  // Kafka Connect's JsonConverter writes bytes as base64.
  if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) return Buffer.from(v, 'base64');
  throw new DebeziumValueError('its "value" is not bytes (the unscaled two\'s-complement integer)');
}

function twosComplement(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  if (b[0]! & 0x80) n -= 1n << BigInt(b.length * 8);
  return n;
}

/** io.debezium.data.VariableScaleDecimal {scale, value}: its exact decimal text. */
export function variableScaleDecimalText(v: unknown): string {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new DebeziumValueError('a VariableScaleDecimal must be a struct {scale, value}');
  }
  const o = v as { scale?: unknown; value?: unknown };
  const scale = typeof o.scale === 'bigint' ? Number(o.scale) : o.scale;
  if (typeof scale !== 'number' || !Number.isSafeInteger(scale) || Math.abs(scale) > 100_000) throw new DebeziumValueError('a VariableScaleDecimal\'s "scale" must be an integer');
  const n = twosComplement(unscaledBytes(o.value));
  const neg = n < 0n;
  let s = (neg ? -n : n).toString();
  if (scale > 0) {
    s = s.padStart(scale + 1, '0');
    s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  } else if (scale < 0 && s !== '0') s += '0'.repeat(-scale);
  return neg ? `-${s}` : s;
}

/**
 * io.debezium.data.Bits: java.util.BitSet bytes (little-endian: the integer
 * value of the bit string) → the bit string of `length` bits, most
 * significant first, as the source column showed it. Also takes a string of
 * 0s and 1s.
 */
export function bitsText(v: unknown, length: number): string {
  if (typeof v === 'string' && /^[01]*$/.test(v) && v.length <= length) return v.padStart(length, '0');
  let bytes: Uint8Array;
  if (v instanceof Uint8Array) bytes = v;
  else if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) bytes = Buffer.from(v, 'base64');
  else throw new DebeziumValueError('io.debezium.data.Bits must be bytes');
  let out = '';
  for (let i = bytes.length * 8 - 1; i >= 0; i--) out += (bytes[i >> 3]! >> (i & 7)) & 1 ? '1' : '0';
  const firstOne = out.indexOf('1');
  if (firstOne >= 0 && out.length - firstOne > length) {
    throw new DebeziumValueError(`the bits need ${out.length - firstOne} positions, more than the field's length ${length}`);
  }
  return out.length >= length ? out.slice(out.length - length) : out.padStart(length, '0');
}
