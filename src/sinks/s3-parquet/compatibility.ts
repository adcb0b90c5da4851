// schema.compatibility BACKWARD / FORWARD / FULL, as Confluent's storage
// connectors do it (StorageSchemaCompatibility, TopicPartitionWriter, and
// Kafka Connect's SchemaProjector), on Avro values:
//
// - Each partitioner path of an open file set has a current schema: the one
//   of its first record in the set (Confluent clears its current schemas
//   whenever the set is committed).
// - BACKWARD and FULL: a record whose schema version is newer than the
//   current one closes the set (its schema becomes the next set's); an older
//   or equal one is projected to the current schema and joins the file.
//   FORWARD: the reverse. A schema that cannot be projected closes the set
//   whatever the versions say (compat-check.ts has the whole decision).
// - Projection (SchemaProjector): fields the target lacks are dropped; a
//   target field the record lacks takes the field's default, else null when
//   optional, else it is an error; numbers are promoted int8 → int16 → int32
//   → int64 → float32 → float64; anything else that differs in type, name or
//   parameters (compat-params.ts) is an error. Since Confluent's CC-38689 such
//   schemas close the set instead (compat-check.ts): projection then fails
//   only on a value (a number with no exact value in the wider type).
//
// Schemas are seen as Kafka Connect sees them after Confluent's AvroData
// (the Avro writer schema's types, names, logical types, connect.name and
// connect.parameters); values are as Sluice's Avro decoder gives them (avsc,
// unions unwrapped).

import { paramsCompatible } from './compat-params.js';

export type Compatibility = 'backward' | 'forward' | 'full';

/** A projection the schemas do not allow (Kafka Connect's SchemaProjectorException). */
export class ProjectionError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type AvroSchema = string | AvroSchema[] | { [k: string]: unknown };

type CType = 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'string' | 'bytes' | 'struct' | 'array' | 'map' | 'union';

/** A Kafka Connect schema as AvroData makes it from an Avro schema. */
export interface CSchema {
  readonly type: CType;
  readonly optional: boolean;
  readonly name?: string;
  /** Parameters, as sorted JSON text (compared as Confluent's SchemaProjector does: compat-params.ts). */
  readonly params: string;
  /** The field default (decoded as Sluice's Avro decoder gives values); undefined: none. */
  readonly default?: unknown;
  readonly fields?: readonly { readonly name: string; readonly schema: CSchema }[];
  readonly items?: CSchema;
  readonly values?: CSchema;
  /** A map's key schema when keys are not plain strings (Protobuf, JSON Schema maps; Avro map keys are strings). */
  readonly keys?: CSchema;
  /** A union of several types (io.confluent.connect.avro.Union): compared by its Avro text. */
  readonly avro?: string;
}

const PROMOTION: readonly CType[] = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64'];

function promotable(from: CType, to: CType): boolean {
  const a = PROMOTION.indexOf(from);
  const b = PROMOTION.indexOf(to);
  return a >= 0 && b >= a;
}

const CONNECT_LOGICAL: Record<string, string> = {
  date: 'org.apache.kafka.connect.data.Date',
  'time-millis': 'org.apache.kafka.connect.data.Time',
  'timestamp-millis': 'org.apache.kafka.connect.data.Timestamp',
};

function sortedJson(o: Record<string, string>): string {
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
}

function fullName(s: Record<string, unknown>, namespace: string | undefined): string {
  const name = String(s.name);
  if (name.includes('.')) return name;
  const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
  return ns ? `${ns}.${name}` : name;
}

/** The Connect view of an Avro writer schema (the top-level value's). */
export function connectSchemaOf(avro: unknown): CSchema {
  return new Converter().of(avro as AvroSchema, undefined, false, undefined);
}

class Converter {
  private readonly named = new Map<string, AvroSchema>();

