// Messages between the main thread and the workers. Batches travel as
// SharedArrayBuffers (shared, not copied); everything else here is small.
import type { ValueFormat } from '../config/spec.js';
import type { PgPlan } from '../sinks/postgres/encoding.js';

export interface WorkerSetup {
  keyFormat: ValueFormat;
  valueFormat: ValueFormat;
  keyRegistryUrl?: string;
  valueRegistryUrl?: string;
  registryUserInfo?: string;
}

/** What a sink's worker encoder needs; `sink` picks the encoder in sinks/worker-encoders.ts. */
export type SinkPlan = { sink: 'postgres'; plan: PgPlan } | { sink: 'drop' } | { sink: string; plan: unknown };

export interface EncodeTask {
  batch: SharedArrayBuffer;
  topic: string;
  plan: SinkPlan;
}

export interface RecordFailure {
  /** Index of the record in the batch. */
  index: number;
  offset: number;
  /** 'write': the destination refused the record's row. */
  stage: 'decode' | 'convert' | 'write';
  reason: string;
}

export interface EncodeResult {
  /** The sink's encoded output (COPY tuples), or null when nothing was encoded. */
  output: SharedArrayBuffer | null;
  outputBytes: number;
  rows: number;
  /** Sink-specific facts from the worker encoder. */
  meta?: unknown;
  /** Set when the sink must re-plan (auto.create/evolve) before this batch can be encoded. */
  replan?: unknown;
  /** Null values seen (deletes or skipped tombstones). */
  tombstones: number;
  failures: RecordFailure[];
  /** Time the worker spent on the task, for metrics and benchmarks. */
  workerMicros: number;
}
