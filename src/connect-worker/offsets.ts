// KIP-875 for sink connectors: a connector's offsets are its consumer group's
// committed offsets (connect-<name>, or the connector's group.id). Altering and
// resetting happen only while the connector is STOPPED, so the group is
// empty: offsets are committed by a consumer that never joins the group
// (accepted by the broker for an empty group), and a reset deletes the group.
// Where the sink keeps its own positions (exactly-once), its registry record
// moves them too (SinkModule.movePositions), or it would seek back to them:
// PostgreSQL's offsets table (postgres/offsets-admin.ts), S3's set markers
// (s3-parquet/markers-admin.ts).
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../errors.js';
import { SINKS } from '../sinks/registry.js';
import { kafkaClient } from './kafka-log.js';

/** One partition's offset in KIP-875's request and response shape. */
export interface SinkOffset {
  readonly partition: { readonly kafka_topic: string; readonly kafka_partition: number };
  readonly offset: { readonly kafka_offset: number } | null;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** null: forget the partition's offset. */
  readonly offset: number | null;
}

/** Checks a PATCH body ({"offsets": [...]}) as Connect's sink connectors do; throws Error with the problem. */
export function parseOffsetsBody(body: unknown): PartitionOffset[] {
  const list = (body as { offsets?: unknown } | null)?.offsets;
  if (!Array.isArray(list)) throw new Error('Offsets must be specified as a JSON object with an "offsets" array');
  return list.map((e: unknown, i) => {
    const p = (e as { partition?: Record<string, unknown> })?.partition;
    const o = (e as { offset?: Record<string, unknown> | null })?.offset;
    if (!p || typeof p !== 'object') throw new Error(`offsets[${i}]: the partition must be a JSON object with kafka_topic and kafka_partition`);
    const topic = p.kafka_topic;
    const partition = typeof p.kafka_partition === 'string' ? Number(p.kafka_partition) : p.kafka_partition;
    if (typeof topic !== 'string' || topic === '') throw new Error(`offsets[${i}]: kafka_topic must be a non-empty string`);
    if (!Number.isSafeInteger(partition) || (partition as number) < 0) throw new Error(`offsets[${i}]: kafka_partition must be a non-negative integer`);
    if (o === null || o === undefined) return { topic, partition: partition as number, offset: null };
    const raw = typeof o.kafka_offset === 'string' ? Number(o.kafka_offset) : o.kafka_offset;
    if (!Number.isSafeInteger(raw) || (raw as number) < 0) throw new Error(`offsets[${i}]: kafka_offset must be a non-negative integer`);
    return { topic, partition: partition as number, offset: raw as number };
  });
}

/** Kafka's error codes for DeleteGroups. */
const GROUP_ID_NOT_FOUND = 69;
const NON_EMPTY_GROUP = 68;

interface RdCommitter {
  connect(opts: { timeout: number }, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
  commitSync(tps: { topic: string; partition: number; offset: number }[]): void;
  queryWatermarkOffsets(topic: string, partition: number, timeout: number, cb: (err: Error | null, w: { highOffset: number; lowOffset: number }) => void): void;
}

export class ConnectorOffsets {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly log: Logger,
  ) {}

  private client() {
    return kafkaClient(this.config.common['bootstrap.servers'], this.config.kafka, `sluice-${this.config.common.name}-offsets`);
  }

