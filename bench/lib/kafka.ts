// Kafka for the benchmarks: topics of their own, a fast bulk producer, a
// fixed-rate producer that records when each record was sent, and group
// progress. Copied in spirit from test/helpers/kafka.ts so bench does not
// import test code.
import Kafka from '@confluentinc/kafka-javascript';

const { KafkaJS, Producer } = Kafka;

export async function withAdmin<T>(brokers: string, fn: (admin: ReturnType<InstanceType<typeof KafkaJS.Kafka>['admin']>) => Promise<T>): Promise<T> {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: KafkaJS.logLevel.ERROR } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  await withAdmin(brokers, (a) => a.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] }).then(() => undefined));
}

export async function deleteTopics(brokers: string, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  await withAdmin(brokers, (a) => a.deleteTopics({ topics, timeout: 30_000 })).catch(() => {});
}

/** Log end offset per partition. */
export async function endOffsets(brokers: string, topic: string): Promise<number[]> {
  const ends = await withAdmin(brokers, (a) => a.fetchTopicOffsets(topic));
  const out: number[] = [];
  for (const e of ends) out[e.partition] = Number(e.high);
  return out;
}

export interface OutMessage {
  partition: number;
  key: Buffer | null;
  value: Buffer;
}

const QUEUE_FULL = -184;

type RdProducer = InstanceType<typeof Producer>;

export interface ProducerOptions {
  brokers: string;
  compression: string;
  /** Called with (partition, offset, opaque) for every acknowledged record. */
  onDelivery?: (partition: number, offset: number, opaque: number) => void;
  lingerMs?: number;
}

/** A librdkafka producer with delivery reports; records are acknowledged by the broker before flush() resolves. */
export class BenchProducer {
  private readonly p: RdProducer;
  private failed?: Error;
  private pending = 0;
  constructor(private readonly opts: ProducerOptions) {
    this.p = new Producer({
      'bootstrap.servers': opts.brokers,
      'compression.type': opts.compression as never,
      'linger.ms': opts.lingerMs ?? 20,
      'batch.num.messages': 10_000,
      'batch.size': 1_000_000,
      'queue.buffering.max.kbytes': 262_144,
      'queue.buffering.max.messages': 1_000_000,
      acks: 'all',
      dr_cb: true,
    } as never);
    this.p.on('delivery-report', (err, report) => {
      this.pending--;
      if (err) this.failed ??= new Error(`produce failed: ${err.message}`);
      else opts.onDelivery?.(report.partition, Number(report.offset), report.opaque as number);
    });
    this.p.setPollInterval(5);
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => this.p.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`producer cannot connect to ${this.opts.brokers}: ${err.message}`)) : resolve())));
  }

  /** Queues one record; waits when librdkafka's queue is full. */
  async send(topic: string, m: OutMessage, opaque = 0, timestamp?: number): Promise<void> {
    if (this.failed) throw this.failed;
    for (;;) {
      try {
        this.p.produce(topic, m.partition, m.value, m.key, timestamp ?? null, opaque);
        this.pending++;
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== QUEUE_FULL) throw err;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  async flush(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.p.flush(60_000, (err) => (err ? reject(err) : resolve())));
    while (this.pending > 0 && !this.failed) await new Promise((r) => setTimeout(r, 5));
    if (this.failed) throw this.failed;
  }

  async disconnect(): Promise<void> {
    await new Promise<void>((resolve) => this.p.disconnect(() => resolve()));
  }
}

/** Produces every message, then waits until the broker acknowledged all of them. */
export async function produceAll(
  brokers: string, topic: string, messages: Iterable<OutMessage>, compression: string, onProgress?: (n: number) => void,
): Promise<number> {
  const producer = new BenchProducer({ brokers, compression });
  await producer.connect();
  let n = 0;
  try {
    for (const m of messages) {
      await producer.send(topic, m);
      if (++n % 10_000 === 0) onProgress?.(n);
    }
    await producer.flush();
    onProgress?.(n);
  } finally {
    await producer.disconnect();
  }
  return n;
}

/** Per partition: the group's committed offset (-1 when none) and the log end offset. */
export async function groupProgress(brokers: string, groupId: string, topic: string): Promise<{ partition: number; committed: number; end: number }[]> {
  return withAdmin(brokers, async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map<number, number>();
    for (const t of committed) for (const p of t.partitions) byPartition.set(p.partition, Number(p.offset));
    return ends
      .map((e) => ({ partition: e.partition, committed: byPartition.get(e.partition) ?? -1, end: Number(e.high) }))
      .sort((a, b) => a.partition - b.partition);
  });
}

export async function deleteGroups(brokers: string, groups: string[]): Promise<void> {
  if (groups.length === 0) return;
  await withAdmin(brokers, (a) => a.deleteGroups(groups)).catch(() => {});
}
