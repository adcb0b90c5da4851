// AvroFormat: the Avro schema of a file and each record's Avro binary
// (worker side), and the object container file around them (file task).
//
// A record decoded from Avro keeps its writer schema (names, enums, unions,
// logical types): it is written again with that very schema. Any other
// record with a schema (a Kafka Connect JSON envelope) gets the schema
// Confluent's AvroData makes from the Connect schema: records named
// io.confluent.connect.avro.ConnectDefault, optional fields as
// ["null", T] with default null, Decimal/Date/Time/Timestamp as Avro
// logical types. Schemaless records have no Avro schema: an error, as
// Confluent's AvroFormat cannot write them either.
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import type { Field, FieldType, RecordSchema } from '../../workers/schema.js';
import { avroType } from '../../workers/decode/decoders.js';
import { describeValue } from '../../workers/encoder.js';
import { ConvertError } from '../../errors.js';
import { javaFloatText, twosComplement, unreadableDefault, unscaledDecimal } from '../common/connect-json.js';
import type { AvroCodec } from './formats.js';
import { typedMapKey } from './types.js';

type AvroSchema = string | AvroSchema[] | { [k: string]: unknown };

const NAMESPACE = 'io.confluent.connect.avro';
const MS_PER_DAY = 86_400_000;
/** Avro types whose default reads the same in a Connect schema and an Avro one. */
const PLAIN_DEFAULTS = new Set(['string', 'int', 'long', 'float', 'double', 'boolean']);

