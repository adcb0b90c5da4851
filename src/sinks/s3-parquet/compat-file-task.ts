// A Piscina task (run in the engine's pool with `filename` set to this
// module) for schema.compatibility BACKWARD/FORWARD/FULL: one file whose
// pieces hold Avro binary rows of their own writer schemas (record-encoding.ts
// in its projection mode), some older or newer than the file's. Each row is
// decoded, projected to the file's schema (compatibility.ts) and written in
// the output format exactly as a row of that schema is without projection:
// Parquet through the same Arrow encoder, JSON through the same JsonConverter
// writer, Avro with the file's schema in the container header. Protobuf and
// JSON Schema rows are the decoded values themselves, with their Kafka
// Connect schemas (compat-connect.ts), projected the same way.
import { isWorkerThread, move } from 'piscina';
import { gzipSync } from 'node:zlib';
import { avroType } from '../../workers/decode/decoders.js';
import { recordSchemaFromAvro, SCHEMALESS, type RecordSchema } from '../../workers/schema.js';
import type { RecordContext } from '../../workers/encoder.js';
import { connectSchemaOf, project, ProjectionError, type CSchema } from './compatibility.js';
import { S3ParquetEncoder, type S3Plan } from './encoding.js';
import { parquetBytes, type FilePiece, type ParquetCodec } from './file-task.js';
import { ConnectJsonWriter, type DecimalFormat } from '../common/connect-json.js';
import type { S3BatchMeta } from './layout.js';
import { avroFile as containerFile } from './record-file-task.js';
import { align8 } from './layout.js';
import type { AvroCodec } from './formats.js';
import { AvroRecordWriter } from './avro-format.js';
import { decodeConnectRow, isConnectSchemaText, isSchemalessText, parseConnectSchemaText } from './compat-connect.js';

export interface CompatPiece extends FilePiece {
  /** The writer schema (Avro JSON text) of the piece's rows, or compat-connect.ts's schema text. */
  schema: string;
  /** Kafka offset of each of the piece's rows [rowStart, rowEnd): named in errors. */
  offsets: number[];
}

export interface CompatFileTask {
  format: 'parquet' | 'json' | 'avro';
  /** The file's schema (Avro JSON text): its first record's. */
  schema: string;
  pieces: CompatPiece[];
  topic: string;
  partition: number;
  /** The config value, for messages: BACKWARD, FORWARD or FULL. */
  compatibility: string;
  // Parquet
  codec?: ParquetCodec;
  rowGroupBytes?: number;
  metadata?: Record<string, string>;
  // JSON
  decimalFormat?: DecimalFormat;
  gzip?: boolean;
  gzipLevel?: number;
  // Avro
  avroCodec?: AvroCodec;
}

/** How a chunk's rows read, and their schemas: an Avro writer schema's, or a Connect view's (compat-connect.ts). */
interface View {
  connect: CSchema;
  record: RecordSchema;
  decode(bytes: Buffer): unknown;
  /** AvroFormat: the file header's schema text and a projected row's Avro binary. */
  avro(): { schemaText: string; encode(value: unknown): Buffer };
}

function viewOf(text: string): View {
  if (isSchemalessText(text)) {
    // A file of schemaless rows holds nothing else: never a projection, never AvroFormat (the workers refuse it).
    return { connect: undefined as unknown as CSchema, record: SCHEMALESS, decode: decodeConnectRow, avro: () => { throw new Error('schemaless values are not written as Avro'); } };
  }
  if (isConnectSchemaText(text)) {
    const { record, connect } = parseConnectSchemaText(text);
    let writer: AvroRecordWriter | undefined;
    return { connect, record, decode: decodeConnectRow, avro: () => (writer ??= new AvroRecordWriter(record)) };
  }
  const parsed = JSON.parse(text) as unknown;
  const type = avroType(parsed);
  return {
    connect: connectSchemaOf(parsed),
    record: recordSchemaFromAvro('avro:projected', parsed as Parameters<typeof recordSchemaFromAvro>[1]),
    decode: (b) => type.fromBuffer(b) as unknown,
    avro: () => ({ schemaText: text, encode: (v) => type.toBuffer(v) }),
  };
}

export default async function writeCompatFile(task: CompatFileTask): Promise<Uint8Array> {
  const target = viewOf(task.schema);
  const sources = new Map<string, View>();
  const sourceOf = (text: string): View => {
    let s = sources.get(text);
    if (!s) sources.set(text, (s = viewOf(text)));
    return s;
  };

  /** Each row of a piece, decoded and (when its schema is not the file's) projected. */
  const rowsOf = function* (p: CompatPiece): Generator<unknown> {
    const same = p.schema === task.schema;
    const src = same ? undefined : sourceOf(p.schema);
    const view = src ?? target;
    const ends = new Uint32Array(p.buffer, p.byteOffset, p.rows);
    const dataAt = p.byteOffset + align8(4 * p.rows);
    for (let r = p.rowStart; r < p.rowEnd; r++) {
      const from = r === 0 ? 0 : ends[r - 1]!;
      const bytes = Buffer.from(p.buffer, dataAt + from, ends[r]! - from);
      const value = view.decode(bytes);
      if (!src) {
        yield value;
        continue;
      }
      try {
        yield project(src.connect, value, target.connect);
      } catch (err) {
        if (!(err instanceof ProjectionError)) throw err;
        throw new ProjectionError(
          `topic ${task.topic} partition ${task.partition} offset ${p.offsets[r - p.rowStart]}: the value (schema ${schemaName(p.schema)}) cannot be projected to its file's schema ` +
            `as schema.compatibility=${task.compatibility} asks (Kafka Connect's SchemaProjector): ${err.message}`,
        );
      }
    }
  };

  let out: Uint8Array;
  if (task.format === 'parquet') out = await parquetFile(task, target.record, rowsOf);
  else if (task.format === 'json') out = jsonFile(task, target.record, rowsOf);
  else out = await avroFile(task, target, rowsOf);
  return isWorkerThread ? (move(out) as unknown as Uint8Array) : out;
}

