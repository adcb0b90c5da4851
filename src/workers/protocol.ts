// Messages between the main thread and the workers. Batches travel as
// SharedArrayBuffers (shared, not copied); everything else here is small.
import type { ValueFormat } from '../core/formats.js';
import { ERROR_ACTIONS, rebuildError, type ErrorAction, type SluiceError } from '../errors.js';
import type { RegistryAuth } from './decode/registry.js';
import type { SubjectStrategy } from './decode/subjects.js';
import type { ApicurioWire } from './decode/apicurio.js';
import type { TransformsConfig } from '../transforms/chain.js';

export interface WorkerSetup {
  keyFormat: ValueFormat;
  valueFormat: ValueFormat;
  keyRegistryUrl?: string;
  valueRegistryUrl?: string;
  registryUserInfo?: string;
  /** Authorization / CA of each converter's registry (config/registry-access.ts). */
  keyRegistryAuth?: RegistryAuth;
  valueRegistryAuth?: RegistryAuth;
  keyWrapperForNullables?: boolean;
  valueWrapperForNullables?: boolean;
  keyJsonFailInvalidSchema?: boolean;
  /** JsonConverter's replace.null.with.default per converter (connect-payload.ts). */
  keyReplaceNullWithDefault?: boolean;
  valueReplaceNullWithDefault?: boolean;
  /**
   * The sink reads fields as Struct.get does: a null field with a schema
   * default is the default, after the transforms (workers/null-defaults.ts).
   */
  sinkNullDefaults?: boolean;
  /** The sink prints schemaless JSON back (Elasticsearch, S3 JsonFormat, file): a JSON `1.0` stays a Double (json-exact.ts). */
  sinkJsonDoubles?: boolean;
  valueJsonFailInvalidSchema?: boolean;
  /** Avro values: look up each schema's registry version (an S3 sink's schema.compatibility needs it). */
  valueSchemaVersions?: boolean;
  /** value.converter.value.subject.name.strategy, for those versions. */
  valueSubjectStrategy?: SubjectStrategy;
  /** Apicurio Registry's AvroConverter: how it frames keys / values (decode/apicurio.ts). */
  keyApicurio?: ApicurioWire;
  valueApicurio?: ApicurioWire;
  /** Single message transforms, run between decode and encode. */
  transforms?: TransformsConfig;
}

/**
 * What a sink's worker encoder needs: `sink` is the sink's kind, which picks
 * its encoder (sinks/worker-encoders.ts); `plan` is that sink's own type.
 * 'drop' decodes and converts but encodes nothing (benchmarks).
 */
export type SinkPlan = { sink: 'drop' } | { sink: string; plan: unknown };

/**
 * Which connector a task belongs to: one pool can serve several (sluice
 * worker). A thread builds a connector's decoders and encoders from `setup`
 * the first time it sees `version` for `id`, and reuses them after.
 */
export interface ConnectorRef {
  id: string;
  version: number;
  setup: WorkerSetup;
}

export interface EncodeTask {
  batch: SharedArrayBuffer;
  topic: string;
  plan: SinkPlan;
  connector: ConnectorRef;
  /** The main thread's generation of dropped batch buffers, in shared memory: a newer one makes the worker collect (core/shared-memory-gc.ts). */
  collect?: Int32Array;
}

/**
 * Loads, before the first batch, what a connector's tasks will need in a
 * thread: its decoders, the sink's encoder and the sink's own task files. Their
 * imports and first compilation otherwise land on the first batches.
 */
export interface WarmTask {
  warm: { sink: string; modules: readonly string[] };
  connector: ConnectorRef;
}

export interface RecordFailure {
  /** Index of the record in the batch. */
  index: number;
  offset: number;
  /** 'write': the destination refused the record's row. */
  stage: 'decode' | 'convert' | 'write';
  /**
   * Which part of the record failed to decode: the dead letter's
   * __connect.errors.stage is KEY_CONVERTER / VALUE_CONVERTER / HEADER_CONVERTER
   * after it. Absent for convert and write failures (TASK_PUT). The reason of
   * a key failure starts with "key: " too, so every message says so.
   */
  part?: 'key' | 'value' | 'header';
  /** A single message transform failed on the record: its class (the dead letter's stage is TRANSFORMATION). */
  transform?: string;
  /** The Java exception class Kafka Connect would name for this failure (the dead letter's exception class header), when not the stage's usual one. */
  exceptionClass?: string;
  reason: string;
}

/**
 * How a SluiceError crosses from a worker to the main thread. Piscina clones
 * a task's rejection without its class or own properties: only the message
 * survives everywhere. So the worker puts the class name and action before the
 * message ("[sluice RetriableError retry] schema registry unreachable at …"),
 * and the engine rebuilds the error with errorFromWorker(): the same class
 * when errors.ts has it, else a WorkerError of that name, with the same action
 * either way. A rejection is the safe signal: an engine that does not look for
 * the mark stops with the message, it never treats the batch as done. A
 * retriable one (the schema registry unreachable) is retried: the engine
 * dispatches the same batch again after a backoff and no record of it fails.
 */
const WORKER_MARK = new RegExp(`^\\[sluice ([A-Za-z_$][\\w$]*) (${ERROR_ACTIONS.join('|')})\\] `);

/** The Error a worker task rejects with for a SluiceError. */
export function workerRejection(err: SluiceError): Error {
  return new Error(`[sluice ${err.name} ${err.action}] ${err.message}`);
}

/** The SluiceError a worker task's rejection stands for (class and action kept), or undefined when it is not one. */
export function errorFromWorker(err: unknown): SluiceError | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  const m = message === undefined ? null : WORKER_MARK.exec(message);
  if (!m) return undefined;
  return rebuildError(m[1]!, m[2] as ErrorAction, message!.slice(m[0].length), { cause: err });
}

/** The retriable error (action retry or reconnect) a worker task's rejection stands for, or undefined when it is not one. */
export function retriableFromWorker(err: unknown): SluiceError | undefined {
  const e = errorFromWorker(err);
  return e?.retriable ? e : undefined;
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
  /** Records a transform dropped (Filter, dropped tombstones and deletes): handled, not failed. */
  dropped?: number;
  failures: RecordFailure[];
  /** Time the worker spent on the task, for metrics and benchmarks. */
  workerMicros: number;
}
