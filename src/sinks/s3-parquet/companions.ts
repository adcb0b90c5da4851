// Confluent's key and header files (store.kafka.keys, store.kafka.headers),
// worker side. Beside each value object Confluent's S3 sink writes
// <name>.keys<ext> and <name>.headers<ext>, one row per value row in the same
// order, each in its own format (keys.format.class, headers.format.class:
// AvroFormat by default, whatever format.class is). What a row holds is
// Confluent's RecordViews:
//   - key: the record key as its key schema gives it; ParquetFormat wraps it
//     in a record {key} (KeyRecordView "enveloped"), Avro and JSON write it bare;
//   - headers: the list of {key, value} with each value as text (Connect's
//     Values.convertToString); JsonFormat and ParquetFormat wrap the list in a
//     record {headers}, Avro writes the bare array of
//     io.confluent.connect.avro.ConnectDefault records.
// Confluent fails a record with a null key or no headers (the files would
// no longer line up): here that record is an error naming its offset.
//
// Rows are kept per value group (encoding.ts, record-encoding.ts), so the
// rotation, markers and uploads of a file carry its key and header files
// along: they are written with it under the same set marker.
import { byteArrayOf, separatorBytes } from './bytearray-format.js';
import { createHash } from 'node:crypto';
import { Field as ArrowField, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from 'apache-arrow';
import type avro from 'avsc';
import { ConvertError, errorMessage } from '../../errors.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import { avroType } from '../../workers/decode/decoders.js';
import type { RecordContext } from '../../workers/encoder.js';
import { avroWriterSchemaOf, type Field, type FieldType, type RecordSchema } from '../../workers/schema.js';
import { arrowField } from './arrow-types.js';
import { AvroRecordWriter } from './avro-format.js';
import { builderFor, type Builder } from './columns.js';
import { ConnectJsonWriter, jsonString, type DecimalFormat } from '../common/connect-json.js';
import { align8, type PartMeta } from './layout.js';
import { fieldKey } from './types.js';

export type CompanionFormat = 'json' | 'avro' | 'parquet' | 'bytearray';
export type CompanionKind = 'keys' | 'headers';
export const COMPANION_KINDS: readonly CompanionKind[] = ['keys', 'headers'];

export interface CompanionSettings {
  keys?: CompanionFormat;
  headers?: CompanionFormat;
  decimalFormat?: DecimalFormat;
  /** keys ByteArrayFormat: format.bytearray.separator. */
  byteArraySeparator?: string;
}

/** The Connect schema of one header as HeaderRecordView writes it: both fields required strings. */
const HEADER_FIELDS: readonly Field[] = [
  { name: 'key', type: { kind: 'string' }, optional: false },
  { name: 'value', type: { kind: 'string' }, optional: false },
];
const HEADERS_TYPE: FieldType = { kind: 'array', itemsOptional: false, items: { kind: 'record', fields: HEADER_FIELDS } };
/** AvroData's schema for HeaderRecordView's array<struct{key,value}> (an unnamed struct is ConnectDefault). */
export const HEADERS_AVRO_SCHEMA = JSON.stringify({
  type: 'array',
  items: { type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: 'string' }, { name: 'value', type: 'string' }] },
});
let headersAvro: avro.Type | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record's headers as HeaderRecordView's list: each value as its text. */
export function headerView(headers: readonly { name: string; value: Uint8Array | null }[]): { key: string; value: string }[] {
  // Confluent's KeyValueHeaderRecordWriterProvider refuses a record without headers: its header file would skip a row.
  if (headers.length === 0) throw new ConvertError('the record has no headers; store.kafka.headers writes one header row per record (as Kafka Connect\'s S3 sink, which fails on it)');
  return headers.map((h) => {
    // Connect's header converter gives a null header a null value, which HeaderRecordView's required string refuses.
    if (h.value === null) throw new ConvertError(`header ${JSON.stringify(h.name)} has a null value; store.kafka.headers writes each header's value as text`);
    try {
      return { key: h.name, value: utf8.decode(h.value) };
    } catch {
      throw new ConvertError(`header ${JSON.stringify(h.name)} is not UTF-8 text; store.kafka.headers writes each header's value as text`);
    }
  });
}

/** One part's rows as bytes (JSON lines, Avro binaries): [u32 end × rows, padded to 8][bytes], as record-encoding.ts's chunks. */
class ByteRows {
  rows = 0;
  ends = new Uint32Array(64);
  bytes = Buffer.allocUnsafe(1024);
  pos = 0;

