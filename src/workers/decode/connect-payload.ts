// Kafka Connect's JsonConverter turns each payload into Connect data against
// its schema and refuses what does not fit (DataException). Sluice keeps the
// payload as parsed JSON and the sinks write it per field type, so the checks
// that would otherwise let a wrong value through happen here, compiled once
// per schema: a required field that is null or missing (given its default
// when the schema has one, as Connect does), bytes that are not base64, and a
// Decimal sent as a JSON number with more decimal places than its scale. A
// schema that needs none of them compiles to nothing: no cost per record.
//
// A null (or missing) value whose schema has a default is that default, as
// JsonConverter.convertToConnect reads it at every level (struct fields,
// array elements, map values) while replace.null.with.default is true (the
// default; KIP-581, Kafka 3.5, before which it always did). With it false an
// optional one stays null and a required one is refused ("Invalid null value
// for required field").
import type { ConnectSchema } from '../schema.js';

/** Checks a value at `path` and returns it, or the value to use instead (a default). Throws the reason. */
type Check = (v: unknown, path: string) => unknown;

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The payload check for a value schema, or undefined when the schema needs none. `replace`: the converter's replace.null.with.default. */
export function compilePayloadCheck(schema: ConnectSchema, replace = true): ((payload: unknown) => void) | undefined {
  const check = compile(schema, replace);
  if (!check) return undefined;
  return (payload) => {
    if (payload !== null && payload !== undefined) check(payload, '');
  };
}

/**
 * A field's "default" as JsonConverter reads it (convertToConnect, as for a
 * payload value): the form the payload's values take here; throws where
 * Connect would refuse the schema.
 */
export function connectDefault(s: ConnectSchema): unknown {
  const check = s.default === null || s.default === undefined ? undefined : compile(s, true);
  return check ? check(structuredClone(s.default), 'default') : s.default;
}

function compile(s: ConnectSchema, replace: boolean): Check | undefined {
  if (s.name === DECIMAL) return decimalCheck(Number(s.parameters?.scale ?? 0));
  switch (s.type) {
    case 'bytes':
      return bytesCheck;
    case 'struct':
      return structCheck(s.fields ?? [], replace);
    case 'array': {
      const item = s.items && element(s.items, replace);
      if (!item) return undefined;
      return (v, path) => {
        if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = item(v[i], `${path}[${i}]`);
        return v;
      };
    }
    case 'map': {
      const value = s.values && element(s.values, replace);
      if (!value) return undefined;
      return (v, path) => {
        // Connect writes a map with string keys as an object, any other as [key, value] pairs.
        if (Array.isArray(v)) {
          for (const pair of v) if (Array.isArray(pair) && pair.length === 2) pair[1] = value(pair[1], `${path}[${JSON.stringify(pair[0])}]`);
        } else if (v !== null && typeof v === 'object') {
          const o = v as Record<string, unknown>;
          for (const k of Object.keys(o)) o[k] = value(o[k], `${path}.${k}`);
        }
        return v;
      };
    }
    default:
      return undefined;
  }
}

/** An array element or map value: null only where the element schema is optional, or its default. */
function element(s: ConnectSchema, replace: boolean): Check | undefined {
  const inner = compile(s, replace);
  if (s.optional && !inner && !(replace && hasDefault(s))) return undefined;
  return (v, path) => {
    if (v === null || v === undefined) return nullValue(s, v, path, replace);
    return inner ? inner(v, path) : v;
  };
}

function hasDefault(s: ConnectSchema): boolean {
  return s.default !== undefined && s.default !== null;
}

function structCheck(fields: readonly ConnectSchema[], replace: boolean): Check | undefined {
  const checks: { name: string; schema: ConnectSchema; inner: Check | undefined }[] = [];
  for (const f of fields) {
    const inner = compile(f, replace);
    if (!f.optional || inner || (replace && hasDefault(f))) checks.push({ name: f.field ?? '', schema: f, inner });
  }
  if (checks.length === 0) return undefined;
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v; // not a struct: the sink says so
    const o = v as Record<string, unknown>;
    for (const c of checks) {
      const x = o[c.name];
      const at = path ? `${path}.${c.name}` : c.name;
      if (x === null || x === undefined) {
        const y = nullValue(c.schema, x, at, replace);
        if (y !== x) o[c.name] = y;
      } else if (c.inner) {
        const y = c.inner(x, at);
        if (y !== x) o[c.name] = y;
      }
    }
    return v;
  };
}

/**
 * JsonConverter.convertToConnect of a null: the schema default while
 * replace.null.with.default is on, else null where optional, else refused.
 * A default object is shared by every record: each gets its own copy.
 */
function nullValue(s: ConnectSchema, v: unknown, path: string, replace: boolean): unknown {
  if (replace && hasDefault(s)) return typeof s.default === 'object' ? structuredClone(s.default) : s.default;
  if (s.optional) return v;
  const what = path ? `field ${path}` : 'the value';
  const state = v === undefined ? 'missing' : 'null';
  if (hasDefault(s)) throw new Error(`${what} is ${state} but its schema says it is required, and replace.null.with.default=false keeps its default from standing in`);
  throw new Error(`${what} is ${state} but its schema says it is required (optional=false, no default)`);
}

function bytesCheck(v: unknown, path: string): unknown {
  if (typeof v === 'string' && !BASE64.test(v)) throw new Error(`field ${path} is a bytes field but ${JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v)} is not base64`);
  return v;
}

function decimalCheck(scale: number): Check {
  return (v, path) => {
    if (typeof v === 'string') return bytesCheck(v, path);
    if (typeof v === 'number' || typeof v === 'bigint') {
      const places = decimalPlaces(String(v));
      if (places > scale) throw new Error(`field ${path} is a Decimal of scale ${scale} but ${String(v)} has ${places} decimal places`);
    }
    return v;
  };
}

/** Decimal places of a number's shortest text (1e-7 → 7, 1.50 → 1). */
function decimalPlaces(text: string): number {
  const m = /^-?\d*(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return 0;
  return Math.max(0, (m[1] ?? '').replace(/0+$/, '').length - Number(m[2] ?? 0));
}
