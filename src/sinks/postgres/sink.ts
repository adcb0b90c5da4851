// The PostgreSQL sink, main-thread half. Per target table: the current plan
// (columns and where their values come from, built from the catalog), DDL
// for auto.create / auto.evolve, and a writer that takes encoded batches in
// submission order and writes as many as are ready in ONE transaction:
// binary COPY straight into the table (insert), or into a temporary staging
// table followed by set-based statements (upsert, update, deletes; see
// staging.ts). With delivery.guarantee=exactly_once the same transaction
// moves each partition's stored offset (offsets.ts). Retriable failures retry
// the same group with backoff; a batch's promise resolves only after COMMIT
// (the rule in sinks/common/sink.ts).
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PostgresConfig } from './config.js';
import { RecordError, SinkSchemaError, SluiceError, errorMessage } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { tpKey, type EncodedBatch, type RejectedRecord, type Sink, type TopicPartition } from '../common/sink.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import { ColumnRuleError, DEFAULT_KEY_COLUMN, KAFKA_COLUMNS, desiredColumns, kafkaPkNames, valueFieldAllowed, valueFields, type FieldRules } from './columns.js';
import { alterTableSql, createTableSql, isEmptyEvolution, planEvolution, type WantedColumn } from './ddl.js';
import { INFERRED_SCHEMA_ID, OUTPUT_HEADER_BYTES, outputTupleOffsets, outputTuples, readOutputHeader, type ColumnSource, type OutputHeader, type PgBatchMeta, type PgColumn, type PgMultiReplanRequest, type PgPlan, type PgReplanRequest } from './encoding.js';
import { collectionNameFor, qualifiedName, tableNameFor, usesSourceFields, type TableName } from './names.js';
import { OffsetStore, type Claim, type PartitionAdvance } from './offsets.js';
import { isolateRejects, isRowDataError, rejectReason, sqlState, tupleStarts } from './rejects.js';
import { PgService, type TableDescription } from './service.js';
import { applyStatements, copyColumns, stagingDdl, stagingTable, type InsertMode } from './staging.js';
import { columnTypeSupported } from './types.js';
import { Waiters } from '../../core/waiters.js';

/** One table's tuples in an encoded batch (a batch holds one per table its records went to). */
interface Segment {
  output: SharedArrayBuffer;
  header: OutputHeader;
  plan: PgPlan;
  state: TableState;
  /** A truncate event came before these tuples: the table is emptied first. */
  truncate: boolean;
}

interface Pending {
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

/** A group of batches larger than this is split over several transactions. */
const MAX_GROUP_BYTES = 64 * 1024 * 1024;
const KAFKA_WHAT = ['topic', 'partition', 'offset'] as const;

class TableState {
  /** Groups to go before trying an upsert without DISTINCT ON again (after one met duplicate keys). */
  dedupeFor = 0;
  current: Promise<PgPlan> | undefined;
  latest: PgPlan | undefined;
  ddl: Promise<unknown> = Promise.resolve();
  readonly writer: TableWriter;
  readonly target: string;
  constructor(
    readonly name: TableName,
    sink: PostgresSink,
  ) {
    this.target = qualifiedName(name);
    this.writer = new TableWriter(sink);
  }
}

class TableWriter {
  private readonly queue: Pending[] = [];
  private running = false;
  /** The group being written now: drop() leaves it alone, its transaction decides. */
  private writing: ReadonlySet<Pending> = new Set();

  constructor(private readonly sink: PostgresSink) {}

  submit(p: Pending): void {
    this.queue.push(p);
    if (!this.running) void this.run();
  }

