// The Kafka Connect schema a converter makes from a value's registered schema
// (Confluent's ProtobufData, JsonSchemaData), for code that needs Connect's
// exact view rather than Sluice's RecordSchema: an S3 sink's
// schema.compatibility compares and projects Connect schemas. Decoders attach
// it to the RecordSchema they give, made on first use; building it throws
// when the schema has a construct whose Connect schema Sluice cannot match
// exactly.
import type { ConnectSchema, RecordSchema } from './schema.js';

const views = new WeakMap<RecordSchema, () => ConnectSchema>();
/** Views that are a JsonConverter envelope's own schema: the values are its payloads, defaults and all. */
const envelopes = new WeakSet<RecordSchema>();

export function setConnectView(schema: RecordSchema, build: () => ConnectSchema, envelope = false): void {
  let made: ConnectSchema | undefined;
  views.set(schema, () => (made ??= build()));
  if (envelope) envelopes.add(schema);
}

export function isEnvelopeView(schema: RecordSchema): boolean {
  return envelopes.has(schema);
}

/** Undefined when the schema's decoder attached none (Avro values: their writer schema is the view). */
export function connectViewOf(schema: RecordSchema): (() => ConnectSchema) | undefined {
  return views.get(schema);
}

/** A version the value's schema declares itself (JSON Schema's top-level connect.version), which wins over the registry's. */
const declared = new WeakMap<RecordSchema, number>();

export function setDeclaredVersion(schema: RecordSchema, version: number): void {
  declared.set(schema, version);
}

export function declaredVersionOf(schema: RecordSchema): number | undefined {
  return declared.get(schema);
}
