// Worker side of the PostgreSQL sink: records → PostgreSQL binary COPY tuples.
// A plan (the table's columns and where each one's value comes from) and a
// RecordSchema compile once into one writer per column; the per-record path
// only writes bytes. When the plan does not fit the data (a missing table,
// new fields, a type that needs widening) and auto.create/auto.evolve allow
// it, the encoder stops encoding, gathers the shapes of the whole batch and
// asks for a re-plan (ReplanNeeded from finish()).
import { ByteWriter } from '../../workers/byte-writer.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { ConvertError, describeValue, ReplanNeeded, requireStructValue, type EncoderOutput, type RecordContext, type WorkerEncoder } from '../../workers/encoder.js';
import { valueFieldAllowed, valueFields, type FieldRules } from './columns.js';
import { isPlainObject, SchemaInferrer } from './infer.js';
import { fitColumn } from './types.js';
import { valueWriter, type TextNulMode } from './values.js';
import type { DebeziumPlan } from './debezium.js';
import type { TableName } from './names.js';
export { PgEncoder } from './routing.js';

export { OID, ARRAY_OF, columnTypeSupported } from './types.js';
export { decimalString, writeNumeric, valueWriter } from './values.js';

/** Where a column's value comes from. */
export type ColumnSource =
  | { from: 'value'; field: string }
  | { from: 'key'; field: string }
  | { from: 'header'; name: string }
  | { from: 'kafka'; what: 'topic' | 'partition' | 'offset' };

export interface PgColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typeName: string;
  /** Element type of an array column, 0 otherwise. */
  readonly elemOid: number;
  readonly typmod: number;
  /** format_type(): the declaration, for staging tables and messages. */
  readonly sqlType: string;
  readonly notNull: boolean;
  /** Part of the key that upsert/update/delete match rows on. */
  readonly pk: boolean;
  readonly source: ColumnSource;
}

export interface PgPlan {
  /** Identifies this plan; travels in the output header so the writer knows the column list. */
  readonly id: number;
  readonly table: string;
  readonly columns: readonly PgColumn[];
  /** Tuples carry __sluice_seq (the offset) and __sluice_del (a tombstone) for a staging table. */
  readonly staged: boolean;
  /** delete.enabled: a tombstone becomes a delete tuple of the key columns. */
  readonly deletes: boolean;
  readonly textNul: TextNulMode;
  readonly rules: FieldRules;
  /** auto.create and no table yet: every record asks for a re-plan. */
  readonly missingTable: boolean;
  readonly autoEvolve: boolean;
  /** Debezium's JDBC sink: change-event envelopes are read (debezium.ts). */
  readonly debezium?: DebeziumPlan;
  /**
   * How a record's table is named (routing.ts): a record whose topic a
   * transform changed, or whose change event names another table, goes to
   * the table the format gives it. Absent: every record goes to `table`.
   */
  readonly naming?: { readonly format: string; readonly debezium: boolean };
  /** Plans of the other tables records of this topic have gone to, by quoted qualified name. */
  readonly routes?: Readonly<Record<string, PgPlan>>;
  /** No table of its own (collection.name.format with ${source.…}): every record is routed. */
  readonly noTable?: boolean;
}

/** What a worker sends back when the plan does not fit (structured-cloneable). */
export interface PgReplanRequest {
  readonly planId: number;
  /** Value schemas of the batch (schemaless batches: one inferred from the data). */
  readonly values: RecordSchema[];
  readonly keys: RecordSchema[];
  readonly partition: number;
  readonly offset: number;
}

/** Re-plans for a batch whose records go to several tables (routing.ts). */
export interface PgMultiReplanRequest {
  readonly multi: true;
  /** Tables records went to that the plan had no plan for. */
  readonly routes: readonly TableName[];
  /** Per table, what its plan lacks (auto.create / auto.evolve). */
  readonly tables: readonly PgReplanRequest[];
}

