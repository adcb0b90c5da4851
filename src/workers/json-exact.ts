// JSON.parse turns every number into a double, so an int64 beyond 2^53 (an id,
// a nanosecond clock) would land rounded: data silently changed. Such a number
// has at least 16 digits in a row; only text holding such a run takes the
// slower exact parser, where integers too wide for a double become BigInt.
// (In that parser an object key repeated with different values is an error,
// where JSON.parse would keep the last: the record is ambiguous, so it is
// rejected with its position rather than guessed.)
import { isInteger, parse, stringify } from 'lossless-json';

export function parseJsonExact(text: string): unknown {
  if (!hasSixteenDigitRun(text)) return JSON.parse(text);
  return parse(text, null, exactNumber);
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
  if (Number.isSafeInteger(n) || !isInteger(text)) return n;
  return BigInt(text);
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
