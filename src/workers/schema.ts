// One description of a record's shape, whatever it was decoded from: an Avro
// writer schema, a Kafka Connect JSON envelope schema, or nothing (schemaless
// JSON, msgpack). Sink encoders compile against it once per schema.
import { avroDefault, defaultOf } from './schema-defaults.js';
import { connectDefault } from './decode/connect-payload.js';

export type FieldType =
  | { kind: 'boolean' | 'int64' | 'float32' | 'float64' | 'string' | 'bytes' | 'null' | 'uuid' }
  // width: a Connect INT8 / INT16 (ShortConverter, connect.type "int16", a Connect
  // JSON "int16"): the same JS number, but PostgreSQL makes it smallint and Avro
  // output keeps connect.type, as Connect does. Absent: INT32.
  | { kind: 'int32'; width?: IntWidth }
  | { kind: 'decimal'; precision: number; scale: number }
  // `local`: Debezium's Date/Time types, the source column's own day or time of
  // day, where a Connect Date/Time is an instant on that day (db.timezone applies).
  | { kind: 'date'; local?: boolean } // days since 1970-01-01
  | { kind: 'time-millis' | 'time-micros' | 'time-nanos'; local?: boolean } // since midnight
  // Since the epoch, UTC. `local`: a wall-clock time without a zone (Avro's
  // local-timestamp-*, Debezium's Timestamp/MicroTimestamp/NanoTimestamp): a
  // PostgreSQL timestamp column rather than timestamptz, Parquet isAdjustedToUTC=false.
  | { kind: 'timestamp-millis' | 'timestamp-micros' | 'timestamp-nanos'; local?: boolean }
  // Debezium's semantic types with no Avro/Connect twin (see debeziumType below).
  | { kind: 'zoned-timestamp' | 'zoned-time' } // ISO-8601 text with an offset
  | { kind: 'variable-decimal' } // {scale, value: unscaled two's complement bytes}
  | { kind: 'json' | 'xml' } // text holding a JSON / XML document
  | { kind: 'bits'; length: number } // little-endian bytes of a bit string (java.util.BitSet)
  | { kind: 'enum'; symbols: readonly string[] }
  | { kind: 'fixed'; size: number }
  | { kind: 'array'; items: FieldType; itemsOptional: boolean }
  // keys: a Connect or Protobuf map's key type (Avro's are strings); absent = string.
  | { kind: 'map'; values: FieldType; keys?: FieldType }
  | { kind: 'record'; fields: readonly Field[] }
  | { kind: 'any' }; // schemaless: the value decides

export type IntWidth = 8 | 16;

/** A Connect INT8 / INT16 / INT32 field type. */
export function intType(width?: IntWidth): FieldType {
  return width === undefined ? { kind: 'int32' } : { kind: 'int32', width };
}

/** The width a Connect type name (connect.type "int8", "int16") gives an int32; undefined for anything else. */
export function intWidthOf(connectType: unknown): IntWidth | undefined {
  return connectType === 'int8' ? 8 : connectType === 'int16' ? 16 : undefined;
}

/** The bits of a Connect integer type (8, 16, 32, 64); undefined for any other type. */
export function intBits(ft: FieldType): number | undefined {
  return ft.kind === 'int32' ? ft.width ?? 32 : ft.kind === 'int64' ? 64 : undefined;
}

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  /** The schema default, in the form the decoder gives the field's values (schema-defaults.ts). */
  readonly default?: unknown;
  /** Set instead of `default` when the schema has a default that cannot be read exactly: why. Applying it is an error. */
  readonly defaultError?: string;
}

export interface RecordSchema {
  /** Stable identity for caches: "avro:<id>", "connect:<hash>", "schemaless". */
  readonly id: string;
  /** Undefined for schemaless data: the values decide the columns. */
  readonly fields?: readonly Field[];
  /** Non-record top-level value (a plain string or number): one field named "value". */
  readonly scalar?: boolean;
  /** The record's schema name (Connect `name`, Avro full name): e.g. "server1.public.orders.Envelope". */
  readonly name?: string;
}

/**
 * Debezium's semantic types (a Connect schema name, or the `connect.name`
 * that Confluent's AvroConverter writes) on their base type. Undefined when
 * the name is not one of them, or the base type is not the one Debezium
 * writes (then the base type stands).
 */
