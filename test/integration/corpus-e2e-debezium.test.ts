// End to end with the Debezium-related configs of the corpus
// (test/fixtures/connect-configs/, sources in SOURCES.md): each run as
// published with the worker file its demo ran with, fed the change events the
// demo's Debezium source connector (and its transforms and stream processors)
// writes, and checked for what the sink class would land: table and column
// names, column types, primary key, rows after updates and deletes. Only the
// topic (unique per run) is changed, and where a demo's database user or schema
// does not exist on the local stack, that part of the URL; literal table names
// are dropped first so the test can run again.
import { describe, expect, it } from 'vitest';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import type { ConnectField } from './postgres-helpers.js';
import { SOURCE_FIELDS } from './debezium-events.js';
import { columns, KAFKA_WORKER, primaryKey, runFixture, DEBEZIUM_AUDITLOG_WORKER } from './corpus-support.js';

type Row = Record<string, unknown>;
type Op = 'r' | 'c' | 'u' | 'd';

/**
 * A Debezium PostgreSQL source's change events for one table through Kafka Connect's JsonConverter:
 * the key struct (its schema left out where the worker's key.converter.schemas.enable=false), the
 * envelope {before, after, source, op, ts_ms, transaction}; schema names as given (ByLogicalTableRouter
 * renames them with the topic).
 */
class PgEvents {
  private txId = 880;
  private lsn = 33_554_432;
  constructor(private readonly t: {
    names: string; server: string; db: string; table: string; keyFields: ConnectField[]; rowFields: ConnectField[];
    keyExtra?: Row; keySchemas?: boolean;
  }) {}

  key(row: Row): string {
    const payload = { ...Object.fromEntries(this.t.keyFields.map((f) => [f.field, row[f.field]])), ...this.t.keyExtra };
    if (this.t.keySchemas === false) return JSON.stringify(payload);
    return JSON.stringify({ schema: { type: 'struct', fields: this.t.keyFields, optional: false, name: `${this.t.names}.Key` }, payload });
  }

  envelope(): { schema: Row; fields: Row[] } {
    const row = (field: string) => ({ type: 'struct', fields: this.t.rowFields, optional: true, name: `${this.t.names}.Value`, field });
    const fields = [
      row('before'), row('after'),
      { type: 'struct', fields: SOURCE_FIELDS, optional: false, name: 'io.debezium.connector.postgresql.Source', field: 'source' },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      {
        type: 'struct', optional: true, name: 'event.block', version: 1, field: 'transaction',
        fields: [{ type: 'string', optional: false, field: 'id' }, { type: 'int64', optional: false, field: 'total_order' }, { type: 'int64', optional: false, field: 'data_collection_order' }],
      },
    ];
    return { schema: { type: 'struct', optional: false, name: `${this.t.names}.Envelope`, version: 2, fields }, fields };
  }

  /** The event's value as JSON with schema; `tx` is the source transaction (several rows can share one). */
  payload(op: Op, before: Row | null, after: Row | null, tx = this.txId++): Row {
    this.lsn += 48;
    return {
      before, after, op, ts_ms: 1_759_855_467_500,
      source: {
        version: '3.3.0.Final', connector: 'postgresql', name: this.t.server, ts_ms: 1_759_855_467_030, snapshot: op === 'r' ? 'true' : 'false',
        db: this.t.db, sequence: `[null,"${this.lsn}"]`, schema: 'public', table: this.t.table, txId: tx, lsn: this.lsn, xmin: null,
      },
      transaction: null,
    };
  }

  event(op: Op, before: Row | null, after: Row | null): TestMessage {
    return { key: this.key((after ?? before)!), value: JSON.stringify({ schema: this.envelope().schema, payload: this.payload(op, before, after) }) };
  }

  tombstone(row: Row): TestMessage {
    return { key: this.key(row), value: null };
  }
}

const micros = (iso: string) => Date.parse(iso) * 1000;