  /** The group's committed offsets, in KIP-875's shape. */
  async get(): Promise<SinkOffset[]> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      const topics = await admin.fetchOffsets({ groupId: this.config.groupId });
      const out: SinkOffset[] = [];
      for (const t of topics) {
        for (const p of t.partitions) {
          const offset = Number(p.offset);
          if (offset >= 0) out.push({ partition: { kafka_topic: t.topic, kafka_partition: p.partition }, offset: { kafka_offset: offset } });
        }
      }
      const order = (o: SinkOffset) => [o.partition.kafka_topic, o.partition.kafka_partition] as const;
      return out.sort((a, b) => {
        const [ta, pa] = order(a);
        const [tb, pb] = order(b);
        return ta < tb ? -1 : ta > tb ? 1 : pa - pb;
      });
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** PATCH: moves the given partitions (the connector is STOPPED). */
  async alter(entries: readonly PartitionOffset[]): Promise<void> {
    if (entries.length === 0) return;
    const consumer = new Kafka.KafkaConsumer({
      ...this.config.kafka,
      'bootstrap.servers': this.config.common['bootstrap.servers'],
      'group.id': this.config.groupId,
      'enable.auto.commit': false,
    } as never, {}) as unknown as RdCommitter;
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    try {
      // Connect deletes a null partition's offset; without that call in this client, the partition is set where
      // auto.offset.reset would start it (the log's beginning, or end with latest).
      const latest = this.config.kafka['auto.offset.reset'] === 'latest' || this.config.kafka['auto.offset.reset'] === 'largest';
      const commits = await Promise.all(entries.map(async (e) => {
        if (e.offset !== null) return { topic: e.topic, partition: e.partition, offset: e.offset };
        const w = await new Promise<{ highOffset: number; lowOffset: number }>((resolve, reject) =>
          consumer.queryWatermarkOffsets(e.topic, e.partition, 10_000, (err, wm) => (err ? reject(err) : resolve(wm))));
        return { topic: e.topic, partition: e.partition, offset: latest ? w.highOffset : w.lowOffset };
      }));
      try {
        consumer.commitSync(commits);
      } catch (err) {
        const why = errorMessage(err);
        const members = /member|generation|rebalanc/i.test(why) ? '; the group must have no members: is a worker still running the connector?' : '';
        throw new Error(`committing offsets for group ${this.config.groupId} failed (${why})${members}`);
      }
    } finally {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
    await this.moveSinkPositions(entries);
  }

  /** DELETE: forgets every offset (the group, and the sink's own positions). */
  async reset(): Promise<void> {
    const current = await this.get();
    const admin = this.client().admin();
    await admin.connect();
    const partitions = new Map<string, PartitionOffset>();
    for (const o of current) partitions.set(`${o.partition.kafka_topic}/${o.partition.kafka_partition}`, { topic: o.partition.kafka_topic, partition: o.partition.kafka_partition, offset: null });
    try {
      // The sink may hold positions of partitions the group never committed: every partition of the named topics.
      const topics = this.config.common.topics ?? [];
      if (topics.length > 0) {
        for (const t of await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => [])) {
          for (const p of t.partitions) partitions.set(`${t.name}/${p.partitionId}`, { topic: t.name, partition: p.partitionId, offset: null });
        }
      }
      await admin.deleteGroups([this.config.groupId]);
    } catch (err) {
      // A group that has no offsets yet does not exist: nothing to delete.
      const groups = (err as { groups?: { errorCode?: number; error?: { message?: string } }[] }).groups ?? [];
      const why = groups.map((g) => g.error?.message ?? `error code ${g.errorCode}`).join('; ') || errorMessage(err);
      if (!(groups.length > 0 && groups.every((g) => g.errorCode === GROUP_ID_NOT_FOUND)) && !/not.?found|does not exist/i.test(why)) {
        throw new Error(`deleting consumer group ${this.config.groupId}: ${why}${groups.some((g) => g.errorCode === NON_EMPTY_GROUP) ? ' (a worker is still in the group)' : ''}`);
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await this.moveSinkPositions([...partitions.values()], true);
  }

  /** Where the sink keeps its own positions (exactly-once), they move too (SinkModule.movePositions). */
  private async moveSinkPositions(entries: readonly PartitionOffset[], all = false): Promise<void> {
    const sink = SINKS.find((s) => s.kind === this.config.sink);
    await sink?.movePositions?.(this.config, entries, all, this.log);
  }
}
