// Worker side of the S3 Parquet sink: decoded records → Arrow columns, one
// group per (partitioner path, schema), each returned as Arrow IPC bytes. A
// worker keeps nothing between tasks (Piscina may hand the next batch of the
// partition to another thread); files are assembled on the main thread from
// these chunks and written to Parquet by file-task.ts.
import { routedPath } from '../../transforms/routing.js';
import { Field as ArrowField, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, type Data } from 'apache-arrow';
import type { Decoded } from '../../workers/decode/decoders.js';
import type { Field, FieldType, RecordSchema } from '../../workers/schema.js';
import { requireStructValue, type EncoderOutput, type RecordContext, type WorkerEncoder } from '../../workers/encoder.js';
import { ConvertError } from '../../errors.js';
import { Builder, builderFor, Misfit, recordBuilder, type StructBuilder } from './columns.js';
import { align8, rowTableBytes, RowTableWriter, type ChunkMeta, type S3BatchMeta } from './layout.js';
import { Partitioner, type PartitionerSpec } from './partitioner.js';
import { arrowField } from './arrow-types.js';
import { AvroRow } from './avro-columns.js';
import { fieldKey, inferParquetType, mergeParquetTypes, typeKey } from './types.js';
import { CompanionRows, placeParts, type CompanionFormat } from './companions.js';
import type { Compatibility } from './compatibility.js';

export interface S3Plan {
  /** Changes whenever anything below changes (workers cache by it). */
  readonly key: string;
  readonly partitioner: PartitionerSpec;
  readonly storeKey: boolean;
  readonly storeHeaders: boolean;
  readonly storeMetadata: boolean;
  readonly nullValues: 'fail' | 'ignore' | 'write';
  /** store.kafka.keys / store.kafka.headers: the formats of Confluent's key and header files (companions.ts). */
  readonly keyFiles?: CompanionFormat;
  readonly headerFiles?: CompanionFormat;
  /** behavior.on.null.values=write: the path tombstones go under (tombstone.encoded.partition). */
  readonly tombstonePath?: string;
  /** format.class or keys.format.class=ByteArrayFormat: format.bytearray.separator. */
  readonly byteArraySeparator?: string;
  /** Schemaless topics: the widest record type seen so far (a record). */
  readonly inferred: FieldType;
  /** Output format (absent: Parquet); JsonFormat, AvroFormat and ByteArrayFormat are encoded by record-encoding.ts. */
  readonly format?: 'parquet' | 'json' | 'avro' | 'bytearray';
  /** JsonFormat: json.decimal.format. */
  readonly decimalFormat?: 'base64' | 'numeric';
  /**
   * schema.compatibility BACKWARD/FORWARD/FULL with Avro values: every format
   * is encoded as Avro rows of each record's own schema (record-encoding.ts),
   * which compat-file-task.ts projects and writes in the output format.
   */
  readonly compatibility?: Compatibility;
}

const MAX_SPARE_PER_LAYOUT = 32;

const KAFKA_COLUMNS = {
  key: '__kafka_key',
  headers: '__kafka_headers',
  topic: '__kafka_topic',
  partition: '__kafka_partition',
  offset: '__kafka_offset',
  timestamp: '__kafka_timestamp',
} as const;

const HEADERS_TYPE: FieldType = {
  kind: 'array',
  itemsOptional: false,
  items: { kind: 'record', fields: [{ name: 'key', type: { kind: 'string' }, optional: false }, { name: 'value', type: { kind: 'bytes' }, optional: true }] },
};

/** The columns of one group: the value's, then the Kafka ones the plan asks for. */
interface Layout {
  readonly schemaKey: string;
  readonly schema: Schema;
  readonly scalar: boolean;
  readonly valueFields: readonly Field[];
  readonly keyType?: FieldType;
}

function keyTypeOf(schema: RecordSchema | undefined): FieldType {
  if (!schema?.fields) return { kind: 'any' };
  if (schema.scalar) return schema.fields[0]!.type;
  return { kind: 'record', fields: schema.fields };
}

