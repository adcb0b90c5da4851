// JSON.parse turns every number into a double, so an int64 beyond 2^53 (an id,
// a nanosecond clock) would land rounded: data silently changed. Such a number
// has at least 16 digits in a row; only text holding such a run takes the
// slower exact parser, where integers too wide for a double become BigInt.
// (In that parser an object key repeated with different values is an error,
// where JSON.parse would keep the last: the record is ambiguous, so it is
// rejected with its position rather than guessed.)
import { ConvertError } from '../errors.js';
import { isInteger, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * `doubles`: mark integral numbers written as doubles (below); only schemaless
 * JSON bound for a sink that prints it back needs it, and it costs a slower
 * parse of every text that holds such a number.
 */
export function parseJsonExact(text: string, doubles = false): unknown {
  const wide = hasSixteenDigitRun(text);
  doubles &&= MAYBE_INTEGRAL_DOUBLE.test(text);
  sawNonFinite = false;
  const value = !wide && !doubles
    ? JSON.parse(text)
    : doubles
      // Duplicate keys: the last wins, as in JSON.parse, unless the text also took the exact path for a wide number.
      ? parse(text, markIntegralDoubles, { parseNumber: numberOrDouble, ...(wide ? {} : { onDuplicateKey: (d: { newValue: unknown }) => d.newValue }) })
      : parse(text, null, exactNumber);
  // Two things JSON.parse lets through that no destination can hold as written:
  // a lone UTF-16 surrogate escape ("\ud800", which UTF-8 turns into U+FFFD) and
  // a number beyond a double's range (1e400 becomes Infinity). Only text that
  // could hold one (an escape of a surrogate, a three-digit exponent) is walked.
  if (sawNonFinite || MAYBE_UNREPRESENTABLE.test(text)) checkRepresentable(value, '');
  return value;
}

/** An escaped surrogate, or an exponent of three digits or more: one scan. */
const MAYBE_UNREPRESENTABLE = /\\u[dD][89a-fA-F]|[eE]\+?\d{3}/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Thrown for JSON that parses but holds a value no destination could keep as written. */
export class UnrepresentableJsonError extends ConvertError {}

function checkRepresentable(v: unknown, path: string): void {
  if (typeof v === 'string') {
    const lone = LONE_SURROGATE.exec(v);
    if (lone) {
      throw new UnrepresentableJsonError(`JSON string${where(path)} holds a lone UTF-16 surrogate \\u${lone[0].charCodeAt(0).toString(16)}, which UTF-8 cannot carry`);
    }
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UnrepresentableJsonError(`JSON number${where(path)} is beyond the range of a 64-bit float (it would become ${String(v)})`);
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkRepresentable(v[i], `${path}[${i}]`);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (LONE_SURROGATE.test(k)) throw new UnrepresentableJsonError(`JSON object key${where(path)} holds a lone UTF-16 surrogate, which UTF-8 cannot carry`);
      checkRepresentable(x, path ? `${path}.${k}` : k);
    }
  }
}

function where(path: string): string {
  return path ? ` at ${path}` : '';
}

/**
 * Whether 16 ASCII digits stand in a row. Any 16 consecutive characters hold
 * exactly one index ≡ 15 (mod 16), so only those are probed, and a run is
 * measured only around a probe that is a digit: about len/16 reads.
 */
export function hasSixteenDigitRun(text: string): boolean {
  const n = text.length;
  for (let p = 15; p < n; p += 16) {
    if (!isDigit(text.charCodeAt(p))) continue;
    let lo = p;
    while (lo > 0 && isDigit(text.charCodeAt(lo - 1))) lo--;
    let hi = p;
    while (hi + 1 < n && isDigit(text.charCodeAt(hi + 1))) hi++;
    if (hi - lo + 1 >= 16) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Kafka Connect's JsonConverter (schemas.enable=false) turns a JSON number
// written with a fraction or an exponent into a java.lang.Double even when its
// value is integral (Jackson's DoubleNode: JsonConverter.convertToConnect,
// NUMBER → isIntegralNumber() ? Long : Double), and a sink writing it back
// prints "1.0" (Jackson, Double.toString). JavaScript keeps no such
// difference, so the parse marks it: the object or array holding such a number
// gets a non-enumerable symbol property listing the member's key. Every
// consumer still sees the plain number; only the writers that print numbers as
// Java does (schemalessJson, the file sink, stringifyJsonExact) look at the mark.
// A copy of the holder (spread, map) drops the mark, and the number is then
// printed as an integer, as before. A top-level number has no holder to mark.
const INTEGRAL_DOUBLES = Symbol('sluice.jsonIntegralDoubles');
type Marked = { [INTEGRAL_DOUBLES]?: Set<string> };

/**
 * Text that may hold an integral number written as a double: a digit, then
 * `.0…` or an exponent, then the end of a JSON value (a comma, a closing
 * bracket or brace, or the end). Strings such as "00:00.000Z" do not match;
 * the few that do only take the slower exact parse.
 */
const MAYBE_INTEGRAL_DOUBLE = /\d(?:\.0+|(?:\.\d+)?[eE][-+]?\d+)(?=\s*(?:[,}\]]|$))/;

