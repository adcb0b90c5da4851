// schema.compatibility for values of converters other than Avro (Protobuf,
// JSON Schema): Confluent's storage connectors project their Kafka Connect
// values, as ProtobufData / JsonSchemaData make them, with the same
// SchemaProjector as Avro ones. The decoders give the Connect schema
// (workers/connect-view.ts); here it becomes compatibility.ts's CSchema,
// checked to have the very shape of the RecordSchema the values were decoded
// with (field names and nesting), so a projected value is a value of the
// file's RecordSchema and is written as an unprojected one would be.
//
// Rows travel from the workers to the file task as the values themselves
// (V8 serialization: BigInt, bytes and nulls kept), with the file's
// RecordSchema and CSchema in the chunk's schema text.
import v8 from 'node:v8';
import { avroWriterSchemaOf, type ConnectSchema, type Field, type FieldType, type RecordSchema } from '../../workers/schema.js';
import { createHash } from 'node:crypto';
import { connectViewOf, isEnvelopeView } from '../../workers/connect-view.js';
import { envelopeToC } from './compat-connect-json.js';
import { connectSchemaOf, type CSchema } from './compatibility.js';
import { transformedConnect } from './compat-transformed.js';

const PREFIX = 'sluice.connect:';

const TYPES: Record<string, CSchema['type']> = {
  boolean: 'boolean', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float: 'float32', double: 'float64',
  string: 'string', bytes: 'bytes', struct: 'struct', array: 'array', map: 'map',
};

/** What the file task needs of a chunk's rows: their RecordSchema and Connect schema. */
export interface ConnectRowsSchema {
  record: RecordSchema;
  connect: CSchema;
}

export function isConnectSchemaText(text: string): boolean {
  return text.startsWith(PREFIX);
}

export function parseConnectSchemaText(text: string): ConnectRowsSchema {
  return v8.deserialize(Buffer.from(text.slice(PREFIX.length), 'base64')) as ConnectRowsSchema;
}

/** A row's bytes: the decoded value as it is. */
export function encodeConnectRow(value: unknown): Buffer {
  return v8.serialize(value);
}

export function decodeConnectRow(bytes: Uint8Array): unknown {
  return v8.deserialize(bytes);
}

/**
 * The schema text of rows of `schema` (undefined when its decoder gave no
 * Connect view and no transform made it: Avro values). Throws, saying why,
 * when the Connect schema has a construct Sluice cannot project exactly.
 */
export function connectSchemaText(schema: RecordSchema): string | undefined {
  let text = texts.get(schema);
  if (text !== undefined) return text;
  const view = connectViewOf(schema);
  if (!view) {
    // A transform-made schema: the Connect schema its SMT built (compat-transformed.ts), named by its content as an envelope's is.
    const connect = transformedConnect(schema, originConnect);
    if (!connect) return undefined;
    text = envelopeSchemaText(schema, connect);
    texts.set(schema, text);
    return text;
  }
  if (isEnvelopeView(schema)) text = envelopeSchemaText(schema, envelopeToC(view()));
  else {
    const connect = connectToC(view(), schema);
    const record: RecordSchema = { ...schema };
    text = PREFIX + v8.serialize({ record, connect } satisfies ConnectRowsSchema).toString('base64');
  }
  texts.set(schema, text);
  return text;
}
const texts = new WeakMap<RecordSchema, string>();

/** The Connect schema of a decoded (not transformed) value's schema: its view's, or its Avro writer schema's. */
function originConnect(schema: RecordSchema): CSchema | undefined {
  const view = connectViewOf(schema);
  if (view) return isEnvelopeView(schema) ? envelopeToC(view()) : connectToC(view(), schema);
  const avro = avroWriterSchemaOf(schema);
  return avro === undefined ? undefined : connectSchemaOf(avro);
}

/**
 * A Connect JSON envelope schema's text names the schema, not its spelling:
 * JsonConverter caches Connect schemas by the parsed envelope schema, so
 * texts that differ in spacing or key order are one schema to Confluent too.
 */