  push(b: Uint8Array): void {
    if (this.pos + b.length > this.bytes.length) {
      const n = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.pos + b.length));
      this.bytes.copy(n, 0, 0, this.pos);
      this.bytes = n;
    }
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    if (this.rows >= this.ends.length) {
      const e = new Uint32Array(this.ends.length * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.ends[this.rows++] = this.pos;
  }

  truncate(rows: number): void {
    if (rows >= this.rows) return;
    this.rows = rows;
    this.pos = rows === 0 ? 0 : this.ends[rows - 1]!;
  }

  out(): Uint8Array {
    const head = align8(4 * this.rows);
    const out = new Uint8Array(head + this.pos);
    new Uint32Array(out.buffer, 0, this.rows).set(this.ends.subarray(0, this.rows));
    out.set(this.bytes.subarray(0, this.pos), head);
    return out;
  }
}

/** One part's rows as an Arrow column, the Parquet file's only column ("key" or "headers"). */
class ArrowRows {
  readonly builder: Builder;
  readonly schema: Schema;
  constructor(readonly field: Field) {
    this.builder = builderFor(field.type, field.name, field.optional, 'strict');
    this.schema = new Schema([arrowField(field)]);
  }
  get rows(): number {
    return this.builder.length;
  }
  truncate(rows: number): void {
    if (rows < this.builder.length) this.builder.truncate(rows);
  }
  out(): Uint8Array {
    const length = this.builder.length;
    const data = makeData({ type: new Struct(this.schema.fields as ArrowField[]), length, nullCount: 0, children: [this.builder.finish()] });
    return tableToIPC(new Table([new RecordBatch(this.schema, data)]), 'stream');
  }
}

type Rows = ByteRows | ArrowRows;

/** A part prepared for the record being added: what its row holds, and what its file's schema is. */
interface Prepared {
  bytes?: Uint8Array;
  value?: unknown;
  /** Parquet: the column's field (type from the key schema). */
  field?: Field;
  schema?: string;
  schemaKey: string;
}

interface GroupParts {
  keys?: Rows;
  keysSchema?: string;
  headers?: Rows;
  headersSchema?: string;
}

interface KeyInfo {
  avro?: AvroRecordWriter;
  field?: Field;
  key: string;
}

/** Key and header rows of one batch, per value group. */
export class CompanionRows {
  private settings: CompanionSettings = {};
  private json?: ConnectJsonWriter;
  private jsonDecimals?: DecimalFormat;
  private groups: GroupParts[] = [];
  private readonly pending: Partial<Record<CompanionKind, Prepared>> = {};
  private readonly keyInfos = new WeakMap<RecordSchema, KeyInfo>();

  get active(): boolean {
    return this.settings.keys !== undefined || this.settings.headers !== undefined;
  }

  begin(s: CompanionSettings): void {
    this.settings = s;
    this.groups = [];
    if (s.keys === 'json' && (!this.json || this.jsonDecimals !== (s.decimalFormat ?? 'base64'))) {
      this.jsonDecimals = s.decimalFormat ?? 'base64';
      this.json = new ConnectJsonWriter(this.jsonDecimals);
    }
  }

  private keyInfo(schema: RecordSchema): KeyInfo {
    let i = this.keyInfos.get(schema);
    if (!i) {
      if (this.settings.keys === 'avro') {
        let avroWriter: AvroRecordWriter;
        try {
          avroWriter = new AvroRecordWriter(schema, avroWriterSchemaOf(schema));
        } catch (err) {
          throw new ConvertError(`the record key cannot be written as Avro (keys.format.class=AvroFormat): ${errorMessage(err).replace(/^the value/, 'the key')}`);
        }
        i = { avro: avroWriter, key: `avro:${createHash('sha256').update(avroWriter.schemaText).digest('base64')}` };
      } else {
        // KeyRecordView enveloped: a record {key}, the key's schema as its one field.
        const f = schema.fields!;
        const field: Field = schema.scalar ? { name: 'key', type: f[0]!.type, optional: f[0]!.optional } : { name: 'key', type: { kind: 'record', fields: f }, optional: false };
        i = { field, key: `parquet:${fieldKey(field)}` };
      }
      this.keyInfos.set(schema, i);
    }
    return i;
  }

