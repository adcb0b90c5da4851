// The PostgreSQL worker encoder for one table: records → binary COPY tuples
// (row-encoders.ts) in one reusable buffer, written out in the output format
// of protocol.ts. When the plan does not fit the data (a missing table, new
// fields, a type that needs widening) and auto.create/auto.evolve allow it,
// the encoder stops encoding, gathers the shapes of the whole batch and asks
// for a re-plan (ReplanNeeded from finish()). encoding.ts picks each record's
// table.
import { ByteWriter } from '../../workers/byte-writer.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import type { RecordSchema } from '../../workers/schema.js';
import { isStruct, requireStructValue, type EncoderOutput, type RecordContext, type WorkerEncoder } from '../../workers/encoder.js';
import { ConvertError, ReplanNeeded } from '../../errors.js';
import { valueFieldAllowed } from './columns.js';
import { TableSchemaInferrer } from './infer.js';
import { OUTPUT_HEADER_BYTES, writeOutputHeader, type PgBatchMeta, type PgPlan, type PgReplanRequest } from './protocol.js';
import { compileDeleteEncoder, compileRowEncoder, type Compiled, type RowEncoder } from './row-encoders.js';
import { fitColumn } from './types.js';
import { compileAvroCopy } from './avro-copy.js';

/** Gathers what a re-plan needs from every record of the batch. */
class ReplanCollector {
  private readonly values = new Map<string, RecordSchema>();
  private readonly keys = new Map<string, RecordSchema>();
  private readonly inferredValue = new TableSchemaInferrer();
  private readonly inferredKey = new TableSchemaInferrer();

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

/** Worker half of the PostgreSQL sink for one table: binary COPY tuples into one reusable buffer (encoding.ts picks the table). */
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
  /** Absent-column runs (protocol.ts AbsentRuns), only once a tuple lacked a column. */
  private absentSets: number[][] = [];
  private absentKeys = new Map<string, number>();
  private absentRuns: number[] = [];
  private absentNow = -1;
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
    this.resetAbsent();
    if (this.compiled.size > 256) this.compiled.clear();
  }

  private collect(value: Decoded | undefined, key: Decoded | undefined, ctx: RecordContext): void {
    this.collector ??= new ReplanCollector(this.plan.id, this.partition, ctx.offset);
    this.collector.add(value, key);
  }

  private compiledFor(schema: RecordSchema, keySchema: RecordSchema | undefined): Compiled {
    if (schema !== this.lastSchema || keySchema !== this.lastKeySchema || !this.current) {
      const cacheKey = `${this.plan.id}|${schema.id}|${keySchema?.id ?? ''}`;
      let c = this.compiled.get(cacheKey);
      if (!c) {
        c = compileRowEncoder(this.plan, schema, keySchema);
        this.compiled.set(cacheKey, c);
      }
      this.current = c;
      this.lastSchema = schema;
      this.lastKeySchema = keySchema;
    }
    return this.current;
  }

  /**
   * A record straight from its Avro bytes (avro-copy.ts); false, with nothing
   * written, when the usual path must take it: addRow() then writes it, asks
   * for a re-plan or reports the error.
   */
  addAvro(bytes: Uint8Array, schema: RecordSchema, key: Decoded | undefined, ctx: RecordContext): boolean {
    if (this.collector || this.plan.missingTable) return false;
    const c = this.compiledFor(schema, key?.schema);
    if (c.needsReplan || c.missing.length > 0 || c.known) return false;
    let copy = c.avroCopy;
    if (copy === undefined) copy = c.avroCopy = compileAvroCopy(this.plan, schema, c.columns);
    if (copy === null) return false;
    this.rowStart = this.writer.pos;
    if (!copy(this.writer, bytes, ctx)) return false;
    this.noteAbsent(c.absent);
    this.noteTuple(ctx.offset);
    this.rows++;
    return true;
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
    this.resetAbsent();
    this.truncated = true;
  }

  addRow(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    // Before anything can throw: discardCurrent() rewinds to here.
    this.rowStart = this.writer.pos;
    // A row is made from an object; a primitive *schema* goes to the column "value".
    if (!value.schema.scalar) requireStructValue(value.value, 'a table row needs');
    if (this.collector || this.plan.missingTable) return this.collect(value, key, ctx);
    const c = this.compiledFor(value.schema, key?.schema);
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
    this.noteAbsent(c.absentOf ? c.absentOf(value.value) : c.absent);
    this.noteTuple(ctx.offset);
    this.rows++;
  }

  private resetAbsent(): void {
    if (this.absentRuns.length === 0 && this.absentNow === -1) return;
    this.absentSets = [];
    this.absentKeys.clear();
    this.absentRuns = [];
    this.absentNow = -1;
  }

  /** The next tuple's absent columns: a new run when they differ from the last row's (delete tuples join the current run). */
  private noteAbsent(absent: readonly number[] | undefined): void {
    let id = -1;
    if (absent) {
      const key = absent.join(',');
      let known = this.absentKeys.get(key);
      if (known === undefined) {
        known = this.absentSets.push([...absent]) - 1;
        this.absentKeys.set(key, known);
      }
      id = known;
    }
    if (id === this.absentNow) return;
    this.absentRuns.push(this.rows + this.deletes, id);
    this.absentNow = id;
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
    // DbStructure.amendIfNecessary: "Table ... is missing fields ... and auto-evolution is disabled", which JdbcSinkTask reports per record.
    return new ConvertError(`table ${this.plan.table} is missing fields ${list} of this record; add the columns, or set auto.evolve=true`, {
      connectClass: 'io.confluent.connect.jdbc.sink.TableAlterOrCreateException',
    });
  }

  /** Keys of a schemaless record with a value and no column (null-only fields need no column yet). */
  private unknownFields(known: Map<string, boolean>, v: unknown): string[] | undefined {
    if (!isStruct(v)) return undefined;
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
    const inf = new TableSchemaInferrer();
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
    // Every tuple had every column (the common case): no trailer.
    const runs = this.absentRuns[0] === 0 ? this.absentRuns : [0, -1, ...this.absentRuns];
    const absent = this.absentRuns.length > 0 ? Buffer.from(JSON.stringify({ sets: this.absentSets, runs })) : undefined;
    const outputBytes = w.pos + tuples * 8 + (absent?.length ?? 0);
    const output = new SharedArrayBuffer(outputBytes);
    const bytes = new Uint8Array(output);
    bytes.set(w.buf.subarray(0, w.pos));
    bytes.set(new Uint8Array(this.tupleOffsets.buffer, 0, tuples * 8), w.pos);
    if (absent) bytes.set(absent, w.pos + tuples * 8);
    writeOutputHeader(output, { planId: this.plan.id, rows: this.rows, deletes: this.deletes, tupleBytes: w.pos - OUTPUT_HEADER_BYTES });
    return meta ? { output, outputBytes, rows: this.rows, meta } : { output, outputBytes, rows: this.rows };
  }
}
