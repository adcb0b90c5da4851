// Worker side of JsonFormat, AvroFormat and ByteArrayFormat: each record becomes its bytes
// (a JSON line, its Avro binary, or the raw value and separator) here, off the main thread. Records are
// grouped by (partitioner path, schema) like the Parquet encoder's chunks, so
// the main thread's rotation, markers and uploads are the same for every
// format; a file task only concatenates a file's rows (and gzips, or frames
// Avro blocks). With schema.compatibility BACKWARD/FORWARD/FULL (plan.compatibility)
// every format's rows are the Avro binary of each record's own writer schema,
// grouped by schema version too; compat-file-task.ts writes the output format.
// One group's chunk:
//
//   [u32 end of row i's bytes × rows, padded to 8][row bytes …]
import { createHash } from 'node:crypto';
import type { Decoded } from '../../workers/decode/decoders.js';
import { avroWriterSchemaOf, schemaVersion, type RecordSchema } from '../../workers/schema.js';
import type { EncoderOutput, RecordContext, WorkerEncoder } from '../../workers/encoder.js';
import { ConvertError, SluiceError } from '../../errors.js';
import { AvroRecordWriter } from './avro-format.js';
import type { S3Plan } from './encoding.js';
import { ConnectJsonWriter } from '../common/connect-json.js';
import { align8, rowTableBytes, RowTableWriter, type ChunkMeta, type S3BatchMeta } from './layout.js';
import { routedPath } from '../../transforms/routing.js';
import { Partitioner } from './partitioner.js';
import { fieldKey } from './types.js';
import { CompanionRows, placeParts } from './companions.js';
import { connectRowWriter, connectSchemaText, schemalessRowWriter } from './compat-connect.js';
import { requireStructValue } from '../../workers/encoder.js';
import { connectViewOf, declaredVersionOf, isEnvelopeView } from '../../workers/connect-view.js';
import { byteArrayOf, separatorBytes } from './bytearray-format.js';
import { carriedVersion, transformOrigin } from './compat-transformed.js';

const NEWLINE = 0x0a;
const EMPTY = new Uint8Array(0);

class RecordGroup {
  rows = 0;
  /** behavior.on.null.values=write: tombstones, key and header rows only (companions.ts). */
  valueless = false;
  /** What its key and header rows' schemas add to schemaKey (ChunkMeta.companionKey). */
  companionKey = '';
  // Small to start: a field partitioner can give a batch hundreds of groups.
  ends = new Uint32Array(64);
  bytes = Buffer.allocUnsafe(4096);
  pos = 0;
  constructor(
    readonly index: number,
    readonly path: string,
    readonly schemaKey: string,
    readonly schemaText?: string,
    readonly version?: number,
  ) {}

