// Fields absent from a record's schema, end to end: Kafka Connect's JDBC
// sinks build each statement from the record's own fields, so a column whose
// field an (older) schema lacks takes its DEFAULT on insert and keeps the
// row's value on upsert and update; a field present with a null writes NULL;
// a NOT NULL column without a default refuses the record, naming it.
import { describe, expect, it } from 'vitest';
import { createTopic, produce, readTopic, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const NAME: ConnectField = { field: 'name', type: 'string', optional: true };
const QTY: ConnectField = { field: 'qty', type: 'int32', optional: true };
const NOTE: ConnectField = { field: 'note', type: 'string', optional: true };
const FLAG: ConnectField = { field: 'flag', type: 'boolean', optional: false };
const FULL = [NAME, QTY, NOTE, FLAG];
const OLD = [NAME];

const put = (key: string, fields: ConnectField[], payload: Record<string, unknown>): TestMessage => ({ key, value: envelope(fields, payload) });

describe('fields absent from the record schema (PostgreSQL)', () => {
  it('upsert: an absent field keeps the row value, or takes the default on insert; an explicit null is written; order per key holds across schemas', async () => {
    const topic = uniqueName('pg_absent_up');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text, qty integer DEFAULT 7, note text DEFAULT 'n/a', flag boolean NOT NULL DEFAULT false)`);
    await sql(`INSERT INTO ${topic} VALUES ('old', 'before', 1, 'kept', true)`);
    const first: TestMessage[] = [
      put('a', FULL, { name: 'a1', qty: 10, note: 'x', flag: true }),
      put('a', OLD, { name: 'a2' }), // same key, same batch, fewer fields: qty/note/flag stay as a1 left them
      put('b', OLD, { name: 'b1' }), // new row: the defaults
      put('c', FULL, { name: 'c1', qty: null, note: null, flag: false }), // explicit nulls are written
      put('old', OLD, { name: 'after' }), // a row from before: only name changes
      put('d', OLD, { name: 'd1' }),
      { key: 'd', value: null }, // tombstone, with delete.enabled
      put('e', OLD, { name: 'e1' }),
      put('e', FULL, { name: 'e2', qty: 5, note: 'y', flag: true }),
    ];
    await produce(topic, first);
    const cfg = pgConnector(topic, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k', 'delete.enabled': 'true', 'batch.max.records': '500' });
    await runUntilCommitted(cfg, [topic]);
    // A later batch: the old schema again, after rows the full schema wrote.
    await produce(topic, [put('e', OLD, { name: 'e3' }), put('c', OLD, { name: 'c2' })]);
    await runUntilCommitted(cfg, [topic]);
    expect(await sql(`SELECT k, name, qty, note, flag FROM ${topic} ORDER BY k`)).toEqual([
      { k: 'a', name: 'a2', qty: 10, note: 'x', flag: true },
      { k: 'b', name: 'b1', qty: 7, note: 'n/a', flag: false },
      { k: 'c', name: 'c2', qty: null, note: null, flag: false },
      { k: 'e', name: 'e3', qty: 5, note: 'y', flag: true },
      { k: 'old', name: 'after', qty: 1, note: 'kept', flag: true },
    ]);
  });

  it('insert and update: defaults for absent fields on insert, the row kept on update', async () => {
    const ins = uniqueName('pg_absent_ins');
    const upd = uniqueName('pg_absent_upd');
    await createTopic(ins, 1);
    await createTopic(upd, 1);
    await sql(`CREATE TABLE ${ins} (k text, name text, qty integer DEFAULT 7, note text, flag boolean NOT NULL DEFAULT true)`);
    await sql(`CREATE TABLE ${upd} (k text PRIMARY KEY, name text, qty integer DEFAULT 7, note text, flag boolean NOT NULL DEFAULT true)`);
    await sql(`INSERT INTO ${upd} VALUES ('a', 'a0', 1, 'n', false), ('b', 'b0', 2, 'm', false)`);
    const stream = (key: string) => [
      put(key, [{ field: 'k', type: 'string' }, ...OLD], { k: key, name: `${key}1` }),
      put(key, [{ field: 'k', type: 'string' }, ...FULL], { k: key, name: `${key}2`, qty: null, note: 'z', flag: false }),
      put(key, [{ field: 'k', type: 'string' }, ...OLD], { k: key, name: `${key}3` }),
    ];
    await produce(ins, [...stream('a'), ...stream('b')]);
    await produce(upd, [...stream('a'), put('b', [{ field: 'k', type: 'string' }, ...OLD], { k: 'b', name: 'b9' }), ...stream('zz')]);
    await runUntilCommitted(pgConnector(ins, { 'insert.mode': 'insert' }), [ins]);
    await runUntilCommitted(pgConnector(upd, { 'insert.mode': 'update', 'pk.mode': 'record_value', 'pk.fields': 'k' }), [upd]);
    expect(await sql(`SELECT k, name, qty, note, flag FROM ${ins} ORDER BY k, name`)).toEqual([
      { k: 'a', name: 'a1', qty: 7, note: null, flag: true },
      { k: 'a', name: 'a2', qty: null, note: 'z', flag: false },
      { k: 'a', name: 'a3', qty: 7, note: null, flag: true },
      { k: 'b', name: 'b1', qty: 7, note: null, flag: true },
      { k: 'b', name: 'b2', qty: null, note: 'z', flag: false },
      { k: 'b', name: 'b3', qty: 7, note: null, flag: true },
    ]);
    // update: a's full record set qty/note/flag, its last (old-schema) record only the name; zz has no row.
    expect(await sql(`SELECT k, name, qty, note, flag FROM ${upd} ORDER BY k`)).toEqual([
      { k: 'a', name: 'a3', qty: null, note: 'z', flag: false },
      { k: 'b', name: 'b9', qty: 2, note: 'm', flag: false },
    ]);
  });

  it('a NOT NULL column without a default that the record schema lacks fails the record, naming topic, partition, offset and column', async () => {
    const topic = uniqueName('pg_absent_nn');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text, must integer NOT NULL)`);
    await produce(topic, [
      put('a', [NAME, { field: 'must', type: 'int32' }], { name: 'a', must: 1 }),
      put('b', OLD, { name: 'b' }),
    ]);
    const out = await runExpectingFailure(pgConnector(topic, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }));
    expect(out).toMatch(new RegExp(`sluice: write failed at topic ${topic} partition 0 offset 1: "${topic}" refused the row: null value in column "must".*column must`));
    expect(await sql(`SELECT count(*)::int AS n FROM ${topic}`)).toEqual([{ n: 0 }]);
  });

  it("auto.evolve of a required field with a default: Debezium's class adds it NOT NULL DEFAULT, Confluent's DEFAULT nullable; older records take the default", async () => {
    const JSON_KEYS = {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
    };
    const ID: ConnectField = { field: 'id', type: 'int32' };
    const B = { field: 'b', type: 'string', optional: false, default: 'dflt' } as ConnectField;
    const rec = (id: number, fields: ConnectField[], payload: Record<string, unknown>): TestMessage => ({
      key: envelope([ID], { id }, 'k'), value: envelope([ID, ...fields], { id, ...payload }),
    });
    const stream = [rec(1, [QTY], { qty: 1 }), rec(2, [QTY, B], { qty: 2, b: 'two' }), rec(3, [], {}), rec(1, [B], { b: 'one' }), rec(2, [QTY], { qty: 22 })];
    const expected = [{ id: 1, qty: 1, b: 'one' }, { id: 2, qty: 22, b: 'two' }, { id: 3, qty: null, b: 'dflt' }];
    const classes = [
      ['io.debezium.connector.jdbc.JdbcSinkConnector', false, { 'primary.key.mode': 'record_key', 'schema.evolution': 'basic' }],
      ['io.confluent.connect.jdbc.JdbcSinkConnector', true, { 'pk.mode': 'record_key', 'auto.create': 'true', 'auto.evolve': 'true' }],
    ] as const;
    for (const [cls, nullable, keys] of classes) {
      const topic = uniqueName('pg_absent_evolve');
      await createTopic(topic, 1);
      await produce(topic, stream);
      await runUntilCommitted(pgConnector(topic, {
        'connector.class': cls, ...JSON_KEYS, 'insert.mode': 'upsert', ...keys,
      }), [topic]);
      const b = await sql(`SELECT NOT attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = to_regclass($1) AND a.attname = 'b'`, [`"${topic}"`]);
      expect(b, cls).toEqual([{ nullable, def: "'dflt'::text" }]);
      expect(await sql(`SELECT id, qty, b FROM "${topic}" ORDER BY id`), cls).toEqual(expected);
    }
  });

  it('with a dead-letter topic: exactly the records lacking a NOT NULL column without default go there; the others land with defaults and kept values', async () => {
    const topic = uniqueName('pg_absent_dlq');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text, must integer NOT NULL, qty integer DEFAULT 7)`);
    const MUST: ConnectField = { field: 'must', type: 'int32' };
    const msgs: TestMessage[] = [];
    const refused = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const key = `k${i % 50}`;
      if (i % 37 === 5) {
        refused.add(i);
        msgs.push(put(key, OLD, { name: `n${i}` })); // no "must": PostgreSQL refuses it
      } else if (i % 3 === 0) msgs.push(put(key, [NAME, MUST], { name: `n${i}`, must: i })); // no "qty": default, or the row's value
      else msgs.push(put(key, [NAME, MUST, QTY], { name: `n${i}`, must: i, qty: i }));
    }
    await produce(topic, msgs);
    const dlq = uniqueName('absent_refused');
    await runUntilCommitted(pgConnector(topic, {
      'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k', 'batch.max.records': '120',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    }), [topic]);
    // Replayed one record at a time, as Connect's statements would.
    const want = new Map<string, { k: string; name: string; must: number; qty: number }>();
    msgs.forEach((m, i) => {
      if (refused.has(i)) return;
      const prev = want.get(m.key as string);
      const qty = i % 3 === 0 ? (prev ? prev.qty : 7) : i;
      want.set(m.key as string, { k: m.key as string, name: `n${i}`, must: i, qty });
    });
    expect(await sql(`SELECT k, name, must, qty FROM ${topic} ORDER BY k`)).toEqual([...want.values()].sort((a, b) => (a.k < b.k ? -1 : 1)));
    const letters = await readTopic(dlq, refused.size);
    expect(letters.map((m) => Number(m.headers['__connect.errors.offset'])).sort((a, b) => a - b)).toEqual([...refused]);
    for (const m of letters) expect(m.headers['__connect.errors.exception.message']).toMatch(/null value in column "must".*SQLSTATE 23502/);
  });
});
