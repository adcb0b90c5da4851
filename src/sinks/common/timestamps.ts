// Exact arithmetic for long-based timestamps (Avro timestamp-millis/-micros/
// -nanos and their local-* twins, Connect Timestamp). A double holds integers
// exactly only up to 2^53, which in microseconds is year 2255 and in
// nanoseconds 1970 + 104 days: past that the conversion is done in BigInt,
// never rounded. Values are numbers while they are safe integers, BigInt
// beyond (the same rule the decoders follow).
import { ConvertError } from '../../errors.js';

export type TimestampKind = 'timestamp-millis' | 'timestamp-micros' | 'timestamp-nanos';
export type Exact = number | bigint;

/** Why a timestamp value cannot be converted; the caller names the column or field. */
export class TimestampRangeError extends ConvertError {}

const MAX_SAFE_MILLIS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

function norm(b: bigint): Exact {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/**
 * Microseconds since 1970-01-01T00:00:00Z of an integer timestamp of `kind`.
 * A nanosecond value with sub-microsecond digits is an error, not rounded:
 * no microsecond type can hold it unchanged. Fractional numbers (schemaless
 * epoch milliseconds) round to the microsecond, as before.
 */
export function epochMicros(v: number | bigint, kind: TimestampKind): Exact {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TimestampRangeError('not a finite number');
    if (!Number.isInteger(v)) {
      if (kind === 'timestamp-millis') return Math.round(v * 1000);
      throw new TimestampRangeError(`not an integer number of ${kind === 'timestamp-micros' ? 'microseconds' : 'nanoseconds'}`);
    }
    if (kind === 'timestamp-micros') return v;
    if (kind === 'timestamp-millis' && Math.abs(v) <= MAX_SAFE_MILLIS) return v * 1000;
    if (kind === 'timestamp-nanos' && Number.isSafeInteger(v)) {
      const rest = v % 1000;
      if (rest !== 0) throw subMicros(rest);
      return v / 1000;
    }
    if (!Number.isSafeInteger(v)) throw new TimestampRangeError('an integer beyond 2^53 that was already rounded');
    v = BigInt(v);
  }
  if (kind === 'timestamp-micros') return norm(v);
  if (kind === 'timestamp-millis') return norm(v * 1000n);
  const rest = v % 1000n;
  if (rest !== 0n) throw subMicros(Number(rest));
  return norm(v / 1000n);
}

function subMicros(rest: number): TimestampRangeError {
  const ns = ((rest % 1000) + 1000) % 1000;
  return new TimestampRangeError(`it has sub-microsecond digits (…${String(ns).padStart(3, '0')} ns), and the destination holds microseconds`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function fitsInt64(v: Exact): boolean {
  return typeof v === 'number' || (v >= INT64_MIN && v <= INT64_MAX);
}

/** a − b exactly, a number when it is a safe integer. */
export function minus(a: Exact, b: number): Exact {
  if (typeof a === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(BigInt(a) - BigInt(b));
}

/** floor(a / d) for a positive integer divisor, exactly. */
export function floorDiv(a: Exact, d: number): Exact {
  if (typeof a === 'number') return Math.floor(a / d);
  const bd = BigInt(d);
  let q = a / bd;
  if (a % bd !== 0n && a < 0n) q -= 1n;
  return norm(q);
}

/**
 * ISO-8601 text (UTC) of an integer timestamp of `kind`, with every sub-second
 * digit it has (nanoseconds included); undefined beyond what JavaScript dates
 * can show (±275760 years).
 */
export function isoFromEpoch(v: number | bigint, kind: TimestampKind): string | undefined {
  if (typeof v === 'number' && !Number.isInteger(v)) {
    if (kind !== 'timestamp-millis' || !Number.isFinite(v)) return undefined;
    v = Math.round(v * 1000);
    kind = 'timestamp-micros';
  }
  const perMs = kind === 'timestamp-millis' ? 1n : kind === 'timestamp-micros' ? 1000n : 1_000_000n;
  const b = BigInt(v);
  let ms = b / perMs;
  if (b % perMs !== 0n && b < 0n) ms -= 1n;
  if (ms > 8_640_000_000_000_000n || ms < -8_640_000_000_000_000n) return undefined;
  const iso = new Date(Number(ms)).toISOString();
  const sub = b - ms * perMs; // 0 ≤ sub < perMs
  if (sub === 0n) return iso;
  const width = perMs === 1000n ? 3 : 6;
  const digits = sub.toString().padStart(width, '0').replace(/(000)+$/, '');
  return `${iso.slice(0, -1)}${digits}Z`;
}