  private reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.pos + n));
    this.bytes.copy(b, 0, 0, this.pos);
    this.bytes = b;
  }

  private endRow(): void {
    if (this.rows >= this.ends.length) {
      const e = new Uint32Array(this.ends.length * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.ends[this.rows++] = this.pos;
  }

  /** A JSON line: the text and System.lineSeparator() ("\n"). */
  addLine(text: string): void {
    this.reserve(text.length * 3 + 1);
    this.pos += this.bytes.write(text, this.pos, 'utf8');
    this.bytes[this.pos++] = NEWLINE;
    this.endRow();
  }

  addBinary(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    this.endRow();
  }

  /** A ByteArrayFormat row: the value's bytes and format.bytearray.separator. */
  addBytes(b: Uint8Array, separator: Uint8Array): void {
    this.reserve(b.length + separator.length);
    this.bytes.set(b, this.pos);
    this.bytes.set(separator, this.pos + b.length);
    this.pos += b.length + separator.length;
    this.endRow();
  }

  get byteLength(): number {
    return align8(4 * this.rows) + this.pos;
  }

  copyInto(target: Uint8Array, at: number): void {
    new Uint32Array(target.buffer, target.byteOffset + at, this.rows).set(this.ends.subarray(0, this.rows));
    target.set(this.bytes.subarray(0, this.pos), at + align8(4 * this.rows));
  }
}

interface SchemaInfo {
  key: string;
  avro?: Pick<AvroRecordWriter, 'schemaText' | 'encode'>;
}

export class S3RecordEncoder implements WorkerEncoder<S3Plan> {
  private plan!: S3Plan;
  private partitioner?: Partitioner;
  private partitionerKey = '';
  private json?: ConnectJsonWriter;
  private jsonDecimals = '';
  private readonly schemas = new WeakMap<RecordSchema, SchemaInfo>();
  private groups = new Map<string, RecordGroup>();
  private groupList: RecordGroup[] = [];
  private readonly table = new RowTableWriter();
  /** The batch's own topic: a record routed elsewhere (RegexRouter…) carries its topic in its group path. */
  private topic = '';
  /** store.kafka.keys / store.kafka.headers: each group's key and header rows. */
  private readonly companions = new CompanionRows();
  /** format.class=ByteArrayFormat: format.bytearray.separator's bytes. */
  private separator: Uint8Array = new Uint8Array(0);

  needsKeys(plan: S3Plan): boolean {
    return plan.keyFiles !== undefined;
  }

  begin(plan: S3Plan, topic: string, _partition: number): void {
    this.plan = plan;
    this.topic = topic;
    const pk = JSON.stringify(plan.partitioner);
    if (!this.partitioner || pk !== this.partitionerKey) {
      this.partitioner = new Partitioner(plan.partitioner);
      this.partitionerKey = pk;
    }
    const dec = plan.decimalFormat ?? 'base64';
    if (!this.json || dec !== this.jsonDecimals) {
      this.json = new ConnectJsonWriter(dec);
      this.jsonDecimals = dec;
    }
    this.groups = new Map();
    this.groupList = [];
    this.table.rows = 0;
    if (plan.format === 'bytearray') this.separator = separatorBytes(plan.byteArraySeparator);
    this.companions.begin({ keys: plan.keyFiles, headers: plan.headerFiles, decimalFormat: plan.decimalFormat, byteArraySeparator: plan.byteArraySeparator });
  }

  private info(schema: RecordSchema): SchemaInfo {
    let i = this.schemas.get(schema);
    if (!i) {
      if (this.plan.format === 'avro' || this.plan.compatibility) {
        // schema.compatibility with Protobuf / JSON Schema values: the rows are the values, projected on their Connect schemas (compat-connect.ts).
        const avro = (this.plan.compatibility && (connectRowWriter(schema) ?? (this.plan.format !== 'avro' ? schemalessRowWriter(schema) : undefined))) ||
          new AvroRecordWriter(schema, avroWriterSchemaOf(schema));
        // The schema text decides: two Avro schemas of the same shape (enum symbols in another order) never share a file.
        i = { key: `avro:${createHash('sha256').update(avro.schemaText).digest('base64')}`, avro };
      } else {
        i = { key: schema.fields ? `${schema.scalar ? 'scalar' : 'record'}<${schema.fields.map(fieldKey).join(',')}>` : 'schemaless' };
      }
      this.schemas.set(schema, i);
    }
    return i;
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    if (this.plan.format === 'bytearray') {
      this.addByteArray(value, key, ctx);
      return;
    }
    const version = this.plan.compatibility ? this.versionOf(value.schema, ctx) : undefined;
    const info = this.info(value.schema);
    // The group's path, as the Parquet encoder computes it, routed as it routes it.
    const path = routedPath(ctx.topic, this.topic, this.partitioner!.path(value.value, value.schema, ctx));
    const time = this.partitioner!.lastTime;
    // A Connect JSON payload travels as it is: the JSON writer checks its types here, so a wrong one is a record error as without compatibility.
    if (this.plan.compatibility && isEnvelopeView(value.schema)) this.json!.record(value.value, value.schema);
    // Parquet's own check that a row is an object (a null payload, a schemaless array) is made here, as without compatibility.
    if (this.plan.compatibility && !value.schema.scalar && (this.plan.format ?? 'parquet') === 'parquet') {
      requireStructValue(value.value, 'Parquet columns need');
    }
    // Encoded before its group is chosen: a record that fails leaves nothing behind.
    const bytes = info.avro ? info.avro.encode(value.value) : undefined;
    const line = info.avro ? undefined : this.json!.record(value.value, value.schema);
    const ck = this.companions.active ? this.companions.prepare(key, ctx) : '';
    const g = this.group(path, info.key + ck, info.avro?.schemaText, version, ck);
    // Key and header rows first: they are the part that can still fail.
    if (this.companions.active) this.companions.commit(g.index, g.rows);
    if (bytes) g.addBinary(bytes);
    else g.addLine(line!);
    this.table.push(ctx.offset, time, g.index);
  }

  /** ByteArrayFormat: the value's bytes as they came (no schema to group by: every value is bytes), copied once into its group. */
  private addByteArray(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    const bytes = byteArrayOf(value, 'value');
    const path = routedPath(ctx.topic, this.topic, this.partitioner!.path(value.value, value.schema, ctx));
    const time = this.partitioner!.lastTime;
    const ck = this.companions.active ? this.companions.prepare(key, ctx) : '';
    const g = this.group(path, `bytearray${ck}`, undefined, undefined, ck);
    if (this.companions.active) this.companions.commit(g.index, g.rows);
    g.addBytes(bytes, this.separator);
    this.table.push(ctx.offset, time, g.index);
  }

  /** A group per (path, schema, version, key and header schemas): `ck` is what companions.prepare() returned. */
  private group(path: string, schemaKey: string, schemaText: string | undefined, version: number | undefined, ck: string): RecordGroup {
    const gk = version === undefined ? `${path}\u0000${schemaKey}` : `${path}\u0000${schemaKey}\u0000${version}`;
    let g = this.groups.get(gk);
    if (!g) {
      g = new RecordGroup(this.groupList.length, path, schemaKey, schemaText, version);
      g.companionKey = ck;
      this.groups.set(gk, g);
      this.groupList.push(g);
    }
    return g;
  }

  /**
   * schema.compatibility compares versions: a value without one stops the
   * connector, as Confluent's StorageSchemaCompatibility does ("Schema version
   * required"); so does one without the Avro writer schema it is projected with.
   */
  private versionOf(schema: RecordSchema, ctx: RecordContext): number | undefined {
    const compat = `schema.compatibility=${this.plan.compatibility!.toUpperCase()}`;
    const where = `topic ${ctx.topic} partition ${ctx.partition} offset ${ctx.offset}`;
    // No schema, no version: as in Confluent, schemaless values are never compared (compat-versions.ts closes the file on a switch).
    if (!schema.fields) return undefined;
    // A transform-made schema: its Connect schema is built from the decoded one's, and carries its version as Connect's SMT does (compat-transformed.ts).
    const origin = transformOrigin(schema);
    if (avroWriterSchemaOf(origin) === undefined && !connectViewOf(origin)) {
      throw new SluiceError(
        `${where}: ${compat} needs the value's schema (registered Avro, Protobuf or JSON Schema, or a JsonConverter envelope's) and its version, and this value has none ` +
          `(${origin !== schema ? 'its schema was made by a transform from a schema without them' : 'it has no schema'}); use schema.compatibility=NONE`,
      );
    }
    try {
      connectSchemaText(schema);
    } catch (err) {
      throw new SluiceError(`${where}: ${compat} projects values on their Kafka Connect schemas, and this value's cannot be: ${(err as Error).message}; use schema.compatibility=NONE`);
    }
    const carried = carriedVersion(schema);
    if ('version' in carried) return carried.version;
    // A transform built it without a version (HoistField, ExtractField…): as in Connect, an error only where another schema meets it in a file.
    if ('droppedBy' in carried) return undefined;
    const from = carried.of;
    const version = declaredVersionOf(from) ?? schemaVersion(from, this.topic);
    // An envelope schema without "version": as in Confluent, an error only where another schema meets it in a file (rotation.ts).
    if (version === undefined && isEnvelopeView(from)) return undefined;
    if (version === undefined) {
      throw new SluiceError(
        `${where}: ${compat} needs the value schema's version, and it has none: the schema (${from.id}) is not registered under its value subject (${this.topic}-value with the default TopicNameStrategy) ` +
          'and has no connect.version (Kafka Connect: "Schema version required"); register it there or use schema.compatibility=NONE',
      );
    }
    return version;
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    if (this.plan.nullValues === 'write') {
      // As Confluent's TombstoneSupportedPartitioner: under tombstone.encoded.partition, key and header files only.
      const ck = this.companions.prepare(key, ctx);
      const g = this.group(routedPath(ctx.topic, this.topic, this.plan.tombstonePath ?? 'tombstone'), `tombstone${ck}`, undefined, undefined, ck);
      g.valueless = true;
      this.companions.commit(g.index, g.rows);
      g.addBinary(EMPTY);
      this.table.push(ctx.offset, ctx.timestamp, g.index);
      return;
    }
    if (this.plan.nullValues === 'fail') {
      throw new ConvertError('the value is null (a tombstone); set behavior.on.null.values=ignore to skip tombstones');
    }
  }

  discardCurrent(): void {
    // add() appends only after everything that can fail.
  }

  finish(): EncoderOutput {
    const n = this.table.rows;
    if (n === 0) return { output: null, outputBytes: 0, rows: 0, meta: { rows: 0, groups: [] } satisfies S3BatchMeta };
    const head = rowTableBytes(n);
    let total = head;
    for (const g of this.groupList) total += align8(g.byteLength);
    const companions = this.companions.finishAll(this.groupList.length);
    total += companions.bytes;
    const sab = new SharedArrayBuffer(total);
    this.table.writeTo(sab);
    const bytes = new Uint8Array(sab);
    const groups: ChunkMeta[] = [];
    let at = head;
    for (const g of this.groupList) {
      g.copyInto(bytes, at);
      const meta: ChunkMeta = { path: g.path, schemaKey: g.schemaKey, byteOffset: at, byteLength: g.byteLength, rows: g.rows };
      if (g.schemaText !== undefined) meta.schema = g.schemaText;
      if (g.version !== undefined) meta.version = g.version;
      if (g.companionKey) meta.companionKey = g.companionKey;
      if (g.valueless) meta.valueless = true;
      groups.push(meta);
      at += align8(g.byteLength);
    }
    for (let i = 0; i < groups.length; i++) at = placeParts(bytes, at, companions.parts[i]!, groups[i]!);
    this.groups = new Map();
    this.groupList = [];
    return { output: sab, outputBytes: total, rows: n, meta: { rows: n, groups } satisfies S3BatchMeta };
  }
}
