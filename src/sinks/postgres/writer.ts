// The PostgreSQL sink's writer: one group of encoded batches (write-queue.ts
// forms them) in ONE transaction: binary COPY straight into each table
// (insert), or into a temporary staging table followed by set-based
// statements (upsert, update, deletes; staging.ts). With
// delivery.guarantee=exactly_once the same transaction moves each
// partition's stored offset (offsets.ts). Retriable failures retry the group
// with backoff. Two failures change how the group is written, once each:
// a table changed under its plan (the bytes then go through a staging table
// of the plan's types), and a row PostgreSQL refuses (the group is then
// written row range by row range to find it: rejects.ts).
import type pg from 'pg';
import type { Logger } from 'pino';
import { RecordError, SluiceError, TableChangedError, errorMessage } from '../../errors.js';
import { tpKey, type EncodedBatch, type RejectedRecord } from '../common/sink.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import type { Claim, OffsetStore, PartitionAdvance } from './offsets.js';
import type { TableState } from './planner.js';
import { appendPieces, presentColumns, splitRuns, type Piece } from './absent.js';
import { outputAbsentRuns, outputTupleOffsets, outputTuples, type OutputHeader, type PgPlan } from './protocol.js';
import { isolateRejects, isRowDataError, rejectReason, sqlState, tupleStarts } from './rejects.js';
import type { PgService } from './service.js';
import { applyStatements, copyColumns, stagingDdl, stagingTable, type InsertMode } from './staging.js';

/** One table's tuples in an encoded batch (a batch holds one per table its records went to). */
export interface Segment {
  output: SharedArrayBuffer;
  header: OutputHeader;
  plan: PgPlan;
  state: TableState;
  /** A truncate event came before these tuples: the table is emptied first. */
  truncate: boolean;
}

/** A submitted batch, waiting to be written. */
export interface Pending {
  batch: EncodedBatch;
  segments: Segment[];
  /** Exactly-once: the partition's claim when the batch was submitted. */
  claim?: Claim;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface PartSegment {
  segment: Segment;
  pending: Pending;
}

/** What a group writes to one table. */
interface TablePart {
  state: TableState;
  plan: PgPlan;
  segments: PartSegment[];
  truncate: boolean;
  rows: number;
  deletes: number;
  /** Straight COPY into the table (insert mode, plan still current). */
  direct: boolean;
}

/** How a group is written; each starts false and is set at most once (GroupWriter.write). */
interface WriteMode {
  /** Every table through a staging table, even in insert mode: a table changed under its plan. */
  staging: boolean;
  /** Row range by row range under savepoints, to find the rows PostgreSQL refuses. */
  isolate: boolean;
}

/** A group of batches, laid out per table, with its offsets and a description for messages. */
interface Layout {
  tables: TablePart[];
  advances: PartitionAdvance[];
  /** "writing N rows to <tables> (topic … offset …)". */
  what: string;
  targets: string;
}

type Outcome = 'written' | 'done' | { fenced: Set<string>; why: string };

export interface GroupWriterOptions {
  service: PgService;
  mode: InsertMode;
  /** Exactly-once: the offsets table; absent otherwise. */
  offsets: OffsetStore | undefined;
  /** Retry settings of a group's transaction (its `what` is added here). */
  retry: Omit<RetryPolicy, 'what'>;
  log: Logger;
}

export class GroupWriter {
  private readonly service: PgService;
  private readonly mode: InsertMode;
  private readonly offsets: OffsetStore | undefined;
  private readonly retry: Omit<RetryPolicy, 'what'>;
  private readonly log: Logger;
  /** Staging tables that exist on a connection (they live as long as it does). */
  private readonly staged = new WeakMap<pg.PoolClient, Set<number>>();

  constructor(o: GroupWriterOptions) {
    this.service = o.service;
    this.mode = o.mode;
    this.offsets = o.offsets;
    this.retry = o.retry;
    this.log = o.log;
  }

  /**
   * One transaction for the group, every table its batches write (in the
   * order first met), and the offsets; returns the partitions found fenced
   * (nothing written then).
   */
  async write(group: readonly Pending[]): Promise<Set<string>> {
    const layout = this.layout(group);
    const mode: WriteMode = { staging: false, isolate: false };
    for (;;) {
      try {
        return this.settle(layout, await this.attempt(layout, mode));
      } catch (err) {
        // A table changed under a plan (another instance widened a column): the
        // encoded bytes still go in through a staging table of the plan's types.
        if (!mode.staging && layout.tables.some((t) => t.direct) && err instanceof TableChangedError) {
          for (const t of layout.tables) t.state.dropPlan();
          this.log.warn({ tables: layout.targets, err: errorMessage(err) }, 'table changed under the plan; writing through a staging table and re-planning');
          mode.staging = true;
          continue;
        }
        // One row PostgreSQL refuses (too long, NOT NULL, CHECK, UNIQUE…) aborts the whole group: find it.
        if (!mode.isolate && isRowDataError(sqlState(err))) {
          this.log.warn({ tables: layout.targets, err: errorMessage(err) }, 'PostgreSQL refused a row; writing the group again row range by row range to find it');
          mode.isolate = true;
          continue;
        }
        throw err;
      }
    }
  }

