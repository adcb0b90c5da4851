// Value and key decoders, one per format. A decoder turns the bytes of one
// record into a JS value plus the RecordSchema that describes it. Schemas are
// compiled once and cached; the per-record path only decodes.
import { createRequire } from 'node:module';
import avro from 'avsc';
import { C1, Unpackr } from 'msgpackr';
import type { ValueFormat } from '../../core/formats.js';
import { avroWriterSchemaOf, hasRegistryVersion, recordSchemaFromAvro, recordSchemaFromConnect, SCHEMALESS, setRegistryVersion, type ConnectSchema, type RecordSchema } from '../schema.js';
import { parseJsonExact, stringifyJsonExact } from '../json-exact.js';
import { compilePayloadCheck } from './connect-payload.js';
import { attachEnvelopeView } from './connect-json-view.js';
import { SchemaRegistryClient, UnknownSchemaError, type RegistryAuth } from './registry.js';
import { ProtobufDecoder } from './protobuf.js';
import { JsonSchemaDecoder } from './json-schema.js';
import { primitiveDecoder } from './primitives.js';
import { valueSubject, type SubjectStrategy } from './subjects.js';
import { ApicurioAvroDecoder, type ApicurioWire } from './apicurio.js';
import { ApicurioExtJsonDecoder } from './apicurio-ext-json.js';
import type { KafkaHeader } from '../../core/batch-layout.js';
import { decodeWithoutWindow, isWindowSuffix, jsonWindowRefusal, windowWords } from './windowed.js';

export interface Decoded {
  value: unknown;
  schema: RecordSchema;
}

export interface Decoder {
  /** Fetches whatever the batch needs (schemas) before the synchronous pass; `topic`: the batch's (schema versions). */
  prepare(values: Iterable<Uint8Array | null>, topic?: string, headersOf?: (i: number) => readonly KafkaHeader[]): Promise<void>;
  /** Throws an Error whose message is the reason when the bytes are bad. */
  decode(bytes: Uint8Array, headers?: () => readonly KafkaHeader[]): Decoded;
  /** The schema may be named in the record's headers (Apicurio): prepare and decode want them. */
  readonly usesHeaders?: boolean;
  /**
   * Avro only: the schema of a value in the Confluent framing whose schema is
   * loaded, for encoders that read its body (from byte 5) themselves
   * (WorkerEncoder.addAvro); undefined otherwise (decode() says why).
   */
  avroSchemaOf?(bytes: Uint8Array): RecordSchema | undefined;
}

