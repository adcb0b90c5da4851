// The PostgreSQL sink's worker encoder (module.ts createEncoder): picks each
// record's table and hands it to that table's TableEncoder (table-encoder.ts).
// Almost every record goes to the batch topic's own table (the plan's): one
// string comparison per record, and its tuples are the batch's output. A
// record whose topic a transform changed (RecordContext.topic), or a Debezium
// change event whose source block names another table (collection.name.format
// with ${source.…}), goes to the table the format names for it; those tuples
// travel in PgBatchMeta.more, one output per table, and the writer applies
// them all in the batch's transaction. A table the plan does not know yet is
// asked for with a re-plan (PgMultiReplanRequest).
import type { Decoded } from '../../workers/decode/decoders.js';
import type { RecordSchema } from '../../workers/schema.js';
import type { EncoderOutput, RecordContext, WorkerEncoder } from '../../workers/encoder.js';
import { ReplanNeeded } from '../../errors.js';
import { ChangeEvents, type ChangeEvent } from './debezium.js';
import type { PgBatchMeta, PgMultiReplanRequest, PgPlan, PgReplanRequest } from './protocol.js';
import { TableEncoder } from './table-encoder.js';
import { qualifiedName, type TableName } from './names.js';
import { FoldedRecords } from './unquoted.js';
import { destinationTable } from './table-names.js';

interface Resolved {
  name: TableName;
  qualified: string;
}

function tableNeedsKeys(plan: PgPlan): boolean {
  return plan.deletes || plan.rules.pkMode === 'record_key' || plan.columns.some((c) => c.source.from === 'key');
}

export class PgEncoder implements WorkerEncoder<PgPlan> {
  private readonly main = new TableEncoder();
  /** Encoders of other tables in this batch, by quoted qualified name, in the order first met. */
  private readonly others = new Map<string, TableEncoder>();
  private readonly spare: TableEncoder[] = [];
  private readonly changes = new ChangeEvents();
  /** Table per (topic, source db/schema/table). */
  private readonly names = new Map<string, Resolved>();
  /** quote.sql.identifiers=NEVER: records with their field names folded (unquoted.ts). */
  private readonly folded = new FoldedRecords();
  private plan!: PgPlan;
  private topic = '';
  private partition = 0;
  private wanted: Map<string, TableName> | undefined;
  private current: TableEncoder | undefined;

  needsKeys(plan: PgPlan): boolean {
    if (tableNeedsKeys(plan)) return true;
    for (const k in plan.routes) if (tableNeedsKeys(plan.routes[k]!)) return true;
    return false;
  }

  begin(plan: PgPlan, topic: string, partition: number): void {
    this.plan = plan;
    this.topic = topic;
    this.partition = partition;
    this.wanted = undefined;
    this.current = undefined;
    this.main.begin(plan, topic, partition);
    for (const e of this.others.values()) this.spare.push(e);
    this.others.clear();
    if (this.names.size > 10_000) this.names.clear();
  }

