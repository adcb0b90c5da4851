// KIP-875 for sink connectors: a connector's offsets are its consumer group's
// committed offsets (connect-<name>, or the connector's group.id). Altering and
// resetting happen only while the connector is STOPPED, so the group is
// empty: offsets are committed by a consumer that never joins the group
// (accepted by the broker for an empty group), and a reset deletes the group.
// Where the sink keeps its own position (exactly-once), that moves too, or the
// sink would seek back to it:
//   - PostgreSQL delivery.guarantee=exactly_once: the offsets table row of each
//     partition (postgres/offsets.ts) gets the new next offset, or NULL (reset),
//     and a new epoch, so nothing written under the old claim can land after;
//   - S3: each partition's set marker (s3-parquet/markers.ts) is first settled
//     (a half-uploaded set deleted, as on assignment), then removed, so reading
//     resumes at the group's offset.
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../errors.js';
import type { PostgresConfig } from '../sinks/postgres/config.js';
import { PgService } from '../sinks/postgres/service.js';
import type { S3Config } from '../sinks/s3-parquet/config.js';
import { qualifiedName, tableNameFor } from '../sinks/postgres/names.js';
import { markerKey, recoverPartition } from '../sinks/s3-parquet/markers.js';
import { S3Service } from '../sinks/s3-parquet/service.js';
import { credentialSource, writeParams } from '../sinks/s3-parquet/formats.js';
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

  private async moveSinkPositions(entries: readonly PartitionOffset[], all = false): Promise<void> {
    if (this.config.sink === 'postgres' && this.config.common['delivery.guarantee'] === 'exactly_once') await this.movePostgres(entries, all);
    if (this.config.sink === 's3') await this.moveS3(entries);
  }

  private async movePostgres(entries: readonly PartitionOffset[], all: boolean): Promise<void> {
    const c = this.config.options as PostgresConfig;
    const service = new PgService({
      url: c['connection.url'],
      user: c['connection.user'],
      password: c['connection.password'],
      poolSize: 1,
      statementTimeoutMs: c['pg.statement.timeout.ms'],
      timezone: c['db.timezone'],
      applicationName: `sluice:${this.config.common.name}:offsets`.slice(0, 63),
    });
    const table = qualifiedName(tableNameFor(c['pg.offsets.table'], ''));
    const connector = this.config.common.name;
    try {
      const exists = await service.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table], `looking up ${table}`);
      if (exists.rows[0]?.t == null) return;
      if (all) {
        await service.query(`UPDATE ${table} SET next_offset = NULL, epoch = epoch + 1, owner = NULL, updated_at = now() WHERE connector = $1`, [connector], `resetting offsets in ${table}`);
      }
      for (const e of entries) {
        await service.query(
          `INSERT INTO ${table} AS o (connector, topic, "partition", next_offset, epoch, owner) VALUES ($1, $2, $3, $4, 1, NULL)
           ON CONFLICT (connector, topic, "partition") DO UPDATE SET next_offset = EXCLUDED.next_offset, epoch = o.epoch + 1, owner = NULL, updated_at = now()`,
          [connector, e.topic, e.partition, e.offset === null ? null : String(e.offset)],
          `moving ${e.topic}[${e.partition}] in ${table}`,
        );
      }
      this.log.info({ table, partitions: all ? 'all' : entries.length }, 'exactly_once offsets table moved with the consumer group');
    } finally {
      await service.close().catch(() => {});
    }
  }

  private async moveS3(entries: readonly PartitionOffset[]): Promise<void> {
    const c = this.config.options as S3Config;
    const common = this.config.common;
    const log = this.log;
    const service = new S3Service({
      bucket: c['s3.bucket.name'],
      region: c['s3.region'],
      endpoint: c['store.url'],
      pathStyle: c['s3.path.style.access.enabled'] ?? c['store.url'] !== undefined,
      accessKeyId: c['aws.access.key.id'],
      secretAccessKey: c['aws.secret.access.key'],
      credentials: credentialSource(c['s3.credentials.provider.class'], Boolean(c['aws.access.key.id'])),
      write: writeParams(c),
      partSize: c['s3.part.size'],
      partConcurrency: 1,
      retry: { maxRetries: c['s3.part.retries'], initialDelayMs: c['s3.retry.backoff.ms'], maxDelayMs: common['errors.retry.delay.max.ms'], timeoutMs: common['errors.retry.timeout'], log },
      log,
    });
    const topicsDir = c['topics.dir'].replace(/^\/+|\/+$/g, '');
    try {
      for (const e of entries) {
        // Settle a half-uploaded set first (its objects go), then forget the marker.
        await recoverPartition(service, topicsDir, e.topic, e.partition);
        await service.delete([markerKey(topicsDir, e.topic, e.partition)]);
      }
    } finally {
      service.close();
    }
    if (entries.length > 0) this.log.info({ partitions: entries.length }, 'S3 set markers removed: reading resumes at the consumer group\'s offsets');
  }
}