export interface DecoderOptions {
  registryUrl?: string;
  registryUserInfo?: string;
  /** Wins over registryUserInfo: the Authorization header and CA from config/registry-access.ts. */
  registryAuth?: RegistryAuth;
  /** ProtobufConverter's wrapper.for.nullables. */
  wrapperForNullables?: boolean;
  /** JsonConverter's replace.null.with.default (true unless set false): a null with a schema default is the default. */
  replaceNullWithDefault?: boolean;
  /** JsonSchemaConverter's json.fail.invalid.schema. */
  failInvalidSchema?: boolean;
  /** Look up each value schema's version under its subject (schema.compatibility needs it). */
  schemaVersions?: boolean;
  /** value.subject.name.strategy for that lookup (default: TopicNameStrategy). */
  subjectStrategy?: SubjectStrategy;
  /** Apicurio Registry's converters (its native API): Avro as its AvroConverter frames it, Connect JSON as its ExtJsonConverter does. */
  apicurio?: { role: 'key' | 'value'; wire: ApicurioWire };
  /** The decoder reads record keys: a ksqlDB window after a key is recognised (windowed.ts). */
  key?: boolean;
  /** Schemaless JSON: keep a `1.0` a Double (json-exact.ts), for a sink that prints it back as JSON or text. */
  jsonDoubles?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const STRING_SCHEMA: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
const BYTES_SCHEMA: RecordSchema = { id: 'bytes', fields: [{ name: 'value', type: { kind: 'bytes' }, optional: true }], scalar: true };

const registries = new Map<string, SchemaRegistryClient>();

export function createDecoder(format: ValueFormat, opts: DecoderOptions): Decoder {
  switch (format) {
    case 'avro':
      if (opts.apicurio) return new ApicurioAvroDecoder(registryFor(format, opts), opts.apicurio.role, opts.apicurio.wire, avroType);
      return new AvroDecoder(registryFor(format, opts), opts.schemaVersions, opts.subjectStrategy, opts.key);
    case 'protobuf': {
      const d = new ProtobufDecoder(registryFor(format, opts), { wrapperForNullables: opts.wrapperForNullables });
      if (opts.key) d.forKeys();
      return opts.schemaVersions ? d.withVersions(opts.subjectStrategy ?? 'topic') : d;
    }
    case 'json-schema': {
      const d = new JsonSchemaDecoder(registryFor(format, opts), { failInvalidSchema: opts.failInvalidSchema });
      if (opts.key) d.forKeys();
      return opts.schemaVersions ? d.withVersions(opts.subjectStrategy ?? 'topic') : d;
    }
    case 'json': {
      const doubles = opts.jsonDoubles === true;
      const json = (bytes: Uint8Array): unknown => parseJsonExact(utf8.decode(bytes), doubles);
      return {
        prepare: async () => {},
        decode: opts.key ? (bytes) => ({ value: jsonKey(bytes, json), schema: SCHEMALESS }) : (bytes) => ({ value: json(bytes), schema: SCHEMALESS }),
      };
    }
    case 'connect-json':
      if (opts.apicurio?.wire.converter === 'ExtJsonConverter') return new ApicurioExtJsonDecoder(registryFor(format, opts), opts.apicurio.role, opts.replaceNullWithDefault ?? true);
      return new ConnectJsonDecoder(opts.replaceNullWithDefault ?? true);
    case 'msgpack': {
      const unpackr = new Unpackr({
        mapsAsObjects: true, useRecords: false,
        // 'auto': numbers while safe, BigInt beyond 2^53, never rounded (msgpackr's typings omit it).
        int64AsType: 'auto' as 'bigint',
      });
      return {
        prepare: async () => {},
        decode: (bytes) => {
          const value = unpackr.unpack(bytes);
          // 0xC1 is "never used" in MessagePack; msgpackr hands back a marker object rather than failing.
          if (value === C1) throw new Error('msgpack value is the never-used byte 0xC1');
          return { value, schema: SCHEMALESS };
        },
      };
    }
    case 'string':
      return {
        prepare: async () => {},
        decode: opts.key ? (bytes) => ({ value: stringKey(bytes), schema: STRING_SCHEMA }) : (bytes) => ({ value: utf8.decode(bytes), schema: STRING_SCHEMA }),
      };
    case 'bytes':
      return { prepare: async () => {}, decode: (bytes) => ({ value: bytes, schema: BYTES_SCHEMA }) };
    case 'long': case 'integer': case 'short': case 'float': case 'double': case 'boolean':
      return primitiveDecoder(format);
  }
}

/**
 * avsc reads every Avro string (and map key) with Buffer#utf8Slice, which puts
 * U+FFFD in place of invalid UTF-8: the record would land silently changed.
 * Its Tap is patched, once per thread, to refuse such bytes instead. The valid
 * case stays on the fast path: only a string that came out holding U+FFFD (a
 * replacement, or a real U+FFFD in valid input) has its bytes checked again.
 */
interface AvroTap { pos: number; buf: Buffer; readLong(): number; readString(): string | undefined }
const avscTap = (createRequire(import.meta.url)('avsc/lib/utils') as { Tap: { prototype: AvroTap } }).Tap.prototype;
if (!(avscTap.readString as { strictUtf8?: boolean }).strictUtf8) {
  const lenient = avscTap.readString;
  const strictUtf8 = function (this: AvroTap): string | undefined {
    const start = this.pos;
    const s = lenient.call(this);
    if (s !== undefined && s.includes('\uFFFD')) {
      const end = this.pos;
      this.pos = start;
      const len = this.readLong();
      this.pos = end;
      const raw = this.buf.subarray(end - len, end);
      try {
        utf8.decode(raw);
      } catch {
        throw new Error(`Avro string is not valid UTF-8 (bytes ${raw.subarray(0, 32).toString('hex')}${raw.length > 32 ? '…' : ''})`);
      }
    }
    return s;
  };
  avscTap.readString = Object.assign(strictUtf8, { strictUtf8: true });
}

/**
 * A schemaless JSON key (JsonConverter, schemas.enable=false): as a value,
 * or, when it fails and reads without a ksqlDB window (the last 8 or 16
 * bytes), without it, as Jackson's readTree does (windowed.ts).
 */
function jsonKey(bytes: Uint8Array, json: (b: Uint8Array) => unknown): unknown {
  try {
    return json(bytes);
  } catch (err) {
    const w = decodeWithoutWindow(bytes, 1, json);
    if (w === undefined) throw err;
    const refused = jsonWindowRefusal('JSON', bytes, 0, w.suffix);
    if (refused !== undefined) throw new Error(`${(err as Error).message} (${refused})`);
    return w.value;
  }
}

/**
 * A string key (StringConverter) that is not UTF-8 stays an error: Connect's
 * StringDeserializer (new String(bytes, UTF_8)) would land U+FFFD in place of
 * the bytes, a changed key. When all but its last 8 or 16 bytes are UTF-8, it
 * is most likely a ksqlDB windowed key in the KAFKA format: the error says so.
 */
function stringKey(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    const w = decodeWithoutWindow(bytes, 1, (k) => utf8.decode(k));
    if (w === undefined) throw err;
    throw new Error(`${(err as Error).message}: all but its last ${w.suffix} bytes are UTF-8, so it looks like a ksqlDB windowed key in the KAFKA format ` +
      `(the string, then ${windowWords(w.suffix)}); Kafka Connect's StringConverter would land those bytes in the string as U+FFFD, a changed key, ` +
      'which Sluice refuses: give the windowed table an AVRO or JSON_SR key format, or take the key from the value (ValueToKey)');
  }
}

