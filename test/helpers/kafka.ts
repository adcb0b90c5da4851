// Kafka helpers for tests: topics of their own, fast producing, and reading
// a group's committed offsets against the end offsets.
import Kafka from '@confluentinc/kafka-javascript';
import { KAFKA } from './stack.js';

const { KafkaJS } = Kafka;
const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: KafkaJS.logLevel.ERROR } });

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

export interface TestMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: Record<string, string | Buffer>;
  timestamp?: number;
}

/** Produces messages in chunks; resolves once the broker acknowledged all of them. */
/**
 * Produces `messages` in chunks. With `pauseMs`, waits that long after each chunk: a stream that
 * trickles in, so that a failure injected "mid-stream" cannot land after the whole stream was written.
 */
export async function produce(topic: string, messages: Iterable<TestMessage>, chunk = 5000, pauseMs = 0): Promise<number> {
  const producer = kafka.producer({ 'linger.ms': 5, 'batch.num.messages': 10000, 'compression.type': 'lz4', 'queue.buffering.max.kbytes': 262144 } as never);
  await producer.connect();
  let n = 0;
  try {
    let buf: TestMessage[] = [];
    const flush = async () => {
      if (buf.length === 0) return;
      await producer.send({
        topic,
        messages: buf.map((m) => ({
          key: m.key ?? null,
          value: m.value,
          partition: m.partition,
          headers: m.headers,
          timestamp: m.timestamp === undefined ? undefined : String(m.timestamp),
        })) as never,
      });
      n += buf.length;
      buf = [];
    };
    for (const m of messages) {
      buf.push(m);
      if (buf.length >= chunk) {
        await flush();
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return n;
}

/** Per partition: the group's committed offset and the log end offset. */
export async function groupProgress(groupId: string, topic: string): Promise<{ partition: number; committed: number; end: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map<number, number>();
    for (const t of committed) for (const p of t.partitions) byPartition.set(p.partition, Number(p.offset));
    return ends
      .map((e) => ({ partition: e.partition, committed: byPartition.get(e.partition) ?? -1, end: Number(e.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

export async function fullyCommitted(groupId: string, topic: string): Promise<boolean> {
  const prog = await groupProgress(groupId, topic);
  // An empty partition has nothing to commit (committed stays -1).
  return prog.every((p) => p.committed === p.end || (p.end === 0 && p.committed < 0));
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads the first `n` messages of a topic (all partitions), or fails after `timeoutMs`. */
export async function readTopic(topic: string, n: number, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ kafkaJS: { groupId: `reader-${topic}-${Date.now()}`, fromBeginning: true } });
  await consumer.connect();
  const got: ReadMessage[] = [];
  try {
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${n} messages from ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({
            partition, offset: message.offset,
            key: message.key === null ? null : String(message.key),
            value: message.value === null ? null : String(message.value),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          });
          if (got.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Every header, in order: [name, value]. */
  headers: [string, string][];
  partition?: number;
}

/**
 * Produces with the binding's own producer: headers as a list (repeated names
 * kept, in order), and empty keys and values kept empty (the KafkaJS-style
 * producer cannot do either).
 */
export async function produceRaw(topic: string, messages: readonly RawMessage[]): Promise<void> {
  const producer = new Kafka.HighLevelProducer({ 'bootstrap.servers': KAFKA, 'linger.ms': 5 } as never);
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  // A zero-length Buffer without a backing store reaches librdkafka as NULL; a view into a real one stays empty.
  const bytes = (b: Buffer | null) => (b === null ? null : b.length === 0 ? Buffer.alloc(1).subarray(0, 0) : b);
  try {
    await Promise.all(messages.map((m) => new Promise<void>((resolve, reject) => {
      const headers = m.headers.map(([k, v]) => ({ [k]: bytes(Buffer.from(v))! }));
      producer.produce(topic, m.partition ?? null, bytes(m.value), bytes(m.key), null, headers as never, (err: unknown) => (err ? reject(err) : resolve()));
    })));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

/** Reads the first `n` messages of a topic with the binding's consumer: null and empty kept apart, headers as a list. */
export async function readTopicRaw(topic: string, n: number, timeoutMs = 60_000): Promise<(RawMessage & { offset: number; partition: number })[]> {
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': KAFKA, 'group.id': `raw-reader-${topic}-${Date.now()}`, 'enable.auto.commit': false } as never,
    { 'auto.offset.reset': 'earliest' } as never,
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  const got: (RawMessage & { offset: number; partition: number })[] = [];
  try {
    consumer.subscribe([topic]);
    const deadline = Date.now() + timeoutMs;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`read ${got.length} of ${n} messages from ${topic} in ${timeoutMs} ms`);
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(100, (err, ms) => (err ? reject(err) : resolve(ms ?? []))));
      for (const m of batch) {
        const headers: [string, string][] = [];
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers.push([k, String(v)]);
        got.push({ partition: m.partition, offset: m.offset, key: m.key == null ? null : Buffer.from(m.key), value: m.value, headers });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return got;
}
