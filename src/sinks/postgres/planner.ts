// The PostgreSQL sink's plans: per target table, the plan the workers encode
// with (its columns, read from the catalog, and where each one's value comes
// from: protocol.ts), and the DDL of auto.create / auto.evolve when a worker
// finds the plan does not fit the data (a re-plan request). Plans are cached
// per table until a re-plan, or the writer finding the table changed under
// one, drops them.
import type { Logger } from 'pino';
import type { PostgresConfig } from './config.js';
import { ConvertError, SinkSchemaError, SluiceError } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import { ColumnRuleError, DEFAULT_KEY_COLUMN, KAFKA_COLUMNS, desiredColumns, kafkaPkNames, rulesForTopic, valueFieldAllowed, valueFields, type FieldRules } from './columns.js';
import { alterTableSql, createTableSql, isEmptyEvolution, planEvolution, type WantedColumn } from './ddl.js';
import { qualifiedName, quoteIdent, usesSourceFields, type TableName } from './names.js';
import { INFERRED_SCHEMA_ID, type ColumnSource, type PgColumn, type PgMultiReplanRequest, type PgPlan, type PgReplanRequest } from './protocol.js';
import type { PgService, TableDescription } from './service.js';
import type { InsertMode } from './staging.js';
import { columnTypeSupported, type DdlDialect } from './types.js';
import { destinationTable, tableNaming, type TableNaming } from './table-names.js';
import { planZones } from './wall-clock.js';

const KAFKA_WHAT = ['topic', 'partition', 'offset'] as const;

/** What the sink knows of one target table. */
export class TableState {
  /** Groups to go before trying an upsert without DISTINCT ON again (after one met duplicate keys). */
  dedupeFor = 0;
  current: Promise<PgPlan> | undefined;
  latest: PgPlan | undefined;
  ddl: Promise<unknown> = Promise.resolve();
  readonly target: string;
  constructor(readonly name: TableName) {
    this.target = qualifiedName(name);
  }

  /** The table changed under its plan: the next plan() reads the catalog again. */
  dropPlan(): void {
    this.current = undefined;
  }
}

export interface PlannerOptions {
  service: PgService;
  cfg: PostgresConfig;
  rules: FieldRules;
  mode: InsertMode;
  /** connector.class is Debezium's JDBC sink: change-event envelopes are applied by op (debezium.ts), tables named as Debezium names them. */
  debezium: boolean;
  /** Retry settings of catalog reads and DDL (their `what` is added here). */
  retry: Omit<RetryPolicy, 'what'>;
  log: Logger;
}

export class Planner {
  private readonly tables = new Map<string, TableState>();
  private readonly byTopic = new Map<string, TableState>();
  private readonly plansById = new Map<number, PgPlan>();
  private nextPlanId = 1;
  private readonly service: PgService;
  private readonly cfg: PostgresConfig;
  private readonly rules: FieldRules;
  private readonly mode: InsertMode;
  private readonly debezium: boolean;
  /** Whose DDL auto.create / auto.evolve write: the connector class' (ddl.ts). */
  private readonly dialect: DdlDialect;
  private readonly log: Logger;
  private readonly retry: Omit<RetryPolicy, 'what'>;
  /** quote.sql.identifiers=NEVER: names are the ones PostgreSQL folds unquoted names to. */
  private readonly fold: boolean;
  /** How records are routed to tables (PgPlan.naming). */
  private readonly naming: TableNaming;
  /** Debezium's collection.name.format naming ${source.…}: no topic has a table of its own, each change event names one. */
  readonly sourceFormat: string | undefined;
  /** Per topic, the other tables its records have gone to (routed: a transform's topic, a change event's source block). */
  private readonly routes = new Map<string, Map<string, TableName>>();
  /** With a ${source.…} format: the plan without a table of its own. */
  private readonly noTable = new Map<string, PgPlan>();
  /** db.timezone / date.timezone, as the plans carry them to the workers. */
  private readonly zones: { timeZone?: string; dateTimeZone?: string };

