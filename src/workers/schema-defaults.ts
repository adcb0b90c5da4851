// Schema defaults in the form the decoders give values, so a transform
// (replace.null.with.default) or a writer can put a default where a value
// would be and get exactly what Kafka Connect gets. Avro's JSON defaults are
// read as Confluent's AvroData.defaultValueFromAvro reads them (bytes, fixed
// and decimals as ISO-8859-1 text, a union's default for its first branch, a
// record's fields by name); a Connect JSON envelope's "default" as
// JsonConverter reads it, with the same reader as the payload
// (connect-payload.ts); JSON Schema defaults are read by the JSON Schema
// decoder itself. A default that cannot be read exactly is kept as the reason
// (Field.defaultError), and applying it is an error, never a guess.
import type { Field } from './schema.js';

type AvroSchema = string | AvroSchema[] | { type: AvroSchema; [k: string]: unknown };

/** Why a default cannot be read exactly. */
export class DefaultError extends Error {}

/** `{ default }` read by `read`, or `{ defaultError }` saying why not; nothing when the schema has no default. */
export function defaultOf(name: string, has: boolean, read: () => unknown): Pick<Field, 'default' | 'defaultError'> {
  if (!has) return {};
  try {
    return { default: read() };
  } catch (err) {
    return { defaultError: `the schema default of field ${name} cannot be read exactly: ${(err as Error).message}` };
  }
}

const INT_BITS: Record<string, number> = { int8: 8, int16: 16 };
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * An Avro field's JSON default as the Avro decoder gives the field's values.
 * `named`: the named types defined so far, by full and by simple name.
 */
export function avroDefault(schema: AvroSchema, v: unknown, named: ReadonlyMap<string, AvroSchema>): unknown {
  if (Array.isArray(schema)) {
    // AvroData: a union's default is for its first branch; a first branch null makes it null.
    const first = schema[0];
    if (first === undefined) throw new DefaultError('an empty union has no default');
    if (isNull(first)) return null;
    if (schema.filter((b) => !isNull(b)).length > 1) throw new DefaultError('a union of several types has no single form for its default');
    return avroDefault(first, v, named);
  }
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return primitive(schema, v, undefined);
    const ref = named.get(schema) ?? named.get(schema.split('.').pop()!);
    if (ref === undefined) throw new DefaultError(`unknown Avro type reference ${schema}`);
    return avroDefault(ref, v, named);
  }
  const s = schema as { type: AvroSchema; [k: string]: unknown };
  if (typeof s.type !== 'string') return avroDefault(s.type, v, named);
  switch (s.type) {
    case 'record':
    case 'error': {
      if (!isObject(v)) throw new DefaultError(`a record's default is a JSON object (got ${shown(v)})`);
      const out: Record<string, unknown> = {};
      for (const f of s.fields as { name: string; type: AvroSchema }[]) {
        // AvroData reads each field of the record from the default by name; one the default leaves out is null.
        const x = Object.hasOwn(v, f.name) ? v[f.name] : null;
        if (x === null && !nullable(f.type, named)) throw new DefaultError(`the record default gives no value for its required field ${f.name}`);
        out[f.name] = x === null ? null : avroDefault(f.type, x, named);
      }
      return out;
    }
    case 'enum': {
      const symbols = s.symbols as string[];
      if (typeof v !== 'string' || !symbols.includes(v)) throw new DefaultError(`${shown(v)} is not one of the enum's symbols`);
      return v;
    }
    case 'fixed': {
      const b = latin1(v);
      if (b.length !== Number(s.size)) throw new DefaultError(`a fixed of size ${String(s.size)} cannot default to ${b.length} bytes`);
      return b;
    }
    case 'array': {
      if (!Array.isArray(v)) throw new DefaultError(`an array's default is a JSON array (got ${shown(v)})`);
      return v.map((x) => avroDefault(s.items as AvroSchema, x, named));
    }
    case 'map': {
      if (!isObject(v)) throw new DefaultError(`a map's default is a JSON object (got ${shown(v)})`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = avroDefault(s.values as AvroSchema, x, named);
      return out;
    }
    default:
      // A primitive written as an object: its logical type (decimal: the unscaled bytes) reads as its base type.
      return primitive(s.type, v, s['connect.type']);
  }
}

function primitive(type: string, v: unknown, connectType: unknown): unknown {
  switch (type) {
    case 'null':
      if (v !== null) throw new DefaultError(`a null's default is null (got ${shown(v)})`);
      return null;
    case 'boolean':
      if (typeof v !== 'boolean') throw new DefaultError(`${shown(v)} is not a boolean`);
      return v;
    case 'int': {
      const bits = INT_BITS[String(connectType)] ?? 32;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** (bits - 1)) || v >= 2 ** (bits - 1)) throw new DefaultError(`${shown(v)} is not an int${bits}`);
      return v;
    }
    case 'long':
      // The schema's JSON text was read as doubles: beyond 2^53 the default is no longer the one written.
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new DefaultError(`${shown(v)} is not a long Sluice reads exactly (beyond 2^53 the JSON number is rounded)`);
      return v;
    case 'float':
      if (typeof v !== 'number') throw new DefaultError(`${shown(v)} is not a float`);
      return Math.fround(v); // what a float value decodes to
    case 'double':
      if (typeof v !== 'number') throw new DefaultError(`${shown(v)} is not a double`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new DefaultError(`${shown(v)} is not a string`);
      return v;
    case 'bytes':
      return latin1(v);
  }
  throw new DefaultError(`unknown Avro type ${type}`);
}

/** Avro's JSON form of bytes: one character per byte, U+0000..U+00FF. */
function latin1(v: unknown): Buffer {
  if (typeof v !== 'string') throw new DefaultError(`bytes default to a JSON string of characters U+0000..U+00FF (got ${shown(v)})`);
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0xff) throw new DefaultError(`bytes default to characters U+0000..U+00FF, one per byte, but it holds U+${v.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`);
  }
  return Buffer.from(v, 'latin1');
}

function isNull(s: AvroSchema): boolean {
  return s === 'null' || (typeof s === 'object' && !Array.isArray(s) && s.type === 'null');
}

function nullable(s: AvroSchema, named: ReadonlyMap<string, AvroSchema>): boolean {
  if (Array.isArray(s)) return s.some(isNull);
  if (typeof s === 'string' && !PRIMITIVES.has(s)) {
    const ref = named.get(s) ?? named.get(s.split('.').pop()!);
    return ref !== undefined && nullable(ref, named);
  }
  return isNull(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  const t = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}