  /** The group's tuples per table (a truncate drops what came before it) and each partition's next offset. */
  private layout(group: readonly Pending[]): Layout {
    const parts = new Map<TableState, TablePart>();
    const advances = new Map<string, PartitionAdvance>();
    for (const p of group) {
      const b = p.batch;
      for (const g of p.segments) {
        let part = parts.get(g.state);
        if (!part) parts.set(g.state, (part = { state: g.state, plan: g.plan, segments: [], truncate: false, rows: 0, deletes: 0, direct: false }));
        // A truncate event empties the table: tuples of the group before it would be emptied too, so they are not written.
        if (g.truncate) {
          part.segments = [];
          part.rows = 0;
          part.deletes = 0;
          part.truncate = true;
        }
        part.segments.push({ segment: g, pending: p });
        part.rows += g.header.rows;
        part.deletes += g.header.deletes;
      }
      if (p.claim) {
        const key = tpKey(b.topic, b.partition);
        const prev = advances.get(key);
        advances.set(key, { topic: b.topic, partition: b.partition, claim: p.claim, next: Math.max(prev?.next ?? 0, b.lastOffset + 1) });
      }
    }
    const first = group[0]!.batch;
    const last = group[group.length - 1]!.batch;
    const tables = [...parts.values()];
    let rows = 0;
    let deletes = 0;
    for (const t of tables) {
      rows += t.rows;
      deletes += t.deletes;
    }
    const targets = tables.map((t) => `${t.truncate ? 'truncating ' : ''}${t.state.target}`).join(', ');
    const what = `writing ${rows} rows${deletes ? ` and ${deletes} deletes` : ''} to ${targets} (topic ${first.topic} partition ${first.partition} offset ${first.firstOffset}` +
      ` … topic ${last.topic} partition ${last.partition} offset ${last.lastOffset})`;
    return { tables, advances: [...advances.values()], what, targets };
  }

  /** One transaction (retried while the failure is retriable). */
  private attempt(layout: Layout, mode: WriteMode): Promise<Outcome> {
    const { tables, advances: adv, what } = layout;
    for (const t of tables) t.direct = !t.plan.staged && !mode.staging && !isStale(t.state, t.plan);
    return retryWithBackoff(
      () =>
        this.service.transaction(
          what,
          async (client): Promise<Outcome> => {
            if (this.offsets && adv.length > 0) {
              const check = await this.offsets.check(client, adv);
              if (check.kind === 'done') return 'done';
              if (check.kind === 'fenced') return { fenced: new Set(check.partitions.map((tp) => tpKey(tp.topic, tp.partition))), why: check.why };
            }
            for (const t of tables) await this.writeTable(client, t, mode.isolate, what);
            if (this.offsets && adv.length > 0) await this.offsets.advance(client, adv);
            return 'written';
          },
          (client) => {
            for (const t of tables) this.markStaged(client, t.plan, t.direct);
          },
        ),
      { ...this.retry, what },
    );
  }

  /** After the transaction: the claims move on, or the fenced partitions are marked so. */
  private settle(layout: Layout, outcome: Outcome): Set<string> {
    const adv = layout.advances;
    if (typeof outcome === 'object') {
      for (const a of adv) {
        if (outcome.fenced.has(tpKey(a.topic, a.partition))) a.claim.fenced = true;
      }
      this.log.warn({ tables: layout.targets, why: outcome.why }, 'exactly_once: partitions now belong to another instance; their pending batches are dropped, not written');
      return outcome.fenced;
    }
    for (const a of adv) a.claim.next = a.next;
    return new Set();
  }

  /** One table's part of a group, inside the group's transaction. */
  private async writeTable(client: pg.PoolClient, t: TablePart, isolate: boolean, what: string): Promise<void> {
    const { state: s, plan } = t;
    if (t.truncate) await client.query(`TRUNCATE ${s.target}`);
    if (t.rows + t.deletes === 0) return; // only a truncate
    const pieces = absentPieces(t.segments);
    if (pieces && !isolate) {
      await this.writePieces(client, s, plan, pieces, t.deletes > 0, what);
      return;
    }
    const viaCopy = !pieces && t.direct && (await this.typesStillMatch(client, s, plan));
    if (isolate) {
      await this.writeRejectingRows(client, s, plan, t.segments, viaCopy, t.deletes > 0, what);
      return;
    }
    const chunks = t.segments.map((x) => outputTuples(x.segment.output, x.segment.header));
    if (viaCopy) {
      const n = await this.service.copyBinary(client, s.target, copyColumns(plan.columns, false), chunks);
      if (n !== t.rows) throw new SluiceError(`${what}: COPY into ${s.target} reported ${n} rows, expected ${t.rows}`);
    } else {
      await this.writeStaged(client, s, plan, chunks, t.rows + t.deletes, t.deletes > 0, what);
    }
  }

