// Apache Kafka's transforms (org.apache.kafka.connect.transforms.*), with
// Connect's option names, defaults and failure cases. Each works on the key
// or the value ($Key / $Value) of the record in place; a shape change derives
// the output schema once per input schema (SchemaCache).
import { copyJsonDoubles, isJsonDouble, markJsonDouble, stringifyJsonExact } from '../workers/json-exact.js';
import { intType, type Field, type FieldType, type RecordSchema } from '../workers/schema.js';
import { javaReplacement, wholeMatch } from './java-regex.js';
import { intern, type Options, type PredicateFactory, type Transform, type TransformFactory } from './options.js';
import {
  compileBuilder, describeValue, getHeaders, hasSchema, isStruct, optionalOfSchema, requireMap, requireSchema, requireStruct, SCHEMALESS, SchemaCache,
  schemaOfType, TransformError, typeOfSchema, type StructBuilder, type TRecord,
} from './record.js';
import { SimpleDateFormat } from './timefmt.js';
import { derived, fieldSchema, plain, structFields, structLike, type ConnectShape } from './derived-schema.js';

export type Part = 'key' | 'value';

function valueOf(r: TRecord, p: Part): unknown {
  return p === 'key' ? r.key : r.value;
}
function schemaOf(r: TRecord, p: Part): RecordSchema | undefined {
  return p === 'key' ? r.keySchema : r.valueSchema;
}
function put(r: TRecord, p: Part, v: unknown, s: RecordSchema | undefined): void {
  if (p === 'key') {
    r.key = v;
    r.keySchema = s;
  } else {
    r.value = v;
    r.valueSchema = s;
  }
}

const enc = new TextEncoder();
const MS_PER_DAY = 86_400_000;

/** A header's bytes for a typed value, as Connect's default SimpleHeaderConverter writes it. */
export function headerBytes(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return enc.encode(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return enc.encode(String(v));
  if (v instanceof Date) return enc.encode(v.toISOString());
  return enc.encode(stringifyJsonExact(v, (_k, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x)));
}

function fieldsOf(s: RecordSchema & { fields: readonly Field[] }, purpose: string): readonly Field[] {
  if (s.scalar) throw new TransformError(`Only Struct objects supported for [${purpose}], found: a ${s.fields[0]!.type.kind} schema`);
  return s.fields;
}

// ---------------------------------------------------------------- replace.null.with.default

/**
 * Connect's replace.null.with.default (KIP-1040, default true) on the SMTs that
 * have it: true reads a null field through Struct.get (its schema default when
 * it has one), false through Struct.getWithoutDefault (null stays null).
 */
function nullDefaults(o: Options): boolean {
  return o.bool('replace.null.with.default', true);
}

/** A struct field's value as Struct.get (useDefault) or getWithoutDefault reads it. */
function fieldValue(m: Record<string, unknown>, f: Field, useDefault: boolean): unknown {
  const x = m[f.name];
  if (x !== null && x !== undefined) return x;
  return useDefault && hasDefault(f) ? exactDefault(f) : null;
}

function hasDefault(f: Field): boolean {
  return (f.default !== undefined && f.default !== null) || f.defaultError !== undefined;
}

/**
 * A field's schema default: the decoders give it in the form their values
 * take (schema-defaults.ts), so it is applied as it is; a default they could
 * not read exactly is an error rather than a guess.
 */
function exactDefault(f: Field): unknown {
  if (f.defaultError === undefined) return f.default ?? null;
  throw new TransformError(`field ${f.name} is null and ${f.defaultError}, so it cannot be applied as Struct.get would; set replace.null.with.default=false on this transform to keep the null`);
}

/**
 * For a compiled struct copy: each field's default as the builder may use it,
 * and a check that throws where a null met a default that could not be read.
 */
function builderDefaults(fields: readonly Field[], useDefaults: boolean, outName: (n: string) => string = (n) => n) {
  const unreadable = useDefaults ? fields.filter((f) => f.defaultError !== undefined) : [];
  return {
    of: (f: Field): unknown => (useDefaults && f.defaultError === undefined ? f.default : undefined),
    check: (out: Record<string, unknown>): void => {
      for (const f of unreadable) if (out[outName(f.name)] === null || out[outName(f.name)] === undefined) exactDefault(f);
    },
  };
}

const defaultedFields = new WeakMap<readonly Field[], readonly Field[]>();

/** Puts each field's default into its null slot of `out` (a copy), as the SMTs that rebuild a struct with Struct.get do. */
function fillDefaults(out: Record<string, unknown>, fields: readonly Field[]): void {
  let withDefault = defaultedFields.get(fields);
  if (withDefault === undefined) {
    withDefault = fields.filter(hasDefault);
    defaultedFields.set(fields, withDefault);
  }
  for (const f of withDefault) if (out[f.name] === null || out[f.name] === undefined) out[f.name] = exactDefault(f);
}

// ---------------------------------------------------------------- Cast

const CAST_TYPES = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'] as const;
type CastType = (typeof CAST_TYPES)[number];
const INT_RANGE: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-2147483648n, 2147483647n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

function castFieldType(t: CastType): FieldType {
  switch (t) {
    case 'int8': return intType(8);
    case 'int16': return intType(16);
    case 'int32': return intType();
    case 'int64': return { kind: 'int64' };
    case 'float32': return { kind: 'float32' };
    case 'float64': return { kind: 'float64' };
    case 'boolean': return { kind: 'boolean' };
    case 'string': return { kind: 'string' };
  }
}

// Connect casts from the primitive types (a Date/Time/Timestamp is its int32/int64 underneath; bytes only to string).
const CASTABLE_FROM = new Set(['int32', 'int64', 'float32', 'float64', 'boolean', 'string', 'bytes', 'timestamp-millis', 'date', 'time-millis']);

/** Java's Double.toString: "1.0", "1.0E7", "1.5E-4". */
export function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const a = Math.abs(n);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  return `${mant.includes('.') ? mant : `${mant}.0`}E${exp!.startsWith('+') ? exp!.slice(1) : exp}`;
}

