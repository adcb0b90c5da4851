// Request bodies read as Kafka Connect's Jackson reads them. A connector
// config is Map<String, String>: a number or boolean becomes its text as
// written (lossless-json keeps "1.50" and 2^63-1 exact), an object or array is
// an error naming the key. Offsets keep their numbers exact (bigint past 2^53).
import { isLosslessNumber, parse, stringify, type LosslessNumber } from 'lossless-json';

export class BodyError extends Error {}

export function parseJsonBody(text: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    throw new BodyError(`Cannot parse the request body as JSON: ${(err as Error).message}`);
  }
}

/** A JSON object of strings, as Jackson reads Map<String,String>; `nulls` keeps null values (PATCH …/config). */
export function stringMap(value: unknown, what: string, nulls: true): Record<string, string | null>;
export function stringMap(value: unknown, what: string, nulls?: false): Record<string, string>;
export function stringMap(value: unknown, what: string, nulls = false): Record<string, string | null> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) {
    throw new BodyError(`${what} must be a JSON object of strings`);
  }
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (isLosslessNumber(v)) out[k] = (v as LosslessNumber).value;
    else if (typeof v === 'boolean') out[k] = String(v);
    else if (v === null) {
      if (!nulls) throw new BodyError(`${what}: the value of ${k} is null`);
      out[k] = null;
    } else throw new BodyError(`${what}: the value of ${k} must be a string, not ${Array.isArray(v) ? 'an array' : 'an object'}`);
  }
  return out;
}

/** Plain JSON values with numbers as number, or bigint where a number would lose digits. */
export function plain(value: unknown): unknown {
  if (isLosslessNumber(value)) {
    const text = (value as LosslessNumber).value;
    if (/^-?\d+$/.test(text)) {
      const big = BigInt(text);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    return Number(text);
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** JSON text of a response; bigint written as a JSON number. */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