  /**
   * The table's tuples again, in row ranges under savepoints (rejects.ts),
   * inside the group's transaction. A refused row either stops Sluice naming
   * its record, or, with a dead-letter topic, is sent there before this
   * transaction commits; every other row is written, in order.
   */
  private async writeRejectingRows(
    client: pg.PoolClient,
    s: TableState,
    plan: PgPlan,
    segments: readonly PartSegment[],
    viaCopy: boolean,
    hasDeletes: boolean,
    what: string,
  ): Promise<void> {
    const rows: { bytes: Uint8Array; offset: number; pending: Pending; absent: readonly number[] | undefined }[] = [];
    let anyAbsent = false;
    for (const { segment: g, pending: p } of segments) {
      const tuples = outputTuples(g.output, g.header);
      const count = g.header.rows + g.header.deletes;
      const starts = tupleStarts(tuples, count);
      const offsets = outputTupleOffsets(g.output, g.header);
      const runs = outputAbsentRuns(g.output, g.header);
      let absent: readonly number[] | undefined;
      for (let i = 0, r = 0; i < count; i++) {
        if (runs && r < runs.runs.length && runs.runs[r] === i) {
          const set = runs.runs[r + 1]!;
          absent = set < 0 ? undefined : runs.sets[set];
          r += 2;
        }
        if (absent) anyAbsent = true;
        rows.push({ bytes: tuples.subarray(starts[i]!, starts[i + 1]!), offset: offsets[i]!, pending: p, absent });
      }
    }
    const stage = stagingTable(plan.id);
    // A deferred constraint would fail only at COMMIT, after every range seemed fine.
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    if (!viaCopy) await client.query(stagingDdl(plan.id, plan.columns, plan.staged));
    const rejected = new Map<Pending, RejectedRecord[]>();
    await isolateRejects(
      rows.length,
      async (lo, hi) => {
        await client.query('SAVEPOINT sluice_rows');
        try {
          const chunks = rows.slice(lo, hi).map((r) => r.bytes);
          if (anyAbsent) {
            const pieces = appendPieces([], rows.slice(lo, hi).map((r) => ({ chunks: [r.bytes], tuples: 1, absent: r.absent })));
            await this.writePieces(client, s, plan, pieces, hasDeletes, what);
          } else if (viaCopy) await this.service.copyBinary(client, s.target, copyColumns(plan.columns, false), chunks);
          else {
            await client.query(`TRUNCATE ${stage.ref}`);
            await this.writeStaged(client, s, plan, chunks, hi - lo, hasDeletes, what);
          }
          await client.query('RELEASE SAVEPOINT sluice_rows');
          return undefined;
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT sluice_rows');
          if (!isRowDataError(sqlState(err))) throw err;
          return err;
        }
      },
      async (i, err) => {
        const { offset, pending } = rows[i]!;
        const reason = `${s.target} refused the row: ${rejectReason(err)}`;
        if (!pending.batch.deadLetter) throw new RecordError({ topic: pending.batch.topic, partition: pending.batch.partition, offset: String(offset) }, 'write', reason);
        let list = rejected.get(pending);
        if (!list) rejected.set(pending, (list = []));
        // Confluent's JdbcSinkTask reports a row the database refused as the driver's error chain in a java.sql.SQLException.
        list.push({ offset, reason, exceptionClass: 'java.sql.SQLException' });
      },
    );
    // Dead letters are acknowledged before the rows (and, exactly-once, the offsets) commit.
    for (const [p, list] of rejected) await p.batch.deadLetter!(list);
    if (rejected.size > 0) this.log.warn({ table: s.target, rejected: [...rejected.values()].reduce((n, l) => n + l.length, 0) }, 'rows PostgreSQL refused went to the dead-letter topic; the rest are written');
  }

