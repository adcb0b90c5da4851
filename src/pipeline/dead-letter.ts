// The dead-letter queue (errors.tolerance=all): records that fail to decode
// or convert, or whose row the destination refuses, go to a Kafka topic with Kafka Connect's context headers, and are
// acknowledged by the broker BEFORE the batch's offsets can be committed, so a
// bad record is never silently skipped.
import Kafka from '@confluentinc/kafka-javascript';
import os from 'node:os';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { RetriableError, errorMessage } from '../errors.js';
import type { RecordFailure } from '../workers/protocol.js';
import type { BatchReader } from './batch-layout.js';

const EXCEPTION_CLASS = { decode: 'DecodeError', convert: 'ConvertError', write: 'RowRejectedError' } as const;

type KafkaJSProducer = ReturnType<InstanceType<typeof Kafka.KafkaJS.Kafka>['producer']>;

export class DeadLetterQueue {
  private producer?: Promise<KafkaJSProducer>;
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

  private connect(): Promise<KafkaJSProducer> {
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
      const producer = kafka.producer({ 'acks': -1, 'enable.idempotence': true, 'linger.ms': 5 } as never);
      await producer.connect();
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
          { topic, partition: reader.partition, offset: f.offset, stage: f.stage, ...(withMessages ? { key: b64(reader.key(f.index)), value: b64(reader.value(f.index)) } : {}) },
          `${f.stage} failed, record sent to ${this.topic}: ${f.reason}`,
        );
      }
      const headers: Record<string, Buffer> = {};
      for (const h of reader.headers(f.index)) if (h.value) headers[h.name] = Buffer.from(h.value);
      if (this.contextHeaders) {
        Object.assign(headers, {
          '__connect.errors.topic': Buffer.from(topic),
          '__connect.errors.partition': Buffer.from(String(reader.partition)),
          '__connect.errors.offset': Buffer.from(String(f.offset)),
          '__connect.errors.connector.name': Buffer.from(this.connector),
          '__connect.errors.task.id': Buffer.from(`${os.hostname()}:${process.pid}`),
          '__connect.errors.stage': Buffer.from(connectStage(f)),
          '__connect.errors.class.name': Buffer.from('sluice'),
          '__connect.errors.exception.class.name': Buffer.from(EXCEPTION_CLASS[f.stage]),
          '__connect.errors.exception.message': Buffer.from(f.reason),
        });
      }
      const key = reader.key(f.index);
      const value = reader.value(f.index);
      const ts = reader.timestamp(f.index);
      return {
        key: key ? Buffer.from(key) : null,
        value: value ? Buffer.from(value) : null,
        headers,
        ...(ts >= 0 ? { timestamp: String(ts) } : {}),
      };
    });
    try {
      const producer = await this.connect();
      await producer.send({ topic: this.topic, messages: messages as never });
    } catch (err) {
      throw new RetriableError(`dead-letter topic ${this.topic}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const p = await this.producer?.catch(() => undefined);
    await p?.disconnect().catch(() => {});
  }
}

/** Kafka Connect's Stage of a failure: which converter failed, or TASK_PUT for what the sink could not take. */
export function connectStage(f: Pick<RecordFailure, 'stage' | 'part'>): string {
  if (f.stage !== 'decode') return 'TASK_PUT';
  return f.part === 'key' ? 'KEY_CONVERTER' : f.part === 'header' ? 'HEADER_CONVERTER' : 'VALUE_CONVERTER';
}

function b64(b: Uint8Array | null): string | null {
  return b ? Buffer.from(b).toString('base64') : null;
}
