// Dotted table names end to end, as each JDBC sink class lands them (the
// default quote.sql.identifiers=ALWAYS): Confluent's class splits
// table.name.format after ${topic} is in it, so the topic <schema>.Orders is
// the table "Orders" in that schema, postgres.<schema>.Items the same in the
// connected database, and a RegexRouter can route into a schema; Debezium's
// keeps a dotted topic in one table but splits collection.name.format and its
// ${source.…} values. A schema that does not exist, another database and a
// name Connect would cut short are errors naming the topic and the fix.
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { runSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, PG_JDBC, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { JsonEvents } from './debezium-events.js';

const FIELDS: ConnectField[] = [{ field: 'id', type: 'int32' }, { field: 'name', type: 'string', optional: true }];
const DBZ_JSON = {
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
};

async function tablesIn(schema: string): Promise<string[]> {
  const rows = await sql<{ t: string }>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
  return rows.map((r) => r.t);
}

describe("Confluent's JDBC sink class: a dotted name is [database.]schema.table", () => {
  it('topics schema.Table and postgres.schema.Table land in that schema with their case; a RegexRouter routes into a schema; currentSchema and myschema.${topic} still hold', async () => {
    const schema = uniqueName('Dot_App'); // mixed case: quoted as written under ALWAYS
    await sql(`CREATE SCHEMA "${schema}"`);
    const two = `${schema}.Orders`;
    const three = `postgres.${schema}.Items`; // postgres: the database connection.url connects to
    const src = uniqueName('dot_src');
    for (const t of [two, three, src]) await createTopic(t, 1);
    await produce(two, [
      { key: 'a', value: envelope(FIELDS, { id: 1, name: 'ann' }) },
      { key: 'a', value: envelope(FIELDS, { id: 1, name: 'ann b' }) },
    ]);
    await produce(three, [{ key: 'b', value: envelope(FIELDS, { id: 2, name: 'bob' }) }]);
    await produce(src, [{ key: 'c', value: envelope(FIELDS, { id: 3, name: 'cy' }) }]);
    const out = await runUntilCommitted(pgConnector(`${two},${three}`, { 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' }), [two, three]);
    // The start-up log's warning (JSON: quotes escaped) says where the dotted topic lands and how to keep one table.
    expect(out).toContain(`topic \\"${two}\\" lands in the table \\"Orders\\" of the schema \\"${schema}\\"`);
    expect(await tablesIn(schema)).toEqual(['Items', 'Orders']);
    expect(await sql(`SELECT id, name FROM "${schema}"."Orders"`)).toEqual([{ id: 1, name: 'ann b' }]);
    expect(await sql(`SELECT id, name FROM "${schema}"."Items"`)).toEqual([{ id: 2, name: 'bob' }]);
    // No table of the old one-name kind.
    expect(await sql('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = $1', [two])).toEqual([{ n: 0 }]);

    // A topic a RegexRouter renames to a dotted one goes to that schema too (the worker names routed tables).
    await runUntilCommitted(pgConnector(src, {
      'auto.create': 'true', transforms: 'route', 'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '.*', 'transforms.route.replacement': `${schema}.Routed`,
    }), [src]);
    expect(await sql(`SELECT id, name FROM "${schema}"."Routed"`)).toEqual([{ id: 3, name: 'cy' }]);

    // connection.url's currentSchema places an undotted topic's table; a schema-qualified format names its own schema.
    const plain = uniqueName('dot_plain');
    const other = uniqueName('dot_other');
    await sql(`CREATE SCHEMA ${other}`);
    await createTopic(plain, 1);
    await produce(plain, [{ key: 'd', value: envelope(FIELDS, { id: 4, name: 'di' }) }]);
    await runUntilCommitted(pgConnector(plain, { 'auto.create': 'true', 'connection.url': `${PG_JDBC}?currentSchema=${encodeURIComponent(`"${schema}"`)}` }), [plain]);
    expect(await sql(`SELECT id FROM "${schema}"."${plain}"`)).toEqual([{ id: 4 }]);
    await runUntilCommitted(pgConnector(plain, { 'auto.create': 'true', 'table.name.format': `${other}.t_\${topic}` }), [plain]);
    expect(await sql(`SELECT id FROM ${other}."t_${plain}"`)).toEqual([{ id: 4 }]);
  });

  it('a schema that does not exist stops Sluice naming the table, the topic and CREATE SCHEMA; nothing is committed', async () => {
    const missing = uniqueName('dot_nosuch');
    const topic = `${missing}.orders`;
    await createTopic(topic, 1);
    await produce(topic, [{ key: 'a', value: envelope(FIELDS, { id: 1, name: 'ann' }) }]);
    const out = await runExpectingFailure(pgConnector(topic, { 'auto.create': 'true' }));
    expect(out).toContain(`table "${missing}"."orders" for topic "${topic}" is in the schema "${missing}", which does not exist`);
    expect(out).toContain(`Neither Kafka Connect nor Sluice creates schemas: create it (CREATE SCHEMA "${missing}")`);
    expect(await sql('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [missing])).toEqual([{ n: 0 }]);
  });

  it('another database: check warns for a listed topic and its first record stops the run (as Connect\'s task fails); a record routed there fails with its location', async () => {
    const topic = `otherdb.${uniqueName('dot_inv')}.customers`;
    await createTopic(topic, 1);
    const checked = await runSluice(['check', '--config', writeConnector(pgConnector(topic, { 'auto.create': 'true' }))]);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain(`table.name.format: topic "${topic}": the table name "${topic}" (table.name.format "\${topic}") is database.schema.table to Confluent's JDBC sink`);
    await produce(topic, [{ key: 'a', value: envelope(FIELDS, { id: 1, name: 'ann' }) }]);
    const out = await runExpectingFailure(pgConnector(topic, { 'auto.create': 'true' }));
    expect(out).toContain(`the table name "${topic}" (table.name.format "\${topic}") is database.schema.table to Confluent's JDBC sink`);
    expect(out).toContain('names the database "otherdb", but connection.url connects to "postgres" and PostgreSQL has no cross-database references');
    expect(out).toContain('RegexRouter');

    const src = uniqueName('dot_route_src');
    await createTopic(src, 1);
    await produce(src, [{ key: 'a', value: envelope(FIELDS, { id: 1, name: 'ann' }) }]);
    const routed = await runExpectingFailure(pgConnector(src, {
      'auto.create': 'true', transforms: 'route', 'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '.*', 'transforms.route.replacement': 'otherdb.s.t',
    }));
    expect(routed).toContain(`topic ${src} partition 0 offset 0`);
    expect(routed).toContain('the table name "otherdb.s.t" (table.name.format "${topic}") is database.schema.table');
  });
});

describe("Debezium's JDBC sink class", () => {
  it('collection.name.format splits after ${source.…} is in it: the connected database is schema.table, another stops with the record\'s location', async () => {
    const schema = uniqueName('dot_dbz');
    await sql(`CREATE SCHEMA ${schema}`);
    const topic = uniqueName('srv.inventory.customers'); // dots in ${topic} would become underscores
    await createTopic(topic, 1);
    const events = new JsonEvents('srv', 'customers', FIELDS, schema);
    await produce(topic, [events.event('c', null, { id: 1, name: 'ann' }), events.event('u', null, { id: 1, name: 'ann b' })]);
    await runUntilCommitted(pgConnector(topic, { ...DBZ_JSON, 'collection.name.format': 'postgres.${source.schema}.${source.table}' }), [topic]);
    expect(await sql(`SELECT id, name FROM ${schema}.customers`)).toEqual([{ id: 1, name: 'ann b' }]);

    // The events' source.db is "inventory": Debezium would drop it and write another database's table into this one.
    const out = await runExpectingFailure(pgConnector(topic, { ...DBZ_JSON, 'collection.name.format': '${source.db}.${source.schema}.${source.table}' }));
    expect(out).toContain(`topic ${topic} partition 0 offset 0`);
    expect(out).toContain(`the table name "inventory.${schema}.customers" (collection.name.format "\${source.db}.\${source.schema}.\${source.table}") is database.schema.table to Debezium's JDBC sink`);
  });
});
