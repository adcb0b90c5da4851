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

export type SinkPlan = { sink: 'postgres'; pg: PgPlan } | { sink: 'drop' };

export interface EncodeTask {
  batch: SharedArrayBuffer;
  topic: string;
  plan: SinkPlan;
}

export interface RecordFailure {
  /** Index of the record in the batch. */
  index: number;
  offset: number;
  stage: 'decode' | 'convert';
  reason: string;
}

export interface EncodeResult {
  /** The sink's encoded output (COPY tuples), or null when nothing was encoded. */
  output: SharedArrayBuffer | null;
  outputBytes: number;
  rows: number;
  /** Null values seen (deletes or skipped tombstones). */
  tombstones: number;
  failures: RecordFailure[];
  /** Time the worker spent on the task, for metrics and benchmarks. */
  workerMicros: number;
}
