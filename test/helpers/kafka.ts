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
