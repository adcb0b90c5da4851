// The error tree: every error Sluice throws on purpose is a SluiceError whose
// action tells the pipeline what to do, and that action survives the worker
// thread boundary.
import { describe, expect, it } from 'vitest';
import {
  actionOf, ConfigError, ConfigProblem, ConnectionLostError, ConvertError, KafkaFatalError, RecordError, rebuildError, ReplanNeeded,
  RetriableError, RetriesExhaustedError, RetryAbortedError, SinkSchemaError, SluiceError, TableChangedError, WorkerError, type ErrorAction,
} from '../../src/errors.js';
import { DebeziumValueError } from '../../src/sinks/common/debezium-values.js';
import { TimestampRangeError } from '../../src/sinks/common/timestamps.js';
import { ColumnRuleError } from '../../src/sinks/postgres/columns.js';
import { JdbcUrlError } from '../../src/sinks/postgres/jdbc-url.js';
import { SourceFieldError, TableNameError } from '../../src/sinks/postgres/table-names.js';
import { classifyPgError } from '../../src/sinks/postgres/service.js';
import { PgTlsConfigError } from '../../src/sinks/postgres/tls.js';
import { Misfit } from '../../src/sinks/s3-parquet/columns.js';
import { classifyS3Error } from '../../src/sinks/s3-parquet/service.js';
import { OptionError } from '../../src/transforms/options.js';
import { TransformError } from '../../src/transforms/record.js';
import { UnknownSchemaError } from '../../src/workers/decode/registry.js';
import { UnrepresentableJsonError } from '../../src/workers/json-exact.js';
import { errorFromWorker, retriableFromWorker, workerRejection } from '../../src/workers/protocol.js';

const at = { topic: 't', partition: 0, offset: '5' };

/** Every class of the tree, with the action it must report. */
const TREE: [string, () => SluiceError, ErrorAction][] = [
  ['SluiceError', () => new SluiceError('x'), 'stop'],
  ['ConfigError', () => new ConfigError(['a']), 'stop'],
  ['ConfigProblem', () => new ConfigProblem('x'), 'stop'],
  ['JdbcUrlError', () => new JdbcUrlError('x'), 'stop'],
  ['PgTlsConfigError', () => new PgTlsConfigError('x'), 'stop'],
  ['OptionError', () => new OptionError('x'), 'stop'],
  ['SinkSchemaError', () => new SinkSchemaError('x'), 'stop'],
  ['ColumnRuleError', () => new ColumnRuleError('x'), 'stop'],
  ['TableChangedError', () => new TableChangedError('x'), 'replan'],
  ['RetriableError', () => new RetriableError('x'), 'retry'],
  ['ConnectionLostError', () => new ConnectionLostError('x'), 'reconnect'],
  ['RetriesExhaustedError', () => new RetriesExhaustedError('x', { cause: new RetriableError('y') }), 'stop'],
  ['RetryAbortedError', () => new RetryAbortedError('x'), 'stop'],
  ['KafkaFatalError', () => new KafkaFatalError('x'), 'stop'],
  ['RecordError', () => new RecordError(at, 'convert', 'x'), 'dead-letter'],
  ['ConvertError', () => new ConvertError('x'), 'dead-letter'],
  ['TransformError', () => new TransformError('x'), 'dead-letter'],
  ['DebeziumValueError', () => new DebeziumValueError('x'), 'dead-letter'],
  ['TimestampRangeError', () => new TimestampRangeError('x'), 'dead-letter'],
  ['UnrepresentableJsonError', () => new UnrepresentableJsonError('x'), 'dead-letter'],
  ['SourceFieldError', () => new SourceFieldError('x'), 'dead-letter'],
  ['TableNameError', () => new TableNameError('x'), 'dead-letter'],
  ['UnknownSchemaError', () => new UnknownSchemaError('x'), 'dead-letter'],
  ['ReplanNeeded', () => new ReplanNeeded({ planId: 1 }), 'replan'],
  ['Misfit', () => new Misfit('x'), 'replan'],
];

describe('the error tree', () => {
  it.each(TREE)('%s is a SluiceError named after its class, with its action', (name, make, action) => {
    const e = make();
    expect(e).toBeInstanceOf(SluiceError);
    expect(e.name).toBe(name);
    expect(e.action).toBe(action);
    expect(actionOf(e)).toBe(action);
    // Retried exactly when the action is retry or reconnect.
    expect(e.retriable).toBe(action === 'retry' || action === 'reconnect');
  });

  it('record-level data errors are ConvertErrors (a worker fails the record, not the batch), config problems are ConfigProblems', () => {
    for (const e of [new TransformError('x'), new DebeziumValueError('x'), new TimestampRangeError('x'), new UnrepresentableJsonError('x'), new SourceFieldError('x'), new TableNameError('x'), new UnknownSchemaError('x')]) {
      expect(e).toBeInstanceOf(ConvertError);
    }
    for (const e of [new JdbcUrlError('x'), new PgTlsConfigError('x'), new OptionError('x')]) expect(e).toBeInstanceOf(ConfigProblem);
    expect(new ColumnRuleError('x')).toBeInstanceOf(SinkSchemaError);
    expect(new TableChangedError('x')).toBeInstanceOf(SinkSchemaError);
    expect(new ConnectionLostError('x')).toBeInstanceOf(RetriableError);
  });

  it('anything that is not a SluiceError (a bug, an unexpected library error) stops', () => {
    expect(actionOf(new Error('boom'))).toBe('stop');
    expect(actionOf(new TypeError('x is undefined'))).toBe('stop');
    expect(actionOf('a string')).toBe('stop');
  });

  it('a record error names where the record is; the stages are decode, convert and write', () => {
    const e = new RecordError(at, 'write', 'too long');
    expect(e.message).toBe('write failed at topic t partition 0 offset 5: too long');
    expect(e.location).toEqual(at);
  });

  it('retries exhausted keep the last failure as their cause and are not retriable', () => {
    const last = new ConnectionLostError('down');
    const e = new RetriesExhaustedError('down (gave up after 3 attempts in 1.0 s)', { cause: last });
    expect(e.cause).toBe(last);
    expect(e.retriable).toBe(false);
  });
});

