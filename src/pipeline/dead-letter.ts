// The dead-letter queue (errors.tolerance=all): records that fail to decode
// or convert, or whose row the destination refuses, go to a Kafka topic with Kafka Connect's context headers, and are
// acknowledged by the broker BEFORE the batch's offsets can be committed, so a
// bad record is never silently skipped.
import Kafka from '@confluentinc/kafka-javascript';
import os from 'node:os';
import type { Logger } from 'pino';
import { explainKafkaFailure } from '../config/kafka-security.js';
import type { ResolvedConfig } from '../config/load.js';
import { RetriableError, errorMessage } from '../errors.js';
import type { RecordFailure } from '../workers/protocol.js';
import type { BatchReader } from '../core/batch-layout.js';

/**
 * The Java exception class Kafka Connect names in __connect.errors.exception.class.name,
 * which users' dead-letter tooling filters on. Converters (JsonConverter,
 * Confluent's AvroConverter, Protobuf, JSON Schema) wrap what they cannot read
 * in DataException, as the SMTs do what they cannot transform; what a sink
 * task cannot take is a ConnectException (DataException's parent; Confluent's
 * JDBC sink's FieldsMetadata / RecordValidator throw it) unless the failure
 * names its own (RecordFailure.exceptionClass: java.sql.SQLException for a row
 * the database refused, as JdbcSinkTask.unrollAndRetry reports it).
 */
const DATA_EXCEPTION = 'org.apache.kafka.connect.errors.DataException';
const CONNECT_EXCEPTION = 'org.apache.kafka.connect.errors.ConnectException';

export function exceptionClassOf(f: Pick<RecordFailure, 'stage' | 'transform' | 'exceptionClass'>): string {
  if (f.exceptionClass) return f.exceptionClass;
  return f.transform || f.stage === 'decode' ? DATA_EXCEPTION : CONNECT_EXCEPTION;
}

/** One header as the binding takes it: a single-key object; a list of them keeps repeats and order. */
export type ProducerHeader = Record<string, Buffer>;

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: ProducerHeader[];
  timestamp: number | null;
}

/**
 * Bytes for the binding's produce(). It turns a zero-length Buffer without a
 * backing store (Buffer.from of an empty array, Buffer.alloc(0)) into NULL, so
 * an empty value would arrive as a tombstone, an empty key as a null key and
 * an empty header value as a null one. A zero-length view into a non-empty
 * ArrayBuffer keeps a real pointer, and arrives empty.
 */
export function producerBytes(b: Uint8Array): Buffer {
  if (b.length === 0) return Buffer.alloc(1).subarray(0, 0);
  return Buffer.from(b);
}

/** Context headers Kafka Connect adds (errors.deadletterqueue.context.headers.enable). */
export interface DeadLetterContext {
  topic: string;
  partition: number;
  connector: string;
  taskId: string;
}

/**
 * The dead letter of one failed record: its key, value, timestamp and every
 * header as it came (repeated names included, in order; an empty value stays
 * empty, null stays null), then the __connect.errors.* headers when asked for,
 * appended as Kafka Connect's DeadLetterQueueReporter does.
 */
export function deadLetterMessage(reader: BatchReader, f: RecordFailure, context: DeadLetterContext | undefined): DeadLetterMessage {
  const headers: ProducerHeader[] = [];
  // The binding cannot produce a null header value; it reads one as empty, so empty is what it was.
  for (const h of reader.headers(f.index)) headers.push({ [h.name]: producerBytes(h.value ?? new Uint8Array(0)) });
  if (context) {
    const add = (name: string, v: string) => headers.push({ [name]: Buffer.from(v) });
    add('__connect.errors.topic', context.topic);
    add('__connect.errors.partition', String(context.partition));
    add('__connect.errors.offset', String(f.offset));
    add('__connect.errors.connector.name', context.connector);
    add('__connect.errors.task.id', context.taskId);
    add('__connect.errors.stage', connectStage(f));
    add('__connect.errors.class.name', f.transform ?? 'sluice');
    add('__connect.errors.exception.class.name', exceptionClassOf(f));
    add('__connect.errors.exception.message', f.reason);
  }
  const key = reader.key(f.index);
  const value = reader.value(f.index);
  const ts = reader.timestamp(f.index);
  return {
    key: key === null ? null : producerBytes(key),
    value: value === null ? null : producerBytes(value),
    headers,
    timestamp: ts >= 0 ? ts : null,
  };
}