function schemaName(text: string): string {
  if (isConnectSchemaText(text)) {
    const { record, connect } = parseConnectSchemaText(text);
    return connect.name ?? record.id;
  }
  try {
    const s = JSON.parse(text) as { name?: unknown; 'connect.version'?: unknown };
    return typeof s.name === 'string' ? s.name : 'unnamed';
  } catch {
    return 'unnamed';
  }
}

type Rows = (p: CompatPiece) => Generator<unknown>;

const PLAN: Omit<S3Plan, 'key'> = {
  partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: { kind: 'record', fields: [] },
};

/** One Arrow chunk per piece, made by the sink's own Parquet encoder from the projected values; then the usual Parquet writer. */
async function parquetFile(task: CompatFileTask, schema: RecordSchema, rowsOf: Rows): Promise<Uint8Array> {
  const encoder = new S3ParquetEncoder();
  const plan: S3Plan = { ...PLAN, key: 'compat' };
  const ctx: RecordContext = { topic: task.topic, partition: task.partition, offset: 0, timestamp: 0, key: null, keyBytes: null, headers: () => [] };
  const pieces: FilePiece[] = [];
  // Schemaless rows have their schema inferred: one pass over the whole file gives them one.
  for (const batch of schema.fields ? task.pieces.map((p) => [p]) : [task.pieces]) {
    encoder.begin(plan, task.topic, task.partition);
    for (const p of batch) {
      let i = 0;
      for (const value of rowsOf(p)) {
        ctx.offset = p.offsets[i++]!;
        try {
          encoder.add({ value, schema }, undefined, ctx);
        } catch (err) {
          // Rows are checked here, not in the workers: name the record, since this stops Sluice.
          throw new Error(`topic ${task.topic} partition ${task.partition} offset ${ctx.offset}: the value cannot be written to Parquet (schema.compatibility=${task.compatibility} writes it when its file closes): ${(err as Error).message}`);
        }
      }
    }
    const res = encoder.finish();
    const meta = res.meta as S3BatchMeta;
    if (!res.output || meta.groups.length !== 1) throw new Error(`projected piece made ${meta.groups.length} Arrow groups, expected 1`);
    const g = meta.groups[0]!;
    pieces.push({ buffer: res.output, byteOffset: g.byteOffset, byteLength: g.byteLength, rowStart: 0, rowEnd: g.rows, rows: g.rows });
  }
  return parquetBytes({ pieces, codec: task.codec ?? 'snappy', rowGroupBytes: task.rowGroupBytes ?? 32 * 1024 * 1024, metadata: task.metadata ?? {} });
}

function jsonFile(task: CompatFileTask, schema: RecordSchema, rowsOf: Rows): Uint8Array {
  const writer = new ConnectJsonWriter(task.decimalFormat ?? 'base64');
  const lines: string[] = [];
  for (const p of task.pieces) for (const value of rowsOf(p)) lines.push(writer.record(value, schema), '\n');
  const body = Buffer.from(lines.join(''), 'utf8');
  if (!task.gzip) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  const z = gzipSync(body, { level: task.gzipLevel ?? -1 });
  return new Uint8Array(z.buffer, z.byteOffset, z.length);
}

/** Rows of the file's Avro schema go as they are; projected ones (and Connect-view rows) are encoded with it. */
async function avroFile(task: CompatFileTask, target: View, rowsOf: Rows): Promise<Uint8Array> {
  const rows: Buffer[] = [];
  const writer = target.avro();
  for (const p of task.pieces) {
    if (p.schema !== task.schema || isConnectSchemaText(p.schema)) {
      for (const value of rowsOf(p)) rows.push(writer.encode(value));
      continue;
    }
    const ends = new Uint32Array(p.buffer, p.byteOffset, p.rows);
    const dataAt = p.byteOffset + align8(4 * p.rows);
    for (let r = p.rowStart; r < p.rowEnd; r++) {
      const from = r === 0 ? 0 : ends[r - 1]!;
      rows.push(Buffer.from(p.buffer, dataAt + from, ends[r]! - from));
    }
  }
  const ends = new Uint32Array(rows.length);
  let n = 0;
  rows.forEach((b, i) => (ends[i] = n += b.length));
  const sab = new SharedArrayBuffer(align8(4 * rows.length) + n);
  new Uint32Array(sab, 0, rows.length).set(ends);
  const bytes = new Uint8Array(sab, align8(4 * rows.length));
  let at = 0;
  for (const b of rows) {
    bytes.set(b, at);
    at += b.length;
  }
  return containerFile({
    format: 'avro', schema: writer.schemaText, avroCodec: task.avroCodec ?? 'null',
    pieces: [{ buffer: sab, byteOffset: 0, byteLength: sab.byteLength, rowStart: 0, rowEnd: rows.length, rows: rows.length }],
  });
}
