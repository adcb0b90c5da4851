// Compiled row writers of the PostgreSQL worker encoder: a plan (the table's
// columns and where each one's value comes from) and a RecordSchema compile
// once into one writer per column, so the per-record path only writes the
// binary COPY bytes of a tuple.
import type { ByteWriter } from '../../workers/byte-writer.js';
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { describeValue, isStruct, type RecordContext } from '../../workers/encoder.js';
import { ConvertError } from '../../errors.js';
import { valueFields } from './columns.js';
import type { PgColumn, PgPlan } from './protocol.js';
import { fitColumn } from './types.js';
import { valueWriter } from './values.js';
import { wallZones } from './wall-clock.js';


export type ColumnWriter = (w: ByteWriter, value: unknown, ctx: RecordContext) => void;
export type RowEncoder = (w: ByteWriter, value: unknown, ctx: RecordContext) => void;

export interface Compiled {
  encode: RowEncoder;
  /** Value fields with no column (schemaful data). */
  missing: string[];
  /** The plan needs DDL for this schema (auto.evolve): widen, add, relax NOT NULL. */
  needsReplan: boolean;
  /** Schemaless data: names the plan has columns for, or ignores (filters). */
  known?: Map<string, boolean>;
  /**
   * Plan columns (indices) whose field this schema lacks: Kafka Connect's
   * sinks leave them out of the INSERT / upsert, so the column keeps its
   * default or the row's value (absent.ts). Undefined when none.
   */
  absent?: readonly number[];
  /**
   * Schemaless data into a table with serial / identity BY DEFAULT value columns: per record, those of them
   * its object has no key for (left to the database, as before these columns were written), else undefined.
   */
  absentOf?: (value: unknown) => readonly number[] | undefined;
  /** Each column's writer, in plan order: avro-copy.ts uses those of columns not from the value. */
  columns: readonly ColumnWriter[];
  /** The Avro → COPY transcoder of this combination (avro-copy.ts), once asked for; null: it does not cover it. */
  avroCopy?: ((w: ByteWriter, bytes: Uint8Array, ctx: RecordContext) => boolean) | null;
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
    if (isStruct(k)) {
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
  const absent = absentColumns(plan, schema);
  const writers: ColumnWriter[] = plan.columns.map((col, index) => {
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
      get = (v) => (isStruct(v) ? v[name] : undefined);
      fieldType = byName.get(name)?.type ?? { kind: 'any' };
    }
    const write = valueWriter(col.typeOid, col.elemOid, fieldType, plan.textNul, col.name, col.typmod, wallZones(plan));
    // An absent column is left out of the statement (NULL in the staging table only): PostgreSQL applies its default or refuses it.
    const notNull = col.notNull && !absent?.includes(index);
    const leftToDb = schemaless && col.autoFilled === true && src.from === 'value' && mayBeAbsent(plan, col);
    const colName = col.name;
    return (w, value, ctx) => {
      const v = get(value, ctx);
      if (v === null || v === undefined) {
        if (notNull && !(leftToDb && v === undefined)) throw new ConvertError(`column "${colName}" is NOT NULL but the record has no value for it`);
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
      // One with a default takes it for such records, as in Kafka Connect: it stays NOT NULL.
      for (const c of valueCols) if (c.notNull && !c.hasDefault && !c.pk && !inSchema.has(c.name) && !schema.scalar) needsReplan = true;
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
  const auto = schemaless ? plan.columns.flatMap((c, i) => (c.autoFilled && c.source.from === 'value' && mayBeAbsent(plan, c) ? [[i, c.source.field] as const] : [])) : [];
  const absentOf = auto.length === 0 ? undefined : (value: unknown) => {
    const out = auto.filter(([, field]) => !isStruct(value) || value[field] === undefined).map(([i]) => i);
    return out.length > 0 ? out : undefined;
  };
  return { encode, missing, needsReplan, known, columns: writers, ...(absent ? { absent } : {}), ...(absentOf ? { absentOf } : {}) };
}

/**
 * Value columns of the plan that a schemaful struct schema has no field for.
 * Schemaless data and primitive schemas have no notion of a field left out:
 * their missing values are NULL, as before. Key columns are never absent when
 * rows are matched on them (upsert, update, delete); a plain insert leaves one
 * with a default (a serial id) to it, as Connect's INSERT without the field does.
 */
export function absentColumns(plan: PgPlan, schema: RecordSchema): number[] | undefined {
  if (!schema.fields || schema.scalar) return undefined;
  const names = new Set(schema.fields.map((f) => f.name));
  let out: number[] | undefined;
  plan.columns.forEach((c, i) => {
    if (c.source.from === 'value' && mayBeAbsent(plan, c) && !names.has(c.source.field)) (out ??= []).push(i);
  });
  return out;
}

function mayBeAbsent(plan: PgPlan, c: PgColumn): boolean {
  return !c.pk || (!plan.staged && c.hasDefault === true);
}

export function writeSeqDel(w: ByteWriter, offset: number, del: boolean): void {
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
    const write = valueWriter(col.typeOid, col.elemOid, ft, plan.textNul, col.name, col.typmod, wallZones(plan));
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