/** Float.toString: the shortest decimal that reads back as the same float32. */
function javaFloat(n: number): string {
  if (!Number.isFinite(n) || n === 0) return javaDouble(n);
  for (let p = 1; p <= 9; p++) {
    const t = Number(n.toPrecision(p));
    if (Math.fround(t) === n) return javaDouble(t);
  }
  return javaDouble(n);
}

/** Values.dateFormatFor: a time of day, a date, or a timestamp, by the value itself. */
function connectDateText(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (ms >= 0 && ms < MS_PER_DAY) return `${iso.slice(11, 23)}Z`;
  if (ms % MS_PER_DAY === 0) return iso.slice(0, 10);
  return `${iso.slice(0, 23)}Z`;
}

const DATE_KINDS: Record<string, (v: number) => number> = {
  'timestamp-millis': (v) => v, date: (v) => v * MS_PER_DAY, 'time-millis': (v) => v,
};

function castValue(v: unknown, to: CastType, from: FieldType | undefined): unknown {
  if (v === null || v === undefined) return null;
  const outOfRange = (why = ''): never => {
    throw new TransformError(`Value (${typeof v === 'string' ? v : describeValue(v)}) was out of range for requested data type ${to}${why}`);
  };
  const unexpected = (): never => {
    throw new TransformError(`Unexpected type in Cast transformation: ${describeValue(v)} cannot be cast to ${to}`);
  };
  if (to === 'string') {
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v instanceof Date) return connectDateText(v.getTime());
    if (from && from.kind in DATE_KINDS && typeof v === 'number') return connectDateText(DATE_KINDS[from.kind]!(v));
    if (typeof v === 'number') {
      if (from?.kind === 'float32') return javaFloat(v);
      return from?.kind === 'float64' || !Number.isInteger(v) ? javaDouble(v) : String(v);
    }
    if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    return unexpected();
  }
  if (to === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return Math.trunc(v) !== 0;
    if (typeof v === 'bigint') return v !== 0n;
    // Boolean.parseBoolean: "true" in any case is true, everything else false.
    if (typeof v === 'string') return v.toLowerCase() === 'true';
    return unexpected();
  }
  if (to === 'float32' || to === 'float64') {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') {
      n = Number(v);
      if (BigInt(n) !== v) outOfRange(': not exactly representable');
    } else if (typeof v === 'boolean') n = v ? 1 : 0;
    else if (typeof v === 'string') {
      const t = v.trim();
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?$/.test(t)) outOfRange(': not a number');
      n = Number(t.replace(/[fFdD]$/, ''));
    } else return unexpected();
    return to === 'float32' ? Math.fround(n) : n;
  }
  // Integer targets: Java's Number.xxxValue() truncates a fraction toward zero. A value
  // out of the target's range would wrap around in Java; Sluice refuses it rather than write another number.
  let b: bigint;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) outOfRange();
    b = BigInt(Math.trunc(v));
  } else if (typeof v === 'bigint') b = v;
  else if (typeof v === 'boolean') b = v ? 1n : 0n;
  else if (typeof v === 'string') {
    // Integer.parseInt and friends: an optional sign and digits, nothing else.
    if (!/^[+-]?\d+$/.test(v)) outOfRange(': not an integer');
    b = BigInt(v);
  } else return unexpected();
  const [min, max] = INT_RANGE[to]!;
  if (b < min || b > max) outOfRange();
  return to === 'int64' && (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) ? b : Number(b);
}