type Producer = InstanceType<typeof Kafka.HighLevelProducer>;

export class DeadLetterQueue {
  private producer?: Promise<Producer>;
  private readonly topic: string;
  private readonly contextHeaders: boolean;
  private readonly connector: string;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.topic = config.common['errors.deadletterqueue.topic.name']!;
    this.contextHeaders = config.common['errors.deadletterqueue.context.headers.enable'];
    this.connector = config.common.name;
  }

  private connect(): Promise<Producer> {
    this.producer ??= (async () => {
      const kafka = new Kafka.KafkaJS.Kafka({
        ...this.config.kafka,
        'bootstrap.servers': this.config.common['bootstrap.servers'],
        'client.id': `sluice-${this.connector}-dlq`,
        kafkaJS: { logLevel: Kafka.KafkaJS.logLevel.ERROR },
      } as never);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          topics: [{ topic: this.topic, numPartitions: 1, replicationFactor: this.config.common['errors.deadletterqueue.topic.replication.factor'] }],
        });
      } catch (err) {
        if (!/already exists/i.test(errorMessage(err))) throw err;
      } finally {
        await admin.disconnect();
      }
      // The binding's own producer, not the KafkaJS-style one: that one takes
      // headers as an object (repeated names grouped, order across names lost).
      const producer = new Kafka.HighLevelProducer({
        ...this.config.kafka,
        'bootstrap.servers': this.config.common['bootstrap.servers'],
        'client.id': `sluice-${this.connector}-dlq`,
        'acks': -1,
        'enable.idempotence': true,
        'linger.ms': 5,
      } as never);
      producer.on('event.error', (err) => this.log.warn({ err: err.message }, 'dead-letter producer'));
      await new Promise<void>((resolve, reject) => producer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
      return producer;
    })();
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  /** Sends the failed records of one batch; resolves once the broker has them all. */
  async send(topic: string, reader: BatchReader, failures: readonly RecordFailure[]): Promise<void> {
    const errorLog = this.config.common['errors.log.enable'];
    const withMessages = this.config.common['errors.log.include.messages'];
    const messages = failures.map((f) => {
      if (errorLog) {
        this.log.warn(
          {
            topic, partition: reader.partition, offset: f.offset, stage: f.stage,
            ...(withMessages ? { key: b64(reader.key(f.index)), value: b64(reader.value(f.index)) } : {}),
          },
          `${f.stage} failed, record sent to ${this.topic}: ${f.reason}`,
        );
      }
      return deadLetterMessage(reader, f, this.contextHeaders ? { topic, partition: reader.partition, connector: this.connector, taskId: `${os.hostname()}:${process.pid}` } : undefined);
    });
    try {
      const producer = await this.connect();
      await Promise.all(messages.map((m) => new Promise<void>((resolve, reject) => {
        producer.produce(this.topic, null, m.value, m.key, m.timestamp, m.headers as never, (err: unknown) => (err ? reject(err) : resolve()));
      })));
    } catch (err) {
      const explained = explainKafkaFailure(errorMessage(err), this.config.kafkaSecurity, (err as { code?: number }).code);
      throw new RetriableError(`dead-letter topic ${this.topic}: ${explained ?? errorMessage(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const p = await this.producer?.catch(() => undefined);
    if (!p) return;
    // Flushes what is still queued (at most 5 s), then disconnects.
    await new Promise<void>((resolve) => p.disconnect(5_000, () => resolve()));
  }
}

/** Kafka Connect's Stage of a failure: which converter failed, or TASK_PUT for what the sink could not take. */
export function connectStage(f: Pick<RecordFailure, 'stage' | 'part' | 'transform'>): string {
  if (f.transform) return 'TRANSFORMATION';
  if (f.stage !== 'decode') return 'TASK_PUT';
  return f.part === 'key' ? 'KEY_CONVERTER' : f.part === 'header' ? 'HEADER_CONVERTER' : 'VALUE_CONVERTER';
}

function b64(b: Uint8Array | null): string | null {
  return b ? Buffer.from(b).toString('base64') : null;
}
