// A null field whose schema has a default, read as Kafka Connect's sinks read
// it: Struct.get(field) gives the schema default where the value is null
// (org.apache.kafka.connect.data.Struct.get). Confluent's JDBC sink binds
// valueStruct.get(field) (PreparedStatementBinder, replace.null.with.default,
// true by default since 10.7.13), the Elasticsearch sink pre-processes with
// struct.get and preProcessNullValue, and the S3 sink's Avro/Parquet formats
// convert with AvroData.fromConnectData, which reads struct.get (its
// ignore.default.for.nullables is not passed by StorageSinkConnectorConfig).
// So an AvroConverter record's null in ["string","null"] default "x" lands
// as "x" there, though the converter itself keeps it null. Debezium's JDBC
// sink reads an optional field with getWithoutDefault (DBZ-7191): there the
// converter's value stands. The workers apply this after the transforms, as
// the sink does; a schema with no non-null default compiles to nothing.
import { ConvertError } from '../errors.js';
import type { Field, FieldType, RecordSchema } from './schema.js';

type Fill = (v: unknown, path: string) => void;

const NONE = null;
const compiled = new WeakMap<RecordSchema, Fill | typeof NONE>();

/**
 * Puts the schema default into each null field of `value` (in place, at any
 * depth of nested records, as the sinks' struct.get at every level). Throws a
 * ConvertError naming the field whose default cannot be read exactly.
 */
export function fillNullDefaults(value: unknown, schema: RecordSchema): void {
  const fill = fillerOf(schema);
  if (fill && value !== null && typeof value === 'object') fill(value, '');
}

/** Whether records of this schema have any null that a default would replace (so a fast path that skips decoding must not take them). */
export function hasNullDefaults(schema: RecordSchema): boolean {
  return fillerOf(schema) !== NONE;
}

// Most batches carry one schema: the last one's filler is kept at hand.
let lastSchema: RecordSchema | undefined;
let lastFill: Fill | typeof NONE = NONE;

function fillerOf(schema: RecordSchema): Fill | typeof NONE {
  if (schema === lastSchema) return lastFill;
  let f = compiled.get(schema);
  if (f === undefined) {
    f = schema.fields && !schema.scalar ? (recordFill(schema.fields) ?? NONE) : NONE;
    compiled.set(schema, f);
  }
  lastSchema = schema;
  lastFill = f;
  return f;
}

/** Only an optional field can be null: a required one with a default (Avro's `"default": 0`, common) needs nothing, so its schema keeps the fast paths. */
function hasDefault(f: Field): boolean {
  return f.optional && ((f.default !== undefined && f.default !== null) || f.defaultError !== undefined);
}

function recordFill(fields: readonly Field[]): Fill | undefined {
  const steps: { name: string; field: Field; own: boolean; inner: Fill | undefined }[] = [];
  for (const f of fields) {
    const own = hasDefault(f);
    const inner = typeFill(f.type);
    if (own || inner) steps.push({ name: f.name, field: f, own, inner });
  }
  if (steps.length === 0) return undefined;
  return (v, path) => {
    if (Array.isArray(v) || v instanceof Uint8Array || v instanceof Map) return; // not a record: the sink says so
    const o = v as Record<string, unknown>;
    for (const s of steps) {
      const x = o[s.name];
      if (x === null || x === undefined) {
        if (!s.own) continue;
        if (s.field.defaultError !== undefined) {
          throw new ConvertError(`field ${path ? `${path}.${s.name}` : s.name} is null and ${s.field.defaultError}, so it cannot be written as the default Kafka Connect's sink would write (Struct.get)`);
        }
        o[s.name] = s.field.default;
      } else if (s.inner && typeof x === 'object') s.inner(x, path ? `${path}.${s.name}` : s.name);
    }
  };
}

/** The nested records of a field's type (records, arrays and maps of them). */
function typeFill(t: FieldType): Fill | undefined {
  switch (t.kind) {
    case 'record':
      return recordFill(t.fields);
    case 'array': {
      const item = typeFill(t.items);
      if (!item) return undefined;
      return (v, path) => {
        if (!Array.isArray(v)) return;
        for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') item(v[i], `${path}[${i}]`);
      };
    }
    case 'map': {
      const value = typeFill(t.values);
      if (!value) return undefined;
      return (v, path) => {
        if (Array.isArray(v)) {
          for (const pair of v) if (Array.isArray(pair) && pair[1] !== null && typeof pair[1] === 'object') value(pair[1], `${path}{}`);
        } else if (v instanceof Map) {
          for (const x of v.values()) if (x !== null && typeof x === 'object') value(x, `${path}{}`);
        } else if (v !== null && typeof v === 'object') {
          for (const x of Object.values(v)) if (x !== null && typeof x === 'object') value(x, `${path}{}`);
        }
      };
    }
    default:
      return undefined;
  }
}
