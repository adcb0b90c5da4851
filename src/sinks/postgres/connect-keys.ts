// Keys of Debezium's JDBC sink (JdbcSinkConnectorConfig) that real configs
// carry and that mean nothing more here than Sluice already does: accepted
// with a notice at the values that name Debezium's own behaviour, refused
// (naming the key) where they name something Sluice cannot run.
import { z } from 'zod';
import { bool, str, type OptionSpec } from '../../config/options.js';

const trimmed = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());

/** A naming-strategy class key: Debezium's default classes are what Sluice does; a custom class cannot run here. */
function strategy<const K extends string>(key: K, classes: readonly string[], what: string): OptionSpec<string> & { key: K } {
  return {
    key,
    doc: `Debezium JDBC sink: the class that names ${what}. Only Debezium's default (${classes.join(', ')}), which is what Sluice does; a custom class is refused.`,
    schema: trimmed.pipe(z.string().refine((v) => classes.includes(v))),
    expects: `Debezium's default class ${classes[0]} (a custom naming strategy is Java code Sluice cannot run; rename with table.name.format or a RegexRouter transform instead)`,
    ignored: `Debezium's default ${what === 'columns' ? 'column' : 'table'} naming, which is what Sluice does (a custom class is refused).`,
  };
}

export const debeziumKeyOptions = [
  strategy('collection.naming.strategy', ['io.debezium.sink.naming.DefaultCollectionNamingStrategy', 'io.debezium.connector.jdbc.naming.DefaultCollectionNamingStrategy', 'io.debezium.connector.jdbc.naming.DefaultTableNamingStrategy'], 'tables (from collection.name.format)'),
  strategy('table.naming.strategy', ['io.debezium.connector.jdbc.naming.DefaultTableNamingStrategy', 'io.debezium.sink.naming.DefaultCollectionNamingStrategy', 'io.debezium.connector.jdbc.naming.DefaultCollectionNamingStrategy'], 'tables (older name of collection.naming.strategy)'),
  strategy('column.naming.strategy', ['io.debezium.connector.jdbc.naming.DefaultColumnNamingStrategy', 'io.debezium.sink.naming.DefaultColumnNamingStrategy'], 'columns'),
  str({ key: 'dialect.postgres.postgis.schema', doc: 'Debezium JDBC sink: the schema holding the PostGIS extension (default public).', ignored: 'Sluice writes no PostGIS geometry types, so it never looks the extension up.' }),
] as const satisfies readonly OptionSpec<any>[];

// Names of one option that only one of the two JDBC sinks reads (Kafka Connect
// ignores a key its connector does not define): where a config gives both with
// different values, the class's own name is the one that counts.
const CONFLUENT_ONLY = new Set(['connection.user', 'pk.mode', 'pk.fields', 'fields.whitelist', 'db.timezone']);
const DEBEZIUM_ONLY = new Set(['connection.username', 'primary.key.mode', 'primary.key.fields', 'field.include.list', 'use.time.zone', 'database.time_zone', 'collection.name.format']);

export function jdbcReadsName(a: string, b: string, connectorClass: string): string | undefined {
  const debezium = /debezium/i.test(connectorClass);
  const own = debezium ? DEBEZIUM_ONLY : CONFLUENT_ONLY;
  const other = debezium ? CONFLUENT_ONLY : DEBEZIUM_ONLY;
  if (own.has(a) && other.has(b)) return a;
  if (own.has(b) && other.has(a)) return b;
  return undefined;
}

const INSERT_MODES = ['insert', 'upsert', 'update'] as const;

/** insert.mode; Aiven's JDBC sink's multi (multi-row INSERT statements) writes what insert does. */
export const insertMode = {
  key: 'insert.mode',
  default: 'insert',
  doc: 'insert: COPY straight in. upsert: COPY into a staging table, keep the last row per key, INSERT … ON CONFLICT DO UPDATE. update: UPDATE … FROM staging. multi (Aiven\'s JDBC sink: multi-row INSERT statements) is insert.',
  schema: trimmed
    .transform((v) => v.toLowerCase())
    .pipe(z.enum([...INSERT_MODES, 'multi'], { error: () => 'is not one of insert, upsert, update' }))
    .transform((v): (typeof INSERT_MODES)[number] => (v === 'multi' ? 'insert' : v)),
  // multi stays out of the message: it is Aiven's spelling of insert, not a mode of its own.
  expects: 'one of insert | upsert | update',
} as const satisfies OptionSpec<(typeof INSERT_MODES)[number]>;

/** Keys of Aiven's JDBC sink (io.aiven.connect.jdbc.JdbcSinkConnector, a fork of Confluent's). */
export const aivenKeyOptions = [
  bool({ key: 'sql.quote.identifiers', doc: 'Aiven\'s JDBC sink: true (its default) quotes table and column names, as quote.sql.identifiers=always; false leaves them unquoted, as quote.sql.identifiers=never.' }),
  {
    key: 'table.name.normalize',
    doc: 'Aiven\'s JDBC sink: replace every character of a topic\'s table name but a-z, A-Z, 0-9 and _ with _ (default false).',
    schema: trimmed.pipe(z.string().refine((v) => v.toLowerCase() === 'false')).transform(() => false),
    expects: 'false (Sluice names tables after the topics as they are; rename topics to table names with a RegexRouter transform)',
    ignored: 'false is Aiven\'s default, what Sluice does (true is refused).',
  } as const satisfies OptionSpec<boolean>,
  {
    key: 'topics.to.tables.mapping',
    doc: 'Aiven\'s JDBC sink: topic:table pairs that override table.name.format.',
    schema: trimmed.pipe(z.string().max(0)),
    expects: 'empty (per-topic table names are not supported: use table.name.format, a RegexRouter transform, or one connector per table)',
    ignored: 'accepted empty (Aiven\'s default); a mapping is refused.',
  } as const satisfies OptionSpec<string>,
] as const satisfies readonly OptionSpec<any>[];
