// What a transform did to a schema, in Kafka Connect's terms, for code that
// needs Connect's exact view of a transformed value (an S3 sink's
// schema.compatibility compares schema versions and projects values on their
// Connect schemas). Sluice's RecordSchema keeps only what the encoders need;
// Connect's SMTs build their output schema from the input's Connect schema:
// most copy its name, version, doc and parameters (SchemaUtil.copySchemaBasics:
// Cast, Flatten, HeaderFrom, InsertField, ReplaceField, TimestampConverter on
// a field, Debezium's add.fields), some build one without a version
// (HoistField, TimestampConverter on the whole value) or return a nested
// field's schema (ExtractField, ExtractNewRecordState), and SetSchemaMetadata
// sets the name and version. Each transform records, on the schema it made,
// its input schema, how the version carries over and a function from the
// input's Connect schema to the output's.

import type { RecordSchema } from '../workers/schema.js';

/**
 * A Kafka Connect schema as the S3 sink's compatibility code models it
 * (sinks/s3-parquet/compatibility.ts's CSchema, the same shape): type,
 * optional, name, parameters as sorted JSON text of [key, value] pairs, the
 * default as decoded values take it.
 */
export interface ConnectShape {
  readonly type: string;
  readonly optional: boolean;
  readonly name?: string;
  readonly params: string;
  readonly default?: unknown;
  readonly fields?: readonly { readonly name: string; readonly schema: ConnectShape }[];
  readonly items?: ConnectShape;
  readonly values?: ConnectShape;
  readonly keys?: ConnectShape;
  readonly avro?: string;
}

/**
 * How the output schema's version comes from the input's: 'copy' (copySchemaBasics,
 * SetSchemaMetadata without schema.version), a number (SetSchemaMetadata's
 * schema.version), or 'none': the transform built a schema without one (or
 * returned a nested schema, whose own version Sluice does not track).
 */
export type VersionRule = 'copy' | 'none' | number;

export interface Derivation {
  readonly from: RecordSchema;
  /** The transform class, for messages. */
  readonly by: string;
  readonly version: VersionRule;
  /** The output's Connect schema from the input's; throws where the transform's Connect schema cannot be matched exactly. */
  connect(input: ConnectShape): ConnectShape;
}

const derivations = new WeakMap<RecordSchema, Derivation>();

/** Records how `out` was made; returns it (for use inside SchemaCache.get's derive). */
export function derived<T extends RecordSchema>(out: T, d: Derivation): T {
  derivations.set(out, d);
  return out;
}

export function derivationOf(schema: RecordSchema): Derivation | undefined {
  return derivations.get(schema);
}

// ---------- what Connect's schema builders do ----------

const NO_PARAMS = '[]';

/** A plain Connect schema (Schema.STRING_SCHEMA, OPTIONAL_INT64_SCHEMA…), or a logical one by name. */
export function plain(type: string, optional: boolean, name?: string): ConnectShape {
  return name === undefined ? { type, optional, params: NO_PARAMS } : { type, optional, name, params: NO_PARAMS };
}

/** SchemaUtil.copySchemaBasics(input, SchemaBuilder.struct()) with these fields: required, no default, as built. */
export function structLike(input: ConnectShape, fields: readonly { name: string; schema: ConnectShape }[]): ConnectShape {
  return input.name === undefined
    ? { type: 'struct', optional: false, params: input.params, fields }
    : { type: 'struct', optional: false, name: input.name, params: input.params, fields };
}

/** The input struct's field schema; a name the input lacks means the two views differ. */
export function fieldSchema(input: ConnectShape, name: string): ConnectShape {
  if (input.type !== 'struct' || !input.fields) throw new Error(`the Kafka Connect schema is ${input.type}, not a struct with field ${name}`);
  const f = input.fields.find((x) => x.name === name);
  if (!f) throw new Error(`the Kafka Connect schema has no field ${name}`);
  return f.schema;
}

export function structFields(input: ConnectShape): readonly { readonly name: string; readonly schema: ConnectShape }[] {
  if (input.type !== 'struct' || !input.fields) throw new Error(`the Kafka Connect schema is ${input.type}, not a struct`);
  return input.fields;
}

/** The schema without its default (a builder that sets none), or with `d`. */
export function withDefault(s: ConnectShape, d: unknown): ConnectShape {
  const { default: _old, ...rest } = s;
  return d === undefined || d === null ? rest : { ...rest, default: d };
}
