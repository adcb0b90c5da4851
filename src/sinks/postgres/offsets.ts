// Exactly-once: each partition's next offset lives in a sink-owned table and
// moves in the SAME transaction as the rows, so rows and position are durable
// together or not at all. On assignment an instance claims its partitions:
// the claim bumps the row's epoch (waiting for any transaction that holds the
// row, i.e. a previous owner's in-flight write) and reads the position to seek
// to. Every write locks its partitions' rows (SELECT … FOR UPDATE) and goes on
// only if the epoch is still its claim's and the stored offset is the one it
// expects; a zombie (a revoked owner still writing) finds a newer epoch, and
// its write is rolled back and dropped, not duplicated.
import pg from 'pg';
import { SluiceError } from '../../errors.js';
import { tpKey, type TopicPartition } from '../common/sink.js';
import { qualifiedName, type TableName } from './names.js';
import type { PgService } from './service.js';

export interface Claim {
  readonly epoch: number;
  /** Next offset to write; null when nothing was ever stored for the partition. */
  next: number | null;
  /** Set when a write found the partition claimed by another instance. */
  fenced?: boolean;
}

export interface PartitionAdvance {
  readonly topic: string;
  readonly partition: number;
  readonly claim: Claim;
  /** The next offset after this write. */
  readonly next: number;
}

export type CheckResult =
  | { kind: 'go' }
  /** This very write was committed before (a COMMIT whose answer was lost): nothing to do. */
  | { kind: 'done' }
  | { kind: 'fenced'; partitions: TopicPartition[]; why: string };

/** This instance's current claim of each partition, as the last claim() returned it. */
export class Claims {
  private readonly byKey = new Map<string, Claim>();

  set(key: string, claim: Claim): void {
    this.byKey.set(key, claim);
  }

  get(topic: string, partition: number): Claim | undefined {
    return this.byKey.get(tpKey(topic, partition));
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Whether a batch submitted under `claim` may still be written: no claim (not exactly-once), or the partition's current claim and not fenced. */
  holds(topic: string, partition: number, claim: Claim | undefined): boolean {
    if (!claim) return true;
    return !claim.fenced && this.byKey.get(tpKey(topic, partition)) === claim;
  }
}

export class OffsetStore {
  readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly service: PgService,
    table: TableName,
    private readonly connector: string,
    private readonly owner: string,
  ) {
    this.table = qualifiedName(table);
  }

  /** Creates the offsets table once (IF NOT EXISTS, under the DDL lock, so instances may race). */
  ensureTable(): Promise<void> {
    this.ready ??= this.service
      .withDdlLock(this.table, `creating the offsets table ${this.table}`, async (c) => {
        await c.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          connector text NOT NULL,
          topic text NOT NULL,
          "partition" integer NOT NULL,
          next_offset bigint,
          epoch bigint NOT NULL,
          owner text,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (connector, topic, "partition"))`);
      })
      .catch((err) => {
        this.ready = undefined;
        throw err;
      });
    return this.ready;
  }

  /** Claims partitions for this instance: new epochs, and the stored positions to seek to. */
  async claim(tps: readonly TopicPartition[]): Promise<Map<string, Claim>> {
    await this.ensureTable();
    const sorted = [...tps].sort(byTopicPartition);
    const res = await this.service.query<{ topic: string; partition: number; next_offset: string | null; epoch: string }>(
      `INSERT INTO ${this.table} AS o (connector, topic, "partition", next_offset, epoch, owner)
       SELECT $1, u.t, u.p, NULL, 1, $4 FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS u(t, p, ord) ORDER BY u.ord
       ON CONFLICT (connector, topic, "partition") DO UPDATE SET epoch = o.epoch + 1, owner = EXCLUDED.owner, updated_at = now()
       RETURNING o.topic, o."partition" AS partition, o.next_offset::text AS next_offset, o.epoch::text AS epoch`,
      [this.connector, sorted.map((t) => t.topic), sorted.map((t) => t.partition), this.owner],
      `claiming ${tps.length} partitions in ${this.table}`,
    );
    const out = new Map<string, Claim>();
    for (const r of res.rows) {
      out.set(tpKey(r.topic, r.partition), { epoch: Number(r.epoch), next: r.next_offset === null ? null : Number(r.next_offset) });
    }
    return out;
  }

  /** Inside the write's transaction: lock the rows, then decide whether the write may go on. */
  async check(client: pg.PoolClient, adv: readonly PartitionAdvance[]): Promise<CheckResult> {
    const sorted = [...adv].sort(byTopicPartition);
    const res = await client.query<{ topic: string; partition: number; next_offset: string | null; epoch: string }>(
      `SELECT o.topic, o."partition" AS partition, o.next_offset::text AS next_offset, o.epoch::text AS epoch
         FROM ${this.table} o JOIN unnest($2::text[], $3::int[]) AS u(t, p) ON o.topic = u.t AND o."partition" = u.p
        WHERE o.connector = $1
        ORDER BY o.topic, o."partition"
        FOR UPDATE OF o`,
      [this.connector, sorted.map((a) => a.topic), sorted.map((a) => a.partition)],
    );
    const rows = new Map(res.rows.map((r) => [tpKey(r.topic, r.partition), r]));
    let done = 0;
    const fenced: TopicPartition[] = [];
    const why: string[] = [];
    for (const a of sorted) {
      const r = rows.get(tpKey(a.topic, a.partition));
      const stored = r?.next_offset == null ? null : Number(r.next_offset);
      if (!r || Number(r.epoch) !== a.claim.epoch) {
        fenced.push({ topic: a.topic, partition: a.partition });
        why.push(`${a.topic}[${a.partition}] claimed by another instance (epoch ${r?.epoch ?? 'none'}, ours ${a.claim.epoch})`);
      } else if (stored === a.claim.next) {
        // the expected position: go on
      } else if (stored === a.next) done++;
      else {
        fenced.push({ topic: a.topic, partition: a.partition });
        why.push(`${a.topic}[${a.partition}] stored next offset ${stored} is neither the expected ${a.claim.next} nor this write's ${a.next}`);
      }
    }
    if (fenced.length > 0) return { kind: 'fenced', partitions: fenced, why: why.join('; ') };
    if (done === sorted.length) return { kind: 'done' };
    if (done > 0) throw new SluiceError(`offsets in ${this.table} are partly at this write's end and partly before it; refusing to guess`);
    return { kind: 'go' };
  }

  /** Inside the write's transaction, after the rows: the new positions. */
  async advance(client: pg.PoolClient, adv: readonly PartitionAdvance[]): Promise<void> {
    const sorted = [...adv].sort(byTopicPartition);
    await client.query(
      `UPDATE ${this.table} o SET next_offset = u.n, updated_at = now()
         FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n)
        WHERE o.connector = $1 AND o.topic = u.t AND o."partition" = u.p`,
      [this.connector, sorted.map((a) => a.topic), sorted.map((a) => a.partition), sorted.map((a) => String(a.next))],
    );
  }
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

