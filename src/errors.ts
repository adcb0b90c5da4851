// The error tree. Every error Sluice throws on purpose is a SluiceError, and
// its `action` tells the pipeline what to do with it, the way Redpanda
// Connect's and KafkaJS's errors do:
//
//   retry        a transient failure (an outage, a timeout, a lock conflict): the
//                same work again after a backoff (sinks/common/retry.ts); no record
//                is lost or skipped.
//   reconnect    the connection itself is gone: retried like `retry`, on a fresh
//                connection (a failed connection is never reused: PgService
//                discards it; the AWS SDK and librdkafka open new ones themselves).
//   dead-letter  this record (or these rows) is bad: with errors.tolerance=all it
//                goes to the dead-letter topic (or is skipped), otherwise Sluice
//                stops naming its topic, partition and offset.
//   replan       the sink's plan does not fit the data or the destination: the sink
//                re-plans (auto.create / auto.evolve, a table changed under a plan)
//                and the work is done again.
//   stop         nothing Sluice can do: it stops with the message (exit code 2 for
//                a ConfigError, 1 otherwise).
//
// The tree (module-specific leaves live beside their code):
//   SluiceError (stop)
//   ├─ ConfigError (stop, exit code 2): the ConfigProblems found, gathered
//   ├─ ConfigProblem (stop): JdbcUrlError, PgTlsConfigError, OptionError
//   ├─ SinkSchemaError (stop): ColumnRuleError, TableChangedError (replan)
//   ├─ RetriableError (retry): ConnectionLostError (reconnect)
//   ├─ RetriesExhaustedError (stop, the last failure as its cause), RetryAbortedError (stop), KafkaFatalError (stop)
//   ├─ RecordError (dead-letter): a record that failed, located (topic, partition, offset, stage)
//   ├─ ConvertError (dead-letter): a record that fails, met before its offset is known: TransformError,
//   │    DebeziumValueError, TimestampRangeError, UnrepresentableJsonError, SourceFieldError, TableNameError, UnknownSchemaError
//   ├─ ReplanNeeded (replan): a worker's request to the sink; Misfit (replan): a value outgrew an inferred schema
//   └─ WorkerError: one of the above rebuilt from a worker's rejection, when errors.ts lacks its class
// Errors crossing the worker-thread boundary keep their class and action (workers/protocol.ts).

export type ErrorAction = 'retry' | 'reconnect' | 'dead-letter' | 'replan' | 'stop';

export interface RecordLocation {
  topic: string;
  partition: number;
  offset: string;
}

export class SluiceError extends Error {
  /** What the pipeline does with this error (the table above). */
  readonly action: ErrorAction = 'stop';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Retried with backoff: `retry` and `reconnect`. */
  get retriable(): boolean {
    return this.action === 'retry' || this.action === 'reconnect';
  }
}

/** A configuration value is missing, malformed or unknown. Exit code 2. */
export class ConfigError extends SluiceError {
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration:\n  - ${problems.join('\n  - ')}`,
      options,
    );
  }
}

/**
 * One problem with one configuration value, found while reading it (a JDBC
 * URL, TLS files, a transform's options); whoever reads the configuration
 * gathers them into a ConfigError.
 */
export class ConfigProblem extends SluiceError {}

/** A record could not be decoded, converted or written, located in its partition. Never retried: the data is bad. */
export class RecordError extends SluiceError {
  override readonly action = 'dead-letter';
  constructor(
    readonly location: RecordLocation,
    readonly stage: 'decode' | 'convert' | 'write',
    readonly reason: string,
  ) {
    super(`${stage} failed at topic ${location.topic} partition ${location.partition} offset ${location.offset}: ${reason}`);
  }
}

/**
 * A record the sink cannot take (a value its column cannot hold, a key it
 * lacks), thrown where it is met, before its offset is known: the record
 * fails, the batch goes on (the worker makes it a RecordFailure, the engine a
 * RecordError).
 */
export class ConvertError extends SluiceError {
  override readonly action = 'dead-letter';
  /** The Java exception Kafka Connect's sink would report for this record (the dead letter's exception class); ConnectException when unset. */
  readonly connectClass?: string;
  constructor(message: string, options?: { cause?: unknown; connectClass?: string }) {
    super(message, options);
    if (options?.connectClass !== undefined) this.connectClass = options.connectClass;
  }
}

/**
 * The plan no longer fits the data (a new field, a missing table): the
 * batch goes back to the main thread, which asks the sink to re-plan
 * (auto.create / auto.evolve) and dispatches the batch again.
 */
export class ReplanNeeded extends SluiceError {
  override readonly action = 'replan';
  constructor(readonly request: unknown) {
    super('the sink needs a new plan for this batch');
  }
}

/** The sink cannot take the data as configured (missing table, incompatible schema). */
export class SinkSchemaError extends SluiceError {}

/**
 * The destination's table changed under the plan the data was encoded with
 * (another instance widened a column): the bytes no longer match its column
 * types. The writer writes them through a staging table of the plan's types
 * and the sink re-plans.
 */
export class TableChangedError extends SinkSchemaError {
  override readonly action = 'replan';
}

/** A transient failure talking to a sink or the registry: retry the same batch later. */
export class RetriableError extends SluiceError {
  override readonly action: ErrorAction = 'retry';
}

/** The connection itself is gone: retry the same batch on a fresh connection. */
export class ConnectionLostError extends RetriableError {
  override readonly action = 'reconnect';
}

/**
 * A retriable failure that outlived its retry policy (max.retries and
 * errors.retry.timeout). Not retriable: the retries are spent. The last
 * failure is its cause.
 */
export class RetriesExhaustedError extends SluiceError {}

/**
 * A retried operation given up because Sluice is shutting down (the grace
 * period is over); its work was not made durable and is not committed, so it
 * is read again on the next start. Not a failure of the destination.
 */
export class RetryAbortedError extends SluiceError {}

/** The Kafka client reported an error it cannot recover from. */
export class KafkaFatalError extends SluiceError {}

/**
 * A SluiceError rebuilt on the main thread from a worker's rejection
 * (workers/protocol.ts) whose class is not one of this module's: it keeps the
 * original class's name and action.
 */
export class WorkerError extends SluiceError {
  override readonly action: ErrorAction;
  constructor(name: string, action: ErrorAction, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.action = action;
  }
}

const REBUILT: Record<string, new (message: string, options?: { cause?: unknown }) => SluiceError> = {
  SluiceError, ConfigProblem, ConvertError, SinkSchemaError, TableChangedError, RetriableError, ConnectionLostError,
  RetriesExhaustedError, RetryAbortedError, KafkaFatalError,
};

/** Every action, for whoever parses one back from text (workers/protocol.ts). */
export const ERROR_ACTIONS: readonly ErrorAction[] = ['retry', 'reconnect', 'dead-letter', 'replan', 'stop'];

/** The error a class name, action and message stand for: that class when it is one of this module's with that action, else a WorkerError. */
export function rebuildError(name: string, action: ErrorAction, message: string, options?: { cause?: unknown }): SluiceError {
  const Class = Object.hasOwn(REBUILT, name) ? REBUILT[name] : undefined;
  if (Class) {
    const err = new Class(message, options);
    if (err.action === action) return err;
  }
  return new WorkerError(name, action, message, options);
}

/** What the pipeline does with any error: a SluiceError's action; anything else (a bug, an unexpected library error) stops. */
export function actionOf(err: unknown): ErrorAction {
  return err instanceof SluiceError ? err.action : 'stop';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
