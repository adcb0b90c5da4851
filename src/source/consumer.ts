// The Kafka side, on the main thread: a librdkafka consumer in a group with
// cooperative-sticky assignment, offsets stored and committed by Sluice only.
// Rebalance events are handed to the engine, which decides when to let go.
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { KafkaFatalError } from '../errors.js';
import type { TopicPartition } from '../sinks/common/sink.js';
import type { SourceMessage } from '../pipeline/batch-layout.js';

const { KafkaConsumer } = Kafka;

/** The part of the binding's KafkaConsumer Sluice uses (its typings lack some). */
interface RdConsumer {
  connect(opts: { timeout: number }, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
  isConnected(): boolean;
  subscribe(topics: (string | RegExp)[]): void;
  consume(n: number, cb: (err: Error | null, messages: unknown[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void;
  rebalanceProtocol(): 'COOPERATIVE' | 'EAGER' | 'NONE';
  assignmentLost(): boolean;
  assign(tps: (TopicPartition & { offset?: number })[]): void;
  unassign(): void;
  incrementalAssign(tps: (TopicPartition & { offset?: number })[]): void;
  incrementalUnassign(tps: TopicPartition[]): void;
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
  commitCb(offsets: PartitionOffset[], cb: (err: Error | null) => void): void;
  getWatermarkOffsets(topic: string, partition: number): { highOffset: number; lowOffset: number };
  on(event: 'event.error', cb: (err: Error & { code?: number; isFatal?: boolean }) => void): void;
}

export interface KafkaMessage extends SourceMessage {
  topic: string;
  partition: number;
  size: number;
}

export interface PartitionOffset extends TopicPartition {
  offset: number;
}

export interface SourceHandlers {
  /** New partitions; may return the positions to start from (exactly-once). */
  onAssign(partitions: TopicPartition[]): Promise<Map<string, number> | undefined>;
  /** Partitions going away cleanly: finish and commit their work first. */
  onRevoke(partitions: TopicPartition[]): Promise<void>;
  /** Partitions already taken by another member: drop their work, commit nothing. */
  onLost(partitions: TopicPartition[]): void;
  onError(err: Error): void;
}

/** Messages asked of librdkafka per consume() call: each is a live JS object until packed. */
export const CONSUME_BATCH = 5_000;

export interface SourceOptions {
  bootstrapServers: string;
  groupId: string;
  clientId: string;
  topics?: string[];
  topicsRegex?: string;
  /** librdkafka properties from config (kafka.* / consumer.override.*). */
  overrides: Record<string, string>;
  /** Messages asked of librdkafka per consume call. */
  consumeBatch: number;
}

/** Properties Sluice needs for its guarantees; config cannot change them. */
const FIXED = {
  'enable.auto.commit': false,
  'enable.auto.offset.store': false,
  'enable.partition.eof': false,
} as const;

/** Defaults tuned for throughput with bounded memory; config can change them. */
export const CONSUMER_DEFAULTS: Readonly<Record<string, string | number | boolean>> = {
  'partition.assignment.strategy': 'cooperative-sticky',
  'auto.offset.reset': 'earliest',
  // Fetch buffers stay resident until their last message is freed: modest
  // sizes keep peak RSS within 512 MiB at defaults at no measurable cost in
  // throughput (native-notes/results.md).
  'fetch.max.bytes': 8_388_608,
  'max.partition.fetch.bytes': 1_048_576,
  'fetch.wait.max.ms': 100,
  'queued.min.messages': 100_000,
  // The local prefetch queue is memory Sluice does not budget; keep it small.
  'queued.max.messages.kbytes': 4_096,
  // ...but then it fills often, and librdkafka's default (1 s) pause before the
  // next fetch once it is full cut ~1 KiB records to a fifth of the rate.
  'fetch.queue.backoff.ms': 10,
  'session.timeout.ms': 45_000,
  'max.poll.interval.ms': 300_000,
  'socket.keepalive.enable': true,
};

const ERR_ASSIGN = -175;
const ERR_REVOKE = -174;

export class KafkaSource {
  private readonly consumer: RdConsumer;
  private rebalance: Promise<void> = Promise.resolve();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  readonly assigned = new Set<string>();

  constructor(
    private readonly opts: SourceOptions,
    private readonly handlers: SourceHandlers,
    private readonly log: Logger,
  ) {
    for (const k of Object.keys(FIXED)) {
      if (k in opts.overrides) throw new KafkaFatalError(`kafka.${k} cannot be changed: Sluice commits only what is durable`);
    }
    const conf: Record<string, unknown> = {
      ...CONSUMER_DEFAULTS,
      ...opts.overrides,
      ...FIXED,
      'bootstrap.servers': opts.bootstrapServers,
      'group.id': opts.groupId,
      'client.id': opts.clientId,
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => this.onRebalance(err, assignment),
      offset_commit_cb: true,
    };
    // auto.offset.reset is a topic-level property: an empty topic config would
    // silently override it with librdkafka's default (latest).
    const topicConf = { 'auto.offset.reset': conf['auto.offset.reset'] };
    delete conf['auto.offset.reset'];
    this.consumer = new KafkaConsumer(conf as never, topicConf as never) as unknown as RdConsumer;
    this.consumer.setDefaultConsumeTimeout(100);
    // Wait only for the first message of a consume(n) call, not for each one.
    this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.consumer.on('event.error', (err: Error & { code?: number; isFatal?: boolean }) => {
      if (err.isFatal) handlers.onError(new KafkaFatalError(`Kafka: ${err.message}`, { cause: err }));
      else log.warn({ code: err.code }, `kafka: ${err.message}`);
    });
  }

  private onRebalance(err: { code: number }, assignment: TopicPartition[]): void {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    const cooperative = this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    const work = async (): Promise<void> => {
      if (err.code === ERR_ASSIGN) {
        const positions = await this.handlers.onAssign(tps);
        const withOffsets = tps.map((tp) => {
          const off = positions?.get(`${tp.topic}\u0000${tp.partition}`);
          return off === undefined ? tp : { ...tp, offset: off };
        });
        for (const tp of tps) this.assigned.add(`${tp.topic}\u0000${tp.partition}`);
        if (cooperative) this.consumer.incrementalAssign(withOffsets);
        else this.consumer.assign(withOffsets);
        this.log.info({ partitions: tps.length }, `assigned ${describe(tps)}`);
      } else if (err.code === ERR_REVOKE) {
        const lost = this.consumer.assignmentLost();
        for (const tp of tps) this.assigned.delete(`${tp.topic}\u0000${tp.partition}`);
        if (lost) this.handlers.onLost(tps);
        else await this.handlers.onRevoke(tps);
        if (cooperative) this.consumer.incrementalUnassign(tps);
        else this.consumer.unassign();
        this.log.info({ partitions: tps.length, lost }, `${lost ? 'lost' : 'revoked'} ${describe(tps)}`);
      } else {
        this.log.warn({ code: err.code }, 'unexpected rebalance event');
      }
    };
    this.rebalance = this.rebalance.then(work).catch((e: Error) => {
      if (this.consumer.isConnected()) this.handlers.onError(e);
    });
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new KafkaFatalError(`cannot connect to Kafka at ${this.opts.bootstrapServers}: ${err.message}`, { cause: err })) : resolve()));
    });
    if (this.opts.topicsRegex !== undefined) this.consumer.subscribe([`^${this.opts.topicsRegex.replace(/^\^/, '')}`]);
    else this.consumer.subscribe(this.opts.topics!);
  }

  /** Calls onMessages with each non-empty consume result until stop(). */
  start(onMessages: (msgs: KafkaMessage[]) => void): void {
    this.running = true;
    this.loopDone = (async () => {
      while (this.running) {
        await this.rebalance;
        if (!this.running) break;
        const msgs = await new Promise<KafkaMessage[]>((resolve) => {
          this.consumer.consume(this.opts.consumeBatch, (err, messages) => {
            if (err) {
              this.log.warn({ code: (err as { code?: number }).code }, `kafka consume: ${err.message}`);
              resolve([]);
            } else resolve((messages ?? []) as unknown as KafkaMessage[]);
          });
        });
        if (msgs.length > 0 && this.running) onMessages(msgs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
    await this.rebalance;
  }

  pause(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.pause(tps);
  }

  resume(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.resume(tps);
  }

  /** Commits the given next-offsets; resolves when the broker has them. */
  commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.consumer.commitCb(offsets, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The last high watermark librdkafka saw for a partition (from fetch responses), or undefined. */
  highWatermark(topic: string, partition: number): number | undefined {
    try {
      const w = this.consumer.getWatermarkOffsets(topic, partition);
      return w.highOffset >= 0 ? w.highOffset : undefined;
    } catch {
      return undefined;
    }
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => {
      if (!this.consumer.isConnected()) return resolve();
      this.consumer.disconnect(() => resolve());
    });
  }
}

function describe(tps: TopicPartition[]): string {
  const by = new Map<string, number[]>();
  for (const tp of tps) by.set(tp.topic, [...(by.get(tp.topic) ?? []), tp.partition]);
  return [...by].map(([t, ps]) => `${t}[${ps.sort((a, b) => a - b).join(',')}]`).join(' ');
}