function makeLayout(plan: S3Plan, valueFields: readonly Field[], scalar: boolean, keySchema: RecordSchema | undefined, schemaKey: string): Layout {
  const fields: Field[] = [...valueFields];
  let keyType: FieldType | undefined;
  if (plan.storeKey) {
    keyType = keyTypeOf(keySchema);
    fields.push({ name: KAFKA_COLUMNS.key, type: keyType, optional: true });
  }
  if (plan.storeHeaders) fields.push({ name: KAFKA_COLUMNS.headers, type: HEADERS_TYPE, optional: false });
  if (plan.storeMetadata) {
    fields.push(
      { name: KAFKA_COLUMNS.topic, type: { kind: 'string' }, optional: false },
      { name: KAFKA_COLUMNS.partition, type: { kind: 'int32' }, optional: false },
      { name: KAFKA_COLUMNS.offset, type: { kind: 'int64' }, optional: false },
      { name: KAFKA_COLUMNS.timestamp, type: { kind: 'timestamp-millis' }, optional: false },
    );
  }
  return { schemaKey, schema: new Schema(fields.map(arrowField)), scalar, valueFields, keyType };
}

class Group {
  rows = 0;
  /** Its key in the encoder's groups, and what its key and header rows add to its schema key (companions.ts). */
  gk = '';
  ck = '';
  /** behavior.on.null.values=write: tombstones, key and header rows only. */
  valueless = false;
  /** Where the encoder keeps it between batches: its layout and mode (builders do not depend on the path). */
  spareKey = '';
  readonly value: Builder;
  readonly key?: Builder;
  readonly headers?: Builder;
  readonly meta?: { topic: Builder; partition: Builder; offset: Builder; timestamp: Builder };

  constructor(
    public index: number,
    public path: string,
    readonly layout: Layout,
    plan: S3Plan,
    readonly mode: 'strict' | 'infer',
  ) {
    const l = layout;
    this.value = l.scalar ? builderFor(l.valueFields[0]!.type, l.valueFields[0]!.name, l.valueFields[0]!.optional, mode) : recordBuilder(l.valueFields, '', false, mode);
    if (plan.storeKey) this.key = builderFor(l.keyType!, KAFKA_COLUMNS.key, true, 'strict');
    if (plan.storeHeaders) this.headers = builderFor(HEADERS_TYPE, KAFKA_COLUMNS.headers, false, 'strict');
    if (plan.storeMetadata) {
      this.meta = {
        topic: builderFor({ kind: 'string' }, KAFKA_COLUMNS.topic, false, 'strict'),
        partition: builderFor({ kind: 'int32' }, KAFKA_COLUMNS.partition, false, 'strict'),
        offset: builderFor({ kind: 'int64' }, KAFKA_COLUMNS.offset, false, 'strict'),
        timestamp: builderFor({ kind: 'timestamp-millis' }, KAFKA_COLUMNS.timestamp, false, 'strict'),
      };
    }
  }

  append(value: unknown, key: unknown, headers: { name: string; value: Uint8Array | null }[] | undefined, ctx: RecordContext): void {
    this.value.append(value);
    this.key?.append(key);
    if (this.headers) this.headers.append((headers ?? []).map((h) => ({ key: h.name, value: h.value })));
    if (this.meta) {
      this.meta.topic.append(ctx.topic);
      this.meta.partition.append(ctx.partition);
      this.meta.offset.append(ctx.offset);
      this.meta.timestamp.append(ctx.timestamp);
    }
    this.rows++;
  }

  /** Ready for another batch, keeping the builders' buffers. */
  reuse(index: number, path: string): Group {
    this.index = index;
    this.path = path;
    this.rows = 0;
    for (const b of this.builders()) b.reset();
    return this;
  }

  /** Drops whatever a failed append left behind. */
  rollback(): void {
    for (const b of this.builders()) b.truncate(this.rows);
  }

  private builders(): Builder[] {
    const out = [this.value];
    if (this.key) out.push(this.key);
    if (this.headers) out.push(this.headers);
    if (this.meta) out.push(this.meta.topic, this.meta.partition, this.meta.offset, this.meta.timestamp);
    return out;
  }

  ipc(): Uint8Array {
    const children: Data[] = this.layout.scalar ? [this.value.finish()] : (this.value as StructBuilder).finishChildren();
    for (const b of this.builders().slice(1)) children.push(b.finish());
    const schema = this.layout.schema;
    const data = makeData({ type: new Struct(schema.fields as ArrowField[]), length: this.rows, nullCount: 0, children });
    return tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
  }
}

