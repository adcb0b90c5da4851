// Keys of Debezium's JDBC sink (JdbcSinkConnectorConfig) that real configs
// carry and that mean nothing more here than Sluice already does: accepted
// with a notice at the values that name Debezium's own behaviour, refused
// (naming the key) where they name something Sluice cannot run.
import { z } from 'zod';
import { str, type OptionSpec } from '../../config/options.js';

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