/** What an encoded batch tells the writer besides its tuples (EncoderOutput.meta). */
export interface PgBatchMeta {
  /** A truncate event: the table is emptied before this batch's tuples (which all came after it). */
  readonly truncate?: boolean;
  /** Tuples for other tables (routed records), each output with its own header and plan id. */
  readonly more?: readonly { readonly output: SharedArrayBuffer; readonly truncate?: boolean }[];
}

/**
 * Output = header (plan id, row tuples, delete tuples, tuple bytes), the COPY
 * tuples, then each tuple's Kafka offset (float64, in tuple order), so that a
 * row PostgreSQL rejects can be traced to its record.
 */
export const OUTPUT_HEADER_BYTES = 16;

export interface OutputHeader {
  planId: number;
  rows: number;
  deletes: number;
  tupleBytes: number;
}

export function readOutputHeader(output: SharedArrayBuffer): OutputHeader {
  const v = new DataView(output, 0, OUTPUT_HEADER_BYTES);
  return { planId: v.getInt32(0), rows: v.getInt32(4), deletes: v.getInt32(8), tupleBytes: v.getInt32(12) };
}

/** The COPY tuples of an encoded batch. */
export function outputTuples(output: SharedArrayBuffer, header: OutputHeader): Uint8Array {
  return new Uint8Array(output, OUTPUT_HEADER_BYTES, header.tupleBytes);
}

/** The Kafka offset of each tuple, in tuple order. */
export function outputTupleOffsets(output: SharedArrayBuffer, header: OutputHeader): Float64Array {
  const at = OUTPUT_HEADER_BYTES + header.tupleBytes;
  const n = header.rows + header.deletes;
  // Copied out: the tuples before them leave the offsets unaligned for a Float64Array view.
  return new Float64Array(output.slice(at, at + n * 8));
}

export const SEQ_COLUMN = '__sluice_seq';
export const DEL_COLUMN = '__sluice_del';
export const INFERRED_SCHEMA_ID = 'inferred';

type ColumnWriter = (w: ByteWriter, value: unknown, ctx: RecordContext) => void;
type RowEncoder = (w: ByteWriter, value: unknown, ctx: RecordContext) => void;

interface Compiled {
  encode: RowEncoder;
  /** Value fields with no column (schemaful data). */
  missing: string[];
  /** The plan needs DDL for this schema (auto.evolve): widen, add, relax NOT NULL. */
  needsReplan: boolean;
  /** Schemaless data: names the plan has columns for, or ignores (filters). */
  known?: Map<string, boolean>;
}

