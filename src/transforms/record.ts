// What a single message transform works on: one record as the worker decoded
// it (plain JS values + the RecordSchema that describes them), the way Kafka
// Connect's ConnectRecord carries a value and its schema. A record whose
// schema has `fields` is Connect's "with schema" case; SCHEMALESS (or no
// schema at all: a null key) is Connect's schemaless case.
import { SCHEMALESS, type Field, type FieldType, type RecordSchema } from '../workers/schema.js';
import { describeValue, isStruct } from '../workers/encoder.js';

export interface Header {
  name: string;
  value: Uint8Array | null;
}

export interface TRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka timestamp, ms (-1 / NaN when the record has none). */
  timestamp: number;
  key: unknown;
  /** Undefined: no schema (a null key, or a tombstone's value). */
  keySchema: RecordSchema | undefined;
  value: unknown;
  valueSchema: RecordSchema | undefined;
  /** The record's headers, read on first use (getHeaders); set once a transform changed them. */
  headers: Header[] | undefined;
  /** Reads the original headers from the batch. */
  readHeaders: () => Header[];
}

export function getHeaders(r: TRecord): Header[] {
  return (r.headers ??= r.readHeaders().slice());
}

/** A record a transform cannot take (Connect's DataException): a convert failure of that record. */
export class TransformError extends Error {
  /** The failing transform's class, once the chain has named it. */
  transformClass?: string;
}

/** Connect's "with schema" case: a schema that describes the value's shape. */
export function hasSchema(s: RecordSchema | undefined): s is RecordSchema & { fields: readonly Field[] } {
  return s !== undefined && s.fields !== undefined;
}

/** The whole value's type under a schema: a record, or the scalar's type. */
export function typeOfSchema(s: RecordSchema & { fields: readonly Field[] }): FieldType {
  return s.scalar ? s.fields[0]!.type : { kind: 'record', fields: s.fields };
}

export function optionalOfSchema(s: RecordSchema & { fields: readonly Field[] }): boolean {
  return s.scalar ? s.fields[0]!.optional : false;
}

/** The RecordSchema of a whole value of `type`. */
export function schemaOfType(id: string, type: FieldType, optional: boolean): RecordSchema {
  if (type.kind === 'record') return { id, fields: type.fields };
  return { id, fields: [{ name: 'value', type, optional }], scalar: true };
}

/** What a transform derives from an input schema, computed once per schema (sink encoders compile per schema id). */
export class SchemaCache<T = RecordSchema> {
  private readonly byId = new Map<string, T>();
  private lastIn: RecordSchema | undefined;
  private lastOut: T | undefined;
  constructor(private readonly tag: string) {}

  get(input: RecordSchema, derive: (id: string) => T): T {
    if (input === this.lastIn) return this.lastOut!;
    let out = this.byId.get(input.id);
    if (out === undefined) {
      if (this.byId.size > 1000) this.byId.clear();
      out = derive(`${input.id}|t:${this.tag}`);
      this.byId.set(input.id, out);
    }
    this.lastIn = input;
    this.lastOut = out;
    return out;
  }
}

/** Builds an output struct from an input struct and extra values. */
export type StructBuilder = (src: Record<string, unknown>, extra: readonly unknown[]) => Record<string, unknown>;

/**
 * A builder for one output shape, compiled once per schema: an object literal
 * of constant shape is several times faster to make than a spread plus added
 * keys. `copy` lists [output name, input name, default]; `extras` the names
 * filled from `extra` in order. A name V8 treats specially in a literal
 * (__proto__) takes the generic path.
 */
export function compileBuilder(copy: readonly (readonly [string, string, unknown?])[], extras: readonly string[]): StructBuilder {
  const names = [...copy.map((c) => c[0]), ...copy.map((c) => c[1]), ...extras];
  if (names.some((n) => n === '__proto__')) {
    return (src, extra) => {
      const out: Record<string, unknown> = {};
      for (const [o, i, d] of copy) Object.defineProperty(out, o, { value: src[i] ?? d ?? null, enumerable: true, writable: true, configurable: true });
      extras.forEach((n, k) => Object.defineProperty(out, n, { value: extra[k], enumerable: true, writable: true, configurable: true }));
      return out;
    };
  }
  const defaults = copy.map((c) => c[2]);
  const parts = copy.map(([o, i, d], k) => `${JSON.stringify(o)}: s[${JSON.stringify(i)}] ?? ${d === undefined ? 'null' : `d[${k}]`}`);
  extras.forEach((n, k) => parts.push(`${JSON.stringify(n)}: e[${k}]`));
   
  return new Function('d', `return (s, e) => ({ ${parts.join(', ')} });`)(defaults) as StructBuilder;
}

export { SCHEMALESS, describeValue, isStruct };

/** Connect's Requirements.requireMap / requireStruct, with its message. */
export function requireStruct(v: unknown, purpose: string): Record<string, unknown> {
  if (!isStruct(v)) throw new TransformError(`Only Struct objects supported for [${purpose}], found: ${describeValue(v)}`);
  return v;
}

export function requireMap(v: unknown, purpose: string): Record<string, unknown> {
  if (!isStruct(v)) throw new TransformError(`Only Map objects supported in absence of schema for [${purpose}], found: ${describeValue(v)}`);
  return v;
}

export function requireSchema(s: RecordSchema | undefined, purpose: string): RecordSchema & { fields: readonly Field[] } {
  if (!hasSchema(s)) throw new TransformError(`Schema required for [${purpose}]`);
  return s;
}

/** Splits a Connect list option ("a, b,c") into its items. */
export function listOf(v: string | undefined): string[] {
  if (v === undefined) return [];
  return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
