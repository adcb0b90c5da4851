// insert.mode (insert / upsert / update), pk.mode (kafka / record_key /
// record_value), delete.enabled and the field filters, end to end on the real
// broker and PostgreSQL. Streams mix puts and tombstones of the same keys
// inside one batch and across batches of several partitions; the table must
// end exactly where replaying the stream one record at a time would leave it.
import { describe, expect, it } from 'vitest';
import { rng } from '../helpers/orders.js';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const VALUE_FIELDS: ConnectField[] = [
  { field: 'name', type: 'string', optional: false },
  { field: 'qty', type: 'int32', optional: true },
];

type Op = { key: number; kind: 'put'; name: string; qty: number } | { key: number; kind: 'del' };
type Row = { name: string; qty: number };

/** A seeded stream of puts and deletes over `keys` keys; `allow` vetoes ops the mode cannot take. */
function ops(count: number, keys: number, seed: number, allow: (state: Map<number, Row>, op: Op) => boolean = () => true): Op[] {
  const r = rng(seed);
  const state = new Map<number, Row>();
  const out: Op[] = [];
  for (let i = 0; out.length < count && i < count * 20; i++) {
    const key = Math.floor(r() * keys);
    const op: Op = r() < 0.3 ? { key, kind: 'del' } : { key, kind: 'put', name: `n${i}`, qty: i };
    if (!allow(state, op)) continue;
    out.push(op);
    if (op.kind === 'del') state.delete(key);
    else state.set(key, { name: op.name, qty: op.qty });
  }
  return out;
}

/** Applies the ops one by one, the way a row-at-a-time sink would. */
function replay(list: Op[], mode: 'upsert' | 'update' | 'insert', initial: Map<number, Row> = new Map()): Map<number, Row> {
  const state = new Map(initial);
  for (const op of list) {
    if (op.kind === 'del') state.delete(op.key);
    else if (mode === 'update') {
      if (state.has(op.key)) state.set(op.key, { name: op.name, qty: op.qty });
    } else state.set(op.key, { name: op.name, qty: op.qty });
  }
  return state;
}

const PARTITIONS = 3;
const keyName = (k: number) => `k${String(k).padStart(3, '0')}`;

function stringKeyed(list: Op[]): TestMessage[] {
  return list.map((op) => ({
    key: keyName(op.key),
    partition: op.key % PARTITIONS,
    value: op.kind === 'del' ? null : envelope(VALUE_FIELDS, { name: op.name, qty: op.qty }),
  }));
}

async function tableState(table: string, keyCol = 'k'): Promise<Map<string, Row>> {
  const rows = await sql<{ k: string; name: string; qty: number }>(`SELECT ${keyCol}::text AS k, name, qty FROM ${table} ORDER BY 1`);
  return new Map(rows.map((r) => [r.k, { name: r.name, qty: r.qty }]));
}

function expected(state: Map<number, Row>, key: (k: number) => string = keyName): Map<string, Row> {
  return new Map([...state].sort((a, b) => a[0] - b[0]).map(([k, v]) => [key(k), v]));
}