/** What a schemaless record needs to be appended again after the schema widened. */
interface Kept {
  row: number;
  value: unknown;
  key: unknown;
  headers?: { name: string; value: Uint8Array | null }[];
  offset: number;
  timestamp: number;
}

export class S3ParquetEncoder implements WorkerEncoder<S3Plan> {
  private plan!: S3Plan;
  private topic = '';
  private partitioner?: Partitioner;
  private partitionerKey = '';
  private readonly layouts = new Map<string, Layout>();
  private groups = new Map<string, Group>();
  private groupList: Group[] = [];
  /** Groups of earlier batches by layout, reused with their grown buffers; as many as one batch needed. */
  private spare = new Map<string, Group[]>();
  private current?: Group;
  /** The last typed record's group: most records of a batch share it. */
  private last?: { path: string; schema: RecordSchema; keySchema: RecordSchema | undefined; ck: string; group: Group };
  /** store.kafka.keys / store.kafka.headers: each group's key and header rows. */
  private readonly companions = new CompanionRows();
  private readonly table = new RowTableWriter();
  /** Schemaless: the batch's schema (the plan's, widened by what the batch holds). */
  private inferred?: FieldType;
  private inferredLayout?: Layout;
  private kept: Kept[] = [];
  private widened = false;
  /** A null key keeps the key column's type of the keys before it. */
  private readonly lastKeySchema = new Map<string, RecordSchema>();

  needsKeys(plan: S3Plan): boolean {
    return plan.storeKey || plan.keyFiles !== undefined;
  }

  begin(plan: S3Plan, topic: string, _partition: number): void {
    this.plan = plan;
    this.topic = topic;
    const pk = JSON.stringify(plan.partitioner);
    if (!this.partitioner || pk !== this.partitionerKey) {
      this.partitioner = new Partitioner(plan.partitioner);
      this.partitionerKey = pk;
    }
    if (this.layouts.size > 256) this.layouts.clear();
    if (this.spare.size > 16) this.spare.clear();
    this.groups = new Map();
    this.groupList = [];
    this.current = undefined;
    this.last = undefined;
    this.table.rows = 0;
    this.inferred = undefined;
    this.inferredLayout = undefined;
    this.kept = [];
    this.widened = false;
    this.companions.begin({ keys: plan.keyFiles, headers: plan.headerFiles, decimalFormat: plan.decimalFormat, byteArraySeparator: plan.byteArraySeparator });
  }

  /** Appends a record's key and header rows, then its value row (append); a failure leaves neither. */
  private withCompanions(group: Group, append: () => void): void {
    if (!this.companions.active) return append();
    const rows = group.rows;
    this.companions.commit(group.index, rows);
    try {
      append();
    } catch (err) {
      this.companions.truncate(group.index, rows);
      throw err;
    }
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    this.current = undefined;
    const schemaless = !value.schema.fields;
    const v = value.value;
    // Columns are made from an object's fields; a primitive *schema* (StringConverter,
    // an Avro/Connect primitive) is one column "value". A schemaless array or
    // scalar is not wrapped into one: among objects it would be a row of NULLs.
    if (!value.schema.scalar) requireStructValue(v, 'Parquet columns need');
    const path = routedPath(ctx.topic, this.topic, this.partitioner!.path(v, value.schema, ctx));
    const time = this.partitioner!.lastTime;
    let keySchema = key?.schema;
    if (this.plan.storeKey) {
      if (keySchema) this.lastKeySchema.set(this.topic, keySchema);
      else keySchema = this.lastKeySchema.get(this.topic);
    }
    const headers = this.plan.storeHeaders ? ctx.headers() : undefined;
    const keyValue = key?.value ?? null;
    const ck = this.companions.active ? this.companions.prepare(key, ctx) : '';
    if (schemaless) {
      const first = this.groupFor(path, this.schemalessLayout(keySchema), 'infer', ck);
      this.withCompanions(first, () => this.addSchemaless(path, v, keyValue, keySchema, headers, ctx, ck));
    } else {
      const l = this.last;
      let group: Group;
      if (l && l.path === path && l.schema === value.schema && l.keySchema === keySchema && l.ck === ck) group = l.group;
      else {
        group = this.groupFor(path, this.typedLayout(value.schema, keySchema), 'strict', ck);
        this.last = { path, schema: value.schema, keySchema, ck, group };
      }
      this.current = group;
      this.withCompanions(group, () => group.append(v, keyValue, headers, ctx));
    }
    this.table.push(ctx.offset, time, this.current!.index);
  }