  of(s: AvroSchema, namespace: string | undefined, optional: boolean, dflt: { value: Json } | undefined): CSchema {
    if (Array.isArray(s)) {
      const isNull = (b: AvroSchema) => b === 'null' || (typeof b === 'object' && !Array.isArray(b) && b.type === 'null');
      const rest = s.filter((b) => !isNull(b));
      // AvroData makes ["null", T] an optional T and passes no default on: such a field has none in Connect.
      if (rest.length === 1 && s.length === 2) return this.of(rest[0]!, namespace, true, undefined);
      return { type: 'union', optional: optional || rest.length < s.length, params: '[]', avro: JSON.stringify(s) };
    }
    if (typeof s === 'string') {
      const ref = this.named.get(s) ?? (namespace ? this.named.get(`${namespace}.${s}`) : undefined);
      if (ref) return this.of(ref, namespace, optional, dflt);
      return this.of({ type: s }, namespace, optional, dflt);
    }
    const o = s as Record<string, unknown>;
    const t = o.type;
    if (typeof t !== 'string') return this.of(t as AvroSchema, namespace, optional, dflt);
    const params: Record<string, string> = {};
    const cp = o['connect.parameters'];
    if (cp && typeof cp === 'object') for (const [k, v] of Object.entries(cp)) params[k] = String(v);
    // AvroData (connect.meta.data=true, its default) keeps "avro…" properties, docs and a default's presence as parameters,
    // which Confluent's SchemaProjector compares (compat-params.ts).
    for (const [k, v] of Object.entries(o)) if (k.startsWith('avro')) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (dflt !== undefined && o['connect.default'] === undefined) params['io.confluent.connect.avro.field.default'] = 'true';
    let name = typeof o['connect.name'] === 'string' ? o['connect.name'] : undefined;
    const logical = typeof o.logicalType === 'string' ? o.logicalType : undefined;
    let type: CType;
    const base: { fields?: CSchema['fields']; items?: CSchema; values?: CSchema } = {};
    const ns = ['record', 'error', 'enum', 'fixed'].includes(t) && typeof o.name === 'string' ? fullName(o, namespace) : undefined;
    if (ns) this.named.set(ns, s);
    switch (t) {
      case 'null': type = 'union'; break;
      case 'boolean': type = 'boolean'; break;
      case 'int': type = o['connect.type'] === 'int8' ? 'int8' : o['connect.type'] === 'int16' ? 'int16' : 'int32'; break;
      case 'long': type = 'int64'; break;
      case 'float': type = 'float32'; break;
      case 'double': type = 'float64'; break;
      case 'string': type = 'string'; break;
      case 'bytes': type = 'bytes'; break;
      case 'enum': {
        type = 'string';
        name ??= ns;
        const simple = String(o.name).slice(String(o.name).lastIndexOf('.') + 1);
        if (typeof o.doc === 'string') params[`io.confluent.connect.avro.enum.doc.${simple}`] = o.doc;
        if (typeof o.default === 'string') params[`io.confluent.connect.avro.enum.default.${simple}`] = o.default;
        params['io.confluent.connect.avro.Enum'] = ns!;
        for (const sym of (o.symbols as string[]) ?? []) params[`io.confluent.connect.avro.Enum.${sym}`] = sym;
        break;
      }
      case 'fixed':
        type = 'bytes';
        name ??= ns;
        params['connect.fixed.size'] = String(o.size);
        break;
      case 'record':
      case 'error': {
        type = 'struct';
        name ??= ns;
        const inner = ns ? ns.slice(0, Math.max(0, ns.lastIndexOf('.'))) || undefined : namespace;
        // AvroData.CONNECT_RECORD_DOC_PROP (one of the parameters projection ignores, compat-params.ts).
        if (typeof o.doc === 'string') params['connect.record.doc'] = o.doc;
        type AvroField = { name: string; type: AvroSchema; default?: Json; doc?: unknown; 'connect.parameters'?: unknown };
        base.fields = ((o.fields as AvroField[]) ?? []).map((f) => {
          if (typeof f.doc === 'string') params[`io.confluent.connect.avro.field.doc.${f.name}`] = f.doc;
          let schema = this.of(f.type, inner, false, 'default' in f ? { value: f.default as Json } : undefined);
          const fp = f['connect.parameters'];
          if (fp && typeof fp === 'object') {
            const merged = Object.fromEntries(JSON.parse(schema.params) as [string, string][]);
            for (const [k, v] of Object.entries(fp)) merged[k] = String(v);
            schema = { ...schema, params: sortedJson(merged) };
          }
          return { name: f.name, schema };
        });
        break;
      }
      case 'array':
        type = 'array';
        base.items = this.of(o.items as AvroSchema, namespace, false, undefined);
        break;
      case 'map':
        type = 'map';
        base.values = this.of(o.values as AvroSchema, namespace, false, undefined);
        break;
      default:
        throw new ProjectionError(`Avro type "${t}" is not one Sluice projects`);
    }
    if (logical === 'decimal' && (t === 'bytes' || t === 'fixed')) {
      name = 'org.apache.kafka.connect.data.Decimal';
      params.scale = String(o.scale ?? 0);
      if (o.precision !== undefined) params['connect.decimal.precision'] = String(o.precision);
    } else if (logical && CONNECT_LOGICAL[logical] && name === undefined) {
      name = CONNECT_LOGICAL[logical];
    }
    const out: CSchema = { type, optional, params: sortedJson(params), ...(name !== undefined ? { name } : {}), ...base };
    // AvroData takes a type's connect.default when its field has no default.
    const d = dflt ?? (o['connect.default'] !== undefined ? { value: o['connect.default'] as Json } : undefined);
    if (d && d.value !== null) return { ...out, default: this.defaultValue(s, d.value, namespace) };
    return out;
  }

