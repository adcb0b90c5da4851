// quote.sql.identifiers=NEVER end to end: Kafka Connect writes names
// unquoted, so PostgreSQL folds them; a mixed-case topic, fields and
// pk.fields land in the lower-case table and columns, through auto.create,
// auto.evolve, upserts and deletes, and into a table made by unquoted DDL.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const V1: ConnectField[] = [
  { field: 'OrderId', type: 'int64' },
  { field: 'CustomerName', type: 'string', optional: true },
  { field: 'Qty', type: 'int32', optional: true },
];
const V2: ConnectField[] = [...V1, { field: 'ShipNote', type: 'string', optional: true }];

async function columnsOf(table: string): Promise<string[]> {
  const rows = await sql<{ c: string }>('SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table]);
  return rows.map((r) => r.c);
}

describe('quote.sql.identifiers=NEVER', () => {
  it('a mixed-case topic and fields: auto.create and auto.evolve make lower-case names, upserts by the folded pk.fields', async () => {
    const topic = uniqueName('Pg_NeverOrders');
    const table = topic.toLowerCase();
    await createTopic(topic, 2);
    await produce(topic, [
      { key: 'a', partition: 0, value: envelope(V1, { OrderId: 1, CustomerName: 'Ann', Qty: 1 }) },
      { key: 'b', partition: 1, value: envelope(V1, { OrderId: 2, CustomerName: 'Bob', Qty: 2 }) },
      { key: 'a', partition: 0, value: envelope(V1, { OrderId: 1, CustomerName: 'Ann', Qty: 5 }) },
      { key: 'c', partition: 0, value: envelope(V2, { OrderId: 3, CustomerName: 'Cy', Qty: 3, ShipNote: 'fragile' }) },
      { key: 'b', partition: 1, value: envelope(V2, { OrderId: 2, CustomerName: 'Bob', Qty: 7, ShipNote: null }) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'quote.sql.identifiers': 'NEVER', 'auto.create': 'true', 'auto.evolve': 'true',
      'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'OrderId', 'batch.max.records': '2',
    }), [topic]);
    // Exactly as Connect's unquoted statements leave it: no mixed-case table or column anywhere.
    expect(await sql('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = $1', [topic])).toEqual([{ n: 0 }]);
    expect(await columnsOf(table)).toEqual(['orderid', 'customername', 'qty', 'shipnote']);
    const pk = await sql<{ c: string }>(`SELECT a.attname AS c FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary`, [table]);
    expect(pk).toEqual([{ c: 'orderid' }]);
    // Unquoted SQL, as a Connect user's queries read it.
    expect(await sql(`SELECT OrderId::int AS id, CustomerName AS name, Qty AS qty, ShipNote AS note FROM ${topic} ORDER BY OrderId`)).toEqual([
      { id: 1, name: 'Ann', qty: 5, note: null },
      { id: 2, name: 'Bob', qty: 7, note: null },
      { id: 3, name: 'Cy', qty: 3, note: 'fragile' },
    ]);
  });

  it('a table made by unquoted DDL, a struct key with mixed-case fields, deletes by key; table.name.format folded', async () => {
    const topic = uniqueName('pg_never_keyed');
    const format = `Sales_${topic.toUpperCase()}`;
    await createTopic(topic, 1);
    // What a DBA (or Connect itself) ran unquoted: PostgreSQL keeps it as sales_…(tenantid, orderid, customername, qty).
    await sql(`CREATE TABLE ${format} (TenantId text, OrderId bigint, CustomerName text, Qty integer, PRIMARY KEY (TenantId, OrderId))`);
    const keyFields: ConnectField[] = [{ field: 'TenantId', type: 'string' }, { field: 'OrderId', type: 'int64' }];
    const key = (t: string, id: number) => envelope(keyFields, { TenantId: t, OrderId: id }, 'key');
    const value = (id: number, name: string, qty: number) => envelope(V1, { OrderId: id, CustomerName: name, Qty: qty });
    await produce(topic, [
      { key: key('t1', 1), value: value(1, 'Ann', 1) },
      { key: key('t1', 2), value: value(2, 'Bob', 2) },
      { key: key('t2', 1), value: value(1, 'Cy', 3) },
      { key: key('t1', 2), value: null },
      { key: key('t2', 1), value: value(1, 'Cy', 9) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'quote.sql.identifiers': 'never', 'table.name.format': format,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
      'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'TenantId,OrderId', 'delete.enabled': 'true',
    }), [topic]);
    expect(await sql(`SELECT TenantId AS t, OrderId::int AS id, CustomerName AS name, Qty AS qty FROM ${format} ORDER BY 1, 2`)).toEqual([
      { t: 't1', id: 1, name: 'Ann', qty: 1 },
      { t: 't2', id: 1, name: 'Cy', qty: 9 },
    ]);
  });

  it('a ksqlDB-shaped topic: LongConverter keys, Avro values with upper-case fields, upserted into lower-case columns', async () => {
    const topic = uniqueName('ORDERS_BY_ID').toUpperCase();
    await createTopic(topic, 1);
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      { name: 'CUSTOMER', type: ['null', 'string'], default: null },
      { name: 'TOTAL', type: ['null', 'double'], default: null },
    ] };
    const id = await registerSchema(`${topic}-value`, schema);
    const t = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
    const key = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(n);
      return b;
    };
    await produce(topic, [
      { key: key(1n), value: confluentFrame(id, t.toBuffer({ CUSTOMER: 'ann', TOTAL: 1.5 })) },
      { key: key(2n), value: confluentFrame(id, t.toBuffer({ CUSTOMER: 'bob', TOTAL: null })) },
      { key: key(1n), value: confluentFrame(id, t.toBuffer({ CUSTOMER: 'ann', TOTAL: 9.25 })) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': 'org.apache.kafka.connect.converters.LongConverter',
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'quote.sql.identifiers': 'NEVER', 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'ORDER_ID',
    }), [topic]);
    expect(await columnsOf(topic.toLowerCase())).toEqual(['order_id', 'customer', 'total']);
    expect(await sql(`SELECT ORDER_ID::int AS id, CUSTOMER AS c, TOTAL AS t FROM ${topic} ORDER BY 1`)).toEqual([
      { id: 1, c: 'ann', t: 9.25 }, { id: 2, c: 'bob', t: null },
    ]);
  });

  it('dotted topics are schema.table (and database.schema.table), as Connect splits the name: auto.create in that schema, upserts', async () => {
    const schema = uniqueName('never_app'); // a schema name may not start with pg_
    await sql(`CREATE SCHEMA ${schema}`);
    const two = `${schema}.Orders`;
    const three = `postgres.${schema}.Items`; // the database connection.url connects to
    await createTopic(two, 1);
    await createTopic(three, 1);
    await produce(two, [
      { key: 'a', value: envelope(V1, { OrderId: 1, CustomerName: 'Ann', Qty: 1 }) },
      { key: 'a', value: envelope(V1, { OrderId: 1, CustomerName: 'Ann', Qty: 4 }) },
    ]);
    await produce(three, [{ key: 'b', value: envelope(V1, { OrderId: 2, CustomerName: 'Bob', Qty: 2 }) }]);
    await runUntilCommitted(pgConnector(`${two},${three}`, {
      'quote.sql.identifiers': 'NEVER', 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'OrderId',
    }), [two, three]);
    const tables = await sql<{ t: string }>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
    expect(tables).toEqual([{ t: 'items' }, { t: 'orders' }]);
    // Unquoted SQL, as a Connect user's queries read it.
    expect(await sql(`SELECT OrderId::int AS id, CustomerName AS name, Qty AS qty FROM ${two}`)).toEqual([{ id: 1, name: 'Ann', qty: 4 }]);
    expect(await sql(`SELECT OrderId::int AS id, Qty AS qty FROM ${three}`)).toEqual([{ id: 2, qty: 2 }]);

    // A topic a RegexRouter renames to a dotted one goes to that schema too (the worker names routed tables).
    const src = uniqueName('never_src');
    await createTopic(src, 1);
    await produce(src, [{ key: 'c', value: envelope(V1, { OrderId: 3, CustomerName: 'Cy', Qty: 3 }) }]);
    await runUntilCommitted(pgConnector(src, {
      'quote.sql.identifiers': 'NEVER', 'auto.create': 'true',
      transforms: 'route', 'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '.*', 'transforms.route.replacement': `${schema}.Routed`,
    }), [src]);
    expect(await sql(`SELECT OrderId::int AS id FROM ${schema}.Routed`)).toEqual([{ id: 3 }]);
  });

  it('a field PostgreSQL cannot read unquoted stops the connector with its location, naming quote.sql.identifiers', async () => {
    const topic = uniqueName('pg_never_bad');
    await createTopic(topic, 1);
    await produce(topic, [
      { key: 'a', value: envelope([{ field: 'id', type: 'int32' }], { id: 1 }) },
      { key: 'b', value: envelope([{ field: 'id', type: 'int32' }, { field: 'Order', type: 'string' }], { id: 2, Order: 'x' }) },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, { 'quote.sql.identifiers': 'NEVER', 'auto.create': 'true', 'auto.evolve': 'true' }));
    expect(out).toContain(`topic ${topic} partition 0 offset 1`);
    expect(out).toContain('value field "Order" cannot be written unquoted (quote.sql.identifiers=NEVER): "order" is a reserved word in PostgreSQL');
    expect(await sql(`SELECT id FROM ${topic}`)).toEqual([{ id: 1 }]);
  });
});
