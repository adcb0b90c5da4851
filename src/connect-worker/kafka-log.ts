// A compacted topic read from the beginning by every worker and written by
// any (Kafka Connect's KafkaBasedLog): the config and status topics. Reading
// uses a plain assignment (no group: every worker reads every partition);
// readToEnd() waits until everything written before the call has been seen,
// so a REST call answers from state that includes the writes before it.
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';

interface RdMessage {
  topic: string;
  partition: number;
  offset: number;
  key?: Buffer | string | null;
  value: Buffer | null;
  timestamp?: number;
}

interface RdConsumer {
  connect(opts: { timeout: number }, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
  assign(tps: { topic: string; partition: number; offset?: number }[]): void;
  consume(n: number, cb: (err: Error | null, messages: RdMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  queryWatermarkOffsets(topic: string, partition: number, timeout: number, cb: (err: Error | null, w: { highOffset: number; lowOffset: number }) => void): void;
  on(event: 'event.error', cb: (err: Error) => void): void;
}

export interface LogRecord {
  readonly key: string;
  /** Parsed JSON value; null for a tombstone. */
  readonly value: Record<string, unknown> | null;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
}

export interface KafkaLogOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly bootstrapServers: string;
  readonly kafka: Readonly<Record<string, string>>;
  readonly clientId: string;
  readonly log: Logger;
}

type Admin = ReturnType<InstanceType<typeof Kafka.KafkaJS.Kafka>['admin']>;
type Producer = ReturnType<InstanceType<typeof Kafka.KafkaJS.Kafka>['producer']>;

export function kafkaClient(bootstrapServers: string, kafka: Readonly<Record<string, string>>, clientId: string): InstanceType<typeof Kafka.KafkaJS.Kafka> {
  return new Kafka.KafkaJS.Kafka({
    ...kafka,
    'bootstrap.servers': bootstrapServers,
    'client.id': clientId,
    kafkaJS: { logLevel: Kafka.KafkaJS.logLevel.ERROR },
  } as never);
}

/** Creates a compacted topic unless it exists (Connect's TopicAdmin.createOrFindTopics). */
export async function ensureCompactedTopic(admin: Admin, topic: string, partitions: number, replicationFactor: number | undefined): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  try {
    await admin.createTopics({
      topics: [{
        topic,
        numPartitions: partitions,
        ...(replicationFactor !== undefined && replicationFactor > 0 ? { replicationFactor } : {}),
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      }],
    });
  } catch (err) {
    // Another worker created it first.
    if (!/already exists/i.test(errorMessage(err))) throw err;
  }
}

export class KafkaLog {
  private consumer?: RdConsumer;
  private producer?: Producer;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  /** Next offset to read, per partition. */
  private readonly next = new Map<number, number>();
  private waiters: { target: Map<number, number>; resolve: () => void }[] = [];
  partitionCount = 0;

  constructor(
    private readonly opts: KafkaLogOptions,
    private readonly onRecord: (r: LogRecord) => void,
  ) {}

  async start(): Promise<void> {
    const { opts } = this;
    const client = kafkaClient(opts.bootstrapServers, opts.kafka, opts.clientId);
    const admin = client.admin();
    await admin.connect();
    try {
      await ensureCompactedTopic(admin, opts.topic, opts.partitions, opts.replicationFactor);
      // Just created, the topic's metadata can lag for a moment.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const meta = await admin.fetchTopicMetadata({ topics: [opts.topic] }).catch(() => []);
        this.partitionCount = meta[0]?.partitions.length ?? 0;
        if (this.partitionCount > 0) break;
        if (Date.now() > deadline) throw new Error(`topic ${opts.topic} has no partitions in the cluster's metadata`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
    this.producer = client.producer({ 'enable.idempotence': true, acks: -1, 'linger.ms': 0 } as never);
    await this.producer.connect();
    const consumer = new Kafka.KafkaConsumer({
      ...opts.kafka,
      'bootstrap.servers': opts.bootstrapServers,
      // Never joins or commits: assign() only. Offsets start at the log's beginning.
      'group.id': `${opts.clientId}-reader`,
      'client.id': `${opts.clientId}-reader`,
      'enable.auto.commit': false,
      'enable.partition.eof': false,
    } as never, { 'auto.offset.reset': 'earliest' } as never) as unknown as RdConsumer;
    consumer.on('event.error', (err) => opts.log.warn({ topic: opts.topic }, `kafka (${opts.topic}): ${err.message}`));
    consumer.setDefaultConsumeTimeout(200);
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    this.consumer = consumer;
    const tps = Array.from({ length: this.partitionCount }, (_v, partition) => ({ topic: opts.topic, partition, offset: -2 }));
    consumer.assign(tps);
    this.running = true;
    this.loop = this.consumeLoop();
    await this.readToEnd();
  }

  private async consumeLoop(): Promise<void> {
    while (this.running) {
      const msgs = await new Promise<RdMessage[]>((resolve) => {
        this.consumer!.consume(500, (err, m) => {
          if (err) {
            this.opts.log.warn({ topic: this.opts.topic }, `kafka consume (${this.opts.topic}): ${err.message}`);
            setTimeout(() => resolve([]), 200);
          } else resolve(m ?? []);
        });
      });
      for (const m of msgs) {
        this.next.set(m.partition, m.offset + 1);
        const key = m.key == null ? '' : m.key.toString();
        let value: Record<string, unknown> | null = null;
        if (m.value !== null && m.value.length > 0) {
          try {
            value = JSON.parse(m.value.toString('utf8')) as Record<string, unknown>;
          } catch {
            this.opts.log.warn({ topic: this.opts.topic, key, offset: m.offset }, 'record is not JSON; ignored');
            continue;
          }
        }
        try {
          this.onRecord({ key, value, timestamp: m.timestamp ?? Date.now(), partition: m.partition, offset: m.offset });
        } catch (err) {
          this.opts.log.error({ topic: this.opts.topic, key }, `applying a record: ${errorMessage(err)}`);
        }
      }
      this.wake();
    }
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      for (const [p, end] of w.target) if ((this.next.get(p) ?? 0) < end) return true;
      w.resolve();
      return false;
    });
  }

  /** The end offset of a partition; a topic just created can answer "unknown partition" for a moment: asked again then. */
  private async endOffset(partition: number, deadline: number): Promise<{ highOffset: number; lowOffset: number }> {
    for (;;) {
      try {
        return await new Promise((resolve, reject) => {
          this.consumer!.queryWatermarkOffsets(this.opts.topic, partition, 5_000, (err, w) => (err ? reject(err) : resolve(w)));
        });
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`reading the end offsets of ${this.opts.topic}: ${errorMessage(err)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Resolves once every record written before the call has been applied. */
  async readToEnd(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const target = new Map<number, number>();
    await Promise.all(Array.from({ length: this.partitionCount }, async (_v, p) => {
      const w = await this.endOffset(p, deadline);
      if (w.highOffset > w.lowOffset) target.set(p, w.highOffset);
    }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.waiters.push({ target, resolve });
        this.wake();
      }),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out reading ${this.opts.topic} to its end`)), Math.max(1, deadline - Date.now()));
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Writes a record (null: tombstone) and waits for the broker's acknowledgement. */
  async send(key: string, value: Record<string, unknown> | null): Promise<void> {
    await this.producer!.send({ topic: this.opts.topic, messages: [{ key, value: value === null ? null : JSON.stringify(value) }] });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.producer?.disconnect().catch(() => {});
    const c = this.consumer;
    if (c) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}
