// What the engine needs of a Kafka source, whichever consumer reads Kafka:
// the native addon (records copied by C straight into the engine's batch
// buffers) or the @confluentinc/kafka-javascript binding (a JS object per
// message, copied by the main thread). Both fill the same batch buffers.
import { explainKafkaFailure, type KafkaSecurityContext } from '../config/kafka-security.js';
import { KafkaFatalError } from '../errors.js';
import type { BatchWriter } from '../core/batch-layout.js';
import { tpKey, type TopicPartition } from '../core/topic-partition.js';

export interface PartitionOffset extends TopicPartition {
  offset: number;
}

/** Calls a source makes into the engine when the group changes or fails. */
export interface SourceHandlers {
  /** New partitions; may return the positions to start from (exactly-once). */
  onAssign(partitions: TopicPartition[]): Promise<Map<string, number> | undefined>;
  /** Partitions going away cleanly: finish and commit their work first. */
  onRevoke(partitions: TopicPartition[]): Promise<void>;
  /** Partitions already taken by another member: drop their work, commit nothing. */
  onLost(partitions: TopicPartition[]): void;
  onError(err: Error): void;
}

/**
 * The engine's side of intake: the open batch of each partition. A source
 * writes records into the writer it is given and then reports them with
 * appended(); the engine owns sealing, accounting and backpressure.
 */
export interface BatchIntake {
  /** The partition's open batch, opened with room for a record of minData bytes; undefined when the partition is not ours. */
  open(topic: string, partition: number, minData: number): BatchWriter | undefined;
  /** The open batch cannot take the next record: seal it and open another with room for minData bytes. */
  rollover(topic: string, partition: number, minData: number): BatchWriter | undefined;
  /** The open batch, if any (a batch sealed on linger or capacity is no longer open). */
  current(topic: string, partition: number): BatchWriter | undefined;
  /** `records` records of `bytes` Kafka bytes were appended to the partition's open batch. */
  appended(topic: string, partition: number, records: number, bytes: number): void;
  /** After each poll, when the source writes nothing: close lingering batches, apply backpressure. `intakeMicros`: main-thread time spent on intake. */
  polled(intakeMicros: number): void;
}

export interface Source {
  readonly kind: 'native' | 'binding';
  /** True while the source may be writing into open batches from another thread: the engine must not seal them then. */
  readonly writing: boolean;
  connect(): Promise<void>;
  /** Consumes until stop(), writing into the intake's batches. */
  start(intake: BatchIntake): void;
  /** Stops consuming; resolves when no poll or rebalance is in progress. */
  stop(): Promise<void>;
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
  /** Commits the given next-offsets; resolves when the broker has them. */
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** The last high watermark the client saw for a partition, or undefined. */
  highWatermark(topic: string, partition: number): number | undefined;
  disconnect(): Promise<void>;
}

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
  /** Where authentication and TLS settings came from, so that a failure names them. */
  security?: KafkaSecurityContext;
}

/**
 * A failure to reach Kafka: an authentication or certificate failure says
 * which setting to check (it will not heal by waiting); anything else keeps
 * librdkafka's text.
 */
export function connectFailure(opts: SourceOptions, detail: string, cause: unknown, code?: number): KafkaFatalError {
  const explained = explainKafkaFailure(detail, opts.security, code);
  return new KafkaFatalError(explained ? `cannot connect to Kafka at ${opts.bootstrapServers}: ${explained}` : `cannot connect to Kafka at ${opts.bootstrapServers}: ${detail}`, { cause });
}

/** librdkafka's ERR__AUTHENTICATION: the broker refused the credentials; retrying the same ones cannot succeed. */
export const ERR_AUTHENTICATION = -169;

/** An error event after connecting that no retry cures: refused credentials, an untrusted certificate. */
export function isPermanentKafkaError(code: number, message: string): boolean {
  // The binding reports librdkafka's ERR__AUTHENTICATION as "authentication failure" (code -1).
  return code === ERR_AUTHENTICATION || /^authentication failure$|SASL authentication error|certificate verify failed/i.test(message);
}

/** Messages asked of librdkafka per consume() call. */
export const CONSUME_BATCH = 5_000;

/** Properties Sluice needs for its guarantees; config cannot change them. */
export const FIXED_CONSUMER_PROPERTIES = {
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

/**
 * Bytes librdkafka may hold before the engine sees them: its local queue of
 * prefetched messages (queued.max.messages.kbytes) plus a fetch response in
 * flight (fetch.max.bytes), with Sluice's defaults or what config sets. They
 * count against inflight.max.bytes.
 */
export function prefetchBytes(overrides: Readonly<Record<string, string>>): number {
  const num = (k: string): number => {
    const v = Number(overrides[k] ?? CONSUMER_DEFAULTS[k]);
    return Number.isFinite(v) && v > 0 ? v : Number(CONSUMER_DEFAULTS[k]);
  };
  return num('queued.max.messages.kbytes') * 1024 + num('fetch.max.bytes');
}

/** The librdkafka properties of Sluice's consumer: defaults, then config, then what Sluice's guarantees fix. */
export function consumerProperties(opts: SourceOptions): Record<string, string | number | boolean> {
  for (const k of Object.keys(FIXED_CONSUMER_PROPERTIES)) {
    if (k in opts.overrides) throw new KafkaFatalError(`kafka.${k} cannot be changed: Sluice commits only what is durable`);
  }
  return {
    ...CONSUMER_DEFAULTS,
    ...opts.overrides,
    ...FIXED_CONSUMER_PROPERTIES,
    'bootstrap.servers': opts.bootstrapServers,
    'group.id': opts.groupId,
    'client.id': opts.clientId,
  };
}

/** What to subscribe to: the topics, or the regex as librdkafka takes it (a leading ^). */
export function subscription(opts: SourceOptions): string[] {
  return opts.topicsRegex !== undefined ? [`^${opts.topicsRegex.replace(/^\^/, '')}`] : opts.topics!;
}

/** Newly assigned partitions with the positions the engine says to start from (exactly-once), where it has one. */
export function withStartOffsets(tps: TopicPartition[], positions: Map<string, number> | undefined): (TopicPartition & { offset?: number })[] {
  return tps.map((tp) => {
    const offset = positions?.get(tpKey(tp.topic, tp.partition));
    return offset === undefined ? tp : { ...tp, offset };
  });
}

export const tpDescribe = (tps: readonly TopicPartition[]): string => {
  const by = new Map<string, number[]>();
  for (const tp of tps) by.set(tp.topic, [...(by.get(tp.topic) ?? []), tp.partition]);
  return [...by].map(([t, ps]) => `${t}[${ps.sort((a, b) => a - b).join(',')}]`).join(' ');
};