  constructor(o: PlannerOptions) {
    this.service = o.service;
    this.cfg = o.cfg;
    this.rules = o.rules;
    this.mode = o.mode;
    this.debezium = o.debezium;
    this.dialect = o.debezium ? 'debezium' : 'confluent';
    this.retry = o.retry;
    this.log = o.log;
    this.fold = this.cfg['quote.sql.identifiers'] === 'never';
    this.naming = tableNaming({ format: this.cfg['table.name.format'], debezium: this.debezium, url: this.cfg['connection.url'], quote: this.cfg['quote.sql.identifiers'] });
    this.sourceFormat = this.debezium && usesSourceFields(this.cfg['table.name.format']) ? this.cfg['table.name.format'] : undefined;
    this.zones = planZones(this.cfg['db.timezone'], this.cfg['date.timezone'], this.debezium);
  }

  /** The plan an encoded batch names (its output header's plan id). */
  planById(id: number): PgPlan | undefined {
    return this.plansById.get(id);
  }

  /** The table a plan writes. */
  stateOf(plan: PgPlan): TableState {
    return this.tables.get(plan.table)!;
  }

  private retryPolicy(what: string): RetryPolicy {
    return { ...this.retry, what };
  }

  private tableFor(topic: string): TableName {
    if (this.debezium && this.sourceFormat) throw new SluiceError(`internal: topic ${topic} has no table of its own (collection.name.format ${this.sourceFormat})`);
    try {
      return destinationTable(this.naming, topic);
    } catch (err) {
      // A name Connect could not write (table-names.ts, unquoted.ts): the topic's own table, so the connector stops.
      if (err instanceof ConvertError) throw new SinkSchemaError(`topic "${topic}": ${err.message}`);
      throw err;
    }
  }

  private stateForName(name: TableName): TableState {
    const key = qualifiedName(name);
    let s = this.tables.get(key);
    if (!s) this.tables.set(key, (s = new TableState(name)));
    return s;
  }

  stateFor(topic: string): TableState {
    let s = this.byTopic.get(topic);
    if (!s) {
      s = this.stateForName(this.tableFor(topic));
      this.byTopic.set(topic, s);
    }
    return s;
  }

  async plan(topic: string): Promise<SinkPlan> {
    const main = this.sourceFormat ? this.noTablePlan(topic) : await this.tablePlan(this.stateFor(topic), topic);
    const routed = this.routes.get(topic);
    if (!routed) return { sink: 'postgres', plan: main };
    const routes: Record<string, PgPlan> = {};
    for (const [key, name] of routed) routes[key] = await this.tablePlan(this.stateForName(name), topic);
    return { sink: 'postgres', plan: { ...main, routes } };
  }