describe('Debezium corpus configs, end to end', () => {
  it('debezium-examples cqrs mysql-sink (Debezium JDBC sink, ${source.table}, events rerouted by ByLogicalTableRouter): a table per source table keyed by id and the physical table identifier', async () => {
    // postgres-source.json: topic.prefix=polls, ByLogicalTableRouter polls.public.(.*) → $1. The router
    // (key.enforce.uniqueness defaults to true) adds __dbz__physicalTableIdentifier, the original topic,
    // to every key and renames the key, envelope and row schemas after the new topic.
    const polls = uniqueName('pollentity');
    const options = uniqueName('optionentity');
    const votes = uniqueName('voteentity');
    for (const t of [polls, options, votes]) await createTopic(t, 1);
    for (const t of ['pollentity', 'optionentity', 'voteentity']) await sql(`DROP TABLE IF EXISTS ${t}`);
    const id: ConnectField = { field: 'id', type: 'int64', optional: false };
    const router = (table: string) => ({ __dbz__physicalTableIdentifier: `polls.public.${table}` });
    const routedKey = [id, { field: '__dbz__physicalTableIdentifier', type: 'string', optional: false }];
    // The tables Hibernate creates for the poll-service entities (cqrs/postgres-primary polls.sql), unquoted: lower case.
    const ts = { type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1 } as ConnectField;
    const pollEv = new PgEvents({
      names: 'pollentity', server: 'polls', db: 'postgres', table: 'pollentity', keyFields: routedKey, keyExtra: router('pollentity'),
      rowFields: [{ ...ts, field: 'created' }, id, { field: 'question', type: 'string', optional: true }],
    });
    const optionEv = new PgEvents({
      names: 'optionentity', server: 'polls', db: 'postgres', table: 'optionentity', keyFields: routedKey, keyExtra: router('optionentity'),
      rowFields: [id, { field: 'polloption', type: 'string', optional: true }],
    });
    const voteEv = new PgEvents({
      names: 'voteentity', server: 'polls', db: 'postgres', table: 'voteentity', keyFields: routedKey, keyExtra: router('voteentity'),
      rowFields: [id, { field: 'pollid', type: 'int64', optional: true }, { ...ts, field: 'votedon' }, { field: 'votedoption', type: 'int64', optional: true }],
    });
    // The README's session: a poll with three options, six votes, two more; then (in psql) vote 6 withdrawn.
    // REPLICA IDENTITY DEFAULT (the example-postgres image, tables made by Hibernate): a delete's before holds the key only.
    const vote = (n: number, option: number, at: string) => ({ id: n, pollid: 1, votedon: micros(`${at}Z`), votedoption: option });
    const cast = [
      vote(1, 1, '2025-10-07T16:47:30.446'), vote(2, 2, '2025-10-07T16:47:35.378'), vote(3, 2, '2025-10-07T16:47:36.321'),
      vote(4, 2, '2025-10-07T16:47:37.191'), vote(5, 3, '2025-10-07T16:47:40.202'), vote(6, 1, '2025-10-07T16:48:50.951'),
      vote(7, 2, '2025-10-07T16:50:01.5'), vote(8, 2, '2025-10-07T16:50:02.25'),
    ];
    await produce(polls, [pollEv.event('c', null, { created: micros('2025-10-07T16:44:27.030Z'), id: 1, question: 'Which Java framework is better?' })]);
    await produce(options, ['Spring Boot', 'Quakus', 'Micronaut'].map((o, i) => optionEv.event('c', null, { id: i + 1, polloption: o })));
    const gone = { id: 6, pollid: null, votedon: null, votedoption: null };
    await produce(votes, [...cast.map((v) => voteEv.event('c', null, v)), voteEv.event('d', gone, null), voteEv.tombstone(gone)]);

    await runFixture('dbz-examples--cqrs.json', { topics: [votes, options, polls], worker: KAFKA_WORKER });

    // Debezium's JDBC sink: the key's fields first (a string key column is text in PostgreSQL), then the value's others.
    expect(Object.entries(await columns('voteentity'))).toEqual([
      ['id', 'bigint'], ['__dbz__physicalTableIdentifier', 'text'], ['pollid', 'bigint'], ['votedon', 'timestamp without time zone'], ['votedoption', 'bigint'],
    ]);
    expect(Object.entries(await columns('pollentity'))).toEqual([
      ['id', 'bigint'], ['__dbz__physicalTableIdentifier', 'text'], ['created', 'timestamp without time zone'], ['question', 'text'],
    ]);
    for (const t of ['voteentity', 'optionentity', 'pollentity']) expect(await primaryKey(t)).toEqual(['id', '__dbz__physicalTableIdentifier']);
    expect(await sql('SELECT id, polloption, "__dbz__physicalTableIdentifier" AS src FROM optionentity ORDER BY id')).toEqual([
      { id: '1', polloption: 'Spring Boot', src: 'polls.public.optionentity' }, { id: '2', polloption: 'Quakus', src: 'polls.public.optionentity' },
      { id: '3', polloption: 'Micronaut', src: 'polls.public.optionentity' },
    ]);
    expect(await sql('SELECT id, created::text, question FROM pollentity')).toEqual([{ id: '1', created: '2025-10-07 16:44:27.03', question: 'Which Java framework is better?' }]);
    // The results service's query: votes per option, vote 6 gone.
    expect(await sql(`SELECT o.polloption AS option, count(*)::int AS votes FROM voteentity v JOIN optionentity o ON o.id = v.votedoption
      WHERE v.pollid = 1 GROUP BY o.polloption ORDER BY votes DESC, option`)).toEqual([{ option: 'Quakus', votes: 5 }, { option: 'Micronaut', votes: 1 }, { option: 'Spring Boot', votes: 1 }]);
    expect(await sql('SELECT id, votedon::text FROM voteentity WHERE id IN (1, 6, 8) ORDER BY id')).toEqual([
      { id: '1', votedon: '2025-10-07 16:47:30.446' }, { id: '8', votedon: '2025-10-07 16:50:02.25' },
    ]);
  });

  it('debezium-examples auditlog jdbc-connector (Debezium JDBC sink, primary.key.mode=kafka, unwrap with add.fields from the enricher\'s audit struct): every change kept as a row, in the table init.sql made, the added fields as new __ columns', async () => {
    const topic = uniqueName('dbserver1.inventory.vegetable.enriched');
    const table = topic.replace(/\./g, '_'); // Debezium's ${topic} default: dots become underscores
    await createTopic(topic, 1);
    // connector-config/scripts/init.sql makes the table before the sink starts (its name is the topic's, here unique).
    await sql(`CREATE TABLE "${table}" (
      id INTEGER, name VARCHAR(255) NULL, description TEXT NULL,
      tx_id VARCHAR(255), user_name VARCHAR(255) NULL, usecase VARCHAR(255) NULL, client_date BIGINT NULL,
      op VARCHAR(1), lsn BIGINT, ts_ms BIGINT,
      __connect_partition INTEGER, __connect_offset BIGINT, __connect_topic VARCHAR(255),
      PRIMARY KEY (__connect_offset, __connect_partition, __connect_topic))`);
    // The vegetable table (Hibernate, REPLICA IDENTITY FULL per import.sql), keys as JSON without schema
    // (CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE=false), values with it.
    const ev = new PgEvents({
      names: 'dbserver1.inventory.vegetable', server: 'dbserver1', db: 'vegetablesdb', table: 'vegetable', keySchemas: false,
      keyFields: [{ field: 'id', type: 'int64', optional: false }],
      rowFields: [{ field: 'id', type: 'int64', optional: false }, { field: 'description', type: 'string', optional: true }, { field: 'name', type: 'string', optional: true }],
    });
    // log-enricher's ChangeEventEnricher: the transaction_context_data row of the event's txId (less
    // transaction_id) added to the payload as "audit", with the struct it declares added to the schema.
    const AUDIT = {
      type: 'struct', field: 'audit', optional: true, fields: [
        { type: 'int64', optional: true, field: 'client_date' }, { type: 'string', optional: true, field: 'usecase' }, { type: 'string', optional: true, field: 'user_name' },
      ],
    };
    const clientDate = micros('2019-08-22T08:12:31Z'); // the README's Date header
    const enriched = (op: Op, before: Row | null, after: Row | null, user: string, usecase: string, tx: number): TestMessage => {
      const { schema } = ev.envelope();
      const payload = { ...ev.payload(op, before, after, tx), audit: { user_name: user, client_date: clientDate, usecase } };
      return { key: ev.key((after ?? before)!), value: JSON.stringify({ payload, schema: { ...schema, fields: [...(schema.fields as Row[]), AUDIT] } }) };
    };
    // The README's session: farmerbob creates a Tomatoe, farmermargaret updates it, farmerbob deletes it.
    // (The enricher drops snapshot events and tombstones.)
    const v1 = { id: 10, description: 'Yummy!', name: 'Tomatoe' };
    const v2 = { ...v1, description: 'Tasty!' };
    await produce(topic, [
      enriched('c', null, v1, 'farmerbob', 'CREATE VEGETABLE', 571),
      enriched('u', v1, v2, 'farmermargaret', 'UPDATE VEGETABLE', 572),
      enriched('d', v2, null, 'farmerbob', 'DELETE VEGETABLE', 573),
    ]);

    await runFixture('dbz-examples--auditlog-jdbc-connector.json', { topics: [topic], worker: DEBEZIUM_AUDITLOG_WORKER });

    // add.fields names get the prefix (add.fields.prefix, "__") also when renamed ("txId:tx_id" is __tx_id,
    // Debezium's FieldReference), so none lands in init.sql's op/lsn/ts_ms/tx_id/... columns: schema.evolution=basic
    // adds them, with __deleted (delete.tombstone.handling.mode=rewrite), and init.sql's stay empty.
    // KNOWN DIFFERENCE: Debezium's schema.evolution=basic only adds columns, so init.sql's id stays integer (an int64
    // value out of its range would fail the insert); Sluice's evolution widens integer → bigint (native-notes/postgres-sink.md).
    expect(await columns(table)).toEqual({
      id: 'bigint', name: 'character varying', description: 'text', tx_id: 'character varying', user_name: 'character varying', usecase: 'character varying',
      client_date: 'bigint', op: 'character varying', lsn: 'bigint', ts_ms: 'bigint',
      __connect_partition: 'integer', __connect_offset: 'bigint', __connect_topic: 'character varying',
      __deleted: 'text', __op: 'text', __lsn: 'bigint', __ts_ms: 'bigint', __tx_id: 'bigint', __client_date: 'bigint', __usecase: 'text', __user_name: 'text',
    });
    expect(await primaryKey(table)).toEqual(['__connect_offset', '__connect_partition', '__connect_topic']);
    const rows = await sql(`SELECT __connect_topic AS t, __connect_partition AS p, __connect_offset AS o, id::int AS id, name, description, __deleted, __op, __tx_id,
      __user_name, __usecase, __client_date, __ts_ms, __lsn IS NOT NULL AS lsn, tx_id, user_name, usecase, client_date, op, lsn AS plain_lsn, ts_ms
      FROM "${table}" ORDER BY __connect_offset`);
    const row = (o: number, r: Row, deleted: string, op: string, tx: number, user: string, usecase: string) => ({
      t: topic, p: 0, o: String(o), ...r, __deleted: deleted, __op: op, __tx_id: String(tx), __user_name: user, __usecase: usecase,
      __client_date: String(clientDate), __ts_ms: '1759855467030', lsn: true,
      tx_id: null, user_name: null, usecase: null, client_date: null, op: null, plain_lsn: null, ts_ms: null,
    });
    // A delete rewritten: the before state with __deleted=true, kept as its own row like every other change.
    expect(rows).toEqual([
      row(0, v1, 'false', 'c', 571, 'farmerbob', 'CREATE VEGETABLE'),
      row(1, v2, 'false', 'u', 572, 'farmermargaret', 'UPDATE VEGETABLE'),
      row(2, v2, 'true', 'd', 573, 'farmerbob', 'DELETE VEGETABLE'),
    ]);
  });
});
