// The shape of a benchmark result (bench/results/*.json). Figures of runs
// repeated with --repeat are medians.
import type { Machine } from './machine.js';
import type { BenchOptions, SourceName, Target } from './options.js';
import type { CpuSplit } from './proc.js';
import type { ShapeName } from './shapes/index.js';

export type BaselineName = 'raw-consume' | 'native-raw-consume' | 'copy' | 'copy-upsert' | 'parquet-encode';

/** Each target's baseline; the drop target of the native source has its own, (a′). */
export const BASELINE_OF: Record<Target, BaselineName> = {
  drop: 'raw-consume',
  'pg-insert': 'copy',
  'pg-upsert': 'copy-upsert',
  s3: 'parquet-encode',
};

/** The baseline a source's run of a target is divided by: raw consume of the same consumer for drop, the sink's limit otherwise. */
export function baselineOf(target: Target, source: SourceName): BaselineName {
  return target === 'drop' && source === 'native' ? 'native-raw-consume' : BASELINE_OF[target];
}

/** The raw-consume baseline of each source: the ceiling of its runs. */
export const RAW_CONSUME_OF: Record<SourceName, BaselineName> = { native: 'native-raw-consume', binding: 'raw-consume' };

export const SOURCE_LABEL: Record<SourceName, string> = {
  native: 'native source',
  binding: 'binding source',
};

export const TARGET_LABEL: Record<Target, string> = {
  drop: 'Kafka → consume + decode, output dropped',
  'pg-insert': 'Kafka → PostgreSQL insert',
  'pg-upsert': 'Kafka → PostgreSQL upsert',
  s3: 'Kafka → S3 Parquet',
};

export const BASELINE_LABEL: Record<BaselineName, string> = {
  'raw-consume': '(a) raw librdkafka consume through the binding, no processing',
  'native-raw-consume': "(a′) raw consume through Sluice's native addon into batch buffers, no processing",
  copy: '(b) binary COPY of the same rows from a file',
  'copy-upsert': '(c) binary COPY into an unlogged staging table + INSERT … SELECT … ON CONFLICT',
  'parquet-encode': '(d) single-thread Parquet encode of the same rows',
};

export interface RunSettings {
  workerThreads: number;
  batchMaxRecords: number;
}

export interface CpuPerMillion {
  mainS: number;
  workersS: number;
  librdkafkaS: number;
  otherS: number;
  totalS: number;
}

export interface E2eRow {
  shape: ShapeName;
  target: Target;
  /** The Kafka source of the runs (source.native=on: native, off: binding). */
  source: SourceName;
  label: string;
  settings: RunSettings;
  records: number;
  recordsPerS: number;
  mbPerS: number;
  /** First record read → every row durable. */
  seconds: number;
  /** Process start of the run → first record (connect, group join, first fetch). */
  startupS: number;
  /** Every row durable → Kafka has the offsets. */
  commitTailS: number | null;
  peakRssBytes: number;
  /** Highest bytes the engine held against inflight.max.bytes. */
  peakHeldBytes: number;
  /** Peak V8 heap of the main thread, and peak memory outside V8 heaps (Buffers, SharedArrayBuffers). */
  peakMainHeapBytes: number;
  peakExternalBytes: number;
  /** Share of all cores busy during the run (Sluice, broker, PostgreSQL, anything else). */
  machineBusy: number;
  cpu: CpuSplit;
  cpuPerMillion: CpuPerMillion;
  mainUsPerRecord: number;
  /** Main-thread time packing records into shared buffers, per record. */
  packUsPerRecord: number;
  /** Wall time inside worker tasks, per record. */
  workerTaskUsPerRecord: number;
  batches: number;
  avgBatchRecords: number;
  baseline: BaselineName;
  baselineRecordsPerS: number | null;
  ratio: number | null;
  runs: number;
  check: string;
}

export interface BaselineRow {
  name: BaselineName;
  shape: ShapeName;
  label: string;
  records: number;
  recordsPerS: number;
  mbPerS: number;
  seconds: number;
  cpu?: CpuSplit;
  mainUsPerRecord?: number;
  peakRssBytes?: number;
  peakMainHeapBytes?: number;
  machineBusy?: number;
  runs: number;
  note: string;
}

export interface LatencyResult {
  shape: ShapeName;
  target: Target;
  requestedRatePerS: number;
  achievedRatePerS: number;
  seconds: number;
  records: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  note: string;
}

export interface SweepPoint {
  x: number;
  recordsPerS: number;
  mainUsPerRecord: number;
  peakRssBytes: number;
}

export interface SweepResult {
  shape: ShapeName;
  target: Target;
  source: SourceName;
  threads: SweepPoint[];
  batchSizes: SweepPoint[];
  baselineRecordsPerS: number | null;
  /** Raw consume of the same rows through the sweep's source: the ceiling of every Sluice run. */
  consumeRecordsPerS: number | null;
}

export interface MicroRow {
  group: string;
  name: string;
  /** What recordsPerS counts: records, or tasks for the CPU control. */
  unit: 'records' | 'tasks';
  /** Records per second (operations × records per operation). */
  recordsPerS: number;
  nsPerRecord: number;
  recordsPerOp: number;
  rmePercent: number;
  samples: number;
}

export interface DispatchRow {
  batchRecords: number;
  roundTripUs: number;
  workerUs: number;
  overheadUs: number;
  overheadShare: number;
}

export interface MicroResult {
  rows: MicroRow[];
  dispatch: DispatchRow[];
  emptyTaskRoundTripUs: number;
  poolScaling: { oneThreadRecordsPerS: number; twoThreadsRecordsPerS: number; ratio: number } | null;
  /** 2 threads ÷ 1 for a pure CPU loop at the same moment: the machine's own ceiling for the scaling figure. */
  cpuControlRatio: number;
}

export interface TuningRow {
  area: string;
  target: Target;
  knob: string;
  why: string;
  recordsPerS: number;
  defaultRecordsPerS: number | null;
  /** recordsPerS ÷ the default run's − 1. */
  throughputChange: number | null;
  peakRssBytes: number;
  defaultPeakRssBytes: number | null;
  rssChange: number | null;
  runs: number;
}

export interface TargetRow {
  name: string;
  measured: number | null;
  target: number;
  op: '>=' | '<=';
  unit: string;
  pass: boolean | null;
  note: string;
  /** For ratio targets: raw consume ÷ this baseline, the best ratio Sluice could reach if all it did were consuming. */
  consumeCeiling?: number | null;
}

export interface SkipRow {
  what: string;
  reason: string;
}

export interface BenchResult {
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: Machine;
  settings: Omit<BenchOptions, 'outDir' | 'progress'> & { defaults: RunSettings };
  e2e: E2eRow[];
  baselines: BaselineRow[];
  latency: LatencyResult | null;
  sweeps: SweepResult | null;
  micro: MicroResult | null;
  tuning: TuningRow[];
  targets: TargetRow[];
  skipped: SkipRow[];
  profiles: { run: string; summary: string }[];
}