/** The Avro schema AvroData.fromConnectSchema gives for a Connect schema. */
function avroSchemaOf(schema: RecordSchema): AvroSchema {
  let n = 0;
  const name = () => (n++ === 0 ? 'ConnectDefault' : `ConnectDefault${n}`);
  let entries = 0;
  // AvroData names every entry record io.confluent.connect.avro.MapEntry; a second one needs a name of its own to parse.
  const entryName = () => (entries++ === 0 ? 'MapEntry' : `MapEntry${entries}`);
  const of = (t: FieldType, path: string): AvroSchema => {
    switch (t.kind) {
      case 'boolean': return 'boolean';
      case 'int32': return t.width !== undefined ? { type: 'int', 'connect.type': `int${t.width}` } : 'int';
      case 'int64': return 'long';
      case 'float32': return 'float';
      case 'float64': return 'double';
      case 'string': return 'string';
      case 'uuid': return { type: 'string', logicalType: 'uuid' };
      case 'bytes': return 'bytes';
      case 'null': return 'null';
      case 'fixed': return { type: 'fixed', name: name(), namespace: NAMESPACE, size: t.size };
      case 'enum': return { type: 'enum', name: name(), namespace: NAMESPACE, symbols: [...t.symbols] };
      case 'decimal':
        return {
          type: 'bytes', scale: t.scale, precision: t.precision, 'connect.version': 1,
          'connect.parameters': { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) },
          'connect.name': 'org.apache.kafka.connect.data.Decimal', logicalType: 'decimal',
        };
      case 'date': return { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' };
      case 'time-millis': return { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Time', logicalType: 'time-millis' };
      case 'timestamp-millis': return { type: 'long', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Timestamp', logicalType: 'timestamp-millis' };
      case 'time-micros': return { type: 'long', logicalType: 'time-micros' };
      case 'timestamp-micros': return { type: 'long', logicalType: 'timestamp-micros' };
      case 'timestamp-nanos': return { type: 'long', logicalType: 'timestamp-nanos' };
      case 'array': return { type: 'array', items: t.itemsOptional ? ['null', of(t.items, `${path}[]`)] : of(t.items, `${path}[]`) };
      // Map values may be null in Connect data; the union keeps them.
      case 'map': {
        const values = ['null', of(t.values, `${path}{}`)];
        if (!t.keys || t.keys.kind === 'string') return { type: 'map', values };
        // An Avro map has string keys: AvroData writes any other map as an array of key/value records.
        const entry = { type: 'record', name: entryName(), namespace: NAMESPACE, fields: [{ name: 'key', type: of(t.keys, `${path}.key`) }, { name: 'value', type: values, default: null }] };
        return { type: 'array', items: entry };
      }
      case 'record': return record(t.fields, path);
      // Debezium's semantic types: their Connect base type, named as AvroData names them.
      case 'time-nanos': return { type: 'long', 'connect.version': 1, 'connect.name': 'io.debezium.time.NanoTime' };
      case 'zoned-timestamp': return { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.time.ZonedTimestamp' };
      case 'zoned-time': return { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.time.ZonedTime' };
      case 'json': return { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.data.Json' };
      case 'xml': return { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.data.Xml' };
      case 'bits': return { type: 'bytes', 'connect.version': 1, 'connect.parameters': { length: String(t.length) }, 'connect.name': 'io.debezium.data.Bits' };
      case 'variable-decimal':
        return { type: 'record', name: 'VariableScaleDecimal', namespace: 'io.debezium.data', fields: [{ name: 'scale', type: 'int' }, { name: 'value', type: 'bytes' }], 'connect.version': 1, 'connect.name': 'io.debezium.data.VariableScaleDecimal' };
      case 'any': throw new ConvertError(`field ${path || 'value'} has no single type (a union of several types, or schemaless data) and cannot be written as Avro`);
    }
  };
  const field = (f: Field, path: string) => {
    const p = path ? `${path}.${f.name}` : f.name;
    const t = of(f.type, p);
    // A float default is held as the float32 a value decodes to; AvroData writes the Float's own shortest text.
    const d = t === 'float' && typeof f.default === 'number' && Number.isFinite(f.default) ? Number(javaFloatText(f.default, true)) : f.default;
    // As AvroData: a union lists the default's branch first, so a plain default (text, number, boolean) is kept.
    if (f.optional && t !== 'null' && (typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean') && typeof t === 'string' && PLAIN_DEFAULTS.has(t)) return { name: f.name, type: [t, 'null'], default: d };
    return f.optional && t !== 'null' ? { name: f.name, type: ['null', t], default: null } : { name: f.name, type: t };
  };
  const record = (fields: readonly Field[], path: string): AvroSchema => {
    const r: { [k: string]: unknown } = { type: 'record', name: name(), namespace: NAMESPACE };
    r.fields = fields.map((f) => field(f, path));
    return r;
  };
  if (!schema.fields) throw new ConvertError('the value has no schema (schemaless JSON or msgpack); AvroFormat needs values with a schema (Avro, or JSON with schemas.enable=true)');
  if (schema.scalar) {
    const f = schema.fields[0]!;
    const t = of(f.type, '');
    return f.optional && t !== 'null' ? ['null', t] : t;
  }
  return record(schema.fields, '');
}

/** Values as Sluice's decoders give them → what avsc encodes for the schema avroSchemaOf made. */
function avroValue(v: unknown, t: FieldType, path: string): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'bytes': case 'fixed':
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length);
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      throw new ConvertError(`field ${path} should be bytes (got ${describeValue(v)})`);
    case 'decimal': return twosComplement(unscaledDecimal(v, t.scale, path));
    case 'date':
      if (v instanceof Date) return Math.floor(v.getTime() / MS_PER_DAY);
      if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`) / MS_PER_DAY;
      return v;
    case 'timestamp-millis':
      if (v instanceof Date) return v.getTime();
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
      return v;
    case 'float32': case 'float64':
      return typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
    case 'uuid':
      if (v instanceof Uint8Array && v.length === 16) {
        const h = Buffer.from(v).toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      return v;
    case 'array':
      return Array.isArray(v) ? v.map((x) => avroValue(x, t.items, `${path}[]`)) : v;
    case 'map': {
      if (t.keys && t.keys.kind !== 'string') return avroMapEntries(v, t as FieldType & { kind: 'map' }, t.keys, path);
      if (Array.isArray(v) || v instanceof Map) {
        const o: Record<string, unknown> = {};
        for (const pair of v instanceof Map ? [...v] : v) {
          if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
          o[typeof pair[0] === 'string' ? pair[0] : JSON.stringify(pair[0])] = avroValue(pair[1], t.values, `${path}{}`);
        }
        return o;
      }
      if (typeof v !== 'object') return v;
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as object)) o[k] = avroValue(x, t.values, `${path}{}`);
      return o;
    }
    case 'record': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const src = v as Record<string, unknown>;
      const o: Record<string, unknown> = {};
      for (const f of t.fields) {
        // Kafka Connect's JsonConverter gives a null field its schema default (replace.null.with.default) before any format sees it.
        const p = path ? `${path}.${f.name}` : f.name;
        const absent = src[f.name] === null || src[f.name] === undefined;
        if (absent && f.defaultError !== undefined) throw unreadableDefault(p, f.defaultError);
        const x = absent && f.default !== undefined && f.default !== null ? f.default : src[f.name];
        o[f.name] = avroValue(x, f.type, p);
      }
      return o;
    }
    default: return v;
  }
}

/** One schema's writer: its schema text (the file header's) and the binary of each record. */
export class AvroRecordWriter {
  readonly schemaText: string;
  private readonly type: avro.Type;
  private readonly fields?: readonly Field[];
  private readonly scalar: boolean;
  private readonly native: boolean;

  constructor(schema: RecordSchema, writerSchema?: unknown) {
    this.native = writerSchema !== undefined;
    const s = writerSchema ?? avroSchemaOf(schema);
    this.schemaText = JSON.stringify(s);
    this.type = avroType(s);
    this.fields = schema.fields;
    this.scalar = !!schema.scalar;
  }

  encode(value: unknown): Buffer {
    const v = this.native || !this.fields ? value : this.scalar ? avroValue(value, this.fields[0]!.type, 'value') : avroValue(value, { kind: 'record', fields: this.fields }, '');
    try {
      return this.type.toBuffer(v);
    } catch (err) {
      const paths: string[] = [];
      this.type.isValid(v, { errorHook: (p: string[], x: unknown) => paths.push(`field ${p.join('.') || 'value'} cannot hold ${describeValue(x)}`) });
      throw new ConvertError(`the value does not fit its Avro schema: ${paths[0] ?? (err as Error).message}`);
    }
  }
}

// ---------- object container file ----------

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
/** Avro's Java writer closes a block at about this many bytes (DataFileConstants.DEFAULT_SYNC_INTERVAL). */
export const BLOCK_BYTES = 64_000;

function zigzag(n: number): Buffer {
  const out: number[] = [];
  let z = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return Buffer.from(out);
}

function avroBytes(b: Buffer): Buffer {
  return Buffer.concat([zigzag(b.length), b]);
}

export function containerHeader(schemaText: string, codec: AvroCodec, sync: Buffer): Buffer {
  const meta: [string, Buffer][] = [['avro.schema', Buffer.from(schemaText, 'utf8')], ['avro.codec', Buffer.from(codec, 'utf8')]];
  const parts = [MAGIC, zigzag(meta.length)];
  for (const [k, v] of meta) parts.push(avroBytes(Buffer.from(k, 'utf8')), avroBytes(v));
  parts.push(zigzag(0), sync);
  return Buffer.concat(parts);
}

let snappy: { compress(b: Uint8Array): Uint8Array } | undefined;
async function loadSnappy(): Promise<{ compress(b: Uint8Array): Uint8Array }> {
  snappy ??= (await import('snappyjs')).default as { compress(b: Uint8Array): Uint8Array };
  return snappy;
}

/** One data block: record count, byte size, the (compressed) records, the sync marker. */
export async function containerBlock(records: Buffer, count: number, codec: AvroCodec, sync: Buffer): Promise<Buffer> {
  let data = records;
  if (codec === 'deflate') data = deflateRawSync(records);
  else if (codec === 'snappy') {
    // Avro's snappy codec: the compressed block, then the CRC-32 of the uncompressed bytes, big-endian.
    const c = (await loadSnappy()).compress(records);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(records) >>> 0);
    data = Buffer.concat([Buffer.from(c.buffer, c.byteOffset, c.length), crc]);
  }
  return Buffer.concat([zigzag(count), zigzag(data.length), data, sync]);
}

export function newSyncMarker(): Buffer {
  return randomBytes(16);
}

/** A map with keys other than strings as AvroData writes it: [{key, value}], keys of their own type. */
function avroMapEntries(v: unknown, t: FieldType & { kind: 'map' }, keyType: FieldType, path: string): unknown[] {
  let pairs: [unknown, unknown][];
  if (v instanceof Map) pairs = [...v];
  else if (Array.isArray(v)) {
    for (const pair of v) if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
    pairs = v as [unknown, unknown][];
  } else if (typeof v === 'object' && !(v instanceof Uint8Array)) pairs = Object.entries(v as object);
  else throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
  return pairs.map(([k, x]) => {
    const key = typedMapKey(k, keyType);
    if (key === undefined) throw new ConvertError(`field ${path} has the key ${JSON.stringify(k)}, which is no ${keyType.kind}`);
    return { key: avroValue(key, keyType, `${path}.key`), value: avroValue(x, t.values, `${path}{}`) };
  });
}
