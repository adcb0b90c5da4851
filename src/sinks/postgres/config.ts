// PostgreSQL sink options: Kafka Connect JDBC sink keys (Confluent's), with
// Debezium's JDBC sink names as aliases.
import { bool, int, list, oneOf, str, type OptionSpec } from '../../config/options.js';

const pg = ['postgres'] as const;

export const postgresOptions = [
  str({ key: 'connection.url', sinks: pg, required: true, pattern: /^(jdbc:postgresql|postgres(ql)?):\/\//, expects: 'jdbc:postgresql://host:port/database or postgres://…', doc: 'Database to write to.' }),
  str({ key: 'connection.user', sinks: pg, aliases: ['connection.username'], doc: 'Database user.' }),
  str({ key: 'connection.password', sinks: pg, secret: true, doc: 'Database password. Use ${env:VAR} or ${file:path:key}.' }),
  str({ key: 'table.name.format', sinks: pg, default: '${topic}', aliases: ['collection.name.format'], doc: 'Target table; ${topic} is replaced by the topic name. May be schema-qualified (schema.table). With Debezium\'s JDBC sink class, as Debezium names tables: dots in ${topic} become underscores, and ${source.db}, ${source.schema}, ${source.table} (any field of the change event\'s source block) come from the event.' }),
  oneOf(['insert', 'upsert', 'update'] as const, { key: 'insert.mode', sinks: pg, default: 'insert', caseInsensitive: true, doc: 'insert: COPY straight in. upsert: COPY into a staging table, keep the last row per key, INSERT … ON CONFLICT DO UPDATE. update: UPDATE … FROM staging.' }),
  oneOf(['none', 'kafka', 'record_key', 'record_value', 'record_header'] as const, { key: 'pk.mode', sinks: pg, default: 'none', caseInsensitive: true, aliases: ['primary.key.mode'], doc: 'Where the primary key comes from. record_header (Debezium): the headers named in pk.fields, as text.' }),
  list({ key: 'pk.fields', sinks: pg, aliases: ['primary.key.fields'], doc: 'Primary key fields.' }),
  list({ key: 'fields.whitelist', sinks: pg, aliases: ['field.include.list'], doc: 'Only these value fields become columns.' }),
  list({ key: 'field.exclude.list', sinks: pg, doc: 'These value fields never become columns.' }),
  bool({ key: 'delete.enabled', sinks: pg, default: false, doc: 'A tombstone (null value) deletes the row by key; with Debezium\'s JDBC sink class a change event with op d too. Needs pk.mode=record_key.' }),
  bool({ key: 'truncate.enabled', sinks: pg, default: false, doc: 'Debezium\'s JDBC sink class: a change event with op t (TRUNCATE at the source) empties the table, in the transaction of the batch; otherwise it is skipped.' }),
  bool({ key: 'auto.create', sinks: pg, default: false, doc: 'CREATE TABLE from the record schema when the table is missing.' }),
  bool({ key: 'auto.evolve', sinks: pg, default: false, doc: 'ADD COLUMN for new fields and safe widenings; never drops or narrows.' }),
  oneOf(['none', 'basic'] as const, { key: 'schema.evolution', sinks: pg, doc: 'Debezium name: basic = auto.create and auto.evolve.' }),
  int({ key: 'batch.size', sinks: pg, min: 1, doc: 'JDBC sink batch size.', ignored: 'Sluice writes whole partition batches with COPY; see batch.max.records.' }),
  bool({ key: 'quote.sql.identifiers', sinks: pg, default: true, doc: 'Identifiers are always quoted; accepted for compatibility.', ignored: 'Sluice always quotes identifiers.' }),
  bool({ key: 'quote.identifiers', sinks: pg, doc: 'Debezium\'s name for it. Identifiers are always quoted: a name with capitals lands as written, where Debezium\'s default (false) would fold it to lower case.', ignored: 'Sluice always quotes identifiers.' }),
  str({ key: 'db.timezone', sinks: pg, default: 'UTC', aliases: ['use.time.zone', 'database.time_zone'], doc: 'Session time zone.' }),
  oneOf(['drop', 'escape', 'fail'] as const, { key: 'text.nul.mode', sinks: pg, default: 'escape', doc: 'PostgreSQL text cannot hold NUL (U+0000): escape writes it as \\u0000, drop removes it, fail stops with the record location.' }),
  int({ key: 'max.retries', sinks: pg, min: 0, default: 10, doc: 'Retries of a failed flush before the retry timeout applies.' }),
  int({ key: 'retry.backoff.ms', sinks: pg, min: 0, default: 3000, doc: 'Shortest wait between retries. Each wait is random between it and three times the previous wait (decorrelated jitter), at most errors.retry.delay.max.ms; on shutdown a pending wait ends with the grace period.' }),
  int({ key: 'pg.pool.size', sinks: pg, min: 1, max: 64, default: 4, doc: 'PostgreSQL connections.' }),
  str({ key: 'pg.offsets.table', sinks: pg, default: 'sluice_offsets', doc: 'delivery.guarantee=exactly_once: the table (schema-qualified or in the search_path\'s first schema) holding each partition\'s next offset per connector, written in the same transaction as the rows.' }),
  int({ key: 'pg.statement.timeout.ms', sinks: pg, min: 0, default: 300_000, doc: 'statement_timeout of the sink sessions (0 = none).' }),
] as const satisfies readonly OptionSpec<any>[];