describe('insert.mode and pk.mode', () => {
  it('upsert with a primitive key (StringConverter, one pk field) and deletes: the last operation per key wins', async () => {
    const topic = uniqueName('pg_upsert');
    await createTopic(topic, PARTITIONS);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    const list = ops(1500, 40, 11);
    await produce(topic, stringKeyed(list));
    // Small batches: many groups mixing partitions, keys repeating inside and across batches.
    await runUntilCommitted(pgConnector(topic, {
      'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k', 'delete.enabled': 'true', 'batch.max.records': '37',
    }), [topic]);
    expect(await tableState(topic)).toEqual(expected(replay(list, 'upsert')));
  });

  it('upsert with a struct key (JSON key with schema, two pk fields) through the Debezium key names', async () => {
    const topic = uniqueName('pg_upsert_struct');
    await createTopic(topic, PARTITIONS);
    await sql(`CREATE TABLE ${topic} (tenant text, id bigint, name text NOT NULL, qty integer, PRIMARY KEY (tenant, id))`);
    const list = ops(800, 30, 12);
    const keyFields: ConnectField[] = [{ field: 'tenant', type: 'string' }, { field: 'id', type: 'int64' }];
    await produce(topic, list.map((op) => ({
      key: envelope(keyFields, { tenant: `t${op.key % 2}`, id: op.key }, 'key'),
      partition: op.key % PARTITIONS,
      value: op.kind === 'del' ? null : envelope(VALUE_FIELDS, { name: op.name, qty: op.qty }),
    })));
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', // Debezium's spellings of pk.mode and pk.fields
      'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'primary.key.fields': 'tenant,id', 'delete.enabled': 'true', 'batch.max.records': '25',
    }), [topic]);
    const rows = await sql<{ k: string; name: string; qty: number }>(`SELECT tenant || '/' || id AS k, name, qty FROM ${topic} ORDER BY id`);
    expect(new Map(rows.map((r) => [r.k, { name: r.name, qty: r.qty }]))).toEqual(expected(replay(list, 'upsert'), (k) => `t${k % 2}/${k}`));
  });

  it('update changes only rows that exist; a delete wins over any update after it', async () => {
    const topic = uniqueName('pg_update');
    await createTopic(topic, PARTITIONS);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    const initial = new Map<number, Row>();
    for (let k = 0; k < 20; k++) initial.set(k, { name: 'orig', qty: -1 });
    await sql(`INSERT INTO ${topic} SELECT 'k' || lpad(g::text, 3, '0'), 'orig', -1 FROM generate_series(0, 19) g`);
    const list = ops(700, 40, 13);
    await produce(topic, stringKeyed(list));
    await runUntilCommitted(pgConnector(topic, {
      'insert.mode': 'update', 'pk.mode': 'record_key', 'pk.fields': 'k', 'delete.enabled': 'true', 'batch.max.records': '29',
    }), [topic]);
    expect(await tableState(topic)).toEqual(expected(replay(list, 'update', initial)));
  });

  it('insert with delete.enabled: a delete removes the row, a later insert of the same key survives', async () => {
    const topic = uniqueName('pg_insert_del');
    await createTopic(topic, PARTITIONS);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    // Plain inserts cannot take a key twice: puts only for absent keys, deletes only for present ones.
    const list = ops(600, 25, 14, (s, op) => (op.kind === 'put' ? !s.has(op.key) : s.has(op.key)));
    await produce(topic, stringKeyed(list));
    await runUntilCommitted(pgConnector(topic, {
      'insert.mode': 'insert', 'pk.mode': 'record_key', 'pk.fields': 'k', 'delete.enabled': 'true', 'batch.max.records': '31',
    }), [topic]);
    expect(await tableState(topic)).toEqual(expected(replay(list, 'insert')));
  });

  it('pk.mode=kafka: rows keyed by topic, partition and offset; re-reading the topic (another group) changes nothing under upsert', async () => {
    const topic = uniqueName('pg_kafka_pk');
    await createTopic(topic, PARTITIONS);
    await sql(`CREATE TABLE ${topic} (__connect_topic text, __connect_partition integer, __connect_offset bigint, name text NOT NULL, qty integer,
      PRIMARY KEY (__connect_topic, __connect_partition, __connect_offset))`);
    const list = ops(600, 50, 15).filter((o) => o.kind === 'put') as Extract<Op, { kind: 'put' }>[];
    await produce(topic, list.map((op) => ({
      key: keyName(op.key), partition: op.key % PARTITIONS, value: envelope(VALUE_FIELDS, { name: op.name, qty: op.qty }),
    })));
    const cfg = pgConnector(topic, { 'insert.mode': 'upsert', 'pk.mode': 'kafka', 'batch.max.records': '50' });
    await runUntilCommitted(cfg, [topic]);
    await runUntilCommitted(cfg, [topic]);
    const rows = await sql<{ t: string; p: number; o: string; name: string; qty: number }>(
      `SELECT __connect_topic AS t, __connect_partition AS p, __connect_offset::text AS o, name, qty FROM ${topic} ORDER BY __connect_partition, __connect_offset`);
    expect(rows.length).toBe(list.length);
    // Per partition, offsets 0.. in production order.
    for (let p = 0; p < PARTITIONS; p++) {
      const produced = list.filter((op) => op.key % PARTITIONS === p);
      const got = rows.filter((r) => r.p === p);
      expect(got.map((r) => ({ t: r.t, o: Number(r.o), name: r.name, qty: r.qty })))
        .toEqual(produced.map((op, i) => ({ t: topic, o: i, name: op.name, qty: op.qty })));
    }
  });

  it('pk.mode=record_value with fields.whitelist: only listed fields are written; other columns keep their defaults', async () => {
    const topic = uniqueName('pg_record_value');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, name text, qty integer DEFAULT 7, secret text DEFAULT 'kept')`);
    const fields: ConnectField[] = [
      { field: 'id', type: 'int64' }, { field: 'name', type: 'string' }, { field: 'qty', type: 'int32' }, { field: 'secret', type: 'string' },
    ];
    const msgs: TestMessage[] = [];
    for (let i = 0; i < 300; i++) msgs.push({ value: envelope(fields, { id: i % 40, name: `v${i}`, qty: i, secret: 'leaked' }) });
    await produce(topic, msgs);
    await runUntilCommitted(pgConnector(topic, {
      'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id', 'fields.whitelist': 'id,name', 'batch.max.records': '64',
    }), [topic]);
    const rows = await sql<{ id: string; name: string; qty: number; secret: string }>(`SELECT id::text AS id, name, qty, secret FROM ${topic} ORDER BY ${topic}.id`);
    const lastOf = (id: number) => Math.max(...Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 40 === id));
    expect(rows).toEqual(Array.from({ length: 40 }, (_, id) => ({ id: String(id), name: `v${lastOf(id)}`, qty: 7, secret: 'kept' })));
  });

  it('field.exclude.list (Debezium) leaves a field out', async () => {
    const topic = uniqueName('pg_exclude');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, name text, secret text DEFAULT 'kept')`);
    const fields: ConnectField[] = [{ field: 'id', type: 'int64' }, { field: 'name', type: 'string' }, { field: 'secret', type: 'string' }];
    await produce(topic, [0, 1, 2].map((id) => ({ value: envelope(fields, { id, name: `n${id}`, secret: 'leaked' }) })));
    await runUntilCommitted(pgConnector(topic, {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'insert.mode': 'upsert', 'primary.key.mode': 'record_value', 'primary.key.fields': 'id', 'field.exclude.list': 'secret',
    }), [topic]);
    expect(await sql(`SELECT id::int, name, secret FROM ${topic} ORDER BY id`)).toEqual([0, 1, 2].map((id) => ({ id, name: `n${id}`, secret: 'kept' })));
  });
});

