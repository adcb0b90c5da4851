// A row shape the benchmarks drive end to end: how its rows are generated,
// put on the wire, laid out in PostgreSQL and in Parquet. Every phase of one
// run (Sluice and the baselines) takes its rows from the same seeded
// generator, so all of them see the same rows.
import type { WireFormat } from '../../../test/helpers/orders.js';

export type Row = Record<string, unknown> & { id: number };

/** A column as the Parquet baseline writes it. */
export type ParquetColumnType = 'int64' | 'int32' | 'float64' | 'bool' | 'utf8' | 'timestamp-ms' | 'decimal' | 'utf8-list';

export interface ShapeColumn {
  readonly name: string;
  /** PostgreSQL type in the table definition. */
  readonly pgType: string;
  readonly nullable: boolean;
  readonly parquet: ParquetColumnType;
  /** decimal columns: precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
}

export interface Shape {
  readonly name: 'order' | 'wide' | 'doc';
  readonly description: string;
  readonly format: WireFormat;
  readonly columns: readonly ShapeColumn[];
  /** Avro writer schema (Avro shapes). */
  readonly avroSchema?: object;
  rows(count: number, seed: number): Iterable<Row>;
  /** The record value on the wire (Confluent framing for Avro). */
  encode(row: Row, schemaId: number): Buffer;
  /**
   * The row as the Parquet baseline gets it: every column by name, in the JS
   * type the column takes (timestamps as epoch ms, decimals as unscaled
   * bigint, nested values as JSON text).
   */
  columnar(row: Row): Record<string, unknown>;
  /** The row's values in PostgreSQL COPY text form, in column order (null = NULL). */
  copyText(row: Row): (string | null)[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** CREATE TABLE for a shape; withKey adds the primary key upserts need. */
export function tableDdl(shape: Shape, table: string, opts: { withKey?: boolean; unlogged?: boolean } = {}): string {
  const cols = shape.columns.map((c) => `  ${quoteIdent(c.name)} ${c.pgType}${c.nullable ? '' : ' NOT NULL'}`);
  if (opts.withKey) cols.push('  PRIMARY KEY (id)');
  return `CREATE ${opts.unlogged ? 'UNLOGGED ' : ''}TABLE ${table} (\n${cols.join(',\n')}\n)`;
}

/** One line of COPY text format. */
export function copyTextLine(values: (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    const v = values[i];
    line += v === null || v === undefined ? '\\N' : escapeCopyText(v);
  }
  return line + '\n';
}

function escapeCopyText(s: string): string {
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** A PostgreSQL array literal of text values, for COPY text. */
export function pgTextArray(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