  /** An Avro JSON default as the decoder gives that type's values. */
  private defaultValue(s: AvroSchema, v: Json, namespace: string | undefined): unknown {
    if (Array.isArray(s)) return this.defaultValue(s[0]!, v, namespace);
    if (typeof s === 'string') {
      const ref = this.named.get(s) ?? (namespace ? this.named.get(`${namespace}.${s}`) : undefined);
      return this.defaultValue(ref ?? { type: s }, v, namespace);
    }
    const o = s as Record<string, unknown>;
    if (typeof o.type !== 'string') return this.defaultValue(o.type as AvroSchema, v, namespace);
    switch (o.type) {
      case 'bytes':
      case 'fixed':
        // Avro JSON writes bytes as a string of code points 0-255.
        return Buffer.from(String(v), 'latin1');
      case 'long':
        return typeof v === 'number' && !Number.isSafeInteger(v) ? BigInt(v) : v;
      case 'array':
        return (v as Json[]).map((x) => this.defaultValue(o.items as AvroSchema, x, namespace));
      case 'map': {
        const m: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, Json>)) m[k] = this.defaultValue(o.values as AvroSchema, x, namespace);
        return m;
      }
      case 'record':
      case 'error': {
        const r: Record<string, unknown> = {};
        const src = v as Record<string, Json>;
        for (const f of (o.fields as { name: string; type: AvroSchema; default?: Json }[]) ?? []) {
          const x = f.name in src ? src[f.name]! : (f.default ?? null);
          r[f.name] = x === null ? null : this.defaultValue(f.type, x, namespace);
        }
        return r;
      }
      default:
        return v;
    }
  }
}

/** SchemaProjector.project: `value` (of schema `source`) as a value of `target`. */
export function project(source: CSchema, value: unknown, target: CSchema, path = ''): unknown {
  checkMaybeCompatible(source, target, path);
  if (source.optional && !target.optional) {
    if (target.default === undefined) {
      throw new ProjectionError(`${at(path)}the record's schema has it optional, the file's schema requires it and gives no default`);
    }
    return value === null || value === undefined ? target.default : projectRequired(source, value, target, path);
  }
  return value === null || value === undefined ? null : projectRequired(source, value, target, path);
}