function envelopeSchemaText(schema: RecordSchema, connect: CSchema): string {
  const body = (id: string) => v8.serialize({ record: { ...schema, id }, connect } satisfies ConnectRowsSchema);
  const id = `connect:${createHash('sha256').update(body('')).digest('hex').slice(0, 32)}`;
  return PREFIX + body(id).toString('base64');
}

/**
 * Schemaless values (a Connect JSON envelope with "schema": null) with
 * compatibility on: never projected (a file holds schemaless rows only, see
 * compat-versions.ts), they travel as the values themselves too.
 */
const SCHEMALESS_TEXT = 'sluice.schemaless';

export function isSchemalessText(text: string | undefined): boolean {
  return text === SCHEMALESS_TEXT;
}

export function schemalessRowWriter(schema: RecordSchema): { schemaText: string; encode(value: unknown): Buffer } | undefined {
  return schema.fields ? undefined : { schemaText: SCHEMALESS_TEXT, encode: encodeConnectRow };
}

/** The worker's row writer for values of `schema` (see connectSchemaText), or undefined. */
export function connectRowWriter(schema: RecordSchema): { schemaText: string; encode(value: unknown): Buffer } | undefined {
  const schemaText = connectSchemaText(schema);
  return schemaText === undefined ? undefined : { schemaText, encode: encodeConnectRow };
}

function sortedParams(p: Record<string, string> | undefined): string {
  return JSON.stringify(Object.keys(p ?? {}).sort().map((k) => [k, p![k]]));
}

/** The CSchema of a value's Connect schema; its shape must be the RecordSchema's. */
export function connectToC(cs: ConnectSchema, record: RecordSchema): CSchema {
  if (record.scalar) return of(cs, record.fields![0]!.type, undefined, 'value');
  return of(cs, { kind: 'record', fields: record.fields ?? [] }, undefined, '');
}

function of(cs: ConnectSchema, t: FieldType, field: Field | undefined, path: string): CSchema {
  const type = TYPES[cs.type];
  const where = path || 'the value';
  if (!type) throw new Error(`${where}: Kafka Connect type "${cs.type}" is not one Sluice projects`);
  const mismatch = () => new Error(`${where}: the Kafka Connect schema (${cs.type}) and Sluice's reading of the value (${t.kind}) differ in shape; Sluice does not project it`);
  const base: { -readonly [K in keyof CSchema]: CSchema[K] } = { type, optional: cs.optional ?? false, params: sortedParams(cs.parameters) };
  if (cs.name !== undefined) base.name = cs.name;
  // The default as the decoder reads it (a field's), so a projected value holds what an unprojected one would.
  if (cs.default !== undefined && cs.default !== null) {
    if (field?.default === undefined) throw new Error(`${where}: has a default Sluice's decoder does not give; Sluice does not project it`);
    base.default = field.default;
  }
  switch (type) {
    case 'struct': {
      if (t.kind !== 'record') throw mismatch();
      const fields = cs.fields ?? [];
      if (fields.length !== t.fields.length) throw mismatch();
      base.fields = fields.map((f) => {
        const rf = t.fields.find((x) => x.name === f.field);
        if (!rf) throw mismatch();
        return { name: f.field!, schema: of(f, rf.type, rf, path ? `${path}.${f.field}` : f.field!) };
      });
      break;
    }
    case 'array':
      if (t.kind !== 'array' || !cs.items) throw mismatch();
      base.items = of(cs.items, t.items, undefined, `${path}[]`);
      break;
    case 'map':
      if (t.kind !== 'map' || !cs.values) throw mismatch();
      base.values = of(cs.values, t.values, undefined, `${path}{}`);
      if (cs.keys) base.keys = of(cs.keys, t.keys ?? { kind: 'string' }, undefined, `${path}{key}`);
      break;
    default:
      if (['record', 'array', 'map', 'any', 'null'].includes(t.kind)) throw mismatch();
  }
  return base;
}