function registryFor(format: ValueFormat, opts: DecoderOptions): SchemaRegistryClient {
  if (!opts.registryUrl) throw new Error(`${format} needs a schema registry URL`);
  const auth = opts.registryAuth ?? opts.registryUserInfo;
  // One client per registry and credentials (key and value converters may reach one registry differently).
  const cert = typeof auth === 'object' && auth.clientCert ? ('pfx' in auth.clientCert ? Buffer.from(auth.clientCert.pfx).toString('base64') : auth.clientCert.cert) : '';
  const oauth = typeof auth === 'object' && auth.oauth ? JSON.stringify(auth.oauth) : '';
  const id = `${opts.registryUrl} ${typeof auth === 'string' ? auth : (auth?.authorization ?? '')} ${typeof auth === 'object' ? (auth.ca ?? '') : ''} ${cert} ${oauth}`;
  let reg = registries.get(id);
  if (!reg) registries.set(id, (reg = new SchemaRegistryClient(opts.registryUrl, auth)));
  return reg;
}

const TWO_32 = 4294967296;

/**
 * Avro long without avsc's float arithmetic, which silently flips the sign
 * of values below -2^52. Safe integers come back as numbers (the fast,
 * common case); anything wider as a BigInt, never rounded.
 */
const ExactLong = avro.types.LongType.__with({
  fromBuffer(buf: Buffer): number | bigint {
    const lo = buf.readUInt32LE(0);
    const hi = buf.readInt32LE(4);
    if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + lo;
    return buf.readBigInt64LE(0);
  },
  toBuffer(n: number | bigint): Buffer {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (x: number | bigint) => x,
  toJSON: (n: number | bigint) => (typeof n === 'bigint' ? n.toString() : n),
  isValid: (n: unknown) => (typeof n === 'number' && Number.isInteger(n)) || typeof n === 'bigint',
  compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/**
 * Compiles an Avro schema the way every Sluice decoder reads it. The registry
 * entry only covers the type *name* "long"; a long written as an object
 * ({"type": "long"}, and so every logical type on a long: timestamp-millis/
 * -micros/-nanos, local-timestamp-*, time-micros) would get avsc's own
 * LongType, so the hook hands those ExactLong too. (avsc ignores the logical
 * types themselves here: no logicalTypes option, the schema says what they mean.)
 */
export function avroType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { wrapUnions: 'auto', registry: { long: ExactLong }, typeHook: exactLongHook });
}

function exactLongHook(schema: avro.Schema): avro.Type | undefined {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'long' ? ExactLong : undefined;
}

interface CompiledAvro {
  type: avro.Type;
  schema: RecordSchema;
}

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
export class AvroDecoder implements Decoder {
  private readonly compiled = new Map<number, CompiledAvro>();
  /**
   * Ids the registry has no usable schema for, with the reason: each record
   * carrying one fails by itself. Asked again by the next batch that has them.
   */
  private readonly unusable = new Map<number, string>();
  /** Versions asked for: this batch's ids that its topic's value subject does not hold, with the reason. */
  private readonly noVersion = new Map<number, string>();
  constructor(
    private readonly registry: SchemaRegistryClient,
    private readonly versions = false,
    private readonly strategy: SubjectStrategy = 'topic',
    /** Reads record keys: an 8- or 16-byte ksqlDB window after the record is ignored (windowed.ts). */
    private readonly key = false,
  ) {}

  async prepare(values: Iterable<Uint8Array | null>, topic?: string): Promise<void> {
    let wanted: Set<number> | undefined;
    const seen = this.versions && topic !== undefined ? new Set<number>() : undefined;
    let last = -1;
    for (const v of values) {
      if (v === null || v.length < 5 || v[0] !== 0) continue; // decode() reports it
      const id = ((v[1]! << 24) | (v[2]! << 16) | (v[3]! << 8) | v[4]!) >>> 0;
      if (id === last) continue;
      last = id;
      seen?.add(id);
      if (this.compiled.has(id)) continue;
      (wanted ??= new Set()).add(id);
    }
    if (wanted) await this.load(wanted);
    this.noVersion.clear();
    if (seen) await this.loadVersions(seen, topic!);
  }

  /**
   * As Confluent's AvroConverter: each schema's version under "<topic>-value".
   * A schema that subject does not hold fails the records that carry it, as
   * the converter does (the batch's records only: `noVersion` is per batch).
   */
  private async loadVersions(ids: Set<number>, topic: string): Promise<void> {
    await Promise.all(
      [...ids].map(async (id) => {
        const c = this.compiled.get(id);
        if (!c || hasRegistryVersion(c.schema, topic)) return;
        const subject = valueSubject(this.strategy, topic, avroRecordName(avroWriterSchemaOf(c.schema)));
        if (typeof subject !== 'string') return void this.noVersion.set(id, `schema id ${id}: ${subject.error}; schema.compatibility compares versions`);
        const version = await this.registry.versionOf(subject, await this.registry.schemaById(id));
        if (version !== undefined) setRegistryVersion(c.schema, topic, version);
        else {
          this.noVersion.set(id, `schema id ${id} is not registered under the subject ${subject}, so it has no version there ` +
            '(AvroConverter looks it up under that subject; schema.compatibility compares versions)');
        }
      }),
    );
  }

  private async load(wanted: Set<number>): Promise<void> {
    for (const id of wanted) this.unusable.delete(id);
    // An outage (RetriableError) or a registry that refuses Sluice (SluiceError) fails the whole batch.
    await Promise.all(
      [...wanted].map(async (id) => {
        let text: string;
        try {
          text = await this.registry.schemaById(id);
        } catch (err) {
          if (err instanceof UnknownSchemaError) return void this.unusable.set(id, err.message);
          throw err;
        }
        try {
          const parsed = JSON.parse(text);
          this.compiled.set(id, { type: avroType(parsed), schema: recordSchemaFromAvro(`avro:${id}`, parsed) });
        } catch (err) {
          this.unusable.set(id, `schema id ${id} is not an Avro schema Sluice can read: ${(err as Error).message}`);
        }
      }),
    );
  }

  avroSchemaOf(bytes: Uint8Array): RecordSchema | undefined {
    if (bytes.length < 5 || bytes[0] !== 0) return undefined;
    return this.compiled.get(((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0)?.schema;
  }

  decode(bytes: Uint8Array): Decoded {
    if (bytes.length < 5) throw new Error(`value is ${bytes.length} bytes, too short for the Confluent Avro wire format`);
    if (bytes[0] !== 0) throw new Error(`value does not start with the Confluent magic byte 0 (got ${bytes[0]})`);
    const id = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
    const c = this.compiled.get(id);
    if (!c) throw new Error(this.unusable.get(id) ?? `schema id ${id} could not be loaded`);
    const missing = this.noVersion.size > 0 ? this.noVersion.get(id) : undefined;
    if (missing) throw new Error(missing);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset + 5, bytes.length - 5);
    const res = c.type.decode(buf, 0);
    if (res.offset < 0) throw new Error(`Avro body does not match schema id ${id} (truncated or corrupt)`);
    if (res.offset !== buf.length) {
      // AvroConverter's DatumReader ignores what follows the record: for keys, Sluice only a ksqlDB window.
      const extra = buf.length - res.offset;
      if (!this.key || !isWindowSuffix(extra)) {
        throw new Error(`Avro body has ${extra} trailing bytes after schema id ${id}'s record` +
          (this.key ? ' (a key may be followed by a ksqlDB window of 8 or 16 bytes, no other length)' : ''));
      }
    }
    return { value: res.value, schema: c.schema };
  }
}

/**
 * JsonConverter with schemas.enable=true: {"schema": {...}, "payload": ...}.
 * A producer sends the same schema text with every record, often several
 * times longer than the payload. Once a schema's exact text prefix
 * (`{"schema":…,"payload":`) is known, later records that start with it only
 * have their payload parsed.
 */
export class ConnectJsonDecoder implements Decoder {
  private readonly byPrefix = new Map<string, CompiledConnect>();
  private lastPrefix: Buffer = Buffer.alloc(0);
  private last: CompiledConnect | undefined;

  /** `replaceNullWithDefault`: the converter's replace.null.with.default (connect-payload.ts). */
  constructor(private readonly replaceNullWithDefault = true) {}

  async prepare(): Promise<void> {}

  decode(bytes: Uint8Array): Decoded {
    // Compare and skip the schema as bytes: only the payload is decoded and parsed.
    const n = this.lastPrefix.length;
    const last = this.last;
    if (last && bytes.length > n && this.lastPrefix.equals(bytes.subarray(0, n))) {
      const payload = parsePayload(bytes, n);
      if (payload !== NOT_PARSED) {
        last.check?.(payload);
        return { value: payload, schema: last.schema };
      }
    }
    const text = utf8.decode(bytes);
    const env = parseJsonExact(text) as { schema?: ConnectSchema | null; payload?: unknown };
    if (env === null || typeof env !== 'object' || !('payload' in env)) {
      throw new Error('JSON value has no {"schema", "payload"} envelope (value.converter.schemas.enable=true expects one)');
    }
    if (!env.schema) return { value: env.payload, schema: SCHEMALESS };
    const prefix = schemaPrefix(text);
    let compiled = prefix === undefined ? undefined : this.byPrefix.get(prefix);
    if (!compiled) {
      if (this.byPrefix.size > 1000) this.byPrefix.clear();
      compiled = {
        schema: recordSchemaFromConnect(`connect:${hash(prefix ?? stringifyJsonExact(env.schema, (_k, v) => v, false))}`, env.schema),
        check: compilePayloadCheck(env.schema, this.replaceNullWithDefault),
      };
      attachEnvelopeView(compiled.schema, env.schema);
      if (prefix !== undefined) this.byPrefix.set(prefix, compiled);
    }
    if (prefix !== undefined) {
      this.lastPrefix = Buffer.from(prefix, 'utf8');
      this.last = compiled;
    }
    compiled.check?.(env.payload);
    return { value: env.payload, schema: compiled.schema };
  }
}

interface CompiledConnect {
  schema: RecordSchema;
  /** Connect's own refusals of a payload that does not fit its schema (connect-payload.ts). */
  check: ((payload: unknown) => void) | undefined;
}

/** Parses bytes[start, last '}') as JSON: the payload of an envelope whose prefix matched. */
function parsePayload(bytes: Uint8Array, start: number): unknown {
  let end = bytes.length - 1;
  while (end > start && bytes[end] !== 0x7d /* } */) end--;
  try {
    return parseJsonExact(utf8.decode(bytes.subarray(start, end)));
  } catch {
    return NOT_PARSED; // not the shape we expected: parse the whole envelope
  }
}

const NOT_PARSED = Symbol('not parsed');

/**
 * The text up to and including `"payload":` when the envelope is exactly
 * {"schema": …, "payload": …} in that order (as JsonConverter writes it);
 * undefined otherwise. Checked by parsing, so a field named "payload" inside
 * the schema cannot fool it.
 */
export function schemaPrefix(text: string): string | undefined {
  for (let at = text.indexOf('"payload"'); at > 0; at = text.indexOf('"payload"', at + 1)) {
    let comma = at - 1;
    while (comma > 0 && /\s/.test(text[comma]!)) comma--;
    if (text[comma] !== ',') continue;
    let colon = at + '"payload"'.length;
    while (colon < text.length && /\s/.test(text[colon]!)) colon++;
    if (text[colon] !== ':') continue;
    try {
      const head = JSON.parse(text.slice(0, comma) + '}') as Record<string, unknown>;
      const keys = Object.keys(head);
      if (keys.length === 1 && keys[0] === 'schema') return text.slice(0, colon + 1);
    } catch {
      // not the split point; try the next occurrence
    }
  }
  return undefined;
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** AvroSchema.name(): a record schema's full name; undefined for any other type. */
function avroRecordName(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  if ((s.type !== 'record' && s.type !== 'error') || typeof s.name !== 'string') return undefined;
  return s.name.includes('.') || typeof s.namespace !== 'string' || s.namespace === '' ? s.name : `${s.namespace}.${s.name}`;
}
