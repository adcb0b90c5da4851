// One record value → the line Kafka Connect's FileStreamSinkTask writes for
// it: PrintStream.println(record.value()), i.e. Java's String.valueOf of the
// object the converter made. Sluice writes the same text:
//   null (a tombstone)            null
//   string                        the string as it is (a newline in it stays: Connect writes it raw too)
//   boolean, int8..int64          true / 42
//   float32, float64              Float/Double.toString: 1.0, 1.0E10, NaN, Infinity
//   Decimal                       BigDecimal.toString: 12.30, 1.23E+5
//   Date, Time, Timestamp         java.util.Date.toString in UTC: Thu Jan 01 00:00:00 UTC 1970
//   struct                        Struct.toString: Struct{id=1,name=x}, null fields left out
//   map, schemaless JSON object   HashMap.toString: {k=v, k2=v2}, in HashMap order
//   array                         ArrayList.toString: [1, 2, 3]
// except bytes: Java prints an identity hash ([B@1b6d3586), which no one can
// read back, so Sluice writes the bytes as base64 instead.
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { ConvertError } from '../../errors.js';
import { describeValue } from '../../workers/encoder.js';
import { jsonDoubles } from '../../workers/json-exact.js';
import { bigDecimalText, javaFloatText, javaHashMapOrder, jsonDoubleText, unscaledDecimal } from '../common/connect-json.js';

const MS_PER_DAY = 86_400_000;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The line for a record's value (without the line separator). */
export function recordLine(value: unknown, schema: RecordSchema): string {
  const avro = schema.id.startsWith('avro:');
  if (!schema.fields) return javaText(value, { kind: 'any' }, avro);
  if (schema.scalar) return javaText(value, schema.fields[0]!.type, avro);
  return javaText(value, { kind: 'record', fields: schema.fields }, avro);
}

/** java.util.Date.toString() on a JVM whose zone is UTC. */
export function javaDateText(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new ConvertError(`${ms} ms is outside the dates a timestamp can hold`);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}

function integer(v: unknown, what: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (v instanceof Date) return String(v.getTime());
  throw new ConvertError(`the value should be ${what} (got ${describeValue(v)})`);
}

function floating(v: unknown, single: boolean): string {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v) ? Number(v) : undefined;
  if (n === undefined) throw new ConvertError(`the value should be a number (got ${describeValue(v)})`);
  return javaFloatText(n, single).replace(/^"|"$/g, '');
}

/** Milliseconds of a Connect Date (days), Time (ms of the day) or Timestamp (ms) as the decoders give it. */
function epochMs(v: unknown, kind: 'date' | 'time-millis' | 'timestamp-millis'): number {
  if (v instanceof Date) return v.getTime();
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) return kind === 'date' ? n * MS_PER_DAY : n;
  if (typeof v === 'string' && kind !== 'time-millis' && !Number.isNaN(Date.parse(v))) return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  throw new ConvertError(`the value should be a ${kind === 'date' ? 'date' : 'time'} (got ${describeValue(v)})`);
}

/** Entries of a map value: an object, a Map, or Connect JSON's [key, value] pairs for non-string keys. */
function entriesOf(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return [...v];
  if (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2)) return v as [unknown, unknown][];
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    return Object.entries(v).filter((e) => e[1] !== undefined);
  }
  throw new ConvertError(`the value should be a map (got ${describeValue(v)})`);
}

function mapText(entries: [unknown, unknown][], keyType: FieldType, valueType: FieldType, sized: boolean, doubles?: ReadonlySet<string>): string {
  const order = javaHashMapOrder(entries.map((e) => e[0]), sized);
  return `{${order.map((i) => `${javaText(entries[i]![0], keyType, sized)}=${member(entries[i]![1], String(entries[i]![0]), valueType, sized, doubles)}`).join(', ')}}`;
}

/** A schemaless member that JSON wrote as an integral double (1.0) is a Double to JsonConverter: Double.toString. */
function member(v: unknown, key: string, t: FieldType, sized: boolean, doubles: ReadonlySet<string> | undefined): string {
  return doubles !== undefined && t.kind === 'any' && typeof v === 'number' && doubles.has(key) ? jsonDoubleText(v) : javaText(v, t, sized);
}

/** String.valueOf of the Java object Kafka Connect's converters make of `v` (typed by `t`). */
export function javaText(v: unknown, t: FieldType, sized = false): string {
  if (v === null || v === undefined) return 'null';
  switch (t.kind) {
    case 'any':
      if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floating(v, false);
      if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      if (v instanceof Uint8Array) return base64(v);
      if (v instanceof Date) return javaDateText(v.getTime());
      if (Array.isArray(v)) {
        const doubles = jsonDoubles(v);
        return `[${v.map((x, i) => member(x, String(i), t, sized, doubles)).join(', ')}]`;
      }
      return mapText(entriesOf(v), t, t, false, jsonDoubles(v));
    case 'null': return 'null';
    case 'boolean': return String(Boolean(v));
    case 'int32': case 'int64': return integer(v, 'an integer');
    case 'float32': return floating(v, true);
    case 'float64': return floating(v, false);
    case 'string': case 'uuid': case 'enum': case 'zoned-timestamp': case 'zoned-time': case 'json': case 'xml':
      return typeof v === 'string' ? v : String(v);
    case 'bytes': case 'fixed': case 'bits':
      if (v instanceof Uint8Array) return base64(v);
      if (typeof v === 'string') return v; // already base64, as Connect JSON carries bytes
      throw new ConvertError(`the value should be bytes (got ${describeValue(v)})`);
    case 'decimal': return bigDecimalText(unscaledDecimal(v, t.scale, 'value'), t.scale);
    case 'date': case 'time-millis': return javaDateText(epochMs(v, t.kind));
    // Debezium's zoneless timestamps are plain int64s in Connect (no logical type): printed as numbers.
    case 'timestamp-millis': return t.local ? integer(v, 'an integer') : javaDateText(epochMs(v, t.kind));
    case 'timestamp-micros': case 'timestamp-nanos': case 'time-micros': case 'time-nanos':
      return integer(v, 'an integer');
    case 'array':
      if (!Array.isArray(v)) throw new ConvertError(`the value should be an array (got ${describeValue(v)})`);
      return `[${v.map((x) => javaText(x, t.items, sized)).join(', ')}]`;
    case 'map': return mapText(entriesOf(v), t.keys ?? { kind: 'string' }, t.values, sized);
    case 'record': {
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw new ConvertError(`the value should be a struct (got ${describeValue(v)})`);
      const o = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const f of t.fields) {
        const x = o[f.name];
        if (x !== null && x !== undefined) parts.push(`${f.name}=${member(x, f.name, f.type, sized, jsonDoubles(o))}`);
      }
      return `Struct{${parts.join(',')}}`;
    }
    case 'variable-decimal': {
      const d = v as { scale?: unknown; value?: unknown };
      return `Struct{scale=${integer(d.scale, 'an integer')},value=${javaText(d.value, { kind: 'bytes' })}}`;
    }
  }
}
