// What a worker hands the main thread for one partition batch: one Arrow IPC
// stream per (partitioner path, schema) group, plus a row table in offset
// order (offset, rotation time, group) so the main thread can cut files at an
// exact record without decoding anything. All of it in one SharedArrayBuffer:
//
//   [f64 offset × n][f64 time × n][u32 group × n, padded to 8][IPC group 0][IPC group 1]…
import type { FieldType } from '../../workers/schema.js';

export interface ChunkMeta {
  /** Partitioner path under <topics.dir>/<topic>/, e.g. partition=3. */
  path: string;
  /** Equal keys mean equal Arrow schemas; a file never mixes two. */
  schemaKey: string;
  byteOffset: number;
  byteLength: number;
  rows: number;
  /** AvroFormat: the Avro schema (JSON text) of the chunk's records, the file header's. */
  schema?: string;
  /** schema.compatibility: the records' schema version (registry version or connect.version). */
  version?: number;
  /** store.kafka.keys / store.kafka.headers: the same rows' key and header rows (companions.ts). */
  keys?: PartMeta;
  headers?: PartMeta;
  /**
   * What the key and header rows add to schemaKey (their schemas): a change
   * closes the set even where schema.compatibility projects values, as a key
   * or header file has one schema.
   */
  companionKey?: string;
  /** behavior.on.null.values=write: tombstones, which have key and header rows but no value object. */
  valueless?: boolean;
}

/** Where a chunk's key or header rows are in its batch buffer. */
export interface PartMeta {
  byteOffset: number;
  byteLength: number;
  /** AvroFormat: the file's schema (JSON text). */
  schema?: string;
}

export interface S3BatchMeta {
  rows: number;
  groups: ChunkMeta[];
  /** Schemaless topics: the batch needed a wider schema than the plan's. */
  widened?: FieldType;
}

export interface RowTable {
  rows: number;
  offsets: Float64Array;
  /** What rotate.interval.ms measures: the time-based partitioner's time, else the Kafka timestamp (ms). */
  times: Float64Array;
  groups: Uint32Array;
}

export function rowTableBytes(rows: number): number {
  return 16 * rows + align8(4 * rows);
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

/** The worker side of the row table: one entry per encoded record, written at the head of the batch output. */
export class RowTableWriter {
  private offsets = new Float64Array(1024);
  private times = new Float64Array(1024);
  private groups = new Uint32Array(1024);
  rows = 0;

  push(offset: number, time: number, group: number): void {
    if (this.rows >= this.offsets.length) {
      const n = this.offsets.length * 2;
      const o = new Float64Array(n); o.set(this.offsets); this.offsets = o;
      const t = new Float64Array(n); t.set(this.times); this.times = t;
      const g = new Uint32Array(n); g.set(this.groups); this.groups = g;
    }
    this.offsets[this.rows] = offset;
    this.times[this.rows] = time;
    this.groups[this.rows] = group;
    this.rows++;
  }

  groupOf(row: number): number {
    return this.groups[row]!;
  }

  /** Writes the table at the start of `buffer` (rowTableBytes(rows) bytes). */
  writeTo(buffer: SharedArrayBuffer): void {
    const n = this.rows;
    new Float64Array(buffer, 0, n).set(this.offsets.subarray(0, n));
    new Float64Array(buffer, 8 * n, n).set(this.times.subarray(0, n));
    new Uint32Array(buffer, 16 * n, n).set(this.groups.subarray(0, n));
  }
}

export function readRowTable(buffer: SharedArrayBuffer, rows: number): RowTable {
  return {
    rows,
    offsets: new Float64Array(buffer, 0, rows),
    times: new Float64Array(buffer, 8 * rows, rows),
    groups: new Uint32Array(buffer, 16 * rows, rows),
  };
}