  /** Forgets queued batches of these partitions; their promises resolve (the engine has let them go). */
  drop(keys: Set<string>): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i]!;
      if (keys.has(tpKey(p.batch.topic, p.batch.partition)) && !this.writing.has(p)) {
        this.queue.splice(i, 1);
        p.resolve();
      }
    }
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  private nextGroup(): Pending[] {
    // Batches already claimed by another instance (or from an earlier assignment) are never written.
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i]!;
      if (!this.sink.stillOwned(p)) {
        this.queue.splice(i, 1);
        p.resolve();
      } else i++;
    }
    let bytes = 0;
    let n = 0;
    // Batches of a group share each table's plan: their tuples go into one COPY per table.
    const planOf = new Map<TableState, number>();
    const fits = (p: Pending) => p.segments.every((g) => (planOf.get(g.state) ?? g.plan.id) === g.plan.id);
    while (n < this.queue.length) {
      const p = this.queue[n]!;
      if (n > 0 && (!fits(p) || bytes + p.batch.outputBytes > MAX_GROUP_BYTES)) break;
      for (const g of p.segments) planOf.set(g.state, g.plan.id);
      bytes += p.batch.outputBytes;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.nextGroup();
        if (group.length === 0) continue;
        let fenced: Set<string>;
        this.writing = new Set(group);
        try {
          fenced = await this.sink.writeGroup(group);
        } catch (err) {
          // Not retriable (or retries exhausted): fail this group and everything
          // queued behind it, since order must hold.
          const rest = this.queue.splice(0);
          for (const p of rest) p.reject(err as Error);
          return;
        }
        if (fenced.size > 0) {
          // Another instance owns these partitions now: drop their batches and write the rest again.
          for (let i = this.queue.length - 1; i >= 0; i--) {
            const p = this.queue[i]!;
            if (fenced.has(tpKey(p.batch.topic, p.batch.partition))) {
              this.queue.splice(i, 1);
              p.resolve();
            }
          }
          continue;
        }
        // By identity: drop() may have taken queued batches out meanwhile, never this group's.
        for (const p of group) this.queue.splice(this.queue.indexOf(p), 1);
        for (const p of group) p.resolve();
      }
    } finally {
      this.writing = new Set();
      this.running = false;
      this.sink.writerIdle();
    }
  }
}