  private groupFor(path: string, layout: Layout, mode: 'strict' | 'infer', ck = ''): Group {
    const gk = mode === 'infer' ? `${path}${ck ? `\u0000${ck}` : ''}` : `${path}\u0000${layout.schemaKey}${ck}`;
    let g = this.groups.get(gk);
    if (!g) {
      const sk = this.spareKey(mode, layout);
      const old = this.spare.get(sk)?.pop();
      g = old && old.layout === layout ? old.reuse(this.groupList.length, path) : new Group(this.groupList.length, path, layout, this.plan, mode);
      g.spareKey = sk;
      g.gk = gk;
      g.ck = ck;
      this.groups.set(gk, g);
      this.groupList.push(g);
    }
    return g;
  }

  private spareKey(mode: 'strict' | 'infer', layout: Layout): string {
    return `${mode}\u0000${layout.schemaKey}\u0000${this.plan.key}`;
  }

  private typedLayout(schema: RecordSchema, keySchema: RecordSchema | undefined): Layout {
    const lk = `${this.plan.key}\u0000${schema.id}\u0000${keySchema?.id ?? ''}`;
    let l = this.layouts.get(lk);
    if (!l) {
      const fields = schema.fields!;
      const key = `${schema.scalar ? 'scalar' : 'record'}<${fields.map(fieldKey).join(',')}>|${this.kafkaColumnsKey(keySchema)}`;
      l = makeLayout(this.plan, fields, !!schema.scalar, keySchema, key);
      this.layouts.set(lk, l);
    }
    return l;
  }

  private kafkaColumnsKey(keySchema: RecordSchema | undefined): string {
    const p = this.plan;
    return `${p.storeKey ? `key:${typeKey(keyTypeOf(keySchema))}` : ''}${p.storeHeaders ? ',headers' : ''}${p.storeMetadata ? ',meta' : ''}`;
  }

  private schemalessLayout(keySchema: RecordSchema | undefined): Layout {
    if (!this.inferredLayout) {
      const t = this.inferred ?? this.plan.inferred;
      this.inferred = t;
      const fields = t.kind === 'record' ? t.fields : [];
      this.inferredLayout = makeLayout(this.plan, fields, false, keySchema, `record<${fields.map(fieldKey).join(',')}>|${this.kafkaColumnsKey(keySchema)}`);
    }
    return this.inferredLayout;
  }

  private addSchemaless(path: string, v: unknown, key: unknown, keySchema: RecordSchema | undefined, headers: Kept['headers'], ctx: RecordContext, ck: string): void {
    for (let attempt = 0; ; attempt++) {
      const group = this.groupFor(path, this.schemalessLayout(keySchema), 'infer', ck);
      this.current = group;
      try {
        group.append(v, key, headers, ctx);
        this.kept.push({ row: this.table.rows, value: v, key, headers, offset: ctx.offset, timestamp: ctx.timestamp });
        return;
      } catch (err) {
        if (!(err instanceof Misfit)) throw err;
        group.rollback();
        const wider = mergeParquetTypes(this.inferred!, inferParquetType(v));
        if (typeKey(wider) === typeKey(this.inferred!) || attempt > 3) {
          throw new ConvertError(`value does not fit the inferred schema (${err.message})`);
        }
        this.widen(wider, keySchema, ctx);
      }
    }
  }