function cast(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const spec = o.list('spec', { required: true });
      let whole: CastType | undefined;
      const byField = new Map<string, CastType>();
      for (const item of spec) {
        const parts = item.split(':');
        const check = (t: string): CastType => {
          const type = t.trim().toLowerCase();
          if (!(CAST_TYPES as readonly string[]).includes(type)) {
            if (['bytes', 'array', 'map', 'struct'].includes(type)) o.fail('spec', `Cast transformation does not support casting to ${type.toUpperCase()}; supported types are ${CAST_TYPES.join(', ')}`);
            o.fail('spec', `Invalid type found in casting spec: ${t.trim()}`);
          }
          return type as CastType;
        };
        if (parts.length === 1) {
          if (spec.length > 1) o.fail('spec', 'Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
          whole = check(parts[0]!);
        } else if (parts.length === 2) byField.set(intern(parts[0]!.trim()), check(parts[1]!));
        else o.fail('spec', `Invalid rename mapping: ${item}`);
      }
      const useDefaults = nullDefaults(o);
      const cache = new SchemaCache(`cast.${part}`);
      return {
        apply(r) {
          const v = valueOf(r, part);
          if (v === null || v === undefined) return true;
          const s = schemaOf(r, part);
          if (!hasSchema(s)) {
            if (whole) put(r, part, castValue(v, whole, undefined), s ?? SCHEMALESS);
            else {
              const m = requireMap(v, 'cast types');
              const out: Record<string, unknown> = { ...m };
              // As in Connect, a spec field the map lacks is put in as null.
              // A JSON double (1.0) is a Double to Connect: cast to a string it is Double.toString's "1.0".
              for (const [f, t] of byField) out[f] = castValue(m[f], t, t === 'string' && isJsonDouble(m, f) ? { kind: 'float64' } : undefined);
              // JSON's integral doubles (1.0) stay Doubles where untouched; a cast to float32/float64 makes one (Jackson writes 1.0).
              copyJsonDoubles(m, out, (k) => (byField.has(k) ? undefined : k));
              for (const [f, t] of byField) if ((t === 'float32' || t === 'float64') && Number.isInteger(out[f])) markJsonDouble(out, f);
              put(r, part, out, s ?? SCHEMALESS);
            }
            return true;
          }
          if (whole) {
            if (!s.scalar) throw new TransformError(`Cast transformation does not support casting a struct to ${whole}`);
            const from = s.fields[0]!.type;
            if (!CASTABLE_FROM.has(from.kind)) throw new TransformError(`Cast transformation does not support casting from ${from.kind}`);
            const out = cache.get(s, (id) => derived(schemaOfType(id, castFieldType(whole!), optionalOfSchema(s)), {
              from: s, by: 'Cast', version: 'copy',
              // copySchemaBasics onto the target type: name, version and parameters kept; the default cast.
              connect: (c) => {
                const b: ConnectShape = { ...plain(whole!, c.optional, c.name), params: c.params };
                return c.default === undefined ? b : { ...b, default: castValue(c.default, whole!, from) };
              },
            }));
            put(r, part, castValue(v, whole, from), out);
            return true;
          }
          const fields = fieldsOf(s, 'cast types');
          const out = cache.get(s, (id) => derived({
            id,
            fields: fields.map((f) => {
              const t = byField.get(f.name);
              if (!t) return f;
              if (!CASTABLE_FROM.has(f.type.kind)) throw new TransformError(`Cast transformation does not support casting field ${f.name} of type ${f.type.kind}`);
              return { name: f.name, type: castFieldType(t), optional: f.optional };
            }),
          }, {
            from: s, by: 'Cast', version: 'copy',
            connect: (c) => {
              // Connect casts a struct schema's default too, which it cannot (a struct is no cast input): every record fails there.
              if (c.default !== undefined) throw new Error('the value schema has a default, which Cast cannot cast');
              const cast = structFields(c).map((cf) => {
                const t = byField.get(cf.name);
                if (!t) return cf;
                // A fresh schema of the target type: optional as the field was, its default cast, no name or parameters.
                const b = plain(t, cf.schema.optional);
                const from = fields.find((f) => f.name === cf.name)?.type;
                return { name: cf.name, schema: cf.schema.default === undefined ? b : { ...b, default: castValue(cf.schema.default, t, from) } };
              });
              return { ...structLike(c, cast), optional: c.optional };
            },
          }));
          const m = requireStruct(v, 'cast types');
          const res: Record<string, unknown> = { ...m };
          // Connect builds the output from Struct.get / getWithoutDefault of every field, the cast ones before the cast.
          if (useDefaults) fillDefaults(res, fields);
          for (const f of fields) {
            const t = byField.get(f.name);
            if (t) res[f.name] = castValue(res[f.name], t, f.type);
          }
          put(r, part, res, out);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- DropHeaders / InsertHeader

const dropHeaders: TransformFactory = {
  info: { usesKey: false, routing: 'none' },
  create(o) {
    const names = new Set(o.list('headers', { required: true }));
    return {
      apply(r) {
        const hs = getHeaders(r);
        for (let i = hs.length - 1; i >= 0; i--) if (names.has(hs[i]!.name)) hs.splice(i, 1);
        return true;
      },
    };
  },
};

const insertHeader: TransformFactory = {
  info: { usesKey: false, routing: 'none' },
  create(o) {
    const name = o.required('header');
    if (!o.has('value.literal')) o.fail('value.literal', 'required (the header value)');
    const value = enc.encode(o.str('value.literal')!);
    return {
      apply(r) {
        getHeaders(r).push({ name, value });
        return true;
      },
    };
  },
};

// ---------------------------------------------------------------- ExtractField

/** field.syntax.version=V2: dotted paths, a backtick-quoted segment may hold dots (`a.b`). */
function fieldPath(o: Options, name: string): string[] {
  const version = o.oneOf('field.syntax.version', ['V1', 'V2'] as const, 'V1', true);
  if (version === 'V1') return [name];
  const path: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '`' && cur === '') {
      const end = name.indexOf('`', i + 1);
      if (end > 0 && (end === name.length - 1 || name[end + 1] === '.')) {
        path.push(name.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    if (c === '.') {
      path.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '' || name.endsWith('.')) path.push(cur);
  return path.map(intern);
}

function extractField(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const name = o.required('field');
      const path = fieldPath(o, name);
      const useDefaults = nullDefaults(o);
      const cache = new SchemaCache<{ schema: RecordSchema; steps: Field[] }>(`extract.${part}`);
      return {
        apply(r) {
          const v = valueOf(r, part);
          const s = schemaOf(r, part);
          if (!hasSchema(s)) {
            if (v === null || v === undefined) return put(r, part, null, undefined), true;
            let cur: unknown = requireMap(v, 'field extraction');
            for (const seg of path) cur = isStruct(cur) ? cur[seg] ?? null : null;
            put(r, part, cur ?? null, cur === null || cur === undefined ? undefined : SCHEMALESS);
            return true;
          }
          const { schema: out, steps } = cache.get(s, (id) => {
            let type: FieldType = typeOfSchema(s);
            let optional = false;
            const fs: Field[] = [];
            for (const seg of path) {
              const f = type.kind === 'record' ? type.fields.find((x) => x.name === seg) : undefined;
              if (!f) throw new TransformError(`Unknown field: ${name}`);
              fs.push(f);
              type = f.type;
              optional ||= f.optional;
            }
            // Connect's output is the field's own schema: a nested schema, whose version (Avro's connect.version on it) Sluice does not track.
            return {
              schema: derived(schemaOfType(id, type, optional), {
                from: s, by: 'ExtractField', version: 'none',
                connect: (c) => path.reduce((x, seg) => fieldSchema(x, seg), c),
              }),
              steps: fs,
            };
          });
          if (v === null || v === undefined) return put(r, part, null, out), true;
          let cur: unknown = requireStruct(v, 'field extraction');
          // SingleFieldPath.valueFrom: the steps on the way read with Struct.get; only the last follows the option.
          for (let i = 0; i < steps.length; i++) cur = isStruct(cur) ? fieldValue(cur, steps[i]!, i < steps.length - 1 || useDefaults) : null;
          put(r, part, cur ?? null, out);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- Filter

const filter: TransformFactory = {
  info: { usesKey: false, routing: 'none' },
  create() {
    return { apply: () => false };
  },
};

// ---------------------------------------------------------------- Flatten

function flatten(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const delim = o.str('delimiter', '.');
      const cache = new SchemaCache(`flatten.${part}`);
      const flatMap = (prefix: string, m: Record<string, unknown>, out: Record<string, unknown>): void => {
        for (const k of Object.keys(m)) {
          const name = prefix === '' ? k : prefix + delim + k;
          const x = m[k];
          if (isStruct(x)) flatMap(name, x, out);
          else {
            out[name] = x;
            if (typeof x === 'number' && isJsonDouble(m, k)) markJsonDouble(out, name);
          }
        }
      };
      const flatFields = (prefix: string, fields: readonly Field[], optional: boolean, out: Field[]): void => {
        for (const f of fields) {
          const name = prefix === '' ? f.name : prefix + delim + f.name;
          if (f.type.kind === 'record') flatFields(name, f.type.fields, optional || f.optional, out);
          else {
            const readDefault = f.defaultError !== undefined ? { defaultError: f.defaultError } : {};
            out.push({ name, type: f.type, optional: optional || f.optional, default: f.default, ...readDefault });
          }
        }
      };
      /** Flatten.buildUpdatedSchema: each leaf's copySchemaBasics, optional under an optional ancestor, its default or its parent default's. */
      const flatConnect = (prefix: string, c: ConnectShape, optional: boolean, parentDefault: unknown, out: { name: string; schema: ConnectShape }[]) => {
        for (const f of structFields(c)) {
          const name = prefix === '' ? f.name : prefix + delim + f.name;
          const opt = optional || f.schema.optional;
          const d = f.schema.default ?? (isStruct(parentDefault) ? parentDefault[f.name] ?? undefined : undefined);
          if (f.schema.type === 'struct') flatConnect(name, f.schema, opt, d, out);
          else if (f.schema.type === 'map' || f.schema.type === 'union') throw new Error(`Flatten transformation does not support ${f.schema.type === 'map' ? 'MAP' : 'an Avro union'} for record with schemas (for field ${name})`);
          else {
            const { default: _d, optional: _o, ...basics } = f.schema;
            out.push({ name, schema: d === undefined || d === null ? { ...basics, optional: opt } : { ...basics, optional: opt, default: d } });
          }
        }
        return out;
      };
      const flatStruct = (prefix: string, fields: readonly Field[], m: Record<string, unknown> | null, out: Record<string, unknown>): void => {
        for (const f of fields) {
          const name = prefix === '' ? f.name : prefix + delim + f.name;
          const x = m === null ? null : m[f.name] ?? null;
          if (f.type.kind === 'record') flatStruct(name, f.type.fields, isStruct(x) ? x : null, out);
          else out[name] = x;
        }
      };
      return {
        apply(r) {
          const v = valueOf(r, part);
          if (v === null || v === undefined) return true;
          const s = schemaOf(r, part);
          if (!hasSchema(s)) {
            const out: Record<string, unknown> = {};
            flatMap('', requireMap(v, 'flattening'), out);
            put(r, part, out, s ?? SCHEMALESS);
            return true;
          }
          if (s.scalar) return true; // a primitive has nothing to flatten
          const fields = s.fields;
          const schema = cache.get(s, (id) => {
            const out: Field[] = [];
            flatFields('', fields, false, out);
            return derived({ id, fields: out }, { from: s, by: 'Flatten', version: 'copy', connect: (c) => structLike(c, flatConnect('', c, c.optional, c.default, [])) });
          });
          const out: Record<string, unknown> = {};
          flatStruct('', fields, requireStruct(v, 'flattening'), out);
          put(r, part, out, schema);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- HeaderFrom

function headerFrom(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const fields = o.list('fields', { required: true });
      const headers = o.list('headers', { required: true });
      if (fields.length !== headers.length) o.fail('headers', "'fields' config must have the same number of elements as 'headers' config.");
      const move = o.oneOf('operation', ['move', 'copy'] as const, 'copy') === 'move';
      if (!o.has('operation')) o.fail('operation', 'required (move or copy)');
      const useDefaults = nullDefaults(o);
      const cache = new SchemaCache(`headerfrom.${part}`);
      const moved = new Set(fields);
      return {
        apply(r) {
          // A tombstone (a null value, even for $Key) passes unchanged, as in Connect.
          if (r.value === null || r.value === undefined) return true;
          const v = valueOf(r, part);
          const s = schemaOf(r, part);
          const m = hasSchema(s) ? requireStruct(v, 'header ' + (move ? 'move' : 'copy')) : requireMap(v, 'header ' + (move ? 'move' : 'copy'));
          const hs = getHeaders(r);
          for (let i = 0; i < fields.length; i++) {
            if (!hasSchema(s)) {
              hs.push({ name: headers[i]!, value: headerBytes(m[fields[i]!]) });
              continue;
            }
            const f = s.fields.find((x) => x.name === fields[i]);
            if (!f) throw new TransformError(`Field does not exist: ${fields[i]}`);
            hs.push({ name: headers[i]!, value: headerBytes(fieldValue(m, f, useDefaults)) });
          }
          if (!move) return true;
          const out: Record<string, unknown> = {};
          for (const k of Object.keys(m)) if (!moved.has(k)) out[k] = m[k];
          if (!hasSchema(s)) return put(r, part, out, s), true;
          const outSchema = cache.get(s, (id) => derived({ id, fields: s.fields.filter((f) => !moved.has(f.name)) }, {
            from: s, by: 'HeaderFrom', version: 'copy', connect: (c) => structLike(c, structFields(c).filter((f) => !moved.has(f.name))),
          }));
          // A move rebuilds the value with Struct.get / getWithoutDefault; a copy leaves it as it is.
          if (useDefaults) fillDefaults(out, outSchema.fields!);
          put(r, part, out, outSchema);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- HoistField

function hoistField(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const field = o.required('field');
      const cache = new SchemaCache(`hoist.${part}`);
      return {
        apply(r) {
          const v = valueOf(r, part);
          const s = schemaOf(r, part);
          const out = { [field]: v === undefined ? null : v };
          if (!hasSchema(s)) put(r, part, out, SCHEMALESS);
          else {
            put(r, part, out, cache.get(s, (id) => derived({ id, fields: [{ name: field, type: typeOfSchema(s), optional: optionalOfSchema(s) }] }, {
              // SchemaBuilder.struct().field(field, schema): no name, no version.
              from: s, by: 'HoistField', version: 'none', connect: (c) => ({ type: 'struct', optional: false, params: '[]', fields: [{ name: field, schema: c }] }),
            })));
          }
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- InsertField

interface InsertSpec {
  name: string;
  optional: boolean;
}

function insertSpec(o: Options, key: string): InsertSpec | undefined {
  const raw = o.str(key);
  if (raw === undefined || raw.trim() === '') return undefined;
  const t = raw.trim();
  if (t.endsWith('!')) return { name: intern(t.slice(0, -1)), optional: false };
  if (t.endsWith('?')) return { name: intern(t.slice(0, -1)), optional: true };
  return { name: intern(t), optional: true };
}

function insertField(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const topicF = insertSpec(o, 'topic.field');
      const partitionF = insertSpec(o, 'partition.field');
      const offsetF = insertSpec(o, 'offset.field');
      const timestampF = insertSpec(o, 'timestamp.field');
      const staticF = insertSpec(o, 'static.field');
      const staticValue = o.str('static.value') ?? null;
      const useDefaults = nullDefaults(o);
      const cache = new SchemaCache<{ schema: RecordSchema; build: StructBuilder; check: (out: Record<string, unknown>) => void }>(`insert.${part}`);
      const added: Field[] = [];
      if (topicF) added.push({ name: topicF.name, type: { kind: 'string' }, optional: topicF.optional });
      if (partitionF) added.push({ name: partitionF.name, type: { kind: 'int32' }, optional: partitionF.optional });
      if (offsetF) added.push({ name: offsetF.name, type: { kind: 'int64' }, optional: offsetF.optional });
      if (timestampF) added.push({ name: timestampF.name, type: { kind: 'timestamp-millis' }, optional: timestampF.optional });
      if (staticF) added.push({ name: staticF.name, type: { kind: 'string' }, optional: staticF.optional });
      const extra: unknown[] = new Array(added.length);
      // Connect's STRING_SCHEMA, INT32_SCHEMA, INT64_SCHEMA, Timestamp.SCHEMA and their optional twins.
      const addedConnect = added.map((a) => ({
        name: a.name,
        schema: a.type.kind === 'timestamp-millis' ? plain('int64', a.optional, 'org.apache.kafka.connect.data.Timestamp') : plain(a.type.kind, a.optional),
      }));
      return {
        apply(r) {
          const v = valueOf(r, part);
          // A tombstone stays one (KAFKA-8523).
          if (v === null || v === undefined) return true;
          const s = schemaOf(r, part);
          const ts = Number.isFinite(r.timestamp) && r.timestamp >= 0 ? r.timestamp : null;
          if (!hasSchema(s)) {
            const out: Record<string, unknown> = { ...requireMap(v, 'field insertion') };
            // Fields kept as they were keep their JSON doubles (1.0); an inserted one replaces it (copyJsonDoubles checks).
            const inserted = [topicF, partitionF, offsetF, timestampF, staticF].map((f) => f?.name);
            copyJsonDoubles(v, out, (k) => (inserted.includes(k) ? undefined : k));
            if (topicF) out[topicF.name] = r.topic;
            if (partitionF) out[partitionF.name] = r.partition;
            if (offsetF) out[offsetF.name] = r.offset;
            // Schemaless, the timestamp goes in as the long Connect's record carries.
            if (timestampF && ts !== null) out[timestampF.name] = ts;
            if (staticF && staticValue !== null) out[staticF.name] = staticValue;
            put(r, part, out, s ?? SCHEMALESS);
            return true;
          }
          const m = requireStruct(v, 'field insertion');
          const fields = fieldsOf(s, 'field insertion');
          if (timestampF && ts === null && !timestampF.optional) throw new TransformError(`Invalid value: null used for required field: "${timestampF.name}", schema type: INT64`);
          const c = cache.get(s, (id) => {
            const kept = fields.filter((f) => !added.some((a) => a.name === f.name));
            const defaults = builderDefaults(kept, useDefaults);
            const copy = kept.map((f) => [f.name, f.name, defaults.of(f)] as const);
            const schema = derived({ id, fields: [...kept, ...added] }, {
              from: s, by: 'InsertField', version: 'copy',
              connect: (c) => structLike(c, [...structFields(c).filter((f) => !added.some((a) => a.name === f.name)), ...addedConnect]),
            });
            return { schema, build: compileBuilder(copy, added.map((a) => a.name)), check: defaults.check };
          });
          let k = 0;
          if (topicF) extra[k++] = r.topic;
          if (partitionF) extra[k++] = r.partition;
          if (offsetF) extra[k++] = r.offset;
          if (timestampF) extra[k++] = ts;
          if (staticF) extra[k++] = staticValue;
          const built = c.build(m, extra);
          c.check(built);
          put(r, part, built, c.schema);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- MaskField

function maskField(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const fields = new Set(o.list('fields', { required: true }));
      const replacement = o.str('replacement');
      if (replacement !== undefined && replacement === '') o.fail('replacement', 'must not be empty');
      const useDefaults = nullDefaults(o);
      const typed = (kind: string, name: string): unknown => {
        if (replacement === undefined) {
          switch (kind) {
            case 'boolean': return false;
            case 'int32': case 'int64': case 'float32': case 'float64': case 'date': case 'time-millis': case 'time-micros':
            case 'timestamp-millis': case 'timestamp-micros': case 'timestamp-nanos': return 0;
            case 'string': return '';
            case 'array': return [];
            case 'map': return {};
          }
          throw new TransformError(`Cannot mask value of type ${kind} (field ${name})`);
        }
        switch (kind) {
          case 'string': return replacement;
          case 'int32': case 'int64': case 'float32': case 'float64': {
            const n = castValue(replacement, kind === 'int32' ? 'int32' : kind === 'int64' ? 'int64' : kind === 'float32' ? 'float32' : 'float64', { kind: 'string' });
            return n;
          }
        }
        throw new TransformError(`Cannot mask value of type ${kind} with custom replacement (field ${name})`);
      };
      const untyped = (x: unknown, name: string): unknown => {
        if (x === null || x === undefined) return x;
        if (typeof x === 'string') return typed('string', name);
        if (typeof x === 'boolean') return typed('boolean', name);
        if (typeof x === 'number') return replacement === undefined ? 0 : typed(Number.isInteger(x) ? 'int64' : 'float64', name);
        if (typeof x === 'bigint') return replacement === undefined ? 0n : BigInt(String(typed('int64', name)));
        if (x instanceof Date) return replacement === undefined ? new Date(0) : typed('date', name);
        if (Array.isArray(x)) return typed('array', name);
        if (isStruct(x)) return typed('map', name);
        throw new TransformError(`Cannot mask value of type ${describeValue(x)} (field ${name})`);
      };
      return {
        apply(r) {
          // No tombstone exception here: Connect's MaskField requires a map or struct (a predicate can skip tombstones).
          const v = valueOf(r, part);
          const s = schemaOf(r, part);
          const out: Record<string, unknown> = { ...(hasSchema(s) ? requireStruct(v, 'mask fields') : requireMap(v, 'mask fields')) };
          if (hasSchema(s)) {
            // Connect masks what Struct.get / getWithoutDefault reads: a null field's default is masked like a value.
            if (useDefaults) fillDefaults(out, fieldsOf(s, 'masking'));
            for (const f of fieldsOf(s, 'masking')) {
              if (!fields.has(f.name)) continue;
              // A null stays null (Connect masks only present values).
              if (out[f.name] === null || out[f.name] === undefined) continue;
              // A uuid or an enum symbol is a String in Connect: masked like one.
              out[f.name] = typed(f.type.kind === 'uuid' || f.type.kind === 'enum' ? 'string' : f.type.kind, f.name);
            }
          } else {
            for (const f of fields) out[f] = untyped(out[f], f) ?? null;
            // Unmasked JSON doubles (1.0) stay Doubles; a masked Double is 0.0 in Connect (MaskField's REPLACEMENT_MAPPING).
            copyJsonDoubles(v, out, (k) => (fields.has(k) ? undefined : k));
            for (const f of fields) if (isJsonDouble(v, f) && typeof out[f] === 'number') markJsonDouble(out, f);
          }
          put(r, part, out, s);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- RegexRouter / TimestampRouter

const regexRouter: TransformFactory & { routeTopic(t: Transform, topic: string): string } = {
  info: { usesKey: false, routing: 'topic' },
  create(o) {
    const regex = o.required('regex', 'a Java regular expression');
    let re: RegExp;
    try {
      re = wholeMatch(regex);
    } catch (err) {
      o.fail('regex', `not a regular expression Sluice can run (${(err as Error).message})`);
    }
    if (!o.has('replacement')) o.fail('replacement', 'required (a Java regex replacement, $1 for a group)');
    let expand: (m: RegExpExecArray) => string;
    try {
      expand = javaReplacement(o.str('replacement')!);
    } catch (err) {
      o.fail('replacement', (err as Error).message);
    }
    const memo = new Map<string, string>();
    const route = (topic: string): string => {
      let out = memo.get(topic);
      if (out === undefined) {
        const m = re.exec(topic);
        out = m ? expand(m) : topic;
        if (memo.size > 10_000) memo.clear();
        memo.set(topic, out);
      }
      return out;
    };
    return Object.assign(
      {
        apply(r: TRecord) {
          r.topic = route(r.topic);
          return true;
        },
      },
      { route },
    );
  },
  routeTopic: (t, topic) => (t as unknown as { route(x: string): string }).route(topic),
};

const timestampRouter: TransformFactory = {
  info: { usesKey: false, routing: 'record' },
  create(o) {
    const topicFormat = o.str('topic.format', '${topic}-${timestamp}');
    let fmt: SimpleDateFormat;
    try {
      fmt = new SimpleDateFormat(o.str('timestamp.format', 'yyyyMMdd'));
    } catch (err) {
      o.fail('timestamp.format', (err as Error).message);
    }
    let lastTs = NaN;
    let lastText = '';
    return {
      apply(r) {
        if (!Number.isFinite(r.timestamp) || r.timestamp < 0) throw new TransformError(`Timestamp missing on record: topic ${r.topic} partition ${r.partition} offset ${r.offset}`);
        if (r.timestamp !== lastTs) {
          lastTs = r.timestamp;
          lastText = fmt.format(r.timestamp);
        }
        r.topic = topicFormat.replaceAll('${topic}', r.topic).replaceAll('${timestamp}', lastText);
        return true;
      },
    };
  },
};

// ---------------------------------------------------------------- ReplaceField

function replaceField(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      // The deprecated blacklist/whitelist spellings count when the new one is absent (ConfigUtils.translateDeprecatedConfigs).
      const exclude = new Set(o.has('exclude') ? o.list('exclude') : o.list('blacklist'));
      const include = new Set(o.has('include') ? o.list('include') : o.list('whitelist'));
      const renames = new Map<string, string>();
      for (const item of o.list('renames')) {
        const kv = item.split(':');
        if (kv.length !== 2 || kv[0]!.trim() === '' || kv[1]!.trim() === '') o.fail('renames', `Invalid rename mapping: ${item}`);
        renames.set(intern(kv[0]!.trim()), intern(kv[1]!.trim()));
      }
      const useDefaults = nullDefaults(o);
      const keep = (name: string): boolean => !exclude.has(name) && (include.size === 0 || include.has(name));
      const renamed = (name: string): string => renames.get(name) ?? name;
      const cache = new SchemaCache<{ schema: RecordSchema; build: StructBuilder; check: (out: Record<string, unknown>) => void }>(`replace.${part}`);
      const none: unknown[] = [];
      return {
        apply(r) {
          const v = valueOf(r, part);
          if (v === null || v === undefined) return true;
          const s = schemaOf(r, part);
          if (!hasSchema(s)) {
            const m = requireMap(v, 'field replacement');
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(m)) if (keep(k)) out[renamed(k)] = m[k];
            copyJsonDoubles(m, out, (k) => (keep(k) ? renamed(k) : undefined));
            put(r, part, out, s ?? SCHEMALESS);
            return true;
          }
          const fields = fieldsOf(s, 'field replacement');
          const c = cache.get(s, (id) => {
            const kept = fields.filter((f) => keep(f.name));
            const defaults = builderDefaults(kept, useDefaults, renamed);
            return {
              schema: derived({ id, fields: kept.map((f) => (renames.has(f.name) ? { ...f, name: renamed(f.name) } : f)) }, {
                from: s, by: 'ReplaceField', version: 'copy',
                connect: (c) => structLike(c, structFields(c).filter((f) => keep(f.name)).map((f) => ({ name: renamed(f.name), schema: f.schema }))),
              }),
              // A null field takes its schema default, as Struct.get does (replace.null.with.default).
              build: compileBuilder(kept.map((f) => [renamed(f.name), f.name, defaults.of(f)]), []),
              check: defaults.check,
            };
          });
          const built = c.build(requireStruct(v, 'field replacement'), none);
          c.check(built);
          put(r, part, built, c.schema);
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- SetSchemaMetadata

function setSchemaMetadata(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const name = o.str('schema.name');
      const versionText = o.str('schema.version');
      if (versionText !== undefined && !/^\d+$/.test(versionText.trim())) o.fail('schema.version', `expected an integer, got ${JSON.stringify(versionText)}`);
      if (name === undefined && versionText === undefined) o.fail('schema.name', 'Neither schema name nor version configured');
      const version = versionText === undefined ? undefined : Number(versionText);
      // Connect declares replace.null.with.default here too but never reads a field (the value passes unchanged): checked, no effect.
      nullDefaults(o);
      const cache = new SchemaCache(`meta.${part}`);
      const withMeta = (s: RecordSchema, id: string): RecordSchema =>
        ({ ...s, id, name: name ?? s.name, ...(version === undefined ? {} : { version }) }) as RecordSchema;
      return {
        apply(r) {
          // SetSchemaMetadata.apply: a null without a schema passes; each of name and version is the configured one or else the input's.
          if (!hasSchema(schemaOf(r, part)) && (valueOf(r, part) === null || valueOf(r, part) === undefined)) return true;
          const s = requireSchema(schemaOf(r, part), 'updating schema metadata');
          put(r, part, valueOf(r, part), cache.get(s, (id) => derived(withMeta(s, id), {
            // A ConnectSchema of the input's with the name and version configured (each, when set).
            from: s, by: 'SetSchemaMetadata', version: version ?? 'copy', connect: (c) => (name === undefined ? c : { ...c, name }),
          })));
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- TimestampConverter

const TARGET_TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;

function timestampConverter(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o) {
      const field = o.str('field', '');
      const target = o.oneOf('target.type', TARGET_TYPES, 'string');
      if (!o.has('target.type')) o.fail('target.type', `required (one of ${TARGET_TYPES.join(', ')})`);
      const precision = o.oneOf('unix.precision', ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const, 'milliseconds');
      const pattern = o.str('format', '');
      let fmt: SimpleDateFormat | undefined;
      if (pattern !== '') {
        try {
          fmt = new SimpleDateFormat(pattern);
        } catch (err) {
          o.fail('format', `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${(err as Error).message})`);
        }
      }
      if (target === 'string' && !fmt) o.fail('format', 'TimestampConverter requires format option to be specified when using string timestamps');
      // A non-string target uses the format only to read string timestamps; week fields cannot be read back here.
      if (target !== 'string' && fmt?.parseProblem !== undefined) o.fail('format', fmt.parseProblem);
      const outType: FieldType =
        target === 'string' ? { kind: 'string' } : target === 'unix' ? { kind: 'int64' } : target === 'Date' ? { kind: 'date' } : target === 'Time' ? { kind: 'time-millis' } : { kind: 'timestamp-millis' };

      const fromUnix = (n: number | bigint): number => {
        const b = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
        switch (precision) {
          case 'seconds': return Number(b * 1000n);
          case 'milliseconds': return Number(b);
          case 'microseconds': return Number(b / 1000n);
          case 'nanoseconds': return Number(b / 1_000_000n);
        }
      };
      /** The instant (epoch ms) a value stands for, as Connect reads it into a java.util.Date. */
      const toMs = (x: unknown, t: FieldType | undefined): number => {
        if (t) {
          switch (t.kind) {
            case 'string': break;
            case 'int64': case 'int32': return fromUnix(x as number | bigint);
            case 'date': return Number(x) * MS_PER_DAY;
            case 'time-millis': case 'timestamp-millis': return x instanceof Date ? x.getTime() : Number(x);
            case 'time-micros': case 'timestamp-micros': return Number(BigInt(x as number) / 1000n);
            case 'timestamp-nanos': return Number(BigInt(x as number) / 1_000_000n);
            default: throw new TransformError(`Schema ${t.kind} does not correspond to a known timestamp type format`);
          }
        }
        if (x instanceof Date) return x.getTime();
        if (typeof x === 'number' || typeof x === 'bigint') return fromUnix(x);
        if (typeof x === 'string') {
          if (!fmt) throw new TransformError('TimestampConverter requires format option to be specified when using string timestamps');
          if (fmt.parseProblem !== undefined) throw new TransformError(`${o.prefix}format: ${fmt.parseProblem}; a string timestamp came in (${x})`);
          try {
            return fmt.parse(x);
          } catch (err) {
            throw new TransformError(`Could not parse timestamp: value (${x}) does not match pattern (${pattern}): ${(err as Error).message}`);
          }
        }
        throw new TransformError(`TimestampConverter does not support ${describeValue(x)}`);
      };
      const fromMs = (ms: number, schemaless: boolean): unknown => {
        switch (target) {
          case 'string': return fmt!.format(ms);
          case 'unix': {
            let b = BigInt(ms);
            if (precision === 'seconds') b = BigInt(Math.floor(ms / 1000));
            else if (precision === 'microseconds') b *= 1000n;
            else if (precision === 'nanoseconds') b *= 1_000_000n;
            return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
          }
          case 'Date': {
            const days = Math.floor(ms / MS_PER_DAY);
            return schemaless ? new Date(days * MS_PER_DAY) : days;
          }
          case 'Time': {
            const t = ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
            return schemaless ? new Date(t) : t;
          }
          case 'Timestamp': return schemaless ? new Date(ms) : ms;
        }
      };
      const convert = (x: unknown, t: FieldType | undefined, schemaless: boolean): unknown => {
        if (x === null || x === undefined) return null;
        if (t?.kind === 'string' && typeof x !== 'string') throw new TransformError(`Expected a string timestamp, found ${describeValue(x)}`);
        return fromMs(toMs(x, t), schemaless);
      };
      const useDefaults = nullDefaults(o);
      const cache = new SchemaCache(`ts.${part}`);
      const outConnect = (optional: boolean): ConnectShape =>
        target === 'string' ? plain('string', optional) : target === 'unix' ? plain('int64', optional)
          : target === 'Date' ? plain('int32', optional, 'org.apache.kafka.connect.data.Date')
            : target === 'Time' ? plain('int32', optional, 'org.apache.kafka.connect.data.Time') : plain('int64', optional, 'org.apache.kafka.connect.data.Timestamp');
      return {
        apply(r) {
          const v = valueOf(r, part);
          const s = schemaOf(r, part);
          if (!hasSchema(s)) {
            if (v === null || v === undefined) return true;
            if (field === '') put(r, part, convert(v, undefined, true), s ?? SCHEMALESS);
            else {
              const m = { ...requireMap(v, 'converting timestamp formats') };
              m[field] = convert(m[field], undefined, true);
              // Other fields' JSON doubles (1.0) stay Doubles; the converted one is what the conversion made (a unix time is a Long).
              copyJsonDoubles(v, m, (k) => (k === field ? undefined : k));
              put(r, part, m, s ?? SCHEMALESS);
            }
            return true;
          }
          if (field === '') {
            const from = typeOfSchema(s);
            // TRANSLATORS.get(type).typeSchema(optional): a fresh schema, no version.
            put(r, part, convert(v, from, false), cache.get(s, (id) => derived(schemaOfType(id, outType, optionalOfSchema(s)), {
              from: s, by: 'TimestampConverter', version: 'none', connect: (c) => outConnect(c.optional),
            })));
            return true;
          }
          const fields = fieldsOf(s, 'converting timestamp formats');
          const f = fields.find((x) => x.name === field);
          if (!f) throw new TransformError(`Unknown field: ${field}`);
          if (v === null || v === undefined) return true;
          const m = { ...requireStruct(v, 'converting timestamp formats') };
          // Connect rebuilds the struct with Struct.get / getWithoutDefault, the converted field before converting.
          if (useDefaults) fillDefaults(m, fields);
          m[field] = convert(m[field], f.type, false);
          put(r, part, m, cache.get(s, (id) => derived({
            id,
            fields: fields.map((x) => (x.name === field ? { name: x.name, type: outType, optional: x.optional } : x)),
          }, {
            from: s, by: 'TimestampConverter', version: 'copy',
            connect: (c) => {
              // Connect converts a struct schema's default too; Sluice does not: such a schema is not projected.
              if (c.default !== undefined) throw new Error('the value schema has a default, which Sluice does not convert as TimestampConverter does');
              const out = structFields(c).map((x) => (x.name === field ? { name: x.name, schema: outConnect(x.schema.optional) } : x));
              return { ...structLike(c, out), optional: c.optional };
            },
          })));
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- ValueToKey

const valueToKey: TransformFactory = {
  info: { usesKey: true, routing: 'none' },
  create(o) {
    const fields = o.list('fields', { required: true });
    const useDefaults = nullDefaults(o);
    const cache = new SchemaCache('valuetokey');
    return {
      apply(r) {
        const s = r.valueSchema;
        if (!hasSchema(s)) {
          const m = requireMap(r.value, 'copying fields from value to key');
          const key: Record<string, unknown> = {};
          for (const f of fields) key[f] = m[f] ?? null;
          copyJsonDoubles(m, key);
          r.key = key;
          r.keySchema = SCHEMALESS;
          return true;
        }
        const m = requireStruct(r.value, 'copying fields from value to key');
        const schema = cache.get(s, (id) => ({
          id,
          fields: fields.map((name) => {
            const f = s.scalar ? undefined : s.fields.find((x) => x.name === name);
            if (!f) throw new TransformError(`Field does not exist: ${name}`);
            return f;
          }),
        }));
        const key: Record<string, unknown> = {};
        for (const f of schema.fields!) key[f.name] = fieldValue(m, f, useDefaults);
        r.key = key;
        r.keySchema = schema;
        return true;
      },
    };
  },
};

// ---------------------------------------------------------------- predicates

const topicNameMatches: PredicateFactory = {
  create(o) {
    const pattern = o.required('pattern', 'a Java regular expression');
    let re: RegExp;
    try {
      re = wholeMatch(pattern);
    } catch (err) {
      o.fail('pattern', `not a regular expression Sluice can run (${(err as Error).message})`);
    }
    return { topicOnly: true, test: (r) => re.test(r.topic) };
  },
};

const hasHeaderKey: PredicateFactory = {
  create(o) {
    const name = o.required('name');
    return {
      topicOnly: false,
      test: (r) => (r.headers ?? r.readHeaders()).some((h) => h.name === name),
    };
  },
};

const recordIsTombstone: PredicateFactory = {
  create() {
    return { topicOnly: false, test: (r) => r.value === null || r.value === undefined };
  },
};

const T = 'org.apache.kafka.connect.transforms.';
const P = 'org.apache.kafka.connect.transforms.predicates.';

/** Apache Kafka's transforms by class name. */
export const connectTransforms: Record<string, TransformFactory> = {
  [`${T}DropHeaders`]: dropHeaders,
  [`${T}Filter`]: filter,
  [`${T}InsertHeader`]: insertHeader,
  [`${T}RegexRouter`]: regexRouter,
  [`${T}TimestampRouter`]: timestampRouter,
  [`${T}ValueToKey`]: valueToKey,
};
for (const [name, make] of Object.entries({
  Cast: cast, ExtractField: extractField, Flatten: flatten, HeaderFrom: headerFrom, HoistField: hoistField, InsertField: insertField,
  MaskField: maskField, ReplaceField: replaceField, SetSchemaMetadata: setSchemaMetadata, TimestampConverter: timestampConverter,
})) {
  connectTransforms[`${T}${name}$Key`] = make('key');
  connectTransforms[`${T}${name}$Value`] = make('value');
}

export const connectPredicates: Record<string, PredicateFactory> = {
  [`${P}TopicNameMatches`]: topicNameMatches,
  [`${P}HasHeaderKey`]: hasHeaderKey,
  [`${P}RecordIsTombstone`]: recordIsTombstone,
};

