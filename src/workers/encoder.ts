// The worker-side half of a sink: turns decoded records into the sink's
// output (COPY tuples, Arrow columns). One instance per worker thread and
// sink kind, reused across tasks; the per-record path must not allocate what
// it can avoid.
import { ConvertError } from '../errors.js';
import type { Decoded } from './decode/decoders.js';
import type { RecordSchema } from './schema.js';

export interface RecordContext {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** Decoded key value (null when the record has no key or keys are not needed). */
  key: unknown;
  keyBytes: Uint8Array | null;
  headers: () => { name: string; value: Uint8Array | null }[];
}

export interface EncoderOutput {
  output: SharedArrayBuffer | null;
  outputBytes: number;
  rows: number;
  /** Sink-specific facts the main-thread half needs (e.g. keys to delete). */
  meta?: unknown;
}

export interface WorkerEncoder<Plan = unknown> {
  /** Whether records' keys must be decoded for this plan. */
  needsKeys(plan: Plan): boolean;
  begin(plan: Plan, topic: string, partition: number): void;
  /** Adds one record; throws ConvertError (errors.ts) for bad data, ReplanNeeded for a plan change. */
  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void;
  /**
   * Optional fast path for Avro values (Confluent framing, schema loaded):
   * adds the record straight from its bytes, exactly as add() would add its
   * decoded value. Never throws: returns false, having added nothing, when it
   * leaves the record to decode and add(), which then writes it or says what is wrong.
   */
  addAvro?(bytes: Uint8Array, schema: RecordSchema, key: Decoded | undefined, ctx: RecordContext): boolean;
  /** A record with a null value. */
  tombstone(key: Decoded | undefined, ctx: RecordContext): void;
  /** Forgets the record being added after it threw. */
  discardCurrent(): void;
  /** May throw ReplanNeeded too, for an encoder that gathers the whole batch's needs first. */
  finish(): EncoderOutput;
}

/** What kind of value this is, for messages: `an array ([5,"bad",5])`, `the string "x"`, `the number 42`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) {
    let text: string;
    try {
      text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    } catch {
      text = '…';
    }
    return `an array (${text.length > 40 ? `${text.slice(0, 39)}…` : text})`;
  }
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Date) return `the date ${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/** A plain object: what a row or a set of columns is made from (not an array, bytes or a date). */
export function isStruct(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

/**
 * The record's value must be an object (a struct): `whoNeedsIt` is "a table
 * row needs", "Parquet columns need". Schemaless JSON/msgpack values and Connect envelopes with
 * a struct schema can be anything; a scalar *schema* (StringConverter, an
 * Avro/Connect primitive) is another matter: it lands in a column "value".
 */
export function requireStructValue(value: unknown, whoNeedsIt: string): void {
  if (!isStruct(value)) throw new ConvertError(`the record value is ${describeValue(value)}, not an object: ${whoNeedsIt} an object (a struct) value`);
}