export function debeziumType(name: string | undefined, base: string, parameters?: Record<string, unknown>): FieldType | undefined {
  if (name === undefined || !name.startsWith('io.debezium.')) return undefined;
  const int32 = base === 'int32' || base === 'int';
  const int64 = base === 'int64' || base === 'long';
  const str = base === 'string';
  switch (name) {
    case 'io.debezium.time.Date': return int32 ? { kind: 'date', local: true } : undefined;
    case 'io.debezium.time.Time': return int32 ? { kind: 'time-millis', local: true } : undefined;
    case 'io.debezium.time.MicroTime': return int64 ? { kind: 'time-micros', local: true } : undefined;
    case 'io.debezium.time.NanoTime': return int64 ? { kind: 'time-nanos', local: true } : undefined;
    case 'io.debezium.time.Timestamp': return int64 ? { kind: 'timestamp-millis', local: true } : undefined;
    case 'io.debezium.time.MicroTimestamp': return int64 ? { kind: 'timestamp-micros', local: true } : undefined;
    case 'io.debezium.time.NanoTimestamp': return int64 ? { kind: 'timestamp-nanos', local: true } : undefined;
    case 'io.debezium.time.ZonedTimestamp': return str ? { kind: 'zoned-timestamp' } : undefined;
    case 'io.debezium.time.ZonedTime': return str ? { kind: 'zoned-time' } : undefined;
    case 'io.debezium.time.Year': return int32 ? { kind: 'int32' } : undefined;
    case 'io.debezium.data.Json': return str ? { kind: 'json' } : undefined;
    case 'io.debezium.data.Xml': return str ? { kind: 'xml' } : undefined;
    case 'io.debezium.data.Uuid': return str ? { kind: 'uuid' } : undefined;
    case 'io.debezium.data.Enum':
    case 'io.debezium.data.EnumSet': return str ? { kind: 'string' } : undefined;
    case 'io.debezium.data.Bits': {
      const length = Number(parameters?.length);
      return base === 'bytes' && Number.isSafeInteger(length) && length >= 0 ? { kind: 'bits', length } : undefined;
    }
    case 'io.debezium.data.VariableScaleDecimal': return base === 'struct' || base === 'record' ? { kind: 'variable-decimal' } : undefined;
  }
  return undefined;
}


export const SCHEMALESS: RecordSchema = { id: 'schemaless' };

// ---------- Avro ----------

type AvroSchema = string | AvroSchema[] | { type: AvroSchema; [k: string]: unknown };

function localOf(logical: string): { local?: true } {
  return logical.startsWith('local-') ? { local: true } : {};
}

/**
 * `named`: the named types defined so far; `avro`: their Avro schemas, for
 * reading field defaults (schema-defaults.ts).
 */