export class PostgresSink implements Sink {
  readonly refusesRows = true;
  /** Each record's table follows its (routed) topic and source fields: one batch may write several tables. */
  readonly routesPerRecord = true;
  private readonly service: PgService;
  private readonly tables = new Map<string, TableState>();
  private readonly byTopic = new Map<string, TableState>();
  private readonly plansById = new Map<number, PgPlan>();
  private nextPlanId = 1;
  private readonly idleWaiters = new Waiters();
  private readonly cfg: PostgresConfig;
  private readonly rules: FieldRules;
  private readonly mode: InsertMode;
  private readonly exactlyOnce: boolean;
  private readonly offsets: OffsetStore | undefined;
  private readonly claims = new Map<string, Claim>();
  /** Staging tables that exist on a connection (they live as long as it does). */
  private readonly staged = new WeakMap<pg.PoolClient, Set<number>>();
  /** Aborted by close(): a retry waiting out an outage gives up at once instead of holding the shutdown. */
  private readonly closing = new AbortController();
  /** connector.class is Debezium's JDBC sink: change-event envelopes are applied by op (debezium.ts), tables named as Debezium names them. */
  private readonly debezium: boolean;
  /** Debezium's collection.name.format naming ${source.…}: no topic has a table of its own, each change event names one. */
  private readonly sourceFormat: string | undefined;
  /** Per topic, the other tables its records have gone to (routed: a transform's topic, a change event's source block). */
  private readonly routes = new Map<string, Map<string, TableName>>();
  /** With a ${source.…} format: the plan without a table of its own, and per topic the queue its batches take. */
  private noTable: PgPlan | undefined;
  private readonly topicWriters = new Map<string, TableWriter>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.cfg = config.options as PostgresConfig;
    this.service = new PgService({
      url: this.cfg['connection.url'],
      user: this.cfg['connection.user'],
      password: this.cfg['connection.password'],
      poolSize: this.cfg['pg.pool.size'],
      statementTimeoutMs: this.cfg['pg.statement.timeout.ms'],
      timezone: this.cfg['db.timezone'],
      applicationName: `sluice:${config.common.name}`.slice(0, 63),
    });
    this.rules = {
      pkMode: this.cfg['pk.mode'],
      pkFields: this.cfg['pk.fields'] ?? [],
      include: this.cfg['fields.whitelist'],
      exclude: this.cfg['field.exclude.list'] ?? [],
    };
    this.mode = this.cfg['insert.mode'];
    this.debezium = /^io\.debezium\.connector\.jdbc\.JdbcSinkConnector$/i.test(String(config.common['connector.class']));
    this.sourceFormat = this.debezium && usesSourceFields(this.cfg['table.name.format']) ? this.cfg['table.name.format'] : undefined;
    this.exactlyOnce = config.common['delivery.guarantee'] === 'exactly_once';
    if (this.exactlyOnce) {
      const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
      this.offsets = new OffsetStore(this.service, tableNameFor(this.cfg['pg.offsets.table'], ''), config.common.name, owner);
    }
  }

  tableFor(topic: string): TableName {
    if (!this.debezium) return tableNameFor(this.cfg['table.name.format'], topic);
    if (this.sourceFormat) throw new SluiceError(`internal: topic ${topic} has no table of its own (collection.name.format ${this.sourceFormat})`);
    return collectionNameFor(this.cfg['table.name.format'], topic);
  }

  private stateForName(name: TableName): TableState {
    const key = qualifiedName(name);
    let s = this.tables.get(key);
    if (!s) this.tables.set(key, (s = new TableState(name, this)));
    return s;
  }

  /** The queue a topic's batches take, in submission order: its table's, or the topic's own when it has no table. */
  private writerFor(topic: string): TableWriter {
    if (!this.sourceFormat) return this.stateFor(topic).writer;
    let w = this.topicWriters.get(topic);
    if (!w) this.topicWriters.set(topic, (w = new TableWriter(this)));
    return w;
  }

  private get writers(): TableWriter[] {
    return [...[...this.tables.values()].map((t) => t.writer), ...this.topicWriters.values()];
  }

  private stateFor(topic: string): TableState {
    let s = this.byTopic.get(topic);
    if (!s) {
      s = this.stateForName(this.tableFor(topic));
      this.byTopic.set(topic, s);
    }
    return s;
  }

  async plan(topic: string): Promise<SinkPlan> {
    const main = this.sourceFormat ? this.noTablePlan() : await this.tablePlan(this.stateFor(topic), topic);
    const routed = this.routes.get(topic);
    if (!routed) return { sink: 'postgres', plan: main };
    const routes: Record<string, PgPlan> = {};
    for (const [key, name] of routed) routes[key] = await this.tablePlan(this.stateForName(name), topic);
    return { sink: 'postgres', plan: { ...main, routes } };
  }

  /** A ${source.…} format: the batch topic has no table of its own, every change event names one. */
  private noTablePlan(): PgPlan {
    let plan = this.noTable;
    if (!plan) {
      plan = this.noTable = {
        id: this.nextPlanId++, table: '', columns: [], staged: false, deletes: false, textNul: this.cfg['text.nul.mode'], rules: this.rules,
        autoEvolve: false, missingTable: false, noTable: true, naming: { format: this.cfg['table.name.format'], debezium: this.debezium },
        debezium: { truncate: this.cfg['truncate.enabled'], sourceFormat: this.sourceFormat },
      };
    }
    return plan;
  }

  private async tablePlan(s: TableState, topic: string): Promise<PgPlan> {
    let p = s.current;
    if (!p) {
      p = this.buildPlan(s, topic);
      s.current = p;
      p.then(
        (plan) => (s.latest = plan),
        () => {
          if (s.current === p) s.current = undefined;
        },
      );
    }
    return p;
  }

  private retryPolicy(what: string): RetryPolicy {
    return {
      what,
      maxRetries: this.cfg['max.retries'],
      initialDelayMs: this.cfg['retry.backoff.ms'],
      maxDelayMs: this.config.common['errors.retry.delay.max.ms'],
      timeoutMs: this.config.common['errors.retry.timeout'],
      log: this.log,
      signal: this.closing.signal,
    };
  }

  /** The columns the record key fills (record_key): pk.fields, else the table's primary key, else __connect_key. */
  private keyColumnNames(desc: TableDescription | undefined): string[] {
    if (this.rules.pkMode !== 'record_key') return [];
    if (this.rules.pkFields.length > 0) return [...this.rules.pkFields];
    const pk = desc?.columns.filter((c) => c.pk).map((c) => c.name) ?? [];
    return pk.length > 0 ? pk : [DEFAULT_KEY_COLUMN];
  }

  /** The columns headers fill (record_header): pk.fields, else the table's primary key. */
  private headerColumnNames(desc: TableDescription | undefined): string[] {
    if (this.rules.pkMode !== 'record_header') return [];
    if (this.rules.pkFields.length > 0) return [...this.rules.pkFields];
    return desc?.columns.filter((c) => c.pk).map((c) => c.name) ?? [];
  }

  private conflictColumns(desc: TableDescription): string[] {
    const tablePk = desc.columns.filter((c) => c.pk).map((c) => c.name);
    switch (this.rules.pkMode) {
      case 'record_header': return this.headerColumnNames(desc);
      case 'kafka': return [...kafkaPkNames(this.rules)];
      case 'record_key': return this.keyColumnNames(desc);
      case 'record_value': return this.rules.pkFields.length > 0 ? [...this.rules.pkFields] : tablePk;
      case 'none': return tablePk;
    }
  }

  private async buildPlan(s: TableState, topic: string): Promise<PgPlan> {
    const table = s.target;
    const desc = await retryWithBackoff(() => this.service.describeTable(s.name), this.retryPolicy(`reading table ${table}`));
    const staged = this.mode !== 'insert' || this.cfg['delete.enabled'];
    const base = {
      id: this.nextPlanId++, table, staged, deletes: this.cfg['delete.enabled'], textNul: this.cfg['text.nul.mode'],
      rules: this.rules, autoEvolve: this.cfg['auto.evolve'],
      naming: { format: this.cfg['table.name.format'], debezium: this.debezium },
      ...(this.debezium ? { debezium: { truncate: this.cfg['truncate.enabled'], sourceFormat: this.sourceFormat } } : {}),
    };
    if (!desc) {
      if (!this.cfg['auto.create']) {
        throw new SinkSchemaError(`table ${table} for topic "${topic}" does not exist; create it, or set auto.create=true`);
      }
      const plan: PgPlan = { ...base, columns: [], missingTable: true };
      this.plansById.set(plan.id, plan);
      return plan;
    }
    const kafkaNames: readonly string[] = this.rules.pkMode === 'kafka' ? kafkaPkNames(this.rules) : KAFKA_COLUMNS;
    const keyNames = this.keyColumnNames(desc);
    const headerNames = this.headerColumnNames(desc);
    const conflict = this.conflictColumns(desc);
    const columns: PgColumn[] = [];
    for (const c of desc.columns) {
      if (c.generated) continue;
      let source: ColumnSource;
      const k = kafkaNames.indexOf(c.name);
      if (k >= 0) source = { from: 'kafka', what: KAFKA_WHAT[k]! };
      else if (keyNames.includes(c.name)) source = { from: 'key', field: c.name };
      else if (headerNames.includes(c.name)) source = { from: 'header', name: c.name };
      else if (valueFieldAllowed(this.rules, c.name)) source = { from: 'value', field: c.name };
      else continue; // filtered out: the column keeps its default
      if (!columnTypeSupported(c.typeOid, c.elemOid)) {
        throw new SinkSchemaError(`table ${table} column "${c.name}" has type ${c.sqlType}, which Sluice cannot write`);
      }
      columns.push({
        name: c.name, typeOid: c.typeOid, typeName: c.typeName, elemOid: c.elemOid, typmod: c.typmod, sqlType: c.sqlType,
        notNull: c.notNull, pk: conflict.includes(c.name), source,
      });
    }
    const names = new Set(columns.map((c) => c.name));
    const lackingKeys = [...keyNames, ...headerNames].filter((n) => !names.has(n));
    if (lackingKeys.length > 0) {
      throw new SinkSchemaError(`pk.mode=${this.rules.pkMode}: table ${table} has no column ${lackingKeys.map((n) => `"${n}"`).join(', ')} for the record ${this.rules.pkMode === 'record_header' ? 'headers' : 'key'} (pk.fields)`);
    }
    if (staged) {
      const why = this.mode !== 'insert' ? `insert.mode=${this.mode}` : 'delete.enabled=true';
      if (conflict.length === 0) {
        throw new SinkSchemaError(`${why} needs key columns: set pk.mode and pk.fields, or give table ${table} a primary key`);
      }
      const lacking = conflict.filter((n) => !names.has(n));
      if (lacking.length > 0) throw new SinkSchemaError(`${why}: table ${table} has no column ${lacking.map((n) => `"${n}"`).join(', ')} (pk.fields)`);
      if (this.mode === 'upsert' && !desc.uniqueKeys.some((k) => k.length === conflict.length && k.every((n) => conflict.includes(n)))) {
        throw new SinkSchemaError(`insert.mode=upsert needs a primary key or unique index on (${conflict.map((n) => `"${n}"`).join(', ')}) of table ${table}; there is none`);
      }
    }
    const plan: PgPlan = { ...base, columns, missingTable: false };
    this.plansById.set(plan.id, plan);
    return plan;
  }

  // ---------------- auto.create / auto.evolve ----------------

  async replan(topic: string, request: unknown): Promise<void> {
    if ((request as PgMultiReplanRequest).multi) {
      const multi = request as PgMultiReplanRequest;
      // Records of this topic went to tables the plan did not have: from now on its plans carry them.
      for (const name of multi.routes) {
        let routed = this.routes.get(topic);
        if (!routed) this.routes.set(topic, (routed = new Map()));
        const key = qualifiedName(name);
        if (!routed.has(key)) {
          routed.set(key, name);
          this.log.info({ topic, table: key }, `records of topic ${topic} go to table ${key} too`);
        }
      }
      for (const r of multi.tables) {
        const plan = this.plansById.get(r.planId);
        if (!plan) throw new SluiceError(`internal: re-plan for unknown plan ${r.planId}`);
        await this.replanTable(this.tables.get(plan.table)!, topic, r);
      }
      return;
    }
    const req = request as PgReplanRequest;
    await this.replanTable(this.stateFor(topic), topic, req);
  }

  private async replanTable(s: TableState, topic: string, req: PgReplanRequest): Promise<void> {
    // One re-plan at a time per table; a later one finds the work done.
    const run = s.ddl.then(() => this.evolve(s, topic, req));
    s.ddl = run.catch(() => {});
    await run;
    s.current = undefined;
  }

  private async evolve(s: TableState, topic: string, req: PgReplanRequest): Promise<void> {
    const where = `topic ${topic} partition ${req.partition} offset ${req.offset}`;
    const table = s.target;
    await retryWithBackoff(
      () =>
        this.service.withDdlLock(table, `changing table ${table} for ${where}`, async (client) => {
          let desc = await this.service.describeTable(s.name, client);
          if (!desc) {
            if (!this.cfg['auto.create']) throw new SinkSchemaError(`table ${table} for topic "${topic}" does not exist; create it, or set auto.create=true`);
            const value = req.values[0];
            if (!value) return; // only tombstones so far: nothing to create a table from
            const cols = this.columnsOrThrow(() => desiredColumns(this.rules, value, req.keys[0]), table, where);
            await client.query(createTableSql(table, cols));
            this.log.info({ table, topic }, `created table ${table} (${cols.map((c) => c.name).join(', ')})`);
            desc = (await this.service.describeTable(s.name, client))!;
          }
          for (const value of req.values) {
            const schemaless = value.id === INFERRED_SCHEMA_ID;
            const keyNames = [...this.keyColumnNames(desc), ...this.headerColumnNames(desc)];
            const taken = new Set<string>([...keyNames, ...(this.rules.pkMode === 'kafka' ? kafkaPkNames(this.rules) : [])]);
            const fields = valueFields(this.rules, value, taken);
            const wanted: WantedColumn[] = fields.map((f) => ({ name: f.name, type: f.type, optional: f.optional, default: f.default }));
            if (this.rules.pkMode === 'record_key' && req.keys[0]) {
              const keyCols = this.columnsOrThrow(() => desiredColumns(this.rules, undefined, req.keys[0]), table, where);
              wanted.push(...keyCols.map((c) => ({ name: c.name, type: c.type, optional: false })));
            }
            const inSchema = new Set(fields.map((f) => f.name));
            const absent = schemaless || value.scalar ? [] : desc.columns
              .filter((c) => !c.generated && !taken.has(c.name) && !KAFKA_COLUMNS.includes(c.name as never) && valueFieldAllowed(this.rules, c.name) && !inSchema.has(c.name))
              .map((c) => c.name);
            const ev = planEvolution(desc.columns, wanted, { schemaless, absent: this.cfg['auto.evolve'] ? absent : [] });
            if (ev.incompatible.length > 0) {
              throw new SinkSchemaError(`table ${table} cannot take the records of ${where}: ${ev.incompatible.join('; ')}. Sluice never drops a column or narrows a type; change the table or the producer's schema`);
            }
            if (isEmptyEvolution(ev)) continue;
            if (!this.cfg['auto.evolve']) {
              const missing = ev.add.map((a) => `"${a.name}"`).join(', ');
              throw new SinkSchemaError(`table ${table} is missing fields ${missing || '(types differ)'} of ${where}; add the columns, or set auto.evolve=true`);
            }
            const sql = alterTableSql(table, ev)!;
            await client.query(sql);
            this.log.info({ table, topic, add: ev.add, widen: ev.widen, dropNotNull: ev.dropNotNull }, `evolved table ${table}`);
            desc = (await this.service.describeTable(s.name, client))!;
          }
        }),
      this.retryPolicy(`changing table ${table}`),
    );
  }

  private columnsOrThrow<T>(fn: () => T, table: string, where: string): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ColumnRuleError) throw new SinkSchemaError(`cannot create or evolve table ${table} for ${where}: ${err.message}`);
      throw err;
    }
  }

  // ---------------- writing ----------------

  async submit(batch: EncodedBatch): Promise<void> {
    const segments = this.segmentsOf(batch);
    // Nothing to write (every record filtered, failed or a skipped tombstone): durable as it is.
    if (segments.length === 0) return;
    let claim: Pending['claim'];
    if (this.exactlyOnce) {
      claim = this.claims.get(tpKey(batch.topic, batch.partition));
      if (!claim) throw new SluiceError(`exactly_once: partition ${batch.topic}[${batch.partition}] was never claimed in ${this.offsets!.table}`);
    }
    const writer = this.writerFor(batch.topic);
    return new Promise<void>((resolve, reject) => writer.submit({ batch, segments, claim, resolve, reject }));
  }

  /** The batch's tuples per table: its own output, then those of routed records (PgBatchMeta.more). */
  private segmentsOf(batch: EncodedBatch): Segment[] {
    const meta = batch.meta as PgBatchMeta | undefined;
    const outputs: { output: SharedArrayBuffer; truncate: boolean }[] = [];
    if (batch.output && batch.outputBytes >= OUTPUT_HEADER_BYTES) outputs.push({ output: batch.output, truncate: meta?.truncate === true });
    for (const m of meta?.more ?? []) outputs.push({ output: m.output, truncate: m.truncate === true });
    const out: Segment[] = [];
    for (const o of outputs) {
      const header = readOutputHeader(o.output);
      if (header.rows + header.deletes === 0 && !o.truncate) continue;
      const plan = this.plansById.get(header.planId);
      if (!plan) throw new SluiceError(`internal: batch encoded with unknown plan ${header.planId}`);
      out.push({ output: o.output, header, plan, state: this.tables.get(plan.table)!, truncate: o.truncate });
    }
    return out;
  }

  /** Exactly-once: whether the batch still belongs to this instance's current claim of its partition. */
  stillOwned(p: Pending): boolean {
    if (!p.claim) return true;
    return !p.claim.fenced && this.claims.get(tpKey(p.batch.topic, p.batch.partition)) === p.claim;
  }

  /**
   * One transaction for the group, every table its batches write (in the
   * order first met), and the offsets; returns the partitions found fenced
   * (nothing written then).
   */
  async writeGroup(group: readonly Pending[], forceStaging = false, isolate = false): Promise<Set<string>> {
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
      t.direct = !t.plan.staged && !forceStaging && !this.isStale(t.state, t.plan);
    }
    const targets = tables.map((t) => `${t.truncate ? 'truncating ' : ''}${t.state.target}`).join(', ');
    const what = `writing ${rows} rows${deletes ? ` and ${deletes} deletes` : ''} to ${targets} (topic ${first.topic} partition ${first.partition} offset ${first.firstOffset}` +
      ` … topic ${last.topic} partition ${last.partition} offset ${last.lastOffset})`;
    const adv = [...advances.values()];
    let outcome: 'written' | 'done' | { fenced: Set<string>; why: string };
    try {
      outcome = await retryWithBackoff(
        () =>
          this.service.transaction(
            what,
            async (client) => {
              if (this.offsets && adv.length > 0) {
                const check = await this.offsets.check(client, adv);
                if (check.kind === 'done') return 'done' as const;
                if (check.kind === 'fenced') return { fenced: new Set(check.partitions.map((tp) => tpKey(tp.topic, tp.partition))), why: check.why };
              }
              for (const t of tables) await this.writeTable(client, t, isolate, what);
              if (this.offsets && adv.length > 0) await this.offsets.advance(client, adv);
              return 'written' as const;
            },
            (client) => {
              for (const t of tables) this.markStaged(client, t.plan, t.direct);
            },
          ),
        this.retryPolicy(what),
      );
    } catch (err) {
      // A table changed under a plan (another instance widened a column): the
      // encoded bytes still go in through a staging table of the plan's types.
      const code = ((err as Error).cause as { code?: string } | undefined)?.code;
      if (tables.some((t) => t.direct) && (code === '22P03' || code === '42804' || code === '08P01')) {
        for (const t of tables) t.state.current = undefined;
        this.log.warn({ tables: targets, err: errorMessage(err) }, 'table changed under the plan; writing through a staging table and re-planning');
        return this.writeGroup(group, true, isolate);
      }
      // One row PostgreSQL refuses (too long, NOT NULL, CHECK, UNIQUE…) aborts the whole group: find it.
      if (!isolate && isRowDataError(sqlState(err))) {
        this.log.warn({ tables: targets, err: errorMessage(err) }, 'PostgreSQL refused a row; writing the group again row range by row range to find it');
        return this.writeGroup(group, forceStaging, true);
      }
      throw err;
    }
    if (typeof outcome === 'object') {
      for (const a of adv) {
        if (outcome.fenced.has(tpKey(a.topic, a.partition))) a.claim.fenced = true;
      }
      this.log.warn({ tables: targets, why: outcome.why }, 'exactly_once: partitions now belong to another instance; their pending batches are dropped, not written');
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
    const viaCopy = t.direct && (await this.typesStillMatch(client, s, plan));
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
  private async writeRejectingRows(client: pg.PoolClient, s: TableState, plan: PgPlan, segments: readonly PartSegment[], viaCopy: boolean, hasDeletes: boolean, what: string): Promise<void> {
    const rows: { bytes: Uint8Array; offset: number; pending: Pending }[] = [];
    for (const { segment: g, pending: p } of segments) {
      const tuples = outputTuples(g.output, g.header);
      const count = g.header.rows + g.header.deletes;
      const starts = tupleStarts(tuples, count);
      const offsets = outputTupleOffsets(g.output, g.header);
      for (let i = 0; i < count; i++) rows.push({ bytes: tuples.subarray(starts[i]!, starts[i + 1]!), offset: offsets[i]!, pending: p });
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
          if (viaCopy) await this.service.copyBinary(client, s.target, copyColumns(plan.columns, false), chunks);
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
        list.push({ offset, reason });
      },
    );
    // Dead letters are acknowledged before the rows (and, exactly-once, the offsets) commit.
    for (const [p, list] of rejected) await p.batch.deadLetter!(list);
    if (rejected.size > 0) this.log.warn({ table: s.target, rejected: [...rejected.values()].reduce((n, l) => n + l.length, 0) }, 'rows PostgreSQL refused went to the dead-letter topic; the rest are written');
  }

  private async writeStaged(client: pg.PoolClient, s: TableState, plan: PgPlan, chunks: Uint8Array[], tuples: number, hasDeletes: boolean, what: string): Promise<void> {
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
      if (s.latest?.id === plan.id || !s.latest) s.current = undefined;
      this.log.warn({ table: s.target }, 'column types changed under the plan; writing through a staging table and re-planning');
    }
    return same;
  }

  /** A plan whose column types are no longer the table's (widened since): its bytes need a staging table. */
  private isStale(s: TableState, plan: PgPlan): boolean {
    const latest = s.latest;
    if (!latest || latest.id === plan.id) return false;
    const now = new Map(latest.columns.map((c) => [c.name, c]));
    return plan.columns.some((c) => {
      const n = now.get(c.name);
      return !n || n.typeOid !== c.typeOid || n.elemOid !== c.elemOid;
    });
  }

  // ---------------- exactly-once positions ----------------

  async storedPositions(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.offsets || partitions.length === 0) return out;
    const claims = await retryWithBackoff(() => this.offsets!.claim(partitions), this.retryPolicy(`claiming partitions in ${this.offsets.table}`));
    for (const [key, claim] of claims) {
      this.claims.set(key, claim);
      if (claim.next !== null) out.set(key, claim.next);
    }
    this.log.info({ partitions: partitions.length, positions: Object.fromEntries([...out].map(([k, v]) => [k.replace('\u0000', '/'), v])) }, 'exactly_once: claimed partitions; seeking to stored offsets');
    return out;
  }

  // ---------------- lifecycle ----------------

  writerIdle(): void {
    this.idleWaiters.wake();
  }

  /** Writers run as soon as batches arrive, so flushing is waiting for them. */
  async flush(_partitions: readonly TopicPartition[]): Promise<void> {
    await this.idleWaiters.until(() => this.writers.every((w) => w.idle));
  }

  drop(partitions: readonly TopicPartition[]): void {
    const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const w of this.writers) w.drop(keys);
    for (const k of keys) this.claims.delete(k);
  }

  /** Gives up pending retries (their batches fail with RetryAbortedError and stay uncommitted), then closes the pool. */
  closedWithPendingWrites = false;

  async close(): Promise<void> {
    this.closedWithPendingWrites = this.writers.some((w) => !w.idle);
    this.closing.abort();
    await this.service.close();
  }

  describeError(err: unknown): string {
    return errorMessage(err);
  }
}
