// Kafka Connect's JSON text, shared by the sinks that write JSON (S3
// JsonFormat, the file sink, Elasticsearch/OpenSearch documents): one record →
// the line Confluent's S3 sink writes for it (objects without a struct schema
// and maps in java.util.HashMap key order). A record with a struct schema goes through Kafka Connect's
// JsonConverter (schemas.enable=false, decimal.format=json.decimal.format);
// anything else is written by Jackson's ObjectMapper. Both mean: fields in
// schema order, compact, bytes as base64, Date/Time/Timestamp as numbers
// (days, ms, ms), float and double as Java prints them (1.0, 1.0E10), NaN
// and infinities as strings, strings escaped as Jackson does.
import type { Field, FieldType, RecordSchema } from '../../workers/schema.js';
import { describeValue } from '../../workers/encoder.js';
import { ConvertError } from '../../errors.js';
import { isJsonDouble, jsonDoubles } from '../../workers/json-exact.js';

export type DecimalFormat = 'base64' | 'numeric';

const MS_PER_DAY = 86_400_000;

/** Java's Double.toString / Float.toString of a finite, nonzero value, from its shortest round-trip digits. */
export function javaFloatText(x: number, single: boolean): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  // In [1e-3, 1e7) JavaScript prints a double's shortest digits in plain notation too, as Java does (plus ".0" for integers).
  if (!single && abs >= 1e-3 && abs < 1e7) return Number.isInteger(x) ? `${x}.0` : String(x);
  const exp = single ? shortestFloat32(x) : x.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp)!;
  const sign = m[1]!;
  const digits = (m[2]! + (m[3] ?? '')).replace(/0+$/, '') || '0';
  const e = Number(m[4]);
  if (abs >= 1e-3 && abs < 1e7) {
    if (e >= 0) {
      const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
      return `${sign}${int}.${digits.slice(e + 1) || '0'}`;
    }
    return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  }
  // Java shows at least two digits in this form, and picks the two closest to the value: 4.9E-324, not 5.0E-324.
  if (digits.length === 1) {
    const two = /^-?(\d)\.(\d)e([+-]\d+)$/.exec(x.toExponential(1))!;
    return `${sign}${two[1]}.${two[2]}E${Number(two[3])}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1)}E${e}`;
}

/** The fewest digits that read back as the same float32 (what Float.toString prints). */
function shortestFloat32(x: number): string {
  for (let p = 1; p < 10; p++) {
    const s = x.toExponential(p - 1);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toExponential(8);
}

/** java.math.BigDecimal.toString of unscaled × 10^-scale (scientific when the exponent is small, as Java does). */
export function bigDecimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const coeff = (neg ? -unscaled : unscaled).toString();
  const adjusted = -scale + (coeff.length - 1);
  let text: string;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) text = coeff;
    else {
      const padded = coeff.padStart(scale + 1, '0');
      text = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
    }
  } else {
    text = `${coeff[0]}${coeff.length > 1 ? `.${coeff.slice(1)}` : ''}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return neg ? `-${text}` : text;
}

const ASTRAL = /[\uD800-\uDFFF]/;

/**
 * JSON string text as Jackson writes it: JSON.stringify's escapes with
 * upper-case hex (\u001F), and characters beyond the BMP (emoji) as their
 * escaped surrogate pair (\uD83D\uDE00) instead of four UTF-8 bytes.
 */
export function jsonString(s: string): string {
  let q = JSON.stringify(s);
  if (ASTRAL.test(q)) q = q.replace(/[\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return q.includes('\\u') ? q.replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\u${h.toUpperCase()}`) : q;
}