describe('what the table does not have', () => {
  it('a field with no column, without auto.evolve, stops Sluice naming the table, the fields, topic, partition and offset', async () => {
    const topic = uniqueName('pg_missing');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    const more: ConnectField[] = [...VALUE_FIELDS, { field: 'colour', type: 'string' }, { field: 'size', type: 'int32' }];
    await produce(topic, [
      { key: 'a', value: envelope(VALUE_FIELDS, { name: 'a', qty: 1 }) },
      { key: 'b', value: envelope(more, { name: 'b', qty: 2, colour: 'red', size: 3 }) },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }));
    expect(out).toContain(`sluice: convert failed at topic ${topic} partition 0 offset 1: table "${topic}" is missing fields "colour", "size" of this record; add the columns, or set auto.evolve=true`);
    expect(await sql(`SELECT count(*)::int AS n FROM ${topic} WHERE k = 'b'`)).toEqual([{ n: 0 }]);
  });

  it('upsert without a unique key on pk.fields is refused with a clear message', async () => {
    const topic = uniqueName('pg_nokey');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text, name text, qty integer)`);
    await produce(topic, [{ key: 'a', value: envelope(VALUE_FIELDS, { name: 'a', qty: 1 }) }]);
    const out = await runExpectingFailure(pgConnector(topic, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }));
    expect(out).toContain(`insert.mode=upsert needs a primary key or unique index on ("k") of table "${topic}"`);
  });
});

describe('table.name.format', () => {
  it('quotes, spaces and semicolons in the name make one table of exactly that name and run nothing else', async () => {
    const topic = uniqueName('pg_weird');
    const canary = uniqueName('canary');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${canary} (x int)`);
    const format = `weird"; DROP TABLE ${canary}; --\${topic}`;
    const tableName = `weird"; DROP TABLE ${canary}; --${topic}`;
    await sql(`CREATE TABLE "${tableName.replace(/"/g, '""')}" (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    await produce(topic, [{ key: 'a', value: envelope(VALUE_FIELDS, { name: 'x', qty: 1 }) }, { key: 'b', value: envelope(VALUE_FIELDS, { name: 'y', qty: 2 }) }]);
    await runUntilCommitted(pgConnector(topic, { 'table.name.format': format, 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }), [topic]);
    expect(await sql(`SELECT k, name, qty FROM "${tableName.replace(/"/g, '""')}" ORDER BY k`)).toEqual([{ k: 'a', name: 'x', qty: 1 }, { k: 'b', name: 'y', qty: 2 }]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${canary}`)).toEqual([{ n: 0 }]);
  });

  it('a schema-qualified format writes into that schema', async () => {
    const topic = uniqueName('pg_schema');
    const schema = uniqueName('Sales Schema');
    await createTopic(topic, 1);
    await sql(`CREATE SCHEMA "${schema}"`);
    await sql(`CREATE TABLE "${schema}"."t_${topic}" (k text PRIMARY KEY, name text NOT NULL, qty integer)`);
    await produce(topic, [{ key: 'a', value: envelope(VALUE_FIELDS, { name: 'x', qty: 1 }) }]);
    await runUntilCommitted(pgConnector(topic, { 'table.name.format': `"${schema}".t_\${topic}`, 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }), [topic]);
    expect(await sql(`SELECT k, name, qty FROM "${schema}"."t_${topic}"`)).toEqual([{ k: 'a', name: 'x', qty: 1 }]);
  });
});
