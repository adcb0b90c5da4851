// Messages between the harness and the e2e runner child (bench/e2e/runner.ts).
import type { EngineStats } from '../../src/pipeline/engine.js';
import type { CpuSplit } from '../lib/proc.js';

export type RunnerJob = SluiceJob | RawConsumeJob | NativeRawConsumeJob;

export interface SluiceJob {
  kind: 'sluice';
  /** Connector config object (Kafka Connect "config"). */
  connector: Record<string, unknown>;
  name: string;
  /** SLUICE_* variables the run sees (user overrides, sweep settings). */
  env: Record<string, string>;
  /** Use a sink that drops the output: consume + decode only. */
  dropSink: boolean;
  topic: string;
  /** Log end offset per partition: done when every partition is durable (or committed) up to it. */
  ends: number[];
  /** Report every change of a committed offset (latency phase). */
  trackCommits: boolean;
  /** durable: stop when every row is durable; committed: when Kafka has the offsets too; stop: when the harness says so. */
  until: 'durable' | 'committed' | 'stop';
  timeoutMs: number;
}

export interface RawConsumeJob {
  kind: 'raw';
  brokers: string;
  topic: string;
  ends: number[];
  /** librdkafka properties, the same Sluice's consumer uses. */
  kafka: Record<string, string | number | boolean>;
  consumeBatch: number;
  timeoutMs: number;
}

/** Baseline (a′): Sluice's native addon consuming into batch buffers that nothing reads. */
export interface NativeRawConsumeJob {
  kind: 'native-raw';
  brokers: string;
  topic: string;
  ends: number[];
  /** librdkafka properties, the same Sluice's consumer uses (fixed ones included). */
  kafka: Record<string, string>;
  /** Messages asked per consume() call, as the native source asks. */
  consumeBatch: number;
  /** Buffer per partition: batch.max.records records, batch.max.bytes of data (Sluice's standard buffer). */
  recordCapacity: number;
  dataBytes: number;
  timeoutMs: number;
}

export interface RunnerResult {
  records: number;
  bytes: number;
  /** Epoch ms (fractional): run start, first record seen, all durable, all committed, stopped. */
  startMs: number;
  firstMs: number;
  durableMs: number;
  committedMs?: number;
  stoppedMs: number;
  /** CPU from the first record to the last durable one, by thread role. */
  cpu: CpuSplit;
  /** CPU over the whole run, start to stop. */
  cpuWhole: CpuSplit;
  peakRss: number;
  /** Peaks of the main thread's V8 heap and of memory outside it (Buffers, SharedArrayBuffers), sampled every 100 ms. */
  peakMainHeap: number;
  peakExternal: number;
  /** Share of all the machine's cores busy (anything, not only Sluice) from the first record to the last durable one. */
  machineBusy: number;
  workerThreads: number;
  stats?: EngineStats;
}

export type RunnerMessage =
  | { type: 'started'; pid: number }
  | { type: 'progress'; records: number; durable: number; partitions: number }
  | { type: 'commit'; partition: number; committed: number; t: number }
  | { type: 'result'; result: RunnerResult }
  | { type: 'failed'; message: string };

export type HarnessMessage = { type: 'run'; job: RunnerJob } | { type: 'stop' };