/** Minimal two's-complement big-endian bytes of an integer (Java's BigInteger.toByteArray). */
export function twosComplement(x: bigint): Buffer {
  let bytes = 1;
  while (x >= 1n << BigInt(8 * bytes - 1) || x < -(1n << BigInt(8 * bytes - 1))) bytes++;
  const out = Buffer.alloc(bytes);
  let u = BigInt.asUintN(8 * bytes, x);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** The same two's-complement integer without redundant sign bytes (what BigInteger.toByteArray gives), without BigInt. */
export function minimalBytes(b: Uint8Array): Uint8Array {
  if (b.length === 0) return new Uint8Array(1);
  let i = 0;
  while (i < b.length - 1 && ((b[i] === 0 && b[i + 1]! < 0x80) || (b[i] === 0xff && b[i + 1]! >= 0x80))) i++;
  return i === 0 ? b : b.subarray(i);
}

/** A decimal value as Sluice's decoders give it (two's-complement bytes, base64 text of them, a number or bigint) → its unscaled integer. */
export function unscaledDecimal(v: unknown, scale: number, path: string): bigint {
  if (typeof v === 'string') v = Buffer.from(v, 'base64');
  if (v instanceof Uint8Array) {
    if (v.length === 0) return 0n;
    let x = 0n;
    for (const b of v) x = (x << 8n) | BigInt(b);
    return v[0]! & 0x80 ? x - (1n << BigInt(v.length * 8)) : x;
  }
  if (typeof v === 'bigint') return v * 10n ** BigInt(scale);
  if (typeof v === 'number' && Number.isFinite(v)) {
    // The shortest text of the double, then exact decimal scaling: 0.1 is 0.1, not 0.1000000000000000055.
    const [mant, exp = '0'] = v.toExponential().split('e');
    const neg = mant!.startsWith('-');
    const [i, f = ''] = (neg ? mant!.slice(1) : mant!).split('.');
    const shift = Number(exp) + scale - f.length;
    const digits = BigInt(i! + f);
    if (shift < 0) {
      const div = 10n ** BigInt(-shift);
      if (digits % div !== 0n) throw new ConvertError(`field ${path} should be a decimal with scale ${scale} (got ${describeValue(v)}, which has more fraction digits)`);
      return (neg ? -1n : 1n) * (digits / div);
    }
    return (neg ? -1n : 1n) * digits * 10n ** BigInt(shift);
  }
  throw new ConvertError(`field ${path} should be a decimal (got ${describeValue(v)})`);
}

function bytesOf(v: unknown, path: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  throw new ConvertError(`field ${path} should be bytes (got ${describeValue(v)})`);
}

function base64(b: Uint8Array): string {
  return `"${Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')}"`;
}

function intText(v: unknown, path: string, what: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw new ConvertError(`field ${path} should be ${what} (got ${describeValue(v)})`);
}

function timeText(v: unknown, path: string, kind: 'date' | 'time-millis' | 'timestamp-millis'): string {
  if (v instanceof Date) {
    const ms = v.getTime();
    return String(kind === 'date' ? Math.floor(ms / MS_PER_DAY) : ms);
  }
  if (typeof v === 'string' && kind !== 'time-millis') {
    const ms = Date.parse(kind === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (!Number.isNaN(ms)) return String(kind === 'date' ? Math.floor(ms / MS_PER_DAY) : ms);
  }
  return intText(v, path, kind === 'date' ? 'a date (days since 1970-01-01)' : 'an integer');
}

/**
 * The order a java.util.HashMap (default capacity 16, load factor 0.75)
 * iterates these string keys, inserted in this order: by bucket of the
 * spread String.hashCode at the final capacity, insertion order within a
 * bucket. Kafka Connect's JsonConverter reads every JSON object without a
 * struct schema (schemaless values, maps) into such a HashMap, so that is
 * the order Confluent's sink writes their keys in; AvroData makes Avro maps
 * with new HashMap<>(size) (`sized`). (A bucket of 9 keys
 * below capacity 64 makes the map grow, as HashMap does instead of
 * building a tree bin; tree bins themselves, 9+ colliding keys at 64+, are
 * not modelled.)
 */
export function javaHashMapOrder(keys: readonly unknown[], sized = false): number[] {
  const n = keys.length;
  if (n <= 1) return n === 0 ? [] : [0];
  const hashes = keys.map((k) => {
    const h = javaHashCode(k);
    return h ^ (h >>> 16);
  });
  // new HashMap<>() starts at 16 buckets; new HashMap<>(n), as AvroData makes Avro maps, at the power of two ≥ n.
  let cap = sized ? Math.max(1, 2 ** Math.ceil(Math.log2(n))) : 16;
  let counts = new Map<number, number>();
  const recount = (upTo: number) => {
    counts = new Map();
    for (let j = 0; j <= upTo; j++) counts.set(hashes[j]! & (cap - 1), (counts.get(hashes[j]! & (cap - 1)) ?? 0) + 1);
  };
  for (let i = 0; i < n; i++) {
    const b = hashes[i]! & (cap - 1);
    const c = (counts.get(b) ?? 0) + 1;
    counts.set(b, c);
    if (c >= 9 && cap < 64) {
      cap *= 2;
      recount(i);
    }
    if (i + 1 > Math.floor(cap * 0.75)) {
      cap *= 2;
      recount(i);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => (hashes[a]! & (cap - 1)) - (hashes[b]! & (cap - 1)) || a - b);
}

/** hashCode of the Java object a Connect map key becomes: String, Integer (Long beyond 32 bits), Boolean. */
function javaHashCode(k: unknown): number {
  if (typeof k === 'string') {
    let h = 0;
    for (let i = 0; i < k.length; i++) h = (Math.imul(h, 31) + k.charCodeAt(i)) | 0;
    return h;
  }
  if (typeof k === 'boolean') return k ? 1231 : 1237;
  if ((typeof k === 'number' && Number.isInteger(k)) || typeof k === 'bigint') {
    const b = BigInt(k);
    if (b >= -2147483648n && b <= 2147483647n) return Number(b);
    const u = BigInt.asUintN(64, b);
    return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
  }
  return 0;
}

const orderCache = new Map<string, number[]>();

/** [key, value] entries in HashMap order; the permutation is cached per key list (records mostly share theirs). */
function hashMapEntries<V>(entries: [string, V][], sized = false): [string, V][] {
  if (entries.length <= 1) return entries;
  const sig = `${sized ? 's' : 'd'}${entries.map((e) => e[0]).join('\u0000')}`;
  let order = orderCache.get(sig);
  if (!order) {
    if (orderCache.size > 10_000) orderCache.clear();
    order = javaHashMapOrder(entries.map((e) => e[0]), sized);
    orderCache.set(sig, order);
  }
  return order.map((i) => entries[i]!);
}

/**
 * Double.toString of a JSON number that JsonConverter read as a Double. Its
 * ObjectMapper reads floats as BigDecimal (USE_BIG_DECIMAL_FOR_FLOATS) and takes
 * doubleValue(), so -0.0 becomes 0.0 (a BigDecimal has no negative zero).
 */
export function jsonDoubleText(x: number): string {
  return javaFloatText(x === 0 ? 0 : x, false);
}

/** Jackson's ObjectMapper on a schemaless value (a Java Map/List/Long/Double/String/byte[]). */
export function schemalessJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'number': return Number.isSafeInteger(v) ? String(v) : javaFloatText(v, false);
    case 'string': return jsonString(v);
    case 'object': {
      if (v instanceof Uint8Array) return base64(v);
      if (v instanceof Date) return String(v.getTime());
      // Members that JSON wrote as integral doubles (1.0) are Doubles to JsonConverter: Jackson writes 1.0.
      const doubles = jsonDoubles(v);
      const member = doubles ? (x: unknown, k: string) => (typeof x === 'number' && doubles.has(k) ? jsonDoubleText(x) : schemalessJson(x)) : schemalessJson;
      if (Array.isArray(v)) return `[${v.map((x, i) => member(x, String(i))).join(',')}]`;
      const entries: [string, unknown][] = v instanceof Map
        ? [...v].map(([k, x]) => [String(k), x])
        : Object.entries(v as object).filter((e) => e[1] !== undefined);
      return `{${hashMapEntries(entries).map(([k, x]) => `${jsonString(k)}:${member(x, k)}`).join(',')}}`;
    }
    default: return 'null';
  }
}

/** Renders typed values as JsonConverter does (schemas.enable=false). */
/** A null field whose schema default JsonConverter would write but Sluice could not read exactly. */
export function unreadableDefault(path: string, why: string): ConvertError {
  return new ConvertError(`field ${path} is null and ${why}, so it cannot be written as the default Kafka Connect would write`);
}

export class ConnectJsonWriter {
  /** The record came from Avro: AvroData sized its maps. */
  private sizedMaps = false;

  constructor(private readonly decimals: DecimalFormat) {}

  /** One record's line (without the separator). */
  record(value: unknown, schema: RecordSchema): string {
    if (!schema.fields) return schemalessJson(value);
    this.sizedMaps = schema.id.startsWith('avro:');
    if (schema.scalar) return this.topLevel(value, schema.fields[0]!);
    return this.struct(value, schema.fields, '');
  }

  /** A non-struct value goes to Jackson as a Java object: logical types are java.util.Date (ms) and BigDecimal (a number). */
  private topLevel(v: unknown, f: Field): string {
    if (v === null || v === undefined) return 'null';
    const t = f.type;
    switch (t.kind) {
      case 'date': return String(Number(timeText(v, 'value', 'date')) * MS_PER_DAY);
      case 'decimal': return bigDecimalText(unscaledDecimal(v, t.scale, 'value'), t.scale);
      default: return this.value(v, t, f.optional, 'value', f.default);
    }
  }

  private struct(v: unknown, fields: readonly Field[], path: string): string {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
      throw new ConvertError(`${path ? `field ${path}` : 'the value'} should be a record (got ${describeValue(v)})`);
    }
    const o = v as Record<string, unknown>;
    let out = '{';
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i > 0) out += ',';
      const p = path ? `${path}.${f.name}` : f.name;
      if ((o[f.name] === null || o[f.name] === undefined) && f.defaultError !== undefined) throw unreadableDefault(p, f.defaultError);
      const x = o[f.name];
      // A schemaless ('any') field holding JSON's integral double (1.0) is a Double to Connect.
      out += `${jsonString(f.name)}:${f.type.kind === 'any' && typeof x === 'number' && isJsonDouble(o, f.name) ? jsonDoubleText(x) : this.value(x, f.type, f.optional, p, f.default)}`;
    }
    return `${out}}`;
  }

  value(v: unknown, t: FieldType, optional: boolean, path: string, dflt?: unknown): string {
    if (v === null || v === undefined) {
      // JsonConverter's replace.null.with.default (on by default): a null field with a default is written as the default.
      if (dflt !== undefined && dflt !== null) return this.value(dflt, t, optional, path);
      if (!optional && t.kind !== 'null' && t.kind !== 'any') throw new ConvertError(`field ${path} is null but the schema says it is required`);
      return 'null';
    }
    switch (t.kind) {
      case 'boolean':
        if (typeof v !== 'boolean') throw new ConvertError(`field ${path} should be a boolean (got ${describeValue(v)})`);
        return v ? 'true' : 'false';
      case 'int32': case 'int64': case 'time-micros': case 'timestamp-micros': case 'timestamp-nanos':
        return intText(v, path, 'an integer');
      case 'date': case 'time-millis': case 'timestamp-millis':
        return timeText(v, path, t.kind);
      case 'float32': case 'float64': {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v) ? Number(v) : undefined;
        if (n === undefined) throw new ConvertError(`field ${path} should be a number (got ${describeValue(v)})`);
        return javaFloatText(t.kind === 'float32' ? Math.fround(n) : n, t.kind === 'float32');
      }
      case 'string': case 'uuid': case 'enum':
        if (typeof v === 'string') return jsonString(v);
        if (t.kind === 'uuid' && v instanceof Uint8Array && v.length === 16) {
          const h = Buffer.from(v).toString('hex');
          return `"${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}"`;
        }
        throw new ConvertError(`field ${path} should be a string (got ${describeValue(v)})`);
      case 'bytes': case 'fixed':
        return base64(bytesOf(v, path));
      case 'decimal': {
        if (this.decimals === 'base64' && v instanceof Uint8Array) return base64(minimalBytes(v));
        const x = unscaledDecimal(v, t.scale, path);
        return this.decimals === 'numeric' ? bigDecimalText(x, t.scale) : base64(twosComplement(x));
      }
      case 'null': return 'null';
      case 'any': return schemalessJson(v);
      case 'array': {
        if (!Array.isArray(v)) throw new ConvertError(`field ${path} should be an array (got ${describeValue(v)})`);
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ',';
          out += this.value(v[i], t.items, t.itemsOptional, `${path}[]`);
        }
        return `${out}]`;
      }
      case 'map': {
        // Connect JSON envelopes give maps with non-string keys as [key, value] pairs: JsonConverter writes them so too.
        if (Array.isArray(v)) {
          for (const pair of v) if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
          const pairs = v as [unknown, unknown][];
          return `[${javaHashMapOrder(pairs.map((p) => p[0]), this.sizedMaps).map((i) => `[${schemalessJson(pairs[i]![0])},${this.value(pairs[i]![1], t.values, true, `${path}{}`)}]`).join(',')}]`;
        }
        const entries: [string, unknown][] | undefined = v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : typeof v === 'object' && !(v instanceof Uint8Array) ? Object.entries(v as object) : undefined;
        if (!entries) throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
        // A Connect map is a java.util.HashMap: its keys come out in HashMap order.
        return `{${hashMapEntries(entries, this.sizedMaps).map(([k, x]) => `${jsonString(k)}:${this.value(x, t.values, true, `${path}{}`)}`).join(',')}}`;
      }
      case 'record':
        return this.struct(v, t.fields, path);
      // Debezium's semantic types, written as their Connect base type (JsonConverter knows no such names).
      case 'time-nanos':
        return intText(v, path, 'an integer');
      case 'zoned-timestamp': case 'zoned-time': case 'json': case 'xml':
        if (typeof v === 'string') return jsonString(v);
        throw new ConvertError(`field ${path} should be a string (got ${describeValue(v)})`);
      case 'bits':
        return base64(bytesOf(v, path));
      case 'variable-decimal': {
        const d = v as { scale?: unknown; value?: unknown };
        if (typeof v !== 'object' || d.scale === undefined || d.value === undefined) throw new ConvertError(`field ${path} should be a VariableScaleDecimal {scale, value} (got ${describeValue(v)})`);
        return `{"scale":${intText(d.scale, `${path}.scale`, 'an integer')},"value":${base64(bytesOf(d.value, `${path}.value`))}}`;
      }
    }
  }
}