describe('classification of destination failures', () => {
  const pgErr = (code: string) => Object.assign(new Error('boom'), { code });

  it('PostgreSQL: connection loss reconnects, conflicts retry, a table changed under the plan re-plans, the rest stop', () => {
    expect(classifyPgError(pgErr('57P01'), 'w').action).toBe('reconnect');
    expect(classifyPgError(pgErr('ECONNRESET'), 'w').action).toBe('reconnect');
    expect(classifyPgError(pgErr('40P01'), 'w').action).toBe('retry');
    for (const code of ['22P03', '42804', '08P01']) {
      const e = classifyPgError(pgErr(code), 'w');
      expect(e, code).toBeInstanceOf(TableChangedError);
      expect(e.action).toBe('replan');
      expect((e.cause as { code: string }).code).toBe(code);
    }
    for (const code of ['42P01', '42703', '3F000']) {
      const e = classifyPgError(pgErr(code), 'w');
      expect(e, code).toBeInstanceOf(SinkSchemaError);
      expect(e, code).not.toBeInstanceOf(TableChangedError);
      expect(e.action).toBe('stop');
    }
    expect(classifyPgError(pgErr('23505'), 'w').action).toBe('stop');
  });

  it('S3: an unreachable endpoint reconnects, throttling and 5xx retry, 4xx stop', () => {
    expect(classifyS3Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x').action).toBe('reconnect');
    expect(classifyS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'x').action).toBe('retry');
    expect(classifyS3Error({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 'x').action).toBe('stop');
  });
});

describe('errors crossing the worker thread boundary', () => {
  /** What Piscina does to a task's rejection: a structured clone, which keeps only an Error's message (and cause). */
  const across = (e: SluiceError) => structuredClone(workerRejection(e));

  it.each(TREE)('%s keeps its action, and its class where errors.ts has it', (name, make, action) => {
    const sent = make();
    const back = errorFromWorker(across(sent))!;
    expect(back).toBeInstanceOf(SluiceError);
    expect(back.name).toBe(name);
    expect(back.action).toBe(action);
    expect(back.retriable).toBe(sent.retriable);
    expect(back.message).toBe(sent.message);
    if (back instanceof WorkerError) expect(['ConfigError', 'RecordError', 'ReplanNeeded', 'ColumnRuleError', 'JdbcUrlError', 'PgTlsConfigError', 'OptionError', 'TransformError', 'DebeziumValueError', 'TimestampRangeError', 'UnrepresentableJsonError', 'SourceFieldError', 'TableNameError', 'UnknownSchemaError', 'Misfit']).toContain(name);
    else expect(back.constructor).toBe(sent.constructor);
  });

  it('a retriable one is handed to the engine for a retry; others are not', () => {
    expect(retriableFromWorker(across(new ConnectionLostError('registry down')))).toBeInstanceOf(ConnectionLostError);
    expect(retriableFromWorker(across(new RetriableError('registry 503')))).toBeInstanceOf(RetriableError);
    expect(retriableFromWorker(across(new SluiceError('registry refused: 401')))).toBeUndefined();
  });

  it('a message that merely looks like the mark, or a plain error, is not taken for one', () => {
    expect(errorFromWorker(new Error('decode failed'))).toBeUndefined();
    expect(errorFromWorker(new Error('[sluice RetriableError sometimes] x'))).toBeUndefined();
    expect(errorFromWorker(new Error('x [sluice RetriableError retry] y'))).toBeUndefined();
    expect(errorFromWorker(undefined)).toBeUndefined();
  });

  it('a name the main thread does not know keeps its action; a known name with another action is not passed off as that class', () => {
    const unknown = rebuildError('SomeFutureError', 'retry', 'm');
    expect(unknown).toBeInstanceOf(WorkerError);
    expect(unknown.retriable).toBe(true);
    const odd = rebuildError('RetriableError', 'stop', 'm');
    expect(odd).not.toBeInstanceOf(RetriableError);
    expect(odd.action).toBe('stop');
    expect(odd.name).toBe('RetriableError');
  });
});
