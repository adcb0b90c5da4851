// PostgreSQL sink options: Kafka Connect JDBC sink keys (Confluent's), with
// Debezium's JDBC sink names as aliases.
import { bool, int, list, oneOf, str, type ConfigOf, type OptionSpec } from '../../config/options.js';
import { aivenKeyOptions, debeziumKeyOptions, insertMode } from './connect-keys.js';
import { isKnownZone } from './wall-clock.js';

const dbTimezone = str({ key: 'db.timezone', default: 'UTC', aliases: ['use.time.zone', 'database.time_zone'], doc: 'Session time zone, and the JDBC time zone of Confluent\'s sink: an instant (Connect Timestamp, and what converters map to it) written into a `timestamp` (without time zone) column is its wall-clock time in this zone, a Connect Time into a `time` column its time of day in this zone on 1970-01-01, as Confluent\'s JDBC sink binds them; `timestamptz` columns hold the instant whatever the zone. With Debezium\'s JDBC sink class only the session time zone, as there: Debezium writes the UTC values. An IANA name (America/New_York) or a fixed offset (+05:30, UTC+05:30).' });

export const postgresOptions = [
  str({ key: 'connection.url', required: true, pattern: /^(jdbc:postgresql|postgres(ql)?):\/\//, expects: 'jdbc:postgresql://host:port/database or postgres://…', doc: 'Database to write to.' }),
  str({ key: 'connection.user', aliases: ['connection.username'], doc: 'Database user.' }),
  str({ key: 'connection.password', secret: true, doc: 'Database password. Use ${env:VAR} or ${file:path:key}.' }),
  str({ key: 'table.name.format', default: '${topic}', aliases: ['collection.name.format'], doc: 'Target table; ${topic} is replaced by the topic name. May be schema-qualified (schema.table). With Debezium\'s JDBC sink class, as Debezium names tables: dots in ${topic} become underscores, and ${source.db}, ${source.schema}, ${source.table} (any field of the change event\'s source block) come from the event.' }),
  insertMode,
  oneOf(['none', 'kafka', 'record_key', 'record_value', 'record_header'] as const, { key: 'pk.mode', default: 'none', caseInsensitive: true, aliases: ['primary.key.mode'], doc: 'Where the primary key comes from. record_header (Debezium): the headers named in pk.fields, as text.' }),
  list({ key: 'pk.fields', aliases: ['primary.key.fields'], doc: 'Primary key fields.' }),
  list({ key: 'fields.whitelist', aliases: ['field.include.list'], doc: 'Only these value fields become columns. An entry `topic:field` (Debezium\'s form) applies to that topic\'s records only.' }),
  list({ key: 'field.exclude.list', doc: 'These value fields never become columns. An entry `topic:field` (Debezium\'s form) applies to that topic\'s records only.' }),
  bool({ key: 'delete.enabled', default: false, doc: 'A tombstone (null value) deletes the row by key; with Debezium\'s JDBC sink class a change event with op d too. Needs pk.mode=record_key.' }),
  bool({ key: 'truncate.enabled', default: false, doc: 'Debezium\'s JDBC sink class: a change event with op t (TRUNCATE at the source) empties the table, in the transaction of the batch; otherwise it is skipped.' }),
  bool({ key: 'auto.create', default: false, doc: 'CREATE TABLE from the record schema when the table is missing.' }),
  bool({ key: 'auto.evolve', default: false, doc: 'ADD COLUMN for new fields and safe widenings; never drops or narrows.' }),
  oneOf(['none', 'basic'] as const, { key: 'schema.evolution', doc: 'Debezium name: basic = auto.create and auto.evolve.' }),
  int({ key: 'batch.size', min: 1, doc: 'JDBC sink batch size.', ignored: 'Sluice writes whole partition batches with COPY; see batch.max.records.' }),
  oneOf(['always', 'never'] as const, { key: 'quote.sql.identifiers', default: 'always', caseInsensitive: true, doc: 'Confluent\'s QuoteMethod, ALWAYS or NEVER (any case). ALWAYS: table and column names are written as they are. NEVER: as Kafka Connect\'s unquoted names, which PostgreSQL folds to lower case: tables (table.name.format with ${topic} in it, then split at its dots as Connect does: a topic app.orders is the table orders in the schema app, db.schema.table must name connection.url\'s database), columns from record fields, pk.fields, fields.whitelist and field.exclude.list, in DDL, inserts, upserts and deletes, are the lower-cased names; a name PostgreSQL cannot read unquoted (a space, a leading digit, a reserved word such as order) is an error naming it, where Connect\'s statement would fail. pg.offsets.table is Sluice\'s own and is written as given.' }),
  bool({ key: 'quote.identifiers', doc: 'Debezium\'s name for it. Identifiers are always quoted: a name with capitals lands as written, where Debezium\'s default (false) would fold it to lower case.', ignored: 'Sluice always quotes identifiers.' }),
  // A storage-connector key sometimes copied into JDBC configs.
  oneOf(['none', 'backward', 'forward', 'full'] as const, { key: 'schema.compatibility', default: 'none', caseInsensitive: true, ignored: 'the PostgreSQL sink follows auto.evolve, not schema.compatibility.', doc: 'The S3 sink\'s key; accepted with a notice (the PostgreSQL sink follows auto.evolve).' }),
  { ...dbTimezone, schema: dbTimezone.schema.refine(isKnownZone, 'is not a time zone'), expects: 'a time zone: an IANA name such as America/New_York, or an offset such as +05:30' },
  oneOf(['drop', 'escape', 'fail'] as const, { key: 'text.nul.mode', default: 'escape', doc: 'PostgreSQL text cannot hold NUL (U+0000): escape writes it as \\u0000, drop removes it, fail stops with the record location.' }),
  int({ key: 'max.retries', min: 0, default: 10, aliases: ['flush.failure.max.retries'], doc: 'Retries of a failed flush before the retry timeout applies (Debezium: flush.failure.max.retries).' }),
  int({ key: 'retry.backoff.ms', min: 0, default: 3000, aliases: ['flush.failure.retries.wait.ms'], doc: 'Shortest wait between retries (Debezium: flush.failure.retries.wait.ms). Each wait is random between it and three times the previous wait (decorrelated jitter), at most errors.retry.delay.max.ms; on shutdown a pending wait ends with the grace period.' }),
  int({ key: 'pg.pool.size', min: 1, max: 64, default: 4, doc: 'PostgreSQL connections.' }),
  str({ key: 'pg.offsets.table', default: 'sluice_offsets', doc: 'delivery.guarantee=exactly_once: the table (schema-qualified or in the search_path\'s first schema) holding each partition\'s next offset per connector, written in the same transaction as the rows.' }),
  int({ key: 'pg.statement.timeout.ms', min: 0, default: 300_000, doc: 'statement_timeout of the sink sessions (0 = none).' }),

  // Other keys of the JDBC sinks (Confluent's JdbcSinkConfig, Debezium's JdbcSinkConnectorConfig).
  str({ key: 'dialect.name', pattern: /^(PostgreSqlDatabaseDialect|postgresql|postgres)$/i, expects: 'PostgreSqlDatabaseDialect (Sluice writes only to PostgreSQL)', doc: 'JDBC dialect. Only PostgreSqlDatabaseDialect; another dialect is refused, since Sluice writes only to PostgreSQL.' }),
  int({ key: 'connection.attempts', min: 1, doc: 'Connection attempts of the JDBC sink.', ignored: 'Sluice retries a lost connection with backoff until errors.retry.timeout / max.retries are spent.' }),
  int({ key: 'connection.backoff.ms', min: 0, doc: 'Delay between connection attempts of the JDBC sink.', ignored: 'the retry backoff is retry.backoff.ms, doubling up to errors.retry.delay.max.ms.' }),
  oneOf(['LEGACY', 'PROLEPTIC_GREGORIAN'] as const, { key: 'date.calendar.system', doc: 'Calendar of epoch-based dates and timestamps.', ignored: 'Sluice uses the proleptic Gregorian calendar, as PostgreSQL does; LEGACY differs from it only before 1582-10-15.' }),
  oneOf(['db_timezone', 'utc'] as const, { key: 'date.timezone', default: 'db_timezone', caseInsensitive: true, doc: 'Confluent\'s JDBC sink: the zone a Connect Date is written in, DB_TIMEZONE (db.timezone) or UTC. A Connect Date is midnight UTC of its day, so in a zone west of UTC it lands as the day before, as Confluent\'s sink writes it; UTC writes the day itself. Debezium\'s JDBC sink class writes the day itself whatever this says.' }),
  str({ key: 'timestamp.precision.mode', doc: 'JDBC sink timestamp precision (microseconds/nanoseconds) for listed fields.', ignored: 'timestamps are written at PostgreSQL\'s precision, microseconds; a value finer than that is an error, never rounded.' }),
  str({ key: 'timestamp.fields.list', doc: 'Fields that timestamp.precision.mode applies to.', ignored: 'see timestamp.precision.mode.' }),
  str({ key: 'table.types', doc: 'Table types the JDBC sink may write to (TABLE, VIEW, …).', ignored: 'Sluice writes to tables (and to views PostgreSQL can insert into) without looking them up by type.' }),
  bool({ key: 'trim.sensitive.log', doc: 'Trim record data from the JDBC sink\'s logs.', ignored: 'Sluice never logs record data unless errors.log.include.messages=true.' }),
  bool({ key: 'mssql.use.merge.holdlock', doc: 'SQL Server only.', ignored: 'SQL Server only.' }),
  bool({ key: 'replace.null.with.default', default: true, doc: 'Confluent\'s JDBC sink (10.7.13+): a null field whose schema has a default is written as the default (valueStruct.get), as for an Avro ["string","null"] field with default "x"; false writes what the converter gave (getWithoutDefault). Debezium\'s JDBC sink class always writes what the converter gave for an optional field (DBZ-7191).' }),
  str({ key: 'string.output.value.column.name', doc: 'Confluent JDBC sink: column for String-schema values.', refused: 'a record whose whole value is a string has no columns in Sluice; use a converter with a schema (JsonConverter, AvroConverter)' }),
  int({ key: 'connection.pool.min_size', min: 0, doc: 'Debezium JDBC sink pool size.', ignored: 'the pool is pg.pool.size.' }),
  int({ key: 'connection.pool.max_size', min: 1, doc: 'Debezium JDBC sink pool size.', ignored: 'the pool is pg.pool.size.' }),
  int({ key: 'connection.pool.acquire_increment', min: 1, doc: 'Debezium JDBC sink pool growth.', ignored: 'the pool is pg.pool.size.' }),
  int({ key: 'connection.pool.timeout', min: 0, doc: 'Debezium JDBC sink pool timeout.', ignored: 'connections are checked and replaced by the pool.' }),
  bool({ key: 'connection.restart.on.errors', doc: 'Debezium JDBC sink: restart the connection on errors.', ignored: 'Sluice always reconnects after a lost connection.' }),
  str({ key: 'connection.provider', doc: 'Debezium JDBC sink connection provider class.', ignored: 'Sluice has its own connection pool.' }),
  int({ key: 'flush.max.retries', min: 0, doc: 'Debezium JDBC sink flush retries.', ignored: 'see max.retries and errors.retry.timeout.' }),
  int({ key: 'flush.retry.delay.ms', min: 0, doc: 'Debezium JDBC sink flush retry delay.', ignored: 'see retry.backoff.ms.' }),
  bool({ key: 'use.reduction.buffer', doc: 'Debezium JDBC sink: keep the last change per key in a batch.', ignored: 'upserts always keep the last row per key of a batch.' }),
  str({ key: 'dialect.sqlserver.identity.insert', doc: 'Debezium JDBC sink, SQL Server only.', ignored: 'SQL Server only.' }),
  ...debeziumKeyOptions,
  ...aivenKeyOptions,
] as const satisfies readonly OptionSpec<any>[];

export type PostgresConfig = ConfigOf<typeof postgresOptions>;