  /**
   * Encodes the record's key and header rows (nothing is stored yet) and
   * returns what, beside its value's schema, decides its file: a change of
   * key schema starts another file, as each file has one schema.
   */
  prepare(key: Decoded | undefined, ctx: RecordContext): string {
    let out = '';
    const s = this.settings;
    if (s.keys) {
      if (key === undefined || key.value === null || key.value === undefined) {
        throw new ConvertError('the record key is null; store.kafka.keys writes every record\'s key to its .keys file (as Kafka Connect\'s S3 sink, which fails on it)');
      }
      let p: Prepared;
      if (s.keys === 'json') {
        p = { bytes: Buffer.from(`${this.json!.record(key.value, key.schema)}\n`, 'utf8'), schemaKey: '' };
      } else if (s.keys === 'bytearray') {
        p = { bytes: Buffer.concat([byteArrayOf(key, 'key'), separatorBytes(s.byteArraySeparator)]), schemaKey: '' };
      } else {
        if (!key.schema.fields) {
          throw new ConvertError(`the record key has no schema (schemaless JSON, msgpack); keys.format.class=${s.keys === 'avro' ? 'AvroFormat' : 'ParquetFormat'} needs keys with a schema (or use JsonFormat)`);
        }
        const info = this.keyInfo(key.schema);
        if (info.avro) {
          let bytes: Buffer;
          try {
            bytes = info.avro.encode(key.value);
          } catch (err) {
            throw new ConvertError(`the record key: ${errorMessage(err).replace(/^the value /, '')}`);
          }
          p = { bytes, schema: info.avro.schemaText, schemaKey: info.key };
        } else p = { value: key.value, field: info.field, schemaKey: info.key };
      }
      this.pending.keys = p;
      out += `|k:${p.schemaKey}`;
    }
    if (s.headers) {
      const view = headerView(ctx.headers());
      let p: Prepared;
      if (s.headers === 'json') {
        // HeaderRecordView enveloped in a record {headers}, through JsonConverter (schemas.enable=false).
        const line = `{"headers":[${view.map((h) => `{"key":${jsonString(h.key)},"value":${jsonString(h.value)}}`).join(',')}]}\n`;
        p = { bytes: Buffer.from(line, 'utf8'), schemaKey: 'json' };
      } else if (s.headers === 'avro') {
        headersAvro ??= avroType(JSON.parse(HEADERS_AVRO_SCHEMA));
        p = { bytes: headersAvro.toBuffer(view), schema: HEADERS_AVRO_SCHEMA, schemaKey: 'avro' };
      } else p = { value: view, schemaKey: 'parquet' };
      this.pending.headers = p;
      out += '|h';
    }
    return out;
  }

  /** Appends the prepared rows to group g, which had `rows` rows; on failure nothing stays. */
  commit(g: number, rows: number): void {
    const parts = (this.groups[g] ??= {});
    try {
      for (const kind of COMPANION_KINDS) {
        const p = this.pending[kind];
        if (!p) continue;
        let r = parts[kind];
        if (!r) {
          r = p.bytes ? new ByteRows() : new ArrowRows(kind === 'keys' ? p.field! : { name: 'headers', type: HEADERS_TYPE, optional: false });
          parts[kind] = r;
          parts[`${kind}Schema`] = p.schema;
        }
        if (r instanceof ByteRows) r.push(p.bytes!);
        else {
          try {
            r.builder.append(p.value);
          } catch (err) {
            throw new ConvertError(`the record ${kind === 'keys' ? 'key' : 'headers'} cannot be written as Parquet: ${errorMessage(err)}`);
          }
        }
      }
    } catch (err) {
      this.truncate(g, rows);
      throw err;
    } finally {
      this.pending.keys = undefined;
      this.pending.headers = undefined;
    }
  }

  /** Group g back to `rows` rows (its value row failed). */
  truncate(g: number, rows: number): void {
    const parts = this.groups[g];
    parts?.keys?.truncate(rows);
    parts?.headers?.truncate(rows);
  }

  /** Group g's parts as bytes, to place after its value chunk. */
  finishGroup(g: number): { kind: CompanionKind; bytes: Uint8Array; schema?: string }[] {
    const parts = this.groups[g];
    if (!parts) return [];
    const out: { kind: CompanionKind; bytes: Uint8Array; schema?: string }[] = [];
    for (const kind of COMPANION_KINDS) {
      const r = parts[kind];
      if (r) out.push({ kind, bytes: r.out(), schema: parts[`${kind}Schema`] });
    }
    return out;
  }

  /** Each group's parts, and the bytes they take (8-aligned) after all value chunks. */
  finishAll(groups: number): { parts: ReturnType<CompanionRows['finishGroup']>[]; bytes: number } {
    const parts: ReturnType<CompanionRows['finishGroup']>[] = [];
    let bytes = 0;
    for (let g = 0; g < groups; g++) {
      const p = this.active ? this.finishGroup(g) : [];
      for (const x of p) bytes += align8(x.bytes.length);
      parts.push(p);
    }
    this.groups = [];
    return { parts, bytes };
  }
}

/** Copies a group's parts into the batch buffer at `at`, records where in its chunk meta; returns the next free byte. */
export function placeParts(target: Uint8Array, at: number, parts: ReturnType<CompanionRows['finishGroup']>, meta: Partial<Record<CompanionKind, PartMeta>>): number {
  for (const p of parts) {
    target.set(p.bytes, at);
    const m: PartMeta = { byteOffset: at, byteLength: p.bytes.length };
    if (p.schema !== undefined) m.schema = p.schema;
    meta[p.kind] = m;
    at += align8(p.bytes.length);
  }
  return at;
}