export function fieldTypeFromAvro(
  schema: AvroSchema, named: Map<string, FieldType> = new Map(), avro: Map<string, AvroSchema> = new Map(),
): { type: FieldType; optional: boolean } {
  if (Array.isArray(schema)) {
    const nonNull = schema.filter((s) => s !== 'null' && !(typeof s === 'object' && !Array.isArray(s) && s.type === 'null'));
    const optional = nonNull.length < schema.length;
    if (nonNull.length === 1) return { type: fieldTypeFromAvro(nonNull[0]!, named, avro).type, optional };
    // A union of several branches has no single column type: keep it as JSON.
    return { type: { kind: 'any' }, optional };
  }
  if (typeof schema === 'string') {
    switch (schema) {
      case 'null': return { type: { kind: 'null' }, optional: true };
      case 'boolean': return { type: { kind: 'boolean' }, optional: false };
      case 'int': return { type: { kind: 'int32' }, optional: false };
      case 'long': return { type: { kind: 'int64' }, optional: false };
      case 'float': return { type: { kind: 'float32' }, optional: false };
      case 'double': return { type: { kind: 'float64' }, optional: false };
      case 'string': return { type: { kind: 'string' }, optional: false };
      case 'bytes': return { type: { kind: 'bytes' }, optional: false };
      default: {
        const ref = named.get(schema) ?? named.get(schema.split('.').pop()!);
        if (!ref) throw new Error(`unknown Avro type reference ${schema}`);
        return { type: ref, optional: false };
      }
    }
  }
  const s = schema as { type: AvroSchema; [k: string]: unknown };
  const logical = s.logicalType as string | undefined;
  if (typeof s.type === 'string' && typeof s['connect.name'] === 'string') {
    const params = s['connect.parameters'] as Record<string, unknown> | undefined;
    const dbz = debeziumType(s['connect.name'], s.type, params);
    if (dbz) {
      if ((s.type === 'record' || s.type === 'fixed') && typeof s.name === 'string') {
        named.set(qualified(s), dbz);
        avro.set(qualified(s), s);
      }
      return { type: dbz, optional: false };
    }
  }
  // AvroData.fromConnectSchema writes a Connect INT8 / INT16 as an Avro int with connect.type.
  if (s.type === 'int' && logical === undefined && intWidthOf(s['connect.type']) !== undefined) {
    return { type: intType(intWidthOf(s['connect.type'])), optional: false };
  }
  if (typeof s.type === 'string') {
    if (logical === 'decimal' && (s.type === 'bytes' || s.type === 'fixed')) {
      return { type: { kind: 'decimal', precision: Number(s.precision ?? 38), scale: Number(s.scale ?? 0) }, optional: false };
    }
    if (logical === 'date' && s.type === 'int') return { type: { kind: 'date' }, optional: false };
    if (logical === 'time-millis' && s.type === 'int') return { type: { kind: 'time-millis' }, optional: false };
    if (logical === 'time-micros' && s.type === 'long') return { type: { kind: 'time-micros' }, optional: false };
    if ((logical === 'timestamp-millis' || logical === 'local-timestamp-millis') && s.type === 'long') return { type: { kind: 'timestamp-millis', ...localOf(logical) }, optional: false };
    if ((logical === 'timestamp-micros' || logical === 'local-timestamp-micros') && s.type === 'long') return { type: { kind: 'timestamp-micros', ...localOf(logical) }, optional: false };
    if ((logical === 'timestamp-nanos' || logical === 'local-timestamp-nanos') && s.type === 'long') return { type: { kind: 'timestamp-nanos', ...localOf(logical) }, optional: false };
    if (logical === 'uuid' && s.type === 'string') return { type: { kind: 'uuid' }, optional: false };
  }
  switch (s.type) {
    case 'record':
    case 'error': {
      const fields = (s.fields as { name: string; type: AvroSchema; default?: unknown }[]).map((f): Field => {
        const t = fieldTypeFromAvro(f.type, named, avro);
        return { name: f.name, type: t.type, optional: t.optional, ...defaultOf(f.name, f.default !== undefined, () => avroDefault(f.type, f.default, avro)) };
      });
      const type: FieldType = { kind: 'record', fields };
      if (typeof s.name === 'string') {
        named.set(qualified(s), type);
        avro.set(qualified(s), s);
      }
      return { type, optional: false };
    }
    case 'enum': {
      const type: FieldType = { kind: 'enum', symbols: s.symbols as string[] };
      if (typeof s.name === 'string') {
        named.set(qualified(s), type);
        avro.set(qualified(s), s);
      }
      return { type, optional: false };
    }
    case 'fixed': {
      const type: FieldType = { kind: 'fixed', size: Number(s.size) };
      if (typeof s.name === 'string') {
        named.set(qualified(s), type);
        avro.set(qualified(s), s);
      }
      return { type, optional: false };
    }
    case 'array': {
      const items = fieldTypeFromAvro(s.items as AvroSchema, named, avro);
      return { type: { kind: 'array', items: items.type, itemsOptional: items.optional }, optional: false };
    }
    case 'map':
      return { type: { kind: 'map', values: fieldTypeFromAvro(s.values as AvroSchema, named, avro).type }, optional: false };
    default:
      return fieldTypeFromAvro(s.type, named, avro);
  }
}

function qualified(s: Record<string, unknown>): string {
  const name = String(s.name);
  return name.includes('.') || !s.namespace ? name : `${String(s.namespace)}.${name}`;
}

export function recordSchemaFromAvro(id: string, schema: AvroSchema): RecordSchema {
  const { type } = fieldTypeFromAvro(schema);
  let out: RecordSchema;
  if (type.kind === 'record') {
    const s = schema as Record<string, unknown>;
    const name = typeof s['connect.name'] === 'string' ? s['connect.name'] : typeof s.name === 'string' ? qualified(s) : undefined;
    out = name !== undefined ? { id, fields: type.fields, name } : { id, fields: type.fields };
  } else out = { id, fields: [{ name: 'value', type, optional: false }], scalar: true };
  avroWriterSchemas.set(out, schema);
  return out;
}

