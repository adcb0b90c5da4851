// End to end with Confluent JDBC sink configs of the corpus (test/fixtures/connect-configs/,
// sources in SOURCES.md), each run as published with the worker its demo ran with: the records
// the demo's docs produce go in, and what Kafka Connect lands comes out (table and column names,
// column types as Confluent's PostgreSqlDatabaseDialect creates them, keys, rows). Only topics
// (unique per run) and regexes naming them are changed; literal table names are dropped first.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopic, groupProgress, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame } from '../helpers/registry.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { JsonEvents } from './debezium-events.js';
import { AVRO_STANDALONE_WORKER, avroValues, columns, DEMO_SCENE_WORKER, FIXTURES, KAFKA_TO_DATABASE_WORKER, KAFKA_WORKER, primaryKey, runFixture } from './corpus-support.js';
import { waitUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { startSluice } from '../helpers/sluice.js';

/** Registers a JSON Schema as Confluent's KafkaJsonSchemaSerializer does (schemaType JSON). */
async function registerJsonSchema(subject: string, schema: object): Promise<number> {
  const res = await fetch(`${REGISTRY}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(schema) }),
  });
  if (!res.ok) throw new Error(`register ${subject}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/**
 * The Avro value schema Voluble (the data generator of demo-scene's Twelve Days of SMT) writes
 * through the AvroConverter: an optional struct of optional strings (interop.clj: complex-schema
 * is `.optional`, every Faker value a String), so a top-level ["null", record] union, the record
 * shown as Gen0 by the docs' kafkacat output.
 */
function volubleSchema(fields: readonly string[]): object {
  return ['null', { type: 'record', name: 'Gen0', fields: fields.map((name) => ({ name, type: ['null', 'string'], default: null })) }];
}

/** Runs a connect-standalone .properties corpus config (topics, name and the given keys replaced) with a worker file. */
async function runProperties(fixture: string, worker: string, topic: string, set: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  let text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
  const name = uniqueName(/^name=(.*)$/m.exec(text)![1]!.replace(/[^A-Za-z0-9_]/g, '_'));
  for (const [k, v] of Object.entries({ ...set, topics: topic, name })) {
    const re = new RegExp(`^${k.replace(/\./g, '\\.')}=.*$`, 'm');
    text = re.test(text) ? text.replace(re, `${k}=${v}`) : `${text}\n${k}=${v}\n`;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-')), fixture);
  fs.writeFileSync(file, text);
  const sluice = startSluice(['run', '--config', file, '--worker', worker], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50', ...env });
  try {
    await waitUntilCommitted(sluice, `connect-${name}`, [topic], 120_000);
  } finally {
    expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

/** Runs a corpus JSON config (topics and the given keys replaced) that Kafka Connect fails on; returns Sluice's output once it stopped. */
async function runFixtureExpectingFailure(fixture: string, worker: string, topic: string, set: Record<string, string>): Promise<string> {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture), 'utf8')) as { name: string; config: Record<string, unknown> };
  Object.assign(json.config, set, { topics: topic });
  json.name = uniqueName(json.name);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-')), fixture);
  fs.writeFileSync(file, JSON.stringify(json));
  const sluice = startSluice(['run', '--config', file, '--worker', worker], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50' });
  const timer = setTimeout(() => sluice.child.kill('SIGKILL'), 90_000);
  const exit = await sluice.exited;
  clearTimeout(timer);
  expect(exit.code, sluice.output().slice(-3000)).toBe(1);
  // Nothing at or after the failed record is committed: the group has no offset (-1) or the first one (0).
  for (const p of await groupProgress(`connect-${json.name}`, topic)) expect(p.committed).toBeLessThanOrEqual(0);
  return sluice.output();
}

async function volubleRecords(topic: string, fields: readonly string[], rows: readonly (Record<string, string> | null)[]) {
  const values = await avroValues(topic, volubleSchema(fields), rows.filter((r) => r !== null));
  let i = 0;
  // Voluble keys are Internet.uuid strings (the worker's StringConverter); a null row is a tombstone.
  return rows.map((r) => ({ key: randomUUID(), value: r === null ? null : values[i++]! }));
}

/**
 * openmeter's meter tables into SINK_METERS_PG. With `windowed` the keys are as ksqlDB writes a windowed
 * table's key (the JSON_SR key, then the 8-byte window start); without, the same JSON_SR key alone.
 */
async function openmeterMeters(windowed: boolean): Promise<void> {
  const m1 = uniqueName('om_meter_m1');
  const m2 = uniqueName('om_meter_m2');
  for (const t of [m1, m2]) await createTopic(t, 1);
  // meter_table.tpl.sql: CREATE TABLE OM_METER_<slug> WITH (KEY_FORMAT='JSON_SR', VALUE_FORMAT='JSON_SR') AS
  // SELECT SUBJECT AS KEY1, AS_VALUE(SUBJECT) AS SUBJECT, WINDOWSTART AS WINDOWSTART_TS, WINDOWEND AS
  // WINDOWEND_TS, COUNT(*) AS VALUE ... WINDOW TUMBLING (SIZE 1 HOUR): ksqlDB's JSON Schemas for the Connect
  // schemas (JsonSchemaData: optional fields as oneOf null, connect.index in field order).
  const opt = (i: number, t: object) => ({ 'connect.index': i, oneOf: [{ type: 'null' }, t] });
  const valueSchema = { type: 'object', properties: {
    SUBJECT: opt(0, { type: 'string' }), WINDOWSTART_TS: opt(1, { type: 'integer', 'connect.type': 'int64' }),
    WINDOWEND_TS: opt(2, { type: 'integer', 'connect.type': 'int64' }), VALUE: opt(3, { type: 'integer', 'connect.type': 'int64' }),
  } };
  // The single key column, unwrapped; $schema only so that the local registry (Apicurio) knows it for JSON Schema.
  const keySchema = { $schema: 'http://json-schema.org/draft-07/schema#', oneOf: [{ type: 'null' }, { type: 'string' }] };
  const hour = 3_600_000;
  const t0 = Date.UTC(2023, 5, 1, 10);
  const produceMeter = async (topic: string, rows: { subject: string; start: number; value: number }[]) => {
    const vid = await registerJsonSchema(`${topic}-value`, valueSchema);
    const kid = await registerJsonSchema(`${topic}-key`, keySchema);
    await produce(topic, rows.map((r) => {
      // A windowed key: the serialized key, then the window start (ksqlDB's TimeWindowedSerializer).
      const ws = Buffer.alloc(8);
      ws.writeBigInt64BE(BigInt(r.start));
      return {
        key: Buffer.concat([confluentFrame(kid, Buffer.from(JSON.stringify(r.subject))), ...(windowed ? [ws] : [])]),
        value: confluentFrame(vid, Buffer.from(JSON.stringify({ SUBJECT: r.subject, WINDOWSTART_TS: r.start, WINDOWEND_TS: r.start + hour, VALUE: r.value }))),
      };
    }));
  };
  // The table's changelog: counts growing as events arrive.
  await produceMeter(m1, [{ subject: 'customer-1', start: t0, value: 1 }, { subject: 'customer-1', start: t0 + hour, value: 1 }, { subject: 'customer-1', start: t0, value: 2 }]);
  await produceMeter(m2, [{ subject: 'customer-2', start: t0, value: 7 }]);
  await runFixture('openmeter--sink-meters-pg.json', { topics: [m1, m2], worker: KAFKA_WORKER });
  for (const t of [m1, m2]) {
    // The key (ValueToKey of the renamed fields, converted to Connect Timestamps) is the primary key; its
    // columns keep the value's place and take the key's type (FieldsMetadata: key fields win over the value's).
    expect(await columns(t)).toEqual({ SUBJECT: 'text', WINDOWSTART: 'timestamp without time zone', WINDOWEND: 'timestamp without time zone', VALUE: 'bigint' });
    expect(await primaryKey(t)).toEqual(['WINDOWSTART', 'WINDOWEND']);
  }
  const rows = (t: string) => sql(`SELECT "SUBJECT", to_char("WINDOWSTART", 'YYYY-MM-DD HH24:MI') AS s, to_char("WINDOWEND", 'HH24:MI') AS e, "VALUE" FROM "${t}" ORDER BY 2`);
  expect(await rows(m1)).toEqual([
    { SUBJECT: 'customer-1', s: '2023-06-01 10:00', e: '11:00', VALUE: '2' },
    { SUBJECT: 'customer-1', s: '2023-06-01 11:00', e: '12:00', VALUE: '1' },
  ]);
  expect(await rows(m2)).toEqual([{ SUBJECT: 'customer-2', s: '2023-06-01 10:00', e: '11:00', VALUE: '7' }]);
}

describe('Confluent JDBC sink corpus configs, end to end', () => {
  it('demo-scene day 6 (InsertField partition, offset and topic fields): integer, bigint and text columns holding where each record came from', async () => {
    const topic = uniqueName('day6-transactions');
    await createTopic(topic, 1);
    // The day 6 source connector's records: cost, card_type, item and two static fields.
    const fields = ['cost', 'card_type', 'item', 'sourceSystem', 'ingestAgent'];
    const rows = [
      { cost: '11.78', card_type: 'visa', item: 'Schneider Aventinus', sourceSystem: 'NeverGonna', ingestAgent: 'GiveYouUp' },
      { cost: '17.65', card_type: 'discover', item: 'Two Hearted Ale', sourceSystem: 'NeverGonna', ingestAgent: 'GiveYouUp' },
      { cost: '11.63', card_type: 'jcb', item: 'Stone IPA', sourceSystem: 'NeverGonna', ingestAgent: 'GiveYouUp' },
    ];
    await produce(topic, await volubleRecords(topic, fields, rows));
    await runFixture('demo-scene--sink-jdbc-mysql-day6-00.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    // InsertField's partition field is an optional INT32, the offset an optional INT64, the topic an
    // optional STRING (InsertField.makeUpdatedSchema): INT, BIGINT and TEXT in PostgreSqlDatabaseDialect.
    expect(await columns(topic)).toEqual({
      cost: 'text', card_type: 'text', item: 'text', sourceSystem: 'text', ingestAgent: 'text',
      kafkaPartition: 'integer', kafkaOffset: 'bigint', kafkaTopic: 'text',
    });
    expect(await primaryKey(topic)).toEqual([]);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY "kafkaOffset"`)).toEqual(
      rows.map((r, i) => ({ ...r, kafkaPartition: 0, kafkaOffset: String(i), kafkaTopic: topic })));
  });

  it('demo-scene day 5 (MaskField with a replacement string): the masked field lands as the replacement, the rest as produced', async () => {
    const topic = uniqueName('day5-01-person');
    await createTopic(topic, 1);
    // The day5-01 source connector's records, credit card fields already masked at ingest.
    const fields = ['fullAddress', 'phone_num', 'cc_exp', 'lastName', 'cc_num', 'firstName'];
    const rows = [
      { fullAddress: 'Apt. 801 356 Frami Canyon, East Irene, CA 15876-9608', phone_num: '(910) 077-1824 x74606', cc_exp: '<masked>', lastName: 'Thompson', cc_num: '<masked>', firstName: 'Wade' },
      { fullAddress: '2338 Andres Ville, North Tonymouth, OH 18398-3319', phone_num: '702.792.9316 x5223', cc_exp: '<masked>', lastName: 'Reinger', cc_num: '<masked>', firstName: 'Wayne' },
    ];
    await produce(topic, await volubleRecords(topic, fields, rows));
    await runFixture('demo-scene--sink-jdbc-mysql-day5-person-01.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    expect(await columns(topic)).toEqual(Object.fromEntries(fields.map((f) => [f, 'text'])));
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY "lastName"`)).toEqual(
      rows.map((r) => ({ ...r, fullAddress: '[\u274credacted\u274c]' })).sort((a, b) => a.lastName.localeCompare(b.lastName)));
  });

  it('demo-scene day 10 (RegexRouter .* to production_data): every record lands in the literal table production_data', async () => {
    const topic = uniqueName('day10-transactions');
    await createTopic(topic, 1);
    await sql('DROP TABLE IF EXISTS production_data');
    const fields = ['cost', 'units', 'card_type', 'item', 'customer_remarks', 'cc_num', 'cc_exp', 'txn_date'];
    const rows = [
      { cost: '12.85', units: '2', card_type: 'maestro', item: 'Hercules Double IPA', customer_remarks: "Perfect! My experiment worked! They're all exactly 25 minutes slow!", cc_num: '1228-1221-1221-1431', cc_exp: '2013-9-12', txn_date: 'Wed Dec 16 07:59:52 GMT 2020' },
      { cost: '48.54', units: '41', card_type: 'visa', item: 'Oak Aged Yeti Imperial Stout', customer_remarks: 'Great Scott!', cc_num: '1211-1221-1234-2201', cc_exp: '2011-10-12', txn_date: 'Mon Dec 14 11:43:56 GMT 2020' },
    ];
    await produce(topic, await volubleRecords(topic, fields, rows));
    await runFixture('demo-scene--sink-jdbc-mysql-day10-00.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    // The docs' `describe production_data`: the eight fields, text, in the record's order.
    expect(await columns('production_data')).toEqual(Object.fromEntries(fields.map((f) => [f, 'text'])));
    expect(await sql(`SELECT to_regclass('"${topic}"') AS t`)).toEqual([{ t: null }]);
    expect(await sql('SELECT * FROM production_data ORDER BY units::int')).toEqual(rows);
  });

  it('demo-scene day 11 (topics.regex, ReplaceField renames under a TopicNameMatches predicate, RegexRouter): two systems land in one transactions table', async () => {
    const base = uniqueName('day11');
    const sys01 = `${base}-sys01`;
    const systemB = `${base}-systemB`;
    for (const t of [sys01, systemB]) await createTopic(t, 1);
    await sql('DROP TABLE IF EXISTS transactions');
    // The docs' two topics: the same entity, systemB calling amount cost and product item.
    const a = [
      { txn_date: 'Sun Dec 13 02:18:44 GMT 2020', amount: '68.32', product: 'Yeti Imperial Stout', units: '56', source: 'SYS01' },
      { txn_date: 'Tue Dec 08 14:27:13 GMT 2020', amount: '10.03', product: 'Stone IPA', units: '39', source: 'SYS01' },
    ];
    const b = [
      { txn_date: 'Mon Dec 07 16:22:03 GMT 2020', cost: '63.39', units: '27', item: 'St. Bernardus Abt 12', source: 'SYSTEM_B' },
      { txn_date: 'Tue Dec 15 23:09:20 GMT 2020', cost: '7.24', units: '72', item: 'Ruination IPA', source: 'SYSTEM_B' },
    ];
    await produce(sys01, await volubleRecords(sys01, Object.keys(a[0]!), a));
    await produce(systemB, await volubleRecords(systemB, Object.keys(b[0]!), b));
    // The regexes name the topics: the demo's day11-.* becomes this run's prefix.
    await runFixture('demo-scene--sink-jdbc-mysql-day11-00.json', {
      topics: [sys01, systemB], worker: DEMO_SCENE_WORKER,
      set: { 'topics.regex': `${base}-.*`, 'transforms.renameTargetTopic.regex': `${base}-.*` },
    });
    // The docs' `describe transactions`: five text columns (their order is that of whichever topic's record came first).
    const cols = await columns('transactions');
    expect(Object.keys(cols).sort()).toEqual(['amount', 'product', 'source', 'txn_date', 'units']);
    expect(new Set(Object.values(cols))).toEqual(new Set(['text']));
    for (const t of [sys01, systemB]) expect(await sql(`SELECT to_regclass('"${t}"') AS t`)).toEqual([{ t: null }]);
    const renamed = b.map((r) => ({ txn_date: r.txn_date, amount: r.cost, product: r.item, units: r.units, source: r.source }));
    expect(await sql('SELECT txn_date, amount, product, units, source FROM transactions ORDER BY amount::numeric')).toEqual(
      [...a, ...renamed].sort((x, y) => Number(x.amount) - Number(y.amount)));
  });

  it('demo-scene day 11 (Filter under RecordIsTombstone): the tombstones Voluble writes are dropped, the rest land', async () => {
    const topic = uniqueName('sys02');
    await createTopic(topic, 1);
    const fields = ['amount', 'txn_date', 'source', 'product', 'units'];
    // The docs' offsets 88..97 of sys02 (tombstone.rate 0.30): nulls between the records.
    const rows = [
      null, null,
      { amount: '73.66', txn_date: 'Sun Dec 13 01:21:10 GMT 2020', source: 'SYS02', product: 'Kirin Inchiban', units: '67' },
      { amount: '6.86', txn_date: 'Tue Dec 08 16:42:27 GMT 2020', source: 'SYS02', product: 'Trappistes Rochefort 8', units: '61' },
      null,
      { amount: '7.27', txn_date: 'Thu Dec 10 09:53:55 GMT 2020', source: 'SYS02', product: 'Stone IPA', units: '87' },
    ];
    await produce(topic, await volubleRecords(topic, fields, rows));
    await runFixture('demo-scene--sink-jdbc-mysql-day11-01.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    expect(await columns(topic)).toEqual(Object.fromEntries(fields.map((f) => [f, 'text'])));
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY units::int`)).toEqual(
      rows.filter((r) => r !== null).sort((x, y) => Number(x.units) - Number(y.units)));
  });
  it('kafka-ecosystem SINK_POSTGRES (ksqlDB windowed table, upsert on pk.fields "SIDE, WINDOW_TS", TimestampConverter to Timestamp): one row per side and window, the last count wins', async () => {
    const topic = uniqueName('ZWZZT_TRADES_BY_15_MIN');
    await createTopic(topic, 1);
    // The demo's CREATE TABLE ZWZZT_TRADES_BY_15_MIN AS SELECT SIDE AS ROWKEY, WINDOWSTART AS WINDOW_TS,
    // AS_VALUE(SIDE) AS SIDE, COUNT(*), SUM(PRICE * QUANTITY), SUM(QUANTITY)/COUNT(*) over the datagen
    // Stock_Trades stream (int price and quantity): ksqlDB's Avro value schema, every field nullable.
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      { name: 'WINDOW_TS', type: ['null', 'long'], default: null }, { name: 'SIDE', type: ['null', 'string'], default: null },
      { name: 'TRADE_COUNT', type: ['null', 'long'], default: null }, { name: 'TOTAL_VALUE', type: ['null', 'int'], default: null },
      { name: 'AVG_QUANTITY', type: ['null', 'long'], default: null },
    ] };
    const w1 = Date.UTC(2020, 5, 9, 10, 0, 0);
    const w2 = Date.UTC(2020, 5, 9, 10, 15, 0);
    // The table's changelog: each window's aggregate emitted again as trades arrive.
    const rows = [
      { WINDOW_TS: w1, SIDE: 'BUY', TRADE_COUNT: 1, TOTAL_VALUE: 2_400, AVG_QUANTITY: 3 },
      { WINDOW_TS: w1, SIDE: 'SELL', TRADE_COUNT: 1, TOTAL_VALUE: 900, AVG_QUANTITY: 1 },
      { WINDOW_TS: w1, SIDE: 'BUY', TRADE_COUNT: 2, TOTAL_VALUE: 7_000, AVG_QUANTITY: 4 },
      { WINDOW_TS: w2, SIDE: 'BUY', TRADE_COUNT: 1, TOTAL_VALUE: 500, AVG_QUANTITY: 5 },
      { WINDOW_TS: w1, SIDE: 'BUY', TRADE_COUNT: 3, TOTAL_VALUE: 9_100, AVG_QUANTITY: 4 },
    ];
    // The key is ksqlDB's windowed KAFKA key (the side's bytes, then the window start); pk.mode=record_value ignores it.
    const key = (side: string, ws: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(ws)); return Buffer.concat([Buffer.from(side), b]); };
    // The demo's worker (kafka-ecosystem docker-compose.yml) has the converters of demo-scene-smt.properties: String keys, Avro values.
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: key(rows[i]!.SIDE, rows[i]!.WINDOW_TS), value })));
    await runFixture('demo-scene--SINK_POSTGRES.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    // FieldsMetadata orders the columns as the value's fields; pk.fields is a LIST (", " separated
    // names trimmed); primary key columns NOT NULL; the converted WINDOW_TS a Connect Timestamp: TIMESTAMP.
    expect(await columns(topic)).toEqual({
      WINDOW_TS: 'timestamp without time zone', SIDE: 'text', TRADE_COUNT: 'bigint', TOTAL_VALUE: 'integer', AVG_QUANTITY: 'bigint',
    });
    // GenericDatabaseDialect.extractPrimaryKeyFieldNames walks the columns, not pk.fields: the value's order.
    expect(await primaryKey(topic)).toEqual(['WINDOW_TS', 'SIDE']);
    // db.timezone defaults to UTC: the window start's UTC wall clock.
    expect(await sql(`SELECT to_char("WINDOW_TS", 'YYYY-MM-DD HH24:MI:SS') AS ts, "SIDE", "TRADE_COUNT", "TOTAL_VALUE", "AVG_QUANTITY" FROM "${topic}" ORDER BY 1, 2`)).toEqual([
      { ts: '2020-06-09 10:00:00', SIDE: 'BUY', TRADE_COUNT: '3', TOTAL_VALUE: 9_100, AVG_QUANTITY: '4' },
      { ts: '2020-06-09 10:00:00', SIDE: 'SELL', TRADE_COUNT: '1', TOTAL_VALUE: 900, AVG_QUANTITY: '1' },
      { ts: '2020-06-09 10:15:00', SIDE: 'BUY', TRADE_COUNT: '1', TOTAL_VALUE: 500, AVG_QUANTITY: '5' },
    ]);
  });

  it('rail-data-streaming-pipeline TRAIN_CANCELLATIONS_ACTIVATIONS_SCHEDULE_00 (String key as MESSAGE_KEY, upsert, ReplaceField blacklist "SCHEDULE_SEGMENT_LOCATION, HEADER"): the struct and array are dropped, one row per key', async () => {
    const topic = uniqueName('TRAIN_CANCELLATIONS_ACTIVATIONS_SCHEDULE_00');
    await createTopic(topic, 1);
    // A sample of the ksqlDB 5.2 stream's Avro value (05_cancellations_activations_schedules.ksql):
    // HEADER a struct, SCHEDULE_SEGMENT_LOCATION an array of structs, the rest primitives; keyed by MSG_KEY.
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      { name: 'TRAIN_ID', type: ['null', 'string'], default: null },
      { name: 'HEADER', type: ['null', { type: 'record', name: 'KsqlDataSourceSchema_HEADER', fields: [
        { name: 'MSG_TYPE', type: ['null', 'string'], default: null }, { name: 'MSG_QUEUE_TIMESTAMP', type: ['null', 'long'], default: null },
      ] }], default: null },
      { name: 'EVENT_TYPE', type: ['null', 'string'], default: null },
      { name: 'ACTUAL_TIMESTAMP', type: ['null', 'long'], default: null },
      { name: 'LOC_STANOX', type: ['null', 'string'], default: null },
      { name: 'SCHEDULE_SEGMENT_LOCATION', type: ['null', { type: 'array', items: ['null', { type: 'record', name: 'KsqlDataSourceSchema_SCHEDULE_SEGMENT_LOCATION', fields: [
        { name: 'TIPLOC_CODE', type: ['null', 'string'], default: null }, { name: 'DEPARTURE', type: ['null', 'string'], default: null },
      ] }] }], default: null },
      { name: 'MSG_KEY', type: ['null', 'string'], default: null },
    ] };
    const row = (train: string, type: string, ts: number, stanox: string) => ({
      TRAIN_ID: train, HEADER: { MSG_TYPE: '0002', MSG_QUEUE_TIMESTAMP: ts + 5_000 }, EVENT_TYPE: type, ACTUAL_TIMESTAMP: ts, LOC_STANOX: stanox,
      SCHEDULE_SEGMENT_LOCATION: [{ TIPLOC_CODE: 'LEEDS', DEPARTURE: '0915' }, { TIPLOC_CODE: 'YORK', DEPARTURE: null }], MSG_KEY: `${train}${ts}${stanox}`,
    });
    const rows = [row('161Y82MI07', 'CANCELLATION', 1_568_103_780_000, '17132'), row('172D30MI07', 'CANCELLATION', 1_568_103_840_000, '52226')];
    // The same message read again (a replayed feed): the same key, upserted.
    const all = [...rows, { ...rows[0]!, EVENT_TYPE: 'REINSTATEMENT' }];
    await produce(topic, (await avroValues(topic, schema, all)).map((value, i) => ({ key: all[i]!.MSG_KEY, value })));
    // The demo's workers (rail-data-streaming-pipeline docker-compose.yml) take Avro keys and values, as
    // kafka-to-database.properties does; the connector sets String keys.
    await runFixture('demo-scene--sink-jdbc-TRAIN_CANCELLATIONS_ACTIVATIONS_SCHEDULE_00.json', { topics: [topic], worker: KAFKA_TO_DATABASE_WORKER });
    // ReplaceField's blacklist is a LIST (names trimmed); the primitive key's column MESSAGE_KEY is
    // not a value field, so FieldsMetadata puts it after them.
    expect(await columns(topic)).toEqual({
      TRAIN_ID: 'text', EVENT_TYPE: 'text', ACTUAL_TIMESTAMP: 'bigint', LOC_STANOX: 'text', MSG_KEY: 'text', MESSAGE_KEY: 'text',
    });
    expect(await primaryKey(topic)).toEqual(['MESSAGE_KEY']);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY "MESSAGE_KEY"`)).toEqual([
      { TRAIN_ID: '161Y82MI07', EVENT_TYPE: 'REINSTATEMENT', ACTUAL_TIMESTAMP: '1568103780000', LOC_STANOX: '17132', MSG_KEY: rows[0]!.MSG_KEY, MESSAGE_KEY: rows[0]!.MSG_KEY },
      { TRAIN_ID: '172D30MI07', EVENT_TYPE: 'CANCELLATION', ACTUAL_TIMESTAMP: '1568103840000', LOC_STANOX: '52226', MSG_KEY: rows[1]!.MSG_KEY, MESSAGE_KEY: rows[1]!.MSG_KEY },
    ]);
  });

  it('openmeter SINK_METERS_PG (ksqlDB JSON_SR meter tables, ReplaceField renames, ValueToKey, TimestampConverter$Key, upsert on the whole key): one row per window, keyed by its start and end', async () => {
    await openmeterMeters(false);
  });

  // ksqlDB appends the window start to a windowed table's serialized key (TimeWindowedSerializer).
  // Confluent's JsonSchemaConverter reads the JSON with Jackson, which stops after the root value, so
  // Kafka Connect lands the rows and ignores the window; so does Sluice (src/workers/decode/windowed.ts).
  it('openmeter SINK_METERS_PG with the windowed keys ksqlDB writes: the 8-byte window after each JSON_SR key is ignored, as Kafka Connect does', async () => {
    await openmeterMeters(true);
  });
  it('graphs-folders sink-folders-graphs (Debezium PostgreSQL events, ExtractNewRecordState keeping tombstones, upsert and delete.enabled by the key): the folders as they are now', async () => {
    const topic = uniqueName('folders');
    await createTopic(topic, 1);
    // The folders service's table (1589532811271-CreateFolders.ts): id integer primary key, name varchar,
    // "createdAt"/"updatedAt" timestamp without time zone, as Debezium's PostgreSQL connector (1.1, the
    // debezium/connect image: JsonConverter with schemas) writes them: MicroTimestamp int64.
    const ts = (name: string): ConnectField => ({ field: name, type: 'int64', optional: false, name: 'io.debezium.time.MicroTimestamp' });
    const ev = new JsonEvents('folders', 'folders', [{ field: 'id', type: 'int32', optional: false }, { field: 'name', type: 'string', optional: false }, ts('createdAt'), ts('updatedAt')]);
    const t1 = 1_593_331_063_737_000; // µs
    const f = (id: number, name: string, updated = t1) => ({ id, name, createdAt: t1, updatedAt: updated });
    await produce(topic, [
      ev.event('r', null, f(1, 'Root')),
      ev.event('c', null, f(2, 'Projects')),
      ev.event('c', null, f(3, 'Tmp')),
      ev.event('u', f(2, 'Projects'), f(2, 'Projects 2020', t1 + 5_000_000)),
      // A delete: Debezium's delete event (dropped by the unwrap, delete.handling.mode=drop), then its tombstone (kept: drop.tombstones=false).
      ev.event('d', f(3, 'Tmp'), null),
      ev.tombstone(3),
    ]);
    await runFixture('graphs-folders--sink-folders-graphs.json', { topics: [topic], worker: KAFKA_WORKER });
    // Not asserted, a known difference (reported): Confluent's PostgreSqlDatabaseDialect.getSqlType knows
    // only Connect's logical names, so an io.debezium.time.MicroTimestamp INT64 is BIGINT holding the
    // microseconds; Sluice reads Debezium's semantic types for every connector class and makes these
    // two columns timestamp (the wall clock). Hence createdAt/updatedAt are left out below.
    const cols = await columns(topic);
    expect(Object.keys(cols)).toEqual(['id', 'name', 'createdAt', 'updatedAt']);
    expect([cols.id, cols.name]).toEqual(['integer', 'text']);
    expect(await primaryKey(topic)).toEqual(['id']);
    expect(await sql(`SELECT id, name FROM "${topic}" ORDER BY id`)).toEqual([{ id: 1, name: 'Root' }, { id: 2, name: 'Projects 2020' }]);
  });
  it('demo-scene day 1 (sink-jdbc-mysql-00, then the same connector with InsertField timestamp.field and auto.evolve): the table gains a nullable timestamp column, filled from the later records', async () => {
    const topic = uniqueName('transactions');
    await createTopic(topic, 1);
    // The day 1 generator's transactions (customer_id matching a customer key, cost, card_type, item).
    const fields = ['customer_id', 'cost', 'card_type', 'item'];
    const txn = (i: number) => ({ customer_id: randomUUID(), cost: `${10 + i}.99`, card_type: 'visa', item: `Beer ${i}` });
    const first = [txn(0), txn(1)];
    await produce(topic, await volubleRecords(topic, fields, first));
    // The demo creates sink-jdbc-mysql-00, then PUTs the config with insertTS to the same connector: one
    // connector name, so the second config resumes where the first left off.
    const name = uniqueName('sink_jdbc_mysql_00');
    await runFixture('demo-scene--sink-jdbc-mysql-00.json', { topics: [topic], worker: DEMO_SCENE_WORKER, name });
    expect(await columns(topic)).toEqual({ customer_id: 'text', cost: 'text', card_type: 'text', item: 'text' });
    const later = [txn(2), txn(3)];
    const ts = Date.UTC(2020, 11, 8, 17, 42, 3, 125);
    await produce(topic, (await volubleRecords(topic, fields, later)).map((m, i) => ({ ...m, timestamp: ts + i * 1000 })));
    await runFixture('demo-scene--sink-jdbc-mysql-00-153.json', { topics: [topic], worker: DEMO_SCENE_WORKER, name });
    // InsertField's timestamp field is an optional Connect Timestamp: auto.evolve adds "messageTS" TIMESTAMP NULL.
    expect(await columns(topic)).toEqual({ customer_id: 'text', cost: 'text', card_type: 'text', item: 'text', messageTS: 'timestamp without time zone' });
    // The record timestamp's UTC wall clock (db.timezone UTC); the rows before the change keep NULL.
    expect(await sql(`SELECT item, to_char("messageTS", 'YYYY-MM-DD HH24:MI:SS.MS') AS ts FROM "${topic}" ORDER BY item`)).toEqual([
      { item: 'Beer 0', ts: null }, { item: 'Beer 1', ts: null },
      { item: 'Beer 2', ts: '2020-12-08 17:42:03.125' }, { item: 'Beer 3', ts: '2020-12-08 17:42:04.125' },
    ]);
  });
  it('oracle-and-kafka sink-postgres-02 (JDBC source rows keyed by ID through StringConverter, pk.mode=record_key pk.fields=ID, upsert, table.name.format): the key, a string, is the ID column', async () => {
    const topic = uniqueName('ora-CUSTOMERS-jdbc-02');
    await createTopic(topic, 1);
    // The JDBC source's rows of CUSTOMERS (01_create_customers.sh; numeric.mapping=best_fit: NUMBER(5,0) is
    // an INT32; timestamps Connect Timestamps) with InsertField's messagetopic and messagesource, keyed by
    // ValueToKey + ExtractField$Key on ID, written with the worker's StringConverter key: "42".
    const ts = { type: 'long', logicalType: 'timestamp-millis', 'connect.name': 'org.apache.kafka.connect.data.Timestamp', 'connect.version': 1 };
    const str = (name: string) => ({ name, type: ['null', 'string'], default: null });
    const schema = { type: 'record', name: 'CUSTOMERS', fields: [
      { name: 'ID', type: 'int' }, str('FIRST_NAME'), str('LAST_NAME'), str('EMAIL'), str('GENDER'), str('CLUB_STATUS'), str('COMMENTS'),
      { name: 'CREATE_TS', type: ['null', ts], default: null }, { name: 'UPDATE_TS', type: ['null', ts], default: null },
      str('messagetopic'), str('messagesource'),
    ], 'connect.name': 'CUSTOMERS' };
    const created = Date.UTC(2020, 5, 12, 10, 15, 30, 123);
    const row = (status: string, updated: number) => ({
      ID: 42, FIRST_NAME: 'Rick', LAST_NAME: 'Astley', EMAIL: null, GENDER: null, CLUB_STATUS: status, COMMENTS: null,
      CREATE_TS: created, UPDATE_TS: updated, messagetopic: 'ora-CUSTOMERS-jdbc-02', messagesource: 'JDBC Source Connector from Oracle on asgard',
    });
    // The README's session: INSERT Rick Astley (ID 42, Bronze), then UPDATE ... SET CLUB_STATUS = 'Platinum' where ID=42.
    const rows = [row('Bronze', created - 123), row('Platinum', created + 60_000 - 123)];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value) => ({ key: '42', value })));
    // The demo's worker (oracle-and-kafka docker-compose.yml): String keys, Avro values, as demo-scene-smt.properties.
    // The literal table customers is one other corpus tests write too: this run names its own.
    const table = uniqueName('customers');
    await runFixture('demo-scene--sink-postgres-02.json', { topics: [topic], worker: DEMO_SCENE_WORKER, set: { 'table.name.format': table } });
    // FieldsMetadata: ID is a key field (the String key's schema, not the value's INT32), in the value's place.
    expect(await columns(table)).toEqual({
      ID: 'text', FIRST_NAME: 'text', LAST_NAME: 'text', EMAIL: 'text', GENDER: 'text', CLUB_STATUS: 'text', COMMENTS: 'text',
      CREATE_TS: 'timestamp without time zone', UPDATE_TS: 'timestamp without time zone', messagetopic: 'text', messagesource: 'text',
    });
    expect(await primaryKey(table)).toEqual(['ID']);
    expect(await sql(`SELECT "ID", "CLUB_STATUS", to_char("CREATE_TS", 'YYYY-MM-DD HH24:MI:SS.MS') AS c, to_char("UPDATE_TS", 'HH24:MI:SS.MS') AS u, messagetopic FROM "${table}"`)).toEqual([
      { ID: '42', CLUB_STATUS: 'Platinum', c: '2020-06-12 10:15:30.123', u: '10:16:30.000', messagetopic: 'ora-CUSTOMERS-jdbc-02' },
    ]);
  });
  it("Kafka's FileStream sink quickstart (connect-file-sink.properties, the standalone worker's JsonConverter with schemas): each line connect-file-source read lands as a line of the file", async () => {
    const topic = uniqueName('connect-test');
    await createTopic(topic, 1);
    // The quickstart: `echo -e "foo\nbar" > test.txt`, read by connect-file-source into string values
    // (schema string), null keys; connect-standalone.properties has connect-distributed.properties' converters.
    const lines = ['foo', 'bar', 'a line with spaces, and ünïcödé'];
    await produce(topic, lines.map((payload) => ({ key: null, value: JSON.stringify({ schema: { type: 'string', optional: false }, payload }) })));
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-file-')), 'test.sink.txt');
    await runProperties('apache-kafka--connect-file-sink.properties', KAFKA_WORKER, topic, { file: out });
    // FileStreamSinkTask: println(record.value()) per record.
    expect(fs.readFileSync(out, 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });
  it("Aiven's JDBC sink quickstart (io.aiven.connect.jdbc.JdbcSinkConnector, connect-avro-standalone.properties): the Avro orders land in a table named after the topic, as the fork of Confluent's sink creates it", async () => {
    const topic = uniqueName('orders');
    await createTopic(topic, 1);
    // The quickstart's kafka-avro-console-producer schema (the one of Confluent's quickstart, which Aiven's forks).
    const schema = { type: 'record', name: 'myrecord', fields: [{ name: 'id', type: 'int' }, { name: 'product', type: 'string' }, { name: 'quantity', type: 'int' }, { name: 'price', type: 'float' }] };
    const rows = [{ id: 999, product: 'foo', quantity: 100, price: 50 }, { id: 1000, product: 'bar', quantity: 3, price: 2.5 }];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value) => ({ key: null, value })));
    // The worker's Avro key converter never sees a key: the console producer writes none.
    await runProperties('aiven-jdbc--sink-quickstart-sqlite.properties', AVRO_STANDALONE_WORKER, topic, {});
    // Aiven's PostgreSqlDatabaseDialect (docs/sink-connector.md, Data Mapping): INT32 INT, STRING TEXT, FLOAT32 REAL.
    expect(await columns(topic)).toEqual({ id: 'integer', product: 'text', quantity: 'integer', price: 'real' });
    expect(await primaryKey(topic)).toEqual([]);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY id`)).toEqual(rows);
  });
  it('wifi-fun SINK_POSTGRES_PCAP_STATS_00 (ksqlDB daily windowed table, String key converter over a windowed INT key, upsert on pk.fields WINDOW_DAY,SUBTYPE, table.name.format ${topic}): one row per day and subtype, updated in place', async () => {
    const topic = uniqueName('PCAP_STATS');
    await createTopic(topic, 1);
    // CREATE TABLE PCAP_STATS WITH (VALUE_FORMAT='AVRO') AS SELECT TIMESTAMPTOSTRING(WINDOWSTART,'yyyy-MM-dd','GMT')
    // AS WINDOW_DAY, WLAN_FC_TYPE_SUBTYPE[1] AS SUBTYPE, COUNT(*) AS PACKET_COUNT, ... EARLIEST_TIME, LATEST_TIME
    // ... WINDOW TUMBLING (SIZE 1 DAY) GROUP BY WLAN_FC_TYPE_SUBTYPE[1] (ksqlDB 0.8): every value field nullable.
    const opt = (name: string, type: string) => ({ name, type: ['null', type], default: null });
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      opt('WINDOW_DAY', 'string'), opt('SUBTYPE', 'int'), opt('PACKET_COUNT', 'long'), opt('EARLIEST_TIME', 'string'), opt('LATEST_TIME', 'string'),
    ] };
    const stat = (day: string, subtype: number, count: number, earliest: string, latest: string) =>
      ({ WINDOW_DAY: day, SUBTYPE: subtype, PACKET_COUNT: count, EARLIEST_TIME: earliest, LATEST_TIME: latest });
    // The changelog behind the docs' pull query: the counts of each day growing.
    const rows = [
      stat('2020-02-28', 4, 84, '22:47:06', '23:59:35'),
      stat('2020-02-29', 4, 3934, '00:02:01', '23:58:19'),
      stat('2020-02-29', 29, 12, '00:00:03', '00:10:44'),
      stat('2020-02-28', 4, 89, '22:47:06', '23:59:35'),
      stat('2020-02-29', 4, 4148, '00:02:01', '23:58:19'),
    ];
    // ksqlDB's windowed KAFKA key: the INT subtype's 4 bytes, then the window start; the connector reads it with
    // StringConverter (Java decodes the bytes that are not UTF-8 as U+FFFD), and pk.mode=record_value ignores it.
    const key = (r: { WINDOW_DAY: string; SUBTYPE: number }) => {
      const b = Buffer.alloc(12);
      b.writeInt32BE(r.SUBTYPE, 0);
      b.writeBigInt64BE(BigInt(Date.parse(`${r.WINDOW_DAY}T00:00:00Z`)), 4);
      return b;
    };
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: key(rows[i]!), value })));
    // The demo's worker (wifi-fun docker-compose.yml): Avro keys and values, as kafka-to-database.properties.
    await runFixture('demo-scene--SINK_POSTGRES_PCAP_STATS_00.json', { topics: [topic], worker: KAFKA_TO_DATABASE_WORKER });
    expect(await columns(topic)).toEqual({ WINDOW_DAY: 'text', SUBTYPE: 'integer', PACKET_COUNT: 'bigint', EARLIEST_TIME: 'text', LATEST_TIME: 'text' });
    expect(await primaryKey(topic)).toEqual(['WINDOW_DAY', 'SUBTYPE']);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY "SUBTYPE", "WINDOW_DAY"`)).toEqual([
      { ...stat('2020-02-28', 4, 89, '22:47:06', '23:59:35'), PACKET_COUNT: '89' },
      { ...stat('2020-02-29', 4, 4148, '00:02:01', '23:58:19'), PACKET_COUNT: '4148' },
      { ...stat('2020-02-29', 29, 12, '00:00:03', '00:10:44'), PACKET_COUNT: '12' },
    ]);
  });
  it('zero-to-hero sink_postgres_02 (schemaless JSON read with schemas.enable=true, "incorrectly"): the task fails on the first record, as the docs show, and nothing lands', async () => {
    const topic = uniqueName('mysql-debezium-json-no-schema-asgard_demo_ORDERS');
    await createTopic(topic, 1);
    // source-debezium-orders-01: Debezium's MySQL orders, unwrapped, through JsonConverter with schemas.enable=false.
    const order = (id: number) => ({ id, customer_id: 7 + id, order_total_usd: 18.25 * id, make: 'Ford', model: 'Fusion', delivery_city: 'Sheffield',
      delivery_company: 'UPS', delivery_address: `${id} Acme Road`, CREATE_TS: '2019-05-18T15:25:01Z', UPDATE_TS: '2019-05-18T15:25:01Z' });
    await produce(topic, [1, 2].map((id) => ({ key: JSON.stringify({ id }), value: JSON.stringify(order(id)) })));
    // The literal sink_postgres_01 is another corpus test's table: this run names its own (it is never created).
    const table = uniqueName('sink_postgres_01');
    const out = await runFixtureExpectingFailure('demo-scene--sink_postgres_02.json', KAFKA_WORKER, topic, { 'table.name.format': table });
    // Kafka Connect's task fails at offset 0 ("JsonConverter with schemas.enable requires "schema" and "payload"
    // fields", errors.tolerance=none); it converts the key first (WorkerSinkTask.convertAndTransformRecord) and so
    // names the key, where Sluice, which reads a key only when something uses it (pk.mode=none here), names the value.
    expect(out).toMatch(new RegExp(`sluice: decode failed at topic ${topic} partition 0 offset 0: JSON value has no \\{"schema", "payload"\\} envelope`));
    expect(await sql(`SELECT to_regclass('"${table}"') AS t`)).toEqual([{ t: null }]);
  });
  it('wifi-fun SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02 (ReplaceField drops the array, two TimestampConverters, upsert on pk.fields SOURCE): the docs\' table, SOURCE text not null the primary key, probes as timestamps', async () => {
    const topic = uniqueName('PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02');
    await createTopic(topic, 1);
    // CREATE TABLE PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02 AS SELECT ... AS SOURCE, COUNT(*) AS PCAP_PROBES, MIN(ROWTIME)
    // AS EARLIEST_PROBE, MAX(ROWTIME) AS LATEST_PROBE, MIN/MAX/AVG(RADIO_SIGNAL_DBM), COLLECT_SET(SSID) AS PROBED_SSIDS,
    // COUNT_DISTINCT(SSID), COUNT_DISTINCT(DESTINATION_ADDRESS) ... GROUP BY source: ksqlDB's Avro value, keyed by SOURCE.
    const opt = (name: string, type: unknown) => ({ name, type: ['null', type], default: null });
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      opt('SOURCE', 'string'), opt('PCAP_PROBES', 'long'), opt('EARLIEST_PROBE', 'long'), opt('LATEST_PROBE', 'long'),
      opt('MIN_RADIO_SIGNAL_DBM', 'double'), opt('MAX_RADIO_SIGNAL_DBM', 'double'), opt('AVG_RADIO_SIGNAL_DBM', 'double'),
      opt('PROBED_SSIDS', { type: 'array', items: ['null', 'string'] }), opt('UNIQUE_SSIDS_PROBED', 'long'), opt('UNIQUE_DESTINATION_ADDRESSES', 'long'),
    ] };
    const earliest = Date.UTC(2020, 1, 28, 22, 51, 22);
    const stats = (source: string, probes: number, latest: number, ssids: (string | null)[]) => ({
      SOURCE: source, PCAP_PROBES: probes, EARLIEST_PROBE: earliest, LATEST_PROBE: latest, MIN_RADIO_SIGNAL_DBM: -81, MAX_RADIO_SIGNAL_DBM: -37,
      AVG_RADIO_SIGNAL_DBM: -55.5, PROBED_SSIDS: ssids, UNIQUE_SSIDS_PROBED: ssids.length, UNIQUE_DESTINATION_ADDRESSES: 1,
    });
    const rows = [
      stats('asgard03', 3109, Date.UTC(2020, 3, 8, 6, 39, 45), [null, '', 'FULLERS', 'RNM0']),
      stats('ea:28:50:4d:44:fb', 2, earliest + 60_000, ['skyclub']),
      stats('asgard03', 3110, Date.UTC(2020, 3, 14, 11, 6, 13), [null, '', 'FULLERS', 'RNM0', 'QConLondon2020']),
    ];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: rows[i]!.SOURCE, value })));
    // The demo's worker (wifi-fun docker-compose.yml): Avro keys and values; the connector sets String keys.
    await runFixture('demo-scene--SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02.json', { topics: [topic], worker: KAFKA_TO_DATABASE_WORKER });
    expect(await columns(topic)).toEqual({
      SOURCE: 'text', PCAP_PROBES: 'bigint', EARLIEST_PROBE: 'timestamp without time zone', LATEST_PROBE: 'timestamp without time zone',
      MIN_RADIO_SIGNAL_DBM: 'double precision', MAX_RADIO_SIGNAL_DBM: 'double precision', AVG_RADIO_SIGNAL_DBM: 'double precision',
      UNIQUE_SSIDS_PROBED: 'bigint', UNIQUE_DESTINATION_ADDRESSES: 'bigint',
    });
    // The docs' \d: SOURCE text not null, PRIMARY KEY ("SOURCE").
    expect(await primaryKey(topic)).toEqual(['SOURCE']);
    expect(await sql(`SELECT is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'SOURCE'`, [topic])).toEqual([{ is_nullable: 'NO' }]);
    expect(await sql(`SELECT "SOURCE", "PCAP_PROBES", to_char("EARLIEST_PROBE", 'YYYY-MM-DD HH24:MI:SS') AS e, to_char("LATEST_PROBE", 'YYYY-MM-DD HH24:MI:SS') AS l, "UNIQUE_SSIDS_PROBED" FROM "${topic}" ORDER BY 1`)).toEqual([
      { SOURCE: 'asgard03', PCAP_PROBES: '3110', e: '2020-02-28 22:51:22', l: '2020-04-14 11:06:13', UNIQUE_SSIDS_PROBED: '5' },
      { SOURCE: 'ea:28:50:4d:44:fb', PCAP_PROBES: '2', e: '2020-02-28 22:51:22', l: '2020-02-28 22:52:22', UNIQUE_SSIDS_PROBED: '1' },
    ]);
  });
});