  private async writeStaged(
    client: pg.PoolClient,
    s: TableState,
    plan: PgPlan,
    chunks: Uint8Array[],
    tuples: number,
    hasDeletes: boolean,
    what: string,
  ): Promise<void> {
    const stage = stagingTable(plan.id);
    if (!this.staged.get(client)?.has(plan.id)) await client.query(stagingDdl(plan.id, plan.columns, plan.staged));
    const n = await this.service.copyBinary(client, stage.ref, copyColumns(plan.columns, plan.staged), chunks);
    if (n !== tuples) throw new SluiceError(`${what}: COPY into the staging table reported ${n} rows, expected ${tuples}`);
    const mode: InsertMode = plan.staged ? this.mode : 'insert';
    const apply = { mode, target: s.target, stage: stage.ref, columns: plan.columns, staged: plan.staged, hasDeletes };
    if (mode === 'upsert' && !hasDeletes) {
      // Most groups hold each key once: then the sort of DISTINCT ON is wasted
      // work. Try without it; PostgreSQL refuses a key twice in one statement
      // (21000), and then the deduplicating form runs, for a while.
      if (s.dedupeFor > 0) s.dedupeFor--;
      else {
        await client.query('SAVEPOINT sluice_upsert');
        try {
          for (const sql of applyStatements({ ...apply, assumeUniqueKeys: true })) await client.query(sql);
          await client.query('RELEASE SAVEPOINT sluice_upsert');
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== '21000') throw err;
          await client.query('ROLLBACK TO SAVEPOINT sluice_upsert');
          s.dedupeFor = 16;
        }
      }
    }
    for (const sql of applyStatements(apply)) await client.query(sql);
  }

  /**
   * A table part some of whose records lack columns (absent.ts): each run of
   * records lacking the same columns goes through the staging table in turn,
   * its statements naming only the columns its records have.
   */
  private async writePieces(
    client: pg.PoolClient,
    s: TableState,
    plan: PgPlan,
    pieces: readonly Piece[],
    hasDeletes: boolean,
    what: string,
  ): Promise<void> {
    const stage = stagingTable(plan.id);
    await client.query(stagingDdl(plan.id, plan.columns, plan.staged));
    const mode: InsertMode = plan.staged ? this.mode : 'insert';
    for (const p of pieces) {
      await client.query(`TRUNCATE ${stage.ref}`);
      const n = await this.service.copyBinary(client, stage.ref, copyColumns(plan.columns, plan.staged), p.chunks);
      if (n !== p.tuples) throw new SluiceError(`${what}: COPY into the staging table reported ${n} rows, expected ${p.tuples}`);
      const columns = presentColumns(plan.columns, p.absent);
      for (const sql of applyStatements({ mode, target: s.target, stage: stage.ref, columns, staged: plan.staged, hasDeletes })) await client.query(sql);
    }
  }

  private markStaged(client: pg.PoolClient, plan: PgPlan, direct: boolean): void {
    if (direct) return;
    let set = this.staged.get(client);
    if (!set) this.staged.set(client, (set = new Set()));
    set.add(plan.id);
  }

  /**
   * Binary COPY does not convert: int8 bytes COPYed into a column widened to
   * double precision (by this or another instance) would be read as a double,
   * silently. So a direct COPY first takes the table's lock (an ALTER waits
   * for this transaction from here on) and checks the column types; if they
   * moved, the bytes go through a staging table of the plan's types, which
   * PostgreSQL casts correctly, and the plan is rebuilt.
   */
  private async typesStillMatch(client: pg.PoolClient, s: TableState, plan: PgPlan): Promise<boolean> {
    await client.query(`LOCK TABLE ${s.target} IN ROW EXCLUSIVE MODE`);
    const res = await client.query<{ name: string; oid: number }>(
      'SELECT attname AS name, atttypid::int AS oid FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped',
      [s.target],
    );
    const now = new Map(res.rows.map((r) => [r.name, r.oid]));
    const same = plan.columns.every((c) => now.get(c.name) === c.typeOid);
    if (!same) {
      if (s.latest?.id === plan.id || !s.latest) s.dropPlan();
      this.log.warn({ table: s.target }, 'column types changed under the plan; writing through a staging table and re-planning');
    }
    return same;
  }
}

/** The group's tuples for one table cut into absent-column runs, or undefined when every record has every column. */
function absentPieces(segments: readonly PartSegment[]): Piece[] | undefined {
  const all = segments.map(({ segment: g }) => ({ g, runs: outputAbsentRuns(g.output, g.header) }));
  if (!all.some((x) => x.runs)) return undefined;
  const pieces: Piece[] = [];
  for (const { g, runs } of all) {
    const tuples = outputTuples(g.output, g.header);
    const count = g.header.rows + g.header.deletes;
    if (count === 0) continue;
    appendPieces(pieces, runs ? splitRuns(tuples, tupleStarts(tuples, count), runs) : [{ chunks: [tuples], tuples: count, absent: undefined }]);
  }
  return pieces;
}

/** A plan whose column types are no longer the table's (widened since): its bytes need a staging table. */
function isStale(s: TableState, plan: PgPlan): boolean {
  const latest = s.latest;
  if (!latest || latest.id === plan.id) return false;
  const now = new Map(latest.columns.map((c) => [c.name, c]));
  return plan.columns.some((c) => {
    const n = now.get(c.name);
    return !n || n.typeOid !== c.typeOid || n.elemOid !== c.elemOid;
  });
}
