// The error tree. Each class tells the pipeline what to do with it, the way
// Redpanda Connect's errors do: retry later, reconnect, or reject records.
// `retriable` errors are retried with backoff and never lose or skip a record;
// the rest stop Sluice with a message that says where the problem came from.

export interface RecordLocation {
  topic: string;
  partition: number;
  offset: string;
}

export class SluiceError extends Error {
  readonly retriable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
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

/** A record could not be decoded or converted. Never retried: the data is bad. */
export class RecordError extends SluiceError {
  constructor(
    readonly location: RecordLocation,
    readonly stage: 'decode' | 'convert' | 'encode' | 'write',
    readonly reason: string,
  ) {
    super(`${stage} failed at topic ${location.topic} partition ${location.partition} offset ${location.offset}: ${reason}`);
  }
}

/** The sink cannot take the data as configured (missing table, incompatible schema). */
export class SinkSchemaError extends SluiceError {}

/** A transient failure talking to a sink or the registry: retry the same batch later. */
export class RetriableError extends SluiceError {
  override readonly retriable = true;
}

/** The connection itself is gone: reconnect, then retry the same batch. */
export class ConnectionLostError extends RetriableError {}

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

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