  /** The schema grew: build every group of this batch again with the wider one. */
  private widen(wider: FieldType, keySchema: RecordSchema | undefined, ctx: RecordContext): void {
    this.inferred = wider;
    this.inferredLayout = undefined;
    this.widened = true;
    const layout = this.schemalessLayout(keySchema);
    for (let i = 0; i < this.groupList.length; i++) {
      const old = this.groupList[i]!;
      if (old.mode !== 'infer') continue;
      const g = new Group(i, old.path, layout, this.plan, 'infer');
      g.spareKey = this.spareKey('infer', layout);
      g.gk = old.gk;
      g.ck = old.ck;
      this.groupList[i] = g;
      this.groups.set(old.gk, g);
    }
    const rctx: RecordContext = { ...ctx };
    for (const k of this.kept) {
      const g = this.groupList[this.table.groupOf(k.row)]!;
      rctx.offset = k.offset;
      rctx.timestamp = k.timestamp;
      g.append(k.value, k.key, k.headers, rctx);
    }
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    if (this.plan.nullValues === 'write') {
      // As Confluent's TombstoneSupportedPartitioner: under tombstone.encoded.partition, key and header files only.
      this.current = undefined;
      const ck = this.companions.prepare(key, ctx);
      const lk = `${this.plan.key}\u0000tombstone`;
      let layout = this.layouts.get(lk);
      if (!layout) this.layouts.set(lk, (layout = makeLayout(this.plan, [], false, undefined, 'tombstone')));
      const group = this.groupFor(routedPath(ctx.topic, this.topic, this.plan.tombstonePath ?? 'tombstone'), layout, 'strict', ck);
      group.valueless = true;
      this.current = group;
      this.withCompanions(group, () => group.append({}, null, [], ctx));
      this.table.push(ctx.offset, ctx.timestamp, group.index);
      return;
    }
    if (this.plan.nullValues === 'fail') {
      throw new ConvertError('the value is null (a tombstone); Parquet rows need a value (set behavior.on.null.values=ignore to skip tombstones)');
    }
  }

  discardCurrent(): void {
    this.current?.rollback();
    this.current = undefined;
  }

  /** Avro rows of the value schemas met (null: a schema AvroRow does not cover). */
  private readonly avroRows = new WeakMap<RecordSchema, AvroRow | null>();

  /**
   * A record straight from its Avro bytes: add() with an AvroRow for value,
   * which appends its fields without a JS object (avro-columns.ts). False,
   * with nothing added, when add() must have the decoded record: a
   * partitioner that reads the value's fields, bad bytes, a value that fails.
   */
  addAvro(bytes: Uint8Array, schema: RecordSchema, key: Decoded | undefined, ctx: RecordContext): boolean {
    const p = this.plan.partitioner;
    if (p.kind === 'field' || (p.kind === 'time' && p.extractor === 'RecordField')) return false;
    let row = this.avroRows.get(schema);
    if (row === undefined) this.avroRows.set(schema, (row = AvroRow.of(schema)));
    if (!row || !row.read(bytes)) return false;
    try {
      this.add({ value: row, schema }, key, ctx);
      return true;
    } catch {
      // The decoded record meets the same failure, and the worker reports it.
      this.discardCurrent();
      return false;
    }
  }

  finish(): EncoderOutput {
    const n = this.table.rows;
    if (n === 0) return { output: null, outputBytes: 0, rows: 0, meta: { rows: 0, groups: [] } satisfies S3BatchMeta };
    const ipcs = this.groupList.map((g) => (g.valueless ? new Uint8Array(0) : g.ipc()));
    const head = rowTableBytes(n);
    let total = head;
    for (const b of ipcs) total += align8(b.length);
    const companions = this.companions.finishAll(ipcs.length);
    total += companions.bytes;
    const sab = new SharedArrayBuffer(total);
    this.table.writeTo(sab);
    const bytes = new Uint8Array(sab);
    const groups: ChunkMeta[] = [];
    let at = head;
    for (let i = 0; i < ipcs.length; i++) {
      const b = ipcs[i]!;
      bytes.set(b, at);
      const g = this.groupList[i]!;
      const chunk: ChunkMeta = { path: g.path, schemaKey: g.layout.schemaKey + g.ck, byteOffset: at, byteLength: b.length, rows: g.rows };
      if (g.ck) chunk.companionKey = g.ck;
      if (g.valueless) chunk.valueless = true;
      groups.push(chunk);
      at += align8(b.length);
    }
    for (let i = 0; i < ipcs.length; i++) at = placeParts(bytes, at, companions.parts[i]!, groups[i]!);
    const meta: S3BatchMeta = { rows: n, groups };
    if (this.widened) meta.widened = this.inferred;
    // Everything is copied into the output: the builders can take the next batch.
    for (const g of this.groupList) {
      let list = this.spare.get(g.spareKey);
      if (!list) this.spare.set(g.spareKey, (list = []));
      // Many paths in one batch (field partitioner): keep a few, not all.
      if (list.length < MAX_SPARE_PER_LAYOUT) list.push(g);
    }
    this.groups = new Map();
    this.groupList = [];
    this.kept = [];
    this.last = undefined;
    return { output: sab, outputBytes: total, rows: n, meta };
  }
}
