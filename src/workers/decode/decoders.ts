// Value and key decoders, one per format. A decoder turns the bytes of one
// record into a JS value plus the RecordSchema that describes it. Schemas are
// compiled once and cached; the per-record path only decodes.
import avro from 'avsc';
import { Unpackr } from 'msgpackr';
import type { ValueFormat } from '../../config/spec.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, SCHEMALESS, type ConnectSchema, type RecordSchema } from '../schema.js';
import { SchemaRegistryClient } from './registry.js';

export interface Decoded {
  value: unknown;
  schema: RecordSchema;
}

export interface Decoder {
  /** Fetches whatever the batch needs (schemas) before the synchronous pass. */
  prepare(values: Iterable<Uint8Array | null>): Promise<void>;
  /** Throws an Error whose message is the reason when the bytes are bad. */
  decode(bytes: Uint8Array): Decoded;
}

export interface DecoderOptions {
  registryUrl?: string;
  registryUserInfo?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const STRING_SCHEMA: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
const BYTES_SCHEMA: RecordSchema = { id: 'bytes', fields: [{ name: 'value', type: { kind: 'bytes' }, optional: true }], scalar: true };

const registries = new Map<string, SchemaRegistryClient>();

export function createDecoder(format: ValueFormat, opts: DecoderOptions): Decoder {
  switch (format) {
    case 'avro': {
      if (!opts.registryUrl) throw new Error('Avro needs a schema registry URL');
      let reg = registries.get(opts.registryUrl);
      if (!reg) registries.set(opts.registryUrl, (reg = new SchemaRegistryClient(opts.registryUrl, opts.registryUserInfo)));
      return new AvroDecoder(reg);
    }
    case 'json':
      return {
        prepare: async () => {},
        decode: (bytes) => ({ value: JSON.parse(utf8.decode(bytes)), schema: SCHEMALESS }),
      };
    case 'connect-json':
      return new ConnectJsonDecoder();
    case 'msgpack': {
      const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: 'number' });
      return {
        prepare: async () => {},
        decode: (bytes) => ({ value: unpackr.unpack(bytes), schema: SCHEMALESS }),
      };
    }
    case 'string':
      return { prepare: async () => {}, decode: (bytes) => ({ value: utf8.decode(bytes), schema: STRING_SCHEMA }) };
    case 'bytes':
      return { prepare: async () => {}, decode: (bytes) => ({ value: bytes, schema: BYTES_SCHEMA }) };
  }
}

interface CompiledAvro {
  type: avro.Type;
  schema: RecordSchema;
}

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
export class AvroDecoder implements Decoder {
  private readonly compiled = new Map<number, CompiledAvro>();
  constructor(private readonly registry: SchemaRegistryClient) {}

  async prepare(values: Iterable<Uint8Array | null>): Promise<void> {
    let wanted: Set<number> | undefined;
    let last = -1;
    for (const v of values) {
      if (v === null || v.length < 5 || v[0] !== 0) continue; // decode() reports it
      const id = ((v[1]! << 24) | (v[2]! << 16) | (v[3]! << 8) | v[4]!) >>> 0;
      if (id === last || this.compiled.has(id)) continue;
      last = id;
      (wanted ??= new Set()).add(id);
    }
    if (!wanted) return;
    await Promise.all(
      [...wanted].map(async (id) => {
        const text = await this.registry.schemaById(id);
        const parsed = JSON.parse(text);
        this.compiled.set(id, { type: avro.Type.forSchema(parsed, { wrapUnions: 'auto' }), schema: recordSchemaFromAvro(`avro:${id}`, parsed) });
      }),
    );
  }

  decode(bytes: Uint8Array): Decoded {
    if (bytes.length < 5) throw new Error(`value is ${bytes.length} bytes, too short for the Confluent Avro wire format`);
    if (bytes[0] !== 0) throw new Error(`value does not start with the Confluent magic byte 0 (got ${bytes[0]})`);
    const id = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
    const c = this.compiled.get(id);
    if (!c) throw new Error(`schema id ${id} could not be loaded`);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset + 5, bytes.length - 5);
    const res = c.type.decode(buf, 0);
    if (res.offset < 0) throw new Error(`Avro body does not match schema id ${id} (truncated or corrupt)`);
    if (res.offset !== buf.length) throw new Error(`Avro body has ${buf.length - res.offset} trailing bytes after schema id ${id}'s record`);
    return { value: res.value, schema: c.schema };
  }
}

/** JsonConverter with schemas.enable=true: {"schema": {...}, "payload": ...}. */
export class ConnectJsonDecoder implements Decoder {
  private readonly bySchemaText = new Map<string, RecordSchema>();

  async prepare(): Promise<void> {}

  decode(bytes: Uint8Array): Decoded {
    const text = utf8.decode(bytes);
    const env = JSON.parse(text) as { schema?: ConnectSchema | null; payload?: unknown };
    if (env === null || typeof env !== 'object' || !('payload' in env)) {
      throw new Error('JSON value has no {"schema", "payload"} envelope (value.converter.schemas.enable=true expects one)');
    }
    if (!env.schema) return { value: env.payload, schema: SCHEMALESS };
    // The schema part of the text is the same for every record of a producer:
    // key the compiled schema by it instead of re-walking the parsed object.
    const at = text.indexOf('"payload"');
    const key = at > 0 ? text.slice(0, at) : JSON.stringify(env.schema);
    let schema = this.bySchemaText.get(key);
    if (!schema) {
      if (this.bySchemaText.size > 1000) this.bySchemaText.clear();
      schema = recordSchemaFromConnect(`connect:${this.bySchemaText.size}:${hash(key)}`, env.schema);
      this.bySchemaText.set(key, schema);
    }
    return { value: env.payload, schema };
  }
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