class IntegralDouble {
  constructor(readonly value: number) {}
}

/** Set by numberOrDouble for a number beyond a double: checkRepresentable then names where it is. */
let sawNonFinite = false;

function numberOrDouble(text: string): unknown {
  if (isInteger(text)) return exactNumber(text);
  const x = Number(text);
  if (!Number.isFinite(x)) {
    sawNonFinite = true;
    return x;
  }
  const n = exactNumber(text);
  return typeof n === 'number' && Number.isInteger(n) && /[.eE]/.test(text) ? new IntegralDouble(n) : n;
}

function markIntegralDoubles(this: unknown, key: string, v: unknown): unknown {
  if (!(v instanceof IntegralDouble)) return v;
  markJsonDouble(this as object, key);
  return v.value;
}

/** Marks `holder[key]` (an integral number) as a JSON double, as a decoder of schemaless JSON does. */
export function markJsonDouble(holder: object, key: string | number): void {
  const m = holder as Marked;
  let set = m[INTEGRAL_DOUBLES];
  if (!set) {
    set = new Set();
    Object.defineProperty(holder, INTEGRAL_DOUBLES, { value: set, enumerable: false, writable: false, configurable: true });
  }
  set.add(String(key));
}

/** The keys of `holder` whose integral numbers were written as doubles (JSON `1.0`), or undefined (nearly always). */
export function jsonDoubles(holder: unknown): ReadonlySet<string> | undefined {
  return holder !== null && typeof holder === 'object' ? (holder as Marked)[INTEGRAL_DOUBLES] : undefined;
}

/** Whether `holder[key]` is an integral number that JSON wrote as a double (Connect reads it as a Double). */
export function isJsonDouble(holder: unknown, key: string | number): boolean {
  const set = jsonDoubles(holder);
  return set !== undefined && set.has(String(key)) && typeof (holder as Record<string, unknown>)[key] === 'number';
}

/**
 * Carries the marks of `from` over to `to` (a transform's copy of a value),
 * for the keys `rename` maps (identity when absent; undefined drops a key).
 * A mark is kept only while the copy holds the same number.
 */
export function copyJsonDoubles(from: unknown, to: object, rename?: (key: string) => string | undefined): void {
  const set = jsonDoubles(from);
  if (!set) return;
  for (const k of set) {
    const nk = rename ? rename(k) : k;
    if (nk !== undefined && (to as Record<string, unknown>)[nk] === (from as Record<string, unknown>)[k] && typeof (to as Record<string, unknown>)[nk] === 'number') markJsonDouble(to, nk);
  }
}

function exactNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  if (isInteger(text)) return BigInt(text);
  if (!Number.isFinite(n)) throw new UnrepresentableJsonError(`JSON number ${text.length > 40 ? `${text.slice(0, 39)}…` : text} is beyond the range of a 64-bit float`);
  return n;
}

type Replacer = (this: unknown, key: string, value: unknown) => unknown;

/**
 * JSON.stringify, except that a BigInt is written as the exact number it is
 * (JSON.stringify throws on one, and a string would change the JSON type), and
 * an integral number that JSON wrote as a double (markJsonDouble) keeps its
 * fraction: `1.0`, as JsonConverter's Double would be written (PostgreSQL's
 * jsonb keeps 1.0 as written too). Values without either, nearly all of them,
 * take JSON.stringify alone.
 */
export function stringifyJsonExact(value: unknown, replacer: Replacer, keepDoubles = true): string {
  let slow = false;
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    if (typeof v === 'bigint') {
      slow = true;
      return null;
    }
    const x = replacer.call(this, key, v);
    if (!slow && keepDoubles && typeof x === 'number' && x === v && isJsonDouble(this, key)) slow = true;
    return x;
  });
  if (!slow) return text;
  return stringify(value, function (this: unknown, key: string, v: unknown) {
    if (typeof v === 'bigint') return v;
    const x = replacer.call(this, key, v);
    return keepDoubles && typeof x === 'number' && x === v && Number.isFinite(x) && isJsonDouble(this, key) ? new LosslessNumber(doubleText(x)) : x;
  } as never)!;
}

/** An integral double as JSON text that reads back as a double: 1.0, 1e+21 (-0.0 as 0.0, as JsonConverter reads it). */
function doubleText(x: number): string {
  const s = String(x);
  return /[e.]/.test(s) ? s : `${s}.0`;
}