  private resolve(topic: string, source: Record<string, unknown> | undefined): Resolved {
    const naming = this.plan.naming!;
    const sourced = this.plan.debezium?.sourceFormat !== undefined;
    const key = sourced ? `${topic}\u0000${String(source?.db)}\u0000${String(source?.schema)}\u0000${String(source?.table)}` : topic;
    let r = this.names.get(key);
    if (!r) {
      // A name Connect could not write is a ConvertError (TableNameError, UnquotedNameError, SourceFieldError): this record fails.
      const name = destinationTable(naming, topic, source);
      r = { name, qualified: qualifiedName(name) };
      // Only db/schema/table are in the key: a format naming other source fields is resolved every time.
      if (sourced && /\$\{source\.(?!db\}|schema\}|table\})/.test(naming.format)) return r;
      this.names.set(key, r);
    }
    return r;
  }

  /** The record's table encoder; undefined when the plan has no plan for its table yet (it is asked for). */
  private encoderFor(ctx: RecordContext, source: Record<string, unknown> | undefined): TableEncoder | undefined {
    const plan = this.plan;
    if (!plan.naming || (ctx.topic === this.topic && plan.debezium?.sourceFormat === undefined)) return this.main;
    const t = this.resolve(ctx.topic, source);
    if (t.qualified === plan.table && !plan.noTable) return this.main;
    let enc = this.others.get(t.qualified);
    if (enc) return enc;
    const p = plan.routes?.[t.qualified];
    if (!p) {
      (this.wanted ??= new Map()).set(t.qualified, t.name);
      return undefined;
    }
    enc = this.spare.pop() ?? new TableEncoder();
    enc.begin(p, ctx.topic, this.partition);
    this.others.set(t.qualified, enc);
    return enc;
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    if (this.plan.foldIdentifiers) {
      // Debezium's envelope fields (before, after, op…) are read as they are; the row's own fields are folded below.
      if (this.plan.debezium === undefined) value = this.folded.decoded(value, 'value');
      if (key) {
        // Key columns read the key from the context (row-encoders.ts).
        key = this.folded.decoded(key, 'key');
        ctx.key = key.value;
      }
    }
    // The fast path: a plain record of the batch topic's own table.
    if (this.plan.debezium === undefined && (ctx.topic === this.topic || !this.plan.naming)) {
      this.current = this.main;
      this.main.addRow(value, key, ctx);
      return;
    }
    this.current = undefined;
    let ev: ChangeEvent | undefined;
    let source: Record<string, unknown> | undefined;
    if (this.plan.debezium) {
      // Debezium's JDBC sink: a change event is applied by its op; other records are rows as they are.
      ev = this.changes.read(this.plan.debezium, value);
      if (ev.kind === 'skip') return;
      source = ev.source;
    }
    const enc = this.encoderFor(ctx, source);
    if (!enc) return;
    this.current = enc;
    if (!ev || ev.kind === 'row') enc.addRow(ev ? (this.plan.foldIdentifiers ? this.folded.decoded(ev.row, 'value') : ev.row) : value, key, ctx);
    else if (ev.kind === 'delete') enc.deleteByKey(key, ctx, 'a delete event (op d)');
    else enc.truncate();
  }

  addAvro(bytes: Uint8Array, schema: RecordSchema, key: Decoded | undefined, ctx: RecordContext): boolean {
    // Only the fast path of add(): a plain record of the batch topic's own table, its names as they are.
    if (this.plan.debezium !== undefined || (ctx.topic !== this.topic && this.plan.naming) || this.plan.foldIdentifiers) return false;
    this.current = this.main;
    return this.main.addAvro(bytes, schema, key, ctx);
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    this.current = undefined;
    if (key && this.plan.foldIdentifiers) {
      key = this.folded.decoded(key, 'key');
      ctx.key = key.value;
    }
    // Debezium names no table for a tombstone when the format needs a source block: it skips it.
    if (this.plan.debezium?.sourceFormat !== undefined) return;
    const enc = this.encoderFor(ctx, undefined);
    if (!enc) return;
    this.current = enc;
    enc.tombstone(key, ctx);
  }

  discardCurrent(): void {
    this.current?.discardCurrent();
  }

  finish(): EncoderOutput {
    const mainReq = this.main.takeReplan();
    if (this.others.size === 0 && !this.wanted) {
      if (mainReq) throw new ReplanNeeded(mainReq);
      return this.main.output();
    }
    const tables: PgReplanRequest[] = mainReq ? [mainReq] : [];
    for (const e of this.others.values()) {
      const r = e.takeReplan();
      if (r) tables.push(r);
    }
    if (tables.length > 0 || this.wanted) {
      const req: PgMultiReplanRequest = { multi: true, routes: [...(this.wanted?.values() ?? [])], tables };
      throw new ReplanNeeded(req);
    }
    const first = this.main.output();
    const more: { output: SharedArrayBuffer; truncate?: boolean }[] = [];
    let rows = first.rows;
    let outputBytes = first.outputBytes;
    for (const e of this.others.values()) {
      const o = e.output();
      if (!o.output) continue;
      rows += o.rows;
      outputBytes += o.outputBytes;
      more.push((o.meta as PgBatchMeta | undefined)?.truncate ? { output: o.output, truncate: true } : { output: o.output });
    }
    if (more.length === 0) return first;
    const meta: PgBatchMeta = { ...(first.meta as PgBatchMeta | undefined), more };
    return { output: first.output, outputBytes, rows, meta };
  }
}