function keyGetter(field: string, single: boolean, keySchema: RecordSchema | undefined): (c: RecordContext) => unknown {
  if (keySchema?.scalar) {
    if (!single) return () => {
      throw new ConvertError(`the record key is a primitive but the key columns are several; pk.fields must name one column`);
    };
    return (c) => c.key;
  }
  // A key schema with fields (Avro record, Connect struct) needs a struct key.
  // Schemaless keys decide per record: an object is a struct, a primitive the
  // whole key, which only one key column can take.
  const structSchema = keySchema?.fields !== undefined;
  return (c) => {
    const k = c.key;
    if (k === null || k === undefined) throw new ConvertError(`the record has no key, and key column "${field}" (pk.mode=record_key) comes from it`);
    if (isPlainObject(k)) {
      if (!(field in k)) throw new ConvertError(`the record key has no field "${field}" (a key column, pk.mode=record_key)`);
      return k[field];
    }
    if (structSchema) throw new ConvertError(`the record key is ${describeValue(k)}, not the struct its schema describes (key column "${field}")`);
    if (Array.isArray(k)) throw new ConvertError(`the record key is ${describeValue(k)}: pk.mode=record_key needs a struct (object) key, or a primitive for one key column`);
    if (!single) throw new ConvertError(`the record key is ${describeValue(k)}, not an object: pk.fields names several key columns, so the key must be a struct (object) with those fields`);
    return k;
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The last header of that name, as text (pk.mode=record_header). */
function headerText(c: RecordContext, name: string): string | null {
  const hs = c.headers();
  for (let i = hs.length - 1; i >= 0; i--) {
    const h = hs[i]!;
    if (h.name !== name) continue;
    if (h.value === null) return null;
    try {
      return utf8.decode(h.value);
    } catch {
      throw new ConvertError(`header "${name}" (a key column, pk.mode=record_header) is not UTF-8 text`);
    }
  }
  return null;
}

function fieldTypeOf(schema: RecordSchema | undefined, name: string): FieldType {
  if (!schema?.fields) return { kind: 'any' };
  if (schema.scalar) return schema.fields[0]!.type;
  return schema.fields.find((f) => f.name === name)?.type ?? { kind: 'any' };
}

/** Compiles the writers of one (plan, value schema, key schema) combination. */
export function compileRowEncoder(plan: PgPlan, schema: RecordSchema, keySchema: RecordSchema | undefined): Compiled {
  const keyCols = plan.columns.filter((c) => c.source.from === 'key');
  const valueCols = plan.columns.filter((c) => c.source.from === 'value');
  const schemaless = !schema.fields;
  const byName = new Map((schema.fields ?? []).map((f) => [f.name, f]));
  const writers: ColumnWriter[] = plan.columns.map((col) => {
    const src = col.source;
    let fieldType: FieldType;
    let get: (value: unknown, ctx: RecordContext) => unknown;
    if (src.from === 'kafka') {
      get = src.what === 'topic' ? (_v, c) => c.topic : src.what === 'partition' ? (_v, c) => c.partition : (_v, c) => c.offset;
      fieldType = src.what === 'topic' ? { kind: 'string' } : { kind: 'int64' };
    } else if (src.from === 'header') {
      const name = src.name;
      get = (_v, c) => headerText(c, name);
      fieldType = { kind: 'string' };
    } else if (src.from === 'key') {
      const g = keyGetter(src.field, keyCols.length === 1, keySchema);
      get = (_v, c) => g(c);
      fieldType = keySchema?.scalar ? keySchema.fields![0]!.type : fieldTypeOf(keySchema, src.field);
    } else if (schema.scalar) {
      // A primitive value (StringConverter) goes to the column named "value".
      get = src.field === 'value' ? (v) => v : () => undefined;
      fieldType = schema.fields![0]!.type;
    } else {
      const name = src.field;
      get = (v) => (isPlainObject(v) ? v[name] : undefined);
      fieldType = byName.get(name)?.type ?? { kind: 'any' };
    }
    const write = valueWriter(col.typeOid, col.elemOid, fieldType, plan.textNul, col.name, col.typmod);
    const notNull = col.notNull;
    const colName = col.name;
    return (w, value, ctx) => {
      const v = get(value, ctx);
      if (v === null || v === undefined) {
        if (notNull) throw new ConvertError(`column "${colName}" is NOT NULL but the record has no value for it`);
        w.int32(-1);
        return;
      }
      const at = w.lengthSlot();
      write(w, v);
      w.patchLength(at);
    };
  });
  const n = writers.length;
  const staged = plan.staged;
  const encode: RowEncoder = (w, value, ctx) => {
    w.int16(staged ? n + 2 : n);
    for (let i = 0; i < n; i++) writers[i]!(w, value, ctx);
    if (staged) writeSeqDel(w, ctx.offset, false);
  };

  let missing: string[] = [];
  let needsReplan = false;
  let known: Map<string, boolean> | undefined;
  if (schemaless) {
    known = new Map();
    for (const c of plan.columns) known.set(c.name, true);
  } else {
    const taken = new Set(plan.columns.filter((c) => c.source.from !== 'value').map((c) => c.name));
    const cols = new Map(valueCols.map((c) => [c.name, c]));
    const fields = valueFields(plan.rules, schema, taken);
    missing = fields.filter((f) => f.type.kind !== 'null' && !cols.has(f.name)).map((f) => f.name);
    if (plan.autoEvolve) {
      needsReplan = missing.length > 0;
      const inSchema = new Set(fields.map((f) => f.name));
      for (const f of fields) {
        const col = cols.get(f.name);
        if (!col) continue;
        if (fitColumn(col, f.type).kind !== 'ok') needsReplan = true;
        if (f.optional && col.notNull && !col.pk) needsReplan = true;
      }
      // A NOT NULL column the schema no longer has: relax it rather than fail every record.
      for (const c of valueCols) if (c.notNull && !c.pk && !inSchema.has(c.name) && !schema.scalar) needsReplan = true;
      if (keySchema?.fields && !keySchema.scalar) {
        for (const c of keyCols) {
          const f = keySchema.fields.find((x) => x.name === (c.source as { field: string }).field);
          if (f && fitColumn(c, f.type).kind !== 'ok') needsReplan = true;
        }
      } else if (keySchema?.scalar && keyCols.length === 1 && fitColumn(keyCols[0]!, keySchema.fields![0]!.type).kind !== 'ok') {
        needsReplan = true;
      }
    }
  }
  return { encode, missing, needsReplan, known };
}

function writeSeqDel(w: ByteWriter, offset: number, del: boolean): void {
  w.int32(8);
  w.int64(offset);
  w.int32(1);
  w.byte(del ? 1 : 0);
}

/** A delete tuple: the key columns from the record key, NULL elsewhere. */
export function compileDeleteEncoder(plan: PgPlan, keySchema: RecordSchema | undefined): RowEncoder {
  const keyCols = plan.columns.filter((c) => c.source.from === 'key');
  const writers: (ColumnWriter | null)[] = plan.columns.map((col) => {
    if (col.source.from !== 'key') return null;
    const g = keyGetter(col.source.field, keyCols.length === 1, keySchema);
    const ft = keySchema?.scalar ? keySchema.fields![0]!.type : fieldTypeOf(keySchema, col.source.field);
    const write = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod);
    const name = col.name;
    return (w, _value, ctx) => {
      const v = g(ctx);
      if (v === null || v === undefined) throw new ConvertError(`tombstone's key has no value for key column "${name}"; cannot tell which row to delete`);
      const at = w.lengthSlot();
      write(w, v);
      w.patchLength(at);
    };
  });
  const n = writers.length;
  return (w, value, ctx) => {
    w.int16(n + 2);
    for (let i = 0; i < n; i++) {
      const wr = writers[i];
      if (wr) wr(w, value, ctx);
      else w.int32(-1);
    }
    writeSeqDel(w, ctx.offset, true);
  };
}

/** Gathers what a re-plan needs from every record of the batch. */
class ReplanCollector {
  private readonly values = new Map<string, RecordSchema>();
  private readonly keys = new Map<string, RecordSchema>();
  private readonly inferredValue = new SchemaInferrer();
  private readonly inferredKey = new SchemaInferrer();

  constructor(
    private readonly planId: number,
    private readonly partition: number,
    private readonly offset: number,
  ) {}

  add(value: Decoded | undefined, key: Decoded | undefined): void {
    if (value) {
      if (value.schema.fields) this.values.set(value.schema.id, value.schema);
      else this.inferredValue.add(value.value);
    }
    if (key) {
      if (key.schema.fields) this.keys.set(key.schema.id, key.schema);
      else this.inferredKey.add(key.value);
    }
  }

  request(): PgReplanRequest {
    const values = [...this.values.values()];
    if (!this.inferredValue.empty) values.push(this.inferredValue.schema());
    const keys = [...this.keys.values()];
    if (!this.inferredKey.empty) keys.push(this.inferredKey.schema());
    return { planId: this.planId, values, keys, partition: this.partition, offset: this.offset };
  }
}

/** Worker half of the PostgreSQL sink for one table: binary COPY tuples into one reusable buffer (routing.ts picks the table). */
export class TableEncoder implements WorkerEncoder<PgPlan> {
  private readonly writer = new ByteWriter(4 << 20);
  private readonly compiled = new Map<string, Compiled>();
  private readonly deleteEncoders = new Map<string, RowEncoder>();
  private plan!: PgPlan;
  private partition = 0;
  private lastSchema: RecordSchema | undefined;
  private lastKeySchema: RecordSchema | undefined;
  private current: Compiled | undefined;
  private rows = 0;
  private deletes = 0;
  private rowStart = 0;
  private collector: ReplanCollector | undefined;
  /** Kafka offset of each tuple written so far. */
  private tupleOffsets = new Float64Array(1024);
  /** A truncate event was met: the tuples so far were dropped, the table is emptied first. */
  private truncated = false;

  needsKeys(plan: PgPlan): boolean {
    return plan.deletes || plan.rules.pkMode === 'record_key' || plan.columns.some((c) => c.source.from === 'key');
  }

  begin(plan: PgPlan, _topic: string, partition: number): void {
    this.plan = plan;
    this.truncated = false;
    this.partition = partition;
    this.writer.reset();
    this.writer.pos = OUTPUT_HEADER_BYTES;
    this.rows = 0;
    this.deletes = 0;
    this.current = undefined;
    this.lastSchema = undefined;
    this.lastKeySchema = undefined;
    this.collector = undefined;
    if (this.compiled.size > 256) this.compiled.clear();
  }

  private collect(value: Decoded | undefined, key: Decoded | undefined, ctx: RecordContext): void {
    this.collector ??= new ReplanCollector(this.plan.id, this.partition, ctx.offset);
    this.collector.add(value, key);
  }

  private compiledFor(value: Decoded, key: Decoded | undefined): Compiled {
    if (value.schema !== this.lastSchema || key?.schema !== this.lastKeySchema || !this.current) {
      const cacheKey = `${this.plan.id}|${value.schema.id}|${key?.schema.id ?? ''}`;
      let c = this.compiled.get(cacheKey);
      if (!c) {
        c = compileRowEncoder(this.plan, value.schema, key?.schema);
        this.compiled.set(cacheKey, c);
      }
      this.current = c;
      this.lastSchema = value.schema;
      this.lastKeySchema = key?.schema;
    }
    return this.current;
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    this.addRow(value, key, ctx);
  }

  truncate(): void {
    if (this.collector || this.plan.missingTable) return;
    // Everything before the truncate in this batch is emptied by it: drop those tuples.
    this.writer.pos = OUTPUT_HEADER_BYTES;
    this.rowStart = this.writer.pos;
    this.rows = 0;
    this.deletes = 0;
    this.truncated = true;
  }

  addRow(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    // Before anything can throw: discardCurrent() rewinds to here.
    this.rowStart = this.writer.pos;
    // A row is made from an object; a primitive *schema* goes to the column "value".
    if (!value.schema.scalar) requireStructValue(value.value, 'a table row needs');
    if (this.collector || this.plan.missingTable) return this.collect(value, key, ctx);
    const c = this.compiledFor(value, key);
    if (c.needsReplan) return this.collect(value, key, ctx);
    if (c.missing.length > 0) throw this.missingFields(c.missing);
    if (c.known) {
      const extra = this.unknownFields(c.known, value.value);
      if (extra) {
        if (this.plan.autoEvolve) return this.collect(value, key, ctx);
        throw this.missingFields(extra);
      }
    }
    this.rowStart = this.writer.pos;
    try {
      c.encode(this.writer, value.value, ctx);
    } catch (err) {
      this.writer.pos = this.rowStart;
      if (err instanceof RangeError || err instanceof TypeError) throw new ConvertError(err.message);
      // Schemaless data that outgrew a column's type (a fraction in an integer column): widen it.
      if (err instanceof ConvertError && c.known && this.plan.autoEvolve && this.widensSchemaless(value.value)) return this.collect(value, key, ctx);
      throw err;
    }
    this.noteTuple(ctx.offset);
    this.rows++;
  }

  private noteTuple(offset: number): void {
    const i = this.rows + this.deletes;
    if (i === this.tupleOffsets.length) {
      const grown = new Float64Array(i * 2);
      grown.set(this.tupleOffsets);
      this.tupleOffsets = grown;
    }
    this.tupleOffsets[i] = offset;
  }

  private missingFields(names: string[]): ConvertError {
    const list = names.map((n) => `"${n}"`).join(', ');
    return new ConvertError(`table ${this.plan.table} is missing fields ${list} of this record; add the columns, or set auto.evolve=true`);
  }

  /** Keys of a schemaless record with a value and no column (null-only fields need no column yet). */
  private unknownFields(known: Map<string, boolean>, v: unknown): string[] | undefined {
    if (!isPlainObject(v)) return undefined;
    let extra: string[] | undefined;
    for (const k in v) {
      let isKnown = known.get(k);
      if (isKnown === undefined) {
        // Not a column: fine if the filters leave it out anyway.
        isKnown = !valueFieldAllowed(this.plan.rules, k);
        if (known.size < 10_000) known.set(k, isKnown);
      }
      if (!isKnown && v[k] !== null && v[k] !== undefined) (extra ??= []).push(k);
    }
    return extra;
  }

  private widensSchemaless(v: unknown): boolean {
    const inf = new SchemaInferrer();
    inf.add(v);
    const schema = inf.schema();
    const cols = new Map(this.plan.columns.map((c) => [c.name, c]));
    return (schema.fields ?? []).some((f) => {
      const col = cols.get(f.name);
      return col !== undefined && fitColumn(col, f.type, true).kind === 'widen';
    });
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    this.deleteByKey(key, ctx, 'tombstone (null value)');
  }

  deleteByKey(key: Decoded | undefined, ctx: RecordContext, what: string): void {
    this.rowStart = this.writer.pos;
    if (!this.plan.deletes) return;
    if (this.collector) return this.collect(undefined, key, ctx);
    // No table yet: nothing to delete.
    if (this.plan.missingTable) return;
    if (!key || ctx.key === null || ctx.key === undefined) {
      throw new ConvertError(`${what} without a key: delete.enabled needs the key to find the row`);
    }
    const cacheKey = `${this.plan.id}|${key.schema.id}`;
    let enc = this.deleteEncoders.get(cacheKey);
    if (!enc) {
      enc = compileDeleteEncoder(this.plan, key.schema);
      this.deleteEncoders.set(cacheKey, enc);
    }
    this.rowStart = this.writer.pos;
    try {
      enc(this.writer, null, ctx);
    } catch (err) {
      this.writer.pos = this.rowStart;
      if (err instanceof RangeError || err instanceof TypeError) throw new ConvertError(err.message);
      throw err;
    }
    this.noteTuple(ctx.offset);
    this.deletes++;
  }

  discardCurrent(): void {
    this.writer.pos = this.rowStart;
  }

  finish(): EncoderOutput {
    const req = this.takeReplan();
    if (req) throw new ReplanNeeded(req);
    return this.output();
  }

  /** What a re-plan needs, when records did not fit the plan; clears it. */
  takeReplan(): PgReplanRequest | undefined {
    const req = this.collector?.request();
    this.collector = undefined;
    return req;
  }

  /** The encoded tuples (call takeReplan() first). */
  output(): EncoderOutput {
    const w = this.writer;
    const meta: PgBatchMeta | undefined = this.truncated ? { truncate: true } : undefined;
    if (this.rows + this.deletes === 0 && !meta) return { output: null, outputBytes: 0, rows: 0 };
    const tuples = this.rows + this.deletes;
    const outputBytes = w.pos + tuples * 8;
    const output = new SharedArrayBuffer(outputBytes);
    const bytes = new Uint8Array(output);
    bytes.set(w.buf.subarray(0, w.pos));
    bytes.set(new Uint8Array(this.tupleOffsets.buffer, 0, tuples * 8), w.pos);
    const view = new DataView(output);
    view.setInt32(0, this.plan.id);
    view.setInt32(4, this.rows);
    view.setInt32(8, this.deletes);
    view.setInt32(12, w.pos - OUTPUT_HEADER_BYTES);
    return meta ? { output, outputBytes, rows: this.rows, meta } : { output, outputBytes, rows: this.rows };
  }
}