  /** A ${source.…} format: the batch topic has no table of its own, every change event names one. */
  private noTablePlan(topic: string): PgPlan {
    let plan = this.noTable.get(topic);
    if (!plan) {
      plan = {
        id: this.nextPlanId++, table: '', columns: [], staged: false, deletes: false, textNul: this.cfg['text.nul.mode'], ...this.zones, rules: rulesForTopic(this.rules, topic),
        autoEvolve: false, missingTable: false, noTable: true, ...(this.fold ? { foldIdentifiers: true } : {}), naming: this.naming,
        debezium: { truncate: this.cfg['truncate.enabled'], sourceFormat: this.sourceFormat },
      };
      this.noTable.set(topic, plan);
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

  /**
   * A table whose schema does not exist: neither Kafka Connect sink creates
   * schemas (Confluent's DbStructure and Debezium's JdbcChangeEventSink issue
   * CREATE TABLE only, which PostgreSQL refuses: schema "x" does not exist),
   * and neither does Sluice. Most often a dotted topic split into schema.table.
   */
  private async schemaOrThrow(s: TableState, topic: string): Promise<void> {
    const schema = s.name.schema;
    if (schema === undefined) return;
    const exists = await retryWithBackoff(() => this.service.schemaExists(schema), this.retryPolicy(`reading schema "${schema}"`));
    if (exists) return;
    const key = this.debezium ? 'collection.name.format' : 'table.name.format';
    throw new SinkSchemaError(`table ${s.target} for topic "${topic}" is in the schema ${quoteIdent(schema)}, which does not exist ` +
      `(${key} ${JSON.stringify(this.cfg['table.name.format'])}; ${this.debezium ? 'Debezium\'s' : 'Confluent\'s'} JDBC sink splits a table name at its dots into [database.][schema.]table). ` +
      `Neither Kafka Connect nor Sluice creates schemas: create it (CREATE SCHEMA ${quoteIdent(schema)}), or rename the topic's table with a RegexRouter transform or ${key}`);
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
    const rules = rulesForTopic(this.rules, topic);
    const base = {
      id: this.nextPlanId++, table, staged, deletes: this.cfg['delete.enabled'], textNul: this.cfg['text.nul.mode'], ...this.zones,
      rules, autoEvolve: this.cfg['auto.evolve'], ...(this.fold ? { foldIdentifiers: true } : {}),
      naming: this.naming,
      ...(this.debezium ? { debezium: { truncate: this.cfg['truncate.enabled'], sourceFormat: this.sourceFormat } } : {}),
    };
    if (!desc) {
      await this.schemaOrThrow(s, topic);
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
      else if (valueFieldAllowed(rules, c.name)) source = { from: 'value', field: c.name };
      else continue; // filtered out: the column keeps its default
      if (!columnTypeSupported(c.typeOid, c.elemOid)) {
        throw new SinkSchemaError(`table ${table} column "${c.name}" has type ${c.sqlType}, which Sluice cannot write`);
      }
      columns.push({
        name: c.name, typeOid: c.typeOid, typeName: c.typeName, elemOid: c.elemOid, typmod: c.typmod, sqlType: c.sqlType,
        notNull: c.notNull, pk: conflict.includes(c.name), source, ...(c.hasDefault ? { hasDefault: true } : {}), ...(c.autoFilled ? { autoFilled: true } : {}),
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
    const rules = rulesForTopic(this.rules, topic);
    await retryWithBackoff(
      () =>
        this.service.withDdlLock(table, `changing table ${table} for ${where}`, async (client) => {
          let desc = await this.service.describeTable(s.name, client);
          if (!desc) {
            if (!this.cfg['auto.create']) throw new SinkSchemaError(`table ${table} for topic "${topic}" does not exist; create it, or set auto.create=true`);
            const value = req.values[0];
            if (!value) return; // only tombstones so far: nothing to create a table from
            const cols = this.columnsOrThrow(() => desiredColumns(rules, value, req.keys[0]), table, where);
            await client.query(createTableSql(table, cols, this.ddlOptions()));
            this.log.info({ table, topic }, `created table ${table} (${cols.map((c) => c.name).join(', ')})`);
            desc = (await this.service.describeTable(s.name, client))!;
          }
          for (const value of req.values) {
            const schemaless = value.id === INFERRED_SCHEMA_ID;
            const keyNames = [...this.keyColumnNames(desc), ...this.headerColumnNames(desc)];
            const taken = new Set<string>([...keyNames, ...(this.rules.pkMode === 'kafka' ? kafkaPkNames(this.rules) : [])]);
            const fields = valueFields(rules, value, taken);
            const wanted: WantedColumn[] = fields.map((f) => ({ name: f.name, type: f.type, optional: f.optional, default: f.default }));
            if (this.rules.pkMode === 'record_key' && req.keys[0]) {
              const keyCols = this.columnsOrThrow(() => desiredColumns(this.rules, undefined, req.keys[0]), table, where);
              wanted.push(...keyCols.map((c) => ({ name: c.name, type: c.type, optional: false })));
            }
            const inSchema = new Set(fields.map((f) => f.name));
            const absent = schemaless || value.scalar ? [] : desc.columns
              .filter((c) => !c.generated && !taken.has(c.name) && !KAFKA_COLUMNS.includes(c.name as never))
              // A column with a default gives it to records that lack the field (absent.ts): its NOT NULL stays.
              .filter((c) => valueFieldAllowed(rules, c.name) && !inSchema.has(c.name) && !c.hasDefault)
              .map((c) => c.name);
            const ev = planEvolution(desc.columns, wanted, { schemaless, absent: this.cfg['auto.evolve'] ? absent : [], ...this.ddlOptions() });
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

  /** What ddl.ts writes by: the connector class' DDL, and db.timezone for timestamp defaults (where values get its wall clock). */
  private ddlOptions(): { dialect: DdlDialect; timeZone?: string } {
    return { dialect: this.dialect, ...(this.zones.timeZone === undefined ? {} : { timeZone: this.zones.timeZone }) };
  }

  private columnsOrThrow<T>(fn: () => T, table: string, where: string): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ColumnRuleError) throw new SinkSchemaError(`cannot create or evolve table ${table} for ${where}: ${err.message}`);
      throw err;
    }
  }
}