/**
 * The Avro writer schema a RecordSchema was made from, for sinks that write
 * Avro again (names, unions, enums kept). Only this very object has one: a
 * schema a transform derived from it does not, so it is never used for
 * values it no longer describes.
 */
const avroWriterSchemas = new WeakMap<RecordSchema, unknown>();
export function avroWriterSchemaOf(schema: RecordSchema): unknown {
  return avroWriterSchemas.get(schema);
}

// ---------- Kafka Connect JSON envelope schema ----------

export interface ConnectSchema {
  type: string;
  optional?: boolean;
  name?: string;
  field?: string;
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  keys?: ConnectSchema;
  values?: ConnectSchema;
  parameters?: Record<string, string>;
  default?: unknown;
}

export function fieldTypeFromConnect(s: ConnectSchema): FieldType {
  switch (s.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return { kind: 'decimal', precision: Number(s.parameters?.['connect.decimal.precision'] ?? 38), scale: Number(s.parameters?.scale ?? 0) };
    case 'org.apache.kafka.connect.data.Date':
      return { kind: 'date' };
    case 'org.apache.kafka.connect.data.Time':
      return { kind: 'time-millis' };
    case 'org.apache.kafka.connect.data.Timestamp':
      return { kind: 'timestamp-millis' };
  }
  const dbz = debeziumType(s.name, s.type, s.parameters);
  if (dbz) return dbz;
  switch (s.type) {
    case 'boolean': return { kind: 'boolean' };
    case 'int8':
    case 'int16':
    case 'int32': return intType(intWidthOf(s.type));
    case 'int64': return { kind: 'int64' };
    case 'float': return { kind: 'float32' };
    case 'double': return { kind: 'float64' };
    case 'string': return { kind: 'string' };
    case 'bytes': return { kind: 'bytes' };
    case 'array': return { kind: 'array', items: fieldTypeFromConnect(s.items!), itemsOptional: s.items?.optional ?? false };
    case 'map': {
      const keys: FieldType = s.keys ? fieldTypeFromConnect(s.keys) : { kind: 'string' };
      const values = fieldTypeFromConnect(s.values!);
      return keys.kind === 'string' ? { kind: 'map', values } : { kind: 'map', values, keys };
    }
    case 'struct':
      return {
        kind: 'record',
        fields: (s.fields ?? []).map((f): Field => ({
          name: f.field!, type: fieldTypeFromConnect(f), optional: f.optional ?? false,
          ...defaultOf(f.field!, f.default !== undefined, () => connectDefault(f)),
        })),
      };
    default:
      throw new Error(`unknown Kafka Connect schema type "${s.type}"`);
  }
}

export function recordSchemaFromConnect(id: string, s: ConnectSchema): RecordSchema {
  const type = fieldTypeFromConnect(s);
  if (type.kind === 'record') return s.name !== undefined ? { id, fields: type.fields, name: s.name } : { id, fields: type.fields };
  return { id, fields: [{ name: 'value', type, optional: s.optional ?? false }], scalar: true };
}

// ---------- schema versions ----------

/**
 * Kafka Connect's schema version of Avro values, as Confluent's AvroConverter
 * sets it: the writer schema's `connect.version` when it has one, else the
 * version the registry gives the schema under the topic's value subject
 * (TopicNameStrategy: "<topic>-value"). The decoder records the latter per
 * topic when asked to (schema.compatibility); undefined: no version.
 */
const registryVersions = new WeakMap<RecordSchema, Map<string, number>>();

export function setRegistryVersion(schema: RecordSchema, topic: string, version: number): void {
  let m = registryVersions.get(schema);
  if (!m) registryVersions.set(schema, (m = new Map()));
  m.set(topic, version);
}

export function hasRegistryVersion(schema: RecordSchema, topic: string): boolean {
  return registryVersions.get(schema)?.has(topic) ?? false;
}

export function schemaVersion(schema: RecordSchema, topic: string): number | undefined {
  const avro = avroWriterSchemas.get(schema) as Record<string, unknown> | undefined;
  const own = avro && typeof avro === 'object' && !Array.isArray(avro) ? avro['connect.version'] : undefined;
  if (typeof own === 'number') return own;
  return registryVersions.get(schema)?.get(topic);
}
