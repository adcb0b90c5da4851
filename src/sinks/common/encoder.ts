// The worker-side half of a sink: turns decoded records into the sink's
// output (COPY tuples, Arrow columns). One instance per worker thread and
// sink kind, reused across tasks; the per-record path must not allocate what
// it can avoid.
import type { Decoded } from '../../workers/decode/decoders.js';

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

/** Thrown for a record the sink cannot take; the record fails, the batch goes on. */
export class ConvertError extends Error {}

/**
 * Thrown when the plan no longer fits the data (a new field, a missing
 * table): the batch goes back to the main thread, which asks the sink to
 * re-plan (auto.create / auto.evolve) and dispatches the batch again.
 */
export class ReplanNeeded extends Error {
  constructor(readonly request: unknown) {
    super('the sink needs a new plan for this batch');
  }
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
  /** Adds one record; throws ConvertError for bad data, ReplanNeeded for a plan change. */
  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void;
  /** A record with a null value. */
  tombstone(key: Decoded | undefined, ctx: RecordContext): void;
  /** Forgets the record being added after it threw. */
  discardCurrent(): void;
  /** May throw ReplanNeeded too, for an encoder that gathers the whole batch's needs first. */
  finish(): EncoderOutput;
}
