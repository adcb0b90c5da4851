// What passes between the PostgreSQL sink's two halves: the plan the main
// thread sends each worker (a table's columns and where each one's value
// comes from), the re-plan requests a worker sends back when the plan does
// not fit the data, and the encoded batch (its output buffer and meta). The
// output buffer is:
//
//   [header: i32 plan id, i32 rows, i32 deletes, i32 tuple bytes][COPY tuples][f64 Kafka offset × tuple]
//
// Only types and the output format live here: the worker side (encoding.ts,
// table-encoder.ts) and the writer (sink.ts, writer.ts) both import it and
// never each other.
import type { RecordSchema } from '../../workers/schema.js';
import type { FieldRules } from './columns.js';
import type { DebeziumPlan } from './debezium.js';
import type { TableName } from './names.js';
import type { TableNaming } from './table-names.js';
import type { TextNulMode } from './values.js';

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
  /** The column has a DEFAULT (a record whose schema lacks its field leaves it to that). */
  readonly hasDefault?: boolean;
  /** serial or identity BY DEFAULT: a schemaless record without the field leaves it to the database. */
  readonly autoFilled?: boolean;
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
  /** db.timezone when not UTC: instants into timestamp/time/date columns are written as its wall clock (wall-clock.ts). */
  readonly timeZone?: string;
  /** date.timezone's zone when not UTC: Connect dates into date columns are the day in it. */
  readonly dateTimeZone?: string;
  readonly rules: FieldRules;
  /** quote.sql.identifiers=NEVER: records' top-level field names are folded as PostgreSQL folds unquoted names (unquoted.ts). */
  readonly foldIdentifiers?: boolean;
  /** auto.create and no table yet: every record asks for a re-plan. */
  readonly missingTable: boolean;
  readonly autoEvolve: boolean;
  /** Debezium's JDBC sink: change-event envelopes are read (debezium.ts). */
  readonly debezium?: DebeziumPlan;
  /**
   * How a record's table is named (encoding.ts): a record whose topic a
   * transform changed, or whose change event names another table, goes to
   * the table the format gives it. Absent: every record goes to `table`.
   */
  readonly naming?: TableNaming;
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

/** Re-plans for a batch whose records go to several tables (encoding.ts). */
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

/** Writes the header of an output buffer (the worker side of readOutputHeader). */
export function writeOutputHeader(output: SharedArrayBuffer, header: OutputHeader): void {
  const v = new DataView(output, 0, OUTPUT_HEADER_BYTES);
  v.setInt32(0, header.planId);
  v.setInt32(4, header.rows);
  v.setInt32(8, header.deletes);
  v.setInt32(12, header.tupleBytes);
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

/**
 * Tuples whose record's schema lacks some of the plan's value columns
 * (absent.ts): an optional trailer after the offsets, present only when such
 * a tuple was written. `sets` lists column indices; `runs` is pairs of (first
 * tuple index, index into sets or -1 for "every column"), in tuple order.
 */
export interface AbsentRuns {
  readonly sets: readonly (readonly number[])[];
  readonly runs: readonly number[];
}

/** The absent-column runs of an output, or undefined when every tuple has every column (the common case). */
export function outputAbsentRuns(output: SharedArrayBuffer, header: OutputHeader): AbsentRuns | undefined {
  const at = OUTPUT_HEADER_BYTES + header.tupleBytes + (header.rows + header.deletes) * 8;
  if (output.byteLength <= at) return undefined;
  return JSON.parse(Buffer.from(new Uint8Array(output, at)).toString('utf8')) as AbsentRuns;
}

export const SEQ_COLUMN = '__sluice_seq';
export const DEL_COLUMN = '__sluice_del';
export const INFERRED_SCHEMA_ID = 'inferred';
