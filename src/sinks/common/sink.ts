// The contract every sink keeps, whatever it writes to.
//
// THE RULE: a sink resolves a batch's promise only when the batch's rows are
// durable in the destination (committed transaction, uploaded object). The
// engine commits a partition's Kafka offset only over a contiguous run of
// resolved batches, so nothing is ever committed ahead of a durable write.
//
// Batches of one partition are submitted in offset order; a sink must make
// them durable in that order (or all at once). Retriable failures are retried
// inside the sink with backoff; a rejected promise stops Sluice. A row the
// destination refuses is durable only as a dead letter: the sink hands it to
// batch.deadLetter (and waits for it) before resolving, or fails the batch.
import type { SinkPlan } from '../../workers/protocol.js';
import type { TopicPartition } from '../../core/topic-partition.js';

// The contract's signatures use it; the type itself lives at the bottom layer.
export { tpKey, type TopicPartition } from '../../core/topic-partition.js';

export interface EncodedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Records in the batch, rows encoded, and null values seen. */
  readonly records: number;
  readonly rows: number;
  readonly tombstones: number;
  readonly output: SharedArrayBuffer | null;
  readonly outputBytes: number;
  /** Sink-specific facts from the worker encoder (EncoderOutput.meta). */
  readonly meta?: unknown;
  /** The topic a transform routed the whole batch to (RegexRouter), for a sink with one destination per batch. */
  readonly destination?: string;
  /**
   * Present when errors.tolerance=all: sends records the destination refused
   * (by offset) to the dead-letter topic; resolves once the broker has them.
   * A sink calls it before the batch becomes durable. Absent: a refused record
   * stops Sluice (RecordError, stage 'write').
   */
  readonly deadLetter?: (rejected: readonly RejectedRecord[]) => Promise<void>;
}

export interface RejectedRecord {
  offset: number;
  reason: string;
  /** The Java exception class Kafka Connect's sink reports for such a record (the dead letter's exception class header); ConnectException when unset. */
  exceptionClass?: string;
}

/** Runs a task in the engine's worker pool: the default export of the module at `filename`. */
export type WorkerRunner = <T, R>(filename: string, task: T) => Promise<R>;

export interface Sink {
  /** The destination can refuse single rows (constraints): the engine then keeps each batch's records until durable, for the dead-letter topic. */
  readonly refusesRows?: boolean;
  /**
   * The sink refuses rows only while submit() runs (before it returns): the
   * engine keeps a batch's input until then, and until the dead letters sent
   * meanwhile are acknowledged, instead of until the batch is durable.
   */
  readonly refusesOnSubmit?: boolean;
  /** The worker encoder follows each record's routed topic (RecordContext.topic); otherwise the engine plans a batch for its routed topic. */
  readonly routesPerRecord?: boolean;
  /** What the workers need to encode a topic's records (table columns, file schema). */
  plan(topic: string): Promise<SinkPlan>;
  /** A worker found the plan does not fit the data (ReplanNeeded); adapt (create/alter) so plan() returns one that does. */
  replan?(topic: string, request: unknown): Promise<void>;
  /** Resolves when the batch is durable (THE RULE above). */
  submit(batch: EncodedBatch): Promise<void>;
  /** Exactly-once sinks: the next offset to read per partition, from the sink's own records. */
  storedPositions?(partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
  /** Gives the sink the engine's worker pool for its own CPU work (e.g. writing Parquet files). */
  useWorkers?(run: WorkerRunner): void;
  /** The task files this sink will run in the pool with these settings: the workers load them at start. */
  workerTaskFiles?(): readonly string[];
  /** Make everything submitted for these partitions durable now (revoke, shutdown). */
  flush(partitions: readonly TopicPartition[]): Promise<void>;
  /** Forget these partitions' pending work without writing it (assignment lost). */
  drop(partitions: readonly TopicPartition[]): void;
  /**
   * Gives up whatever is still pending (retry waits end at once; those batches
   * reject and are not committed) and releases connections. The engine calls
   * it after the drain, successful or not.
   */
  close(): Promise<void>;
  /** After close(): whether writes were still pending when it was called (the drain did not finish). */
  readonly closedWithPendingWrites?: boolean;
}
