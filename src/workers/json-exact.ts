// JSON.parse turns every number into a double, so an int64 beyond 2^53 (an id,
// a nanosecond clock) would land rounded: data silently changed. Such a number
// has at least 16 digits in a row; only text holding such a run takes the
// slower exact parser, where integers too wide for a double become BigInt.
// (In that parser an object key repeated with different values is an error,
// where JSON.parse would keep the last: the record is ambiguous, so it is
// rejected with its position rather than guessed.)
import { ConvertError } from '../errors.js';
import { isInteger, parse, stringify } from 'lossless-json';

export function parseJsonExact(text: string): unknown {
  const value = hasSixteenDigitRun(text) ? parse(text, null, exactNumber) : JSON.parse(text);
  // Two things JSON.parse lets through that no destination can hold as written:
  // a lone UTF-16 surrogate escape ("\ud800", which UTF-8 turns into U+FFFD) and
  // a number beyond a double's range (1e400 becomes Infinity). Only text that
  // could hold one (an escape of a surrogate, a three-digit exponent) is walked.
  if (MAYBE_UNREPRESENTABLE.test(text)) checkRepresentable(value, '');
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
 * (JSON.stringify throws on one, and a string would change the JSON type).
 * Values without a BigInt, nearly all of them, take JSON.stringify.
 */
export function stringifyJsonExact(value: unknown, replacer: Replacer): string {
  let sawBigint = false;
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    if (typeof v === 'bigint') {
      sawBigint = true;
      return null;
    }
    return replacer.call(this, key, v);
  });
  if (!sawBigint) return text;
  return stringify(value, function (this: unknown, key: string, v: unknown) {
    return typeof v === 'bigint' ? v : replacer.call(this, key, v);
  } as never)!;
}