function at(path: string): string {
  return path ? `field ${path}: ` : '';
}

function describe(s: CSchema): string {
  return `${s.type}${s.name ? ` ${s.name}` : ''}${s.params !== '[]' ? ` ${s.params}` : ''}`;
}

function checkMaybeCompatible(source: CSchema, target: CSchema, path: string): void {
  if (source.type !== target.type && !promotable(source.type, target.type)) {
    throw new ProjectionError(`${at(path)}type ${source.type} cannot be projected to ${target.type}`);
  }
  if (source.name !== target.name || !paramsCompatible(source, target)) {
    throw new ProjectionError(`${at(path)}schema ${describe(source)} differs from the file's ${describe(target)} in name or parameters`);
  }
  if (source.type === 'union' && source.avro !== target.avro) {
    throw new ProjectionError(`${at(path)}union ${source.avro} differs from the file's ${target.avro}`);
  }
}

function projectRequired(source: CSchema, value: unknown, target: CSchema, path: string): unknown {
  switch (target.type) {
    case 'struct': {
      const src = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const tf of target.fields!) {
        const sf = source.fields!.find((f) => f.name === tf.name);
        const p = path ? `${path}.${tf.name}` : tf.name;
        if (sf) out[tf.name] = project(sf.schema, src[tf.name], tf.schema, p);
        else if (tf.schema.default !== undefined) out[tf.name] = tf.schema.default;
        else if (tf.schema.optional) out[tf.name] = null;
        else throw new ProjectionError(`field ${p} is required by the file's schema, has no default, and the record's schema lacks it`);
      }
      return out;
    }
    case 'array':
      return (value as unknown[]).map((x, i) => project(source.items!, x, target.items!, `${path}[${i}]`));
    case 'map': {
      // Connect JSON: a map whose keys are not strings is a list of [key, value] pairs; each key is projected as a value.
      if (Array.isArray(value)) {
        const str: CSchema = { type: 'string', optional: false, params: '[]' };
        return value.map((e: [unknown, unknown]) => [project(source.keys ?? str, e[0], target.keys ?? str, `${path}{key}`), project(source.values!, e[1], target.values!, `${path}{${String(e[0])}}`)]);
      }
      // Keys are held as their text: a key schema that differs beyond int widening would change them.
      if (source.keys || target.keys) {
        const sk = source.keys ?? { type: 'string', optional: false, params: '[]' };
        const tk = target.keys ?? { type: 'string', optional: false, params: '[]' };
        checkMaybeCompatible(sk, tk, `${path}{key}`);
        if (sk.type !== tk.type && (tk.type === 'float32' || tk.type === 'float64')) throw new ProjectionError(`${at(`${path}{key}`)}type ${sk.type} keys are not projected to ${tk.type} keys`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(value as Record<string, unknown>)) out[k] = project(source.values!, x, target.values!, `${path}{${k}}`);
      return out;
    }
    default:
      return source.type === target.type ? value : promote(value, source.type, target.type, path);
  }
}

/** A number widened to the target type; never a different value (a long beyond a double's 53 bits is an error, not rounded). */
function promote(v: unknown, from: CType, to: CType, path: string): unknown {
  if (to === 'int16' || to === 'int32' || to === 'int8') return v;
  if (to === 'int64') return v;
  // A float32 is widened as Java's (double) cast does: from its float value (a JSON payload's 0.1 is 0.1f, 0.10000000149011612 as a double).
  const n = typeof v === 'bigint' ? Number(v) : from === 'float32' ? Math.fround(v as number) : (v as number);
  const exact = typeof v === 'bigint' ? BigInt(n) === v : true;
  const out = to === 'float32' ? Math.fround(n) : n;
  if (!exact || (Number.isFinite(n) && out !== n)) {
    throw new ProjectionError(`${at(path)}${String(v)} (${from}) has no exact ${to} value`);
  }
  return out;
}
