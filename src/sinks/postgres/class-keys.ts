// Keys that only one of the two JDBC sinks defines. Sluice declares each
// option once, with the other class's name as an alias, but Kafka Connect
// hands a connector only the keys its class defines: Debezium's sink never
// reads pk.mode, Confluent's never reads primary.key.mode. So a key written in
// the other class's spelling is ignored, with a warning naming the key the
// class does read, instead of changing what lands (an upsert Connect would not
// do, a table it would not create). Sluice's own class (sluice.postgres) reads
// both spellings.
import type { SinkChecks } from '../../config/sink-spec.js';
import { postgresOptions } from './config.js';

type JdbcClass = 'confluent' | 'debezium';

/** By the name as written: the option it sets, and what the class reads instead. */
const NOT_READ: Record<JdbcClass, Record<string, { option: string; instead: string }>> = {
  debezium: {
    'auto.create': { option: 'auto.create', instead: 'schema.evolution=basic' },
    'auto.evolve': { option: 'auto.evolve', instead: 'schema.evolution=basic' },
    'pk.mode': { option: 'pk.mode', instead: 'primary.key.mode' },
    'pk.fields': { option: 'pk.fields', instead: 'primary.key.fields' },
    'fields.whitelist': { option: 'fields.whitelist', instead: 'field.include.list' },
    'db.timezone': { option: 'db.timezone', instead: 'database.time_zone' },
  },
  confluent: {
    'schema.evolution': { option: 'schema.evolution', instead: 'auto.create and auto.evolve' },
    'primary.key.mode': { option: 'pk.mode', instead: 'pk.mode' },
    'primary.key.fields': { option: 'pk.fields', instead: 'pk.fields' },
    'field.include.list': { option: 'fields.whitelist', instead: 'fields.whitelist' },
    'field.exclude.list': { option: 'field.exclude.list', instead: 'fields.whitelist' },
    'collection.name.format': { option: 'table.name.format', instead: 'table.name.format' },
    'database.time_zone': { option: 'db.timezone', instead: 'db.timezone' },
    'use.time.zone': { option: 'db.timezone', instead: 'db.timezone' },
  },
};

const CLASS_NAME: Record<JdbcClass, string> = {
  debezium: "Debezium's JDBC sink (io.debezium.connector.jdbc.JdbcSinkConnector)",
  confluent: "Confluent's JDBC sink",
};

/** Which JDBC sink a connector.class names; undefined for Sluice's own class, which reads every spelling. */
export function jdbcClassOf(connectorClass: string): JdbcClass | undefined {
  const c = connectorClass.toLowerCase();
  if (c.includes('debezium')) return 'debezium';
  return c.includes('jdbcsink') ? 'confluent' : undefined;
}

const defaults = new Map<string, unknown>(postgresOptions.map((o) => [o.key, 'default' in o ? o.default : undefined]));

/** Puts back the default of every option set only by a name the connector class does not read, with a warning each; returns those names. */
export function ignoreOtherClassKeys(c: SinkChecks): Set<string> {
  const ignored = new Set<string>();
  const cls = jdbcClassOf(String(c.get('connector.class')));
  if (cls === undefined) return ignored;
  for (const [written, { option, instead }] of Object.entries(NOT_READ[cls])) {
    if (c.setAs(option) !== written) continue;
    c.set(option, defaults.get(option));
    ignored.add(written);
    c.warning(`${written}: not a key of ${CLASS_NAME[cls]}, which Kafka Connect never hands it, so it is ignored here too; that sink reads ${instead}`);
  }
  return ignored;
}
