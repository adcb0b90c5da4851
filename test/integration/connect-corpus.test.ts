// End to end with configs of the corpus (test/fixtures/connect-configs/,
// sources in SOURCES.md), each run as published with the worker file its
// demo ran with: produce the records the demo's docs produce, and check the
// rows and objects land where and as Kafka Connect lands them (table and
// column names, column types, values, upserts and deletes). Only the topic
// (unique per run) and, for S3, the endpoint and prefix are changed; literal
// table names are dropped first so the test can run again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopic, produce, readTopic, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { runSluice, startSluice } from '../helpers/sluice.js';
import { S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import { envelope, waitUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { JsonEvents } from './debezium-events.js';
import { ensurePythonReaders, listObjects, readObjects, readParquet } from './s3-support.js';
import { allDocs, ELASTICSEARCH, OPENSEARCH } from '../helpers/opensearch.js';
import { AVRO_STANDALONE_WORKER, avroValues, columns, DEMO_SCENE_WORKER, FIXTURES, KAFKA_TO_DATABASE_WORKER, KAFKA_WORKER, primaryKey, runFixture, s3Env } from './corpus-support.js';

describe('sluice check with a worker file', () => {
  it('prints the converters in effect and where each came from, a notice per key without effect, and exits 0 (SLUICE_WORKER_CONFIG)', async () => {
    const r = await runSluice(['check', '--config', path.join(FIXTURES, 'demo-scene--sink-jdbc-mysql-day9-01.json')], { SLUICE_WORKER_CONFIG: DEMO_SCENE_WORKER });
    expect(r.code, r.output).toBe(0);
    const lines = r.output.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'ok: sink-jdbc-mysql-day9-01 (postgres sink, group connect-sink-jdbc-mysql-day9-01, values avro)',
      'key converter: org.apache.kafka.connect.storage.StringConverter — worker file: key.converter',
      'value converter: io.confluent.connect.avro.AvroConverter (schema registry http://127.0.0.1:18081/apis/ccompat/v7 from value.converter.schema.registry.url in the worker file) — worker file: value.converter',
    ]);
    expect(lines).toContain("notice: group.id (worker file): accepted, no effect: the Connect cluster's group; the sink consumer group is connect-<name> (or group.id in the connector JSON)");
    expect(lines).toContain('notice: tasks.max: accepted, no effect: Sluice parallelism is worker.threads; scale out with more instances in the same group.');
    expect(lines.filter((l) => !/^(ok|key converter|value converter|notice): /.test(l))).toEqual([]);
  });

  it('without a worker file says the converters are Kafka Connect\'s shipped default and how to pass the worker file', async () => {
    const r = await runSluice(['check', '--config', path.join(FIXTURES, 'demo-scene--sink-jdbc-mysql-day9-01.json')], { SLUICE_BOOTSTRAP_SERVERS: '127.0.0.1:19092' });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("value converter: org.apache.kafka.connect.json.JsonConverter (schemas.enable=true) — default: no value.converter in the connector config (Kafka Connect's worker default)");
    expect(r.output).toMatch(/warning: value\.converter is not set: .* pass that file with --worker \(or SLUICE_WORKER_CONFIG\)/);
  });
});

describe('corpus configs, end to end', () => {
  it("Confluent's JDBC sink quickstart (connect-standalone: connect-avro-standalone.properties + sink-quickstart-sqlite.properties): the Avro orders land in a table named after the topic", async () => {
    const topic = uniqueName('orders');
    await createTopic(topic, 1);
    // The quickstart's kafka-avro-console-producer schema and record.
    const schema = { type: 'record', name: 'myrecord', fields: [{ name: 'id', type: 'int' }, { name: 'product', type: 'string' }, { name: 'quantity', type: 'int' }, { name: 'price', type: 'float' }] };
    await produce(topic, (await avroValues(topic, schema, [{ id: 999, product: 'foo', quantity: 100, price: 50 }])).map((value) => ({ key: null, value })));
    const text = fs.readFileSync(path.join(FIXTURES, 'confluent-jdbc--sink-quickstart-sqlite.properties'), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-'));
    const file = path.join(dir, 'sink-quickstart-sqlite.properties');
    const name = uniqueName('test_sink');
    fs.writeFileSync(file, text.replace(/^topics=.*$/m, `topics=${topic}`).replace(/^name=.*$/m, `name=${name}`));
    const sluice = startSluice(['run', '--config', file, '--worker', AVRO_STANDALONE_WORKER], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50' });
    try {
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 120_000);
    } finally {
      expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await columns(topic)).toEqual({ id: 'integer', product: 'text', quantity: 'integer', price: 'real' });
    expect(await sql(`SELECT * FROM "${topic}"`)).toEqual([{ id: 999, product: 'foo', quantity: 100, price: 50 }]);
  });

  it('demo-scene day 9 (worker: String keys, Avro values): the table is named after the topic, the columns after the fields', async () => {
    const topic = uniqueName('day9-01-transactions');
    await createTopic(topic, 1);
    // The schema the day 9 docs show (connect.type int16 on an int), and the rows they select.
    const schema = { type: 'record', name: 'transactions', namespace: 'io.confluent', fields: [
      { name: 'txn_date', type: ['null', 'string'], default: null },
      { name: 'units', type: ['null', { type: 'int', 'connect.type': 'int16' }], default: null },
      { name: 'customer_remarks', type: ['null', 'string'], default: null },
      { name: 'cost', type: ['null', 'float'], default: null },
      { name: 'item', type: ['null', 'string'], default: null },
      { name: 'card_type', type: ['null', 'string'], default: null },
    ] };
    const rows = [
      { txn_date: 'Sat Dec 12 05:35:06 GMT 2020', units: 29, customer_remarks: 'BAD', cost: 17.49, item: 'Alpha King Pale Ale', card_type: 'visa' },
      { txn_date: 'Sat Dec 12 05:35:07 GMT 2020', units: 36, customer_remarks: null, cost: 92.88, item: 'Brooklyn Black', card_type: 'mastercard' },
    ];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: `k${i}`, value })));
    const out = await runFixture('demo-scene--sink-jdbc-mysql-day9-01.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    expect(out).toContain('worker file: value.converter');
    // units is a Connect INT16: smallint, as Kafka Connect creates it.
    expect(await columns(topic)).toMatchObject({ units: 'smallint', txn_date: 'text', customer_remarks: 'text', cost: 'real', item: 'text', card_type: 'text' });
    expect(Object.keys(await columns(topic))).toEqual(['txn_date', 'units', 'customer_remarks', 'cost', 'item', 'card_type']);
    // cost is an Avro float: stored as real, its exact float32 value.
    const got = await sql(`SELECT txn_date, units, customer_remarks, cost, cost::float8 AS cost64, item, card_type FROM "${topic}" ORDER BY units`);
    expect(got).toEqual(rows.map((r) => ({ ...r, cost64: Math.fround(r.cost) })));
  });

  it('kafka-to-database sink-jdbc-mysql-01 (worker: Avro keys and values; the connector sets String keys): the key becomes MESSAGE_KEY, the primary key', async () => {
    const topic = uniqueName('test01');
    await createTopic(topic, 1);
    // The docs' ksqlDB stream: CREATE STREAM TEST01 (KEY_COL VARCHAR KEY, COL1 INT, COL2 VARCHAR) ... VALUE_FORMAT='AVRO'.
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
      { name: 'COL1', type: ['null', 'int'], default: null }, { name: 'COL2', type: ['null', 'string'], default: null },
    ] };
    const rows = [{ COL1: 1, COL2: 'FOO' }, { COL1: 2, COL2: 'BAR' }];
    const values = await avroValues(topic, schema, rows);
    await produce(topic, [{ key: 'X', value: values[0]! }, { key: 'Y', value: values[1]! }]);
    const out = await runFixture('demo-scene--sink-jdbc-mysql-01.json', { topics: [topic], worker: KAFKA_TO_DATABASE_WORKER });
    expect(out).toContain('key converter: org.apache.kafka.connect.storage.StringConverter — connector config: key.converter');
    expect(out).toContain("key.converter.schema.registry.url (worker file): not applied: the connector sets key.converter");
    expect(await primaryKey(topic)).toEqual(['MESSAGE_KEY']);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY "MESSAGE_KEY"`)).toEqual([{ MESSAGE_KEY: 'X', COL1: 1, COL2: 'FOO' }, { MESSAGE_KEY: 'Y', COL1: 2, COL2: 'BAR' }]);
  });

  it('demo-scene day 3 (worker: String keys, Avro values; the connector sets no converter): customers land in a table named after the topic', async () => {
    const topic = uniqueName('day3-customersa');
    await createTopic(topic, 1);
    const schema = { type: 'record', name: 'customers', namespace: 'io.confluent', fields: [
      { name: 'id', type: ['null', 'string'], default: null }, { name: 'full_name', type: ['null', 'string'], default: null },
      { name: 'birthdate', type: ['null', 'string'], default: null }, { name: 'fav_animal', type: ['null', 'string'], default: null },
    ] };
    const rows = [
      { id: '001', full_name: 'Ethel Hahn', birthdate: '1977-05-11', fav_animal: 'Owl' },
      { id: '002', full_name: 'Lorenza Kunde', birthdate: '1964-01-22', fav_animal: 'Pig' },
    ];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: rows[i]!.id, value })));
    await runFixture('demo-scene--sink-jdbc-mysql-day3-customers-00.json', { topics: [topic], worker: DEMO_SCENE_WORKER });
    expect(Object.keys(await columns(topic))).toEqual(['id', 'full_name', 'birthdate', 'fav_animal']);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY id`)).toEqual(rows);
  });

  it('zero-to-hero sink_postgres_03_avro (Kafka worker defaults, Avro set in the connector): a literal table name, field names kept as they are', async () => {
    const topic = uniqueName('asgard_demo_ORDERS_avro');
    await createTopic(topic, 1);
    await sql('DROP TABLE IF EXISTS sink_postgres_03_avro');
    const schema = { type: 'record', name: 'Envelope', namespace: 'asgard.demo.ORDERS', fields: [
      { name: 'id', type: 'int' }, { name: 'customer_id', type: 'int' }, { name: 'order_total_usd', type: 'double' },
      { name: 'make', type: 'string' }, { name: 'model', type: 'string' }, { name: 'delivery_city', type: 'string' },
      { name: 'CREATE_TS', type: ['null', 'string'], default: null },
    ] };
    const rows = [
      { id: 1, customer_id: 7, order_total_usd: 18.25, make: 'Ford', model: 'Fusion', delivery_city: 'Sheffield', CREATE_TS: '2019-05-18T15:25:01Z' },
      { id: 2, customer_id: 9, order_total_usd: 4711.5, make: 'Volvo', model: 'V70', delivery_city: 'Leeds', CREATE_TS: null },
    ];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value, i) => ({ key: String(i + 1), value })));
    await runFixture('demo-scene--sink_postgres_03_avro.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(Object.keys(await columns('sink_postgres_03_avro'))).toEqual(['id', 'customer_id', 'order_total_usd', 'make', 'model', 'delivery_city', 'CREATE_TS']);
    expect(await sql('SELECT * FROM sink_postgres_03_avro ORDER BY id')).toEqual(rows);
  });

  it('zero-to-hero sink_postgres_01 (JSON with schemas, errors.tolerance=all, no dead-letter topic): the bad record is skipped, the rest land', async () => {
    const topic = uniqueName('mysql_debezium_json_with_schema_ORDERS');
    await createTopic(topic, 1);
    await sql('DROP TABLE IF EXISTS sink_postgres_01');
    const fields: ConnectField[] = [{ field: 'id', type: 'int32', optional: false }, { field: 'make', type: 'string', optional: true }, { field: 'order_total_usd', type: 'double', optional: true }];
    const key = (id: number) => JSON.stringify({ schema: { type: 'struct', fields: [{ field: 'id', type: 'int32', optional: false }], optional: false }, payload: { id } });
    await produce(topic, [
      { key: key(1), value: envelope(fields, { id: 1, make: 'Ford', order_total_usd: 10.5 }) },
      { key: key(2), value: '{"id": 2, "make": "no schema"}' }, // JSON without the envelope: a converter error, skipped
      { key: key(3), value: envelope(fields, { id: 3, make: null, order_total_usd: 3 }) },
    ]);
    const out = await runFixture('demo-scene--sink_postgres_01.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(out).toContain('errors.tolerance=all without errors.deadletterqueue.topic.name');
    expect(await sql('SELECT * FROM sink_postgres_01 ORDER BY id')).toEqual([{ id: 1, make: 'Ford', order_total_usd: 10.5 }, { id: 3, make: null, order_total_usd: 3 }]);
  });

  it('kafka-to-database sink-jdbc-mysql-02-json (String keys, JSON with schemas): inserted into a table named after the topic', async () => {
    const topic = uniqueName('some_json_data_with_a_schema');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'col1', type: 'int32', optional: false }, { field: 'col2', type: 'string', optional: false }, { field: 'col3', type: 'boolean', optional: true }];
    await produce(topic, [{ key: 'a', value: envelope(fields, { col1: 1, col2: 'foo', col3: true }) }, { key: 'b', value: envelope(fields, { col1: 2, col2: 'bar', col3: null }) }]);
    await runFixture('demo-scene--sink-jdbc-mysql-02-json.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(await columns(topic)).toEqual({ col1: 'integer', col2: 'text', col3: 'boolean' });
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY col1`)).toEqual([{ col1: 1, col2: 'foo', col3: true }, { col1: 2, col2: 'bar', col3: null }]);
  });

  it('debezium-examples unwrap-smt (Debezium JDBC sink, flattened change events): upsert by the record key, a tombstone deletes', async () => {
    const topic = uniqueName('customers');
    await createTopic(topic, 1);
    const keyFields: ConnectField[] = [{ field: 'id', type: 'int32', optional: false }];
    const fields: ConnectField[] = [...keyFields, { field: 'first_name', type: 'string', optional: false }, { field: 'last_name', type: 'string', optional: false }, { field: 'email', type: 'string', optional: false }];
    const key = (id: number) => envelope(keyFields, { id }, 'dbserver1.inventory.customers.Key');
    const row = (id: number, first: string, last: string, email: string): TestMessage => ({ key: key(id), value: envelope(fields, { id, first_name: first, last_name: last, email }, 'dbserver1.inventory.customers.Value') });
    // The README's session: the inventory's customers, then insert John Doe, rename him, delete him.
    await produce(topic, [
      row(1001, 'Sally', 'Thomas', 'sally.thomas@acme.com'), row(1002, 'George', 'Bailey', 'gbailey@foobar.com'),
      row(1003, 'Edward', 'Walker', 'ed@walker.com'), row(1004, 'Anne', 'Kretchmar', 'annek@noanswer.org'),
      row(1005, 'John', 'Doe', 'john.doe@example.com'), row(1005, 'Jane', 'Roe', 'john.doe@example.com'),
      { key: key(1005), value: null },
    ]);
    await runFixture('dbz-examples--unwrap-smt.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(await primaryKey(topic)).toEqual(['id']);
    expect(await sql(`SELECT id, first_name, last_name FROM "${topic}" ORDER BY id`)).toEqual([
      { id: 1001, first_name: 'Sally', last_name: 'Thomas' }, { id: 1002, first_name: 'George', last_name: 'Bailey' },
      { id: 1003, first_name: 'Edward', last_name: 'Walker' }, { id: 1004, first_name: 'Anne', last_name: 'Kretchmar' },
    ]);
  });

  it('the-dev-odyssey jdbc-postgres-sink (user and password in the JDBC URL, Kafka worker JSON defaults): upsert by a primitive key', async () => {
    const topic = uniqueName('pgsrc_public_mytable');
    await createTopic(topic, 1);
    const key = (id: number) => JSON.stringify({ schema: { type: 'int32', optional: false }, payload: id });
    const fields: ConnectField[] = [{ field: 'name', type: 'string', optional: true }];
    await produce(topic, [{ key: key(1), value: envelope(fields, { name: 'a' }) }, { key: key(2), value: envelope(fields, { name: 'b' }) }, { key: key(1), value: envelope(fields, { name: 'c' }) }]);
    const out = await runFixture('dev-odyssey--jdbc-postgres-sink.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(out).not.toContain('"dbz"'); // the URL's password never appears
    expect(await primaryKey(topic)).toEqual(['id']);
    expect(await sql(`SELECT id, name FROM "${topic}" ORDER BY id`)).toEqual([{ id: 1, name: 'c' }, { id: 2, name: 'b' }]);
  });

  it('BusDispatch sink-jdbc-postgres-01 (Avro, pk.mode=record_value without pk.fields): every value field is in the primary key', async () => {
    const topic = uniqueName('bus_topic_avro');
    await createTopic(topic, 1);
    const schema = { type: 'record', name: 'Bus', fields: [{ name: 'bus_id', type: 'string' }, { name: 'route', type: 'int' }, { name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] };
    const rows = [{ bus_id: 'B1', route: 12, lat: 52.52, lon: 13.405 }, { bus_id: 'B2', route: 7, lat: 48.1371, lon: 11.5754 }];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value) => ({ key: null, value })));
    await runFixture('busdispatch--sink-jdbc-postgres-01.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(await primaryKey(topic)).toEqual(['bus_id', 'route', 'lat', 'lon']);
    expect(await sql(`SELECT * FROM "${topic}" ORDER BY bus_id`)).toEqual(rows);
  });

  it('orders-jdbc-sink (Avro upserts by a String key, a ${file:} password, a dead-letter topic): last value per key, the bad record dead-lettered', async () => {
    const topic = uniqueName('orders');
    const dlq = uniqueName('orders_sink_dlq');
    await createTopic(topic, 1);
    const schema = { type: 'record', name: 'Order', fields: [{ name: 'order_id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'status', type: 'string' }] };
    const rows = [{ order_id: 'o1', amount: 10, status: 'new' }, { order_id: 'o2', amount: 20, status: 'new' }, { order_id: 'o1', amount: 10, status: 'shipped' }];
    const values = await avroValues(topic, schema, rows);
    await produce(topic, [...values.map((value, i) => ({ key: rows[i]!.order_id, value })), { key: 'o3', value: Buffer.from('not avro') }]);
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-secrets-'));
    fs.writeFileSync(path.join(secrets, 'db.properties'), 'password=unused-with-trust-auth\n');
    await runFixture('orders-jdbc-sink.json', {
      topics: [topic], worker: KAFKA_WORKER, set: { 'errors.deadletterqueue.topic.name': dlq },
      text: (s) => s.replace('/secrets/db.properties', path.join(secrets, 'db.properties')).replace('http://127.0.0.1:8081', 'http://127.0.0.1:18081/apis/ccompat/v7')
        .replace('jdbc:postgresql://127.0.0.1:5432/sales', 'jdbc:postgresql://127.0.0.1:15432/postgres').replace('"connect"', '"postgres"'),
    });
    expect(await sql(`SELECT order_id, amount, status FROM "${topic}" ORDER BY order_id`)).toEqual([{ order_id: 'o1', amount: 10, status: 'shipped' }, { order_id: 'o2', amount: 20, status: 'new' }]);
    const dead = await readTopic(dlq, 1);
    expect(dead.map((m) => [m.key, m.value, m.headers['__connect.errors.offset']])).toEqual([['o3', 'not avro', '3']]);
  });

  it('events-s3-sink (S3 Parquet, topics.regex, hourly time-based paths): objects named and laid out as the S3 sink names them', async () => {
    const prefix = uniqueName('corpus_events');
    const topic = `${prefix}.clicks`;
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'user', type: 'string', optional: false }, { field: 'n', type: 'int64', optional: false }];
    const ts = Date.UTC(2024, 2, 5, 7, 30, 0);
    await produce(topic, [0, 1, 2].map((i) => ({ key: `u${i}`, value: envelope(fields, { user: `u${i}`, n: i }), timestamp: ts + i })));
    const topicsDir = uniqueName('corpus_s3');
    // The endpoint, bucket and keys of the local stack come from the environment, which wins over the file.
    await runFixture('events-s3-sink.json', {
      topics: [topic], worker: KAFKA_WORKER, set: { 'rotate.schedule.interval.ms': '1000' },
      env: {
        SLUICE_STORE_URL: S3_URL, SLUICE_S3_BUCKET_NAME: S3_BUCKET, SLUICE_AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, SLUICE_AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
        SLUICE_TOPICS_DIR: topicsDir,
      },
    });
    const objects = (await listObjects(`${topicsDir}/${topic}/`)).map((o) => o.key);
    expect(objects).toEqual([`${topicsDir}/${topic}/year=2024/month=03/day=05/hour=07/${topic}+0+0000000000.zstd.parquet`]) // parquet.codec=zstd: Confluent's .zstd.parquet;
    const files = await readParquet(`${topicsDir}/${topic}/`);
    expect(files.flatMap((f) => f.data)).toEqual([0, 1, 2].map((i) => ({ user: `u${i}`, n: i })));
  });

  it("Confluent's S3 sink quickstart (connect-standalone: connect-avro-standalone.properties + quickstart-s3.properties): AvroFormat, flush.size=3, the nine records in three objects", async () => {
    await ensurePythonReaders();
    const topic = uniqueName('s3_topic');
    await createTopic(topic, 1);
    // The quickstart's kafka-avro-console-producer schema and its nine records.
    const schema = { type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: 'string' }] };
    const rows = Array.from({ length: 9 }, (_, i) => ({ f1: `value${i + 1}` }));
    await produce(topic, (await avroValues(topic, schema, rows)).map((value) => ({ key: null, value })));
    const text = fs.readFileSync(path.join(FIXTURES, 'confluent-s3--quickstart-s3.properties'), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-'));
    const file = path.join(dir, 'quickstart-s3.properties');
    const name = uniqueName('s3-sink');
    fs.writeFileSync(file, text.replace(/^topics=.*$/m, `topics=${topic}`).replace(/^name=.*$/m, `name=${name}`));
    const topicsDir = uniqueName('corpus_s3q');
    const sluice = startSluice(['run', '--config', file, '--worker', AVRO_STANDALONE_WORKER], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50', ...s3Env(topicsDir) });
    try {
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 120_000);
    } finally {
      expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
    }
    // As the quickstart lists them: topics/s3_topic/partition=0/s3_topic+0+0000000000.avro, +3, +6.
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([0, 3, 6].map((o) => `${topicsDir}/${topic}/partition=0/${topic}+0+${String(o).padStart(10, '0')}.avro`));
    expect(objects.flatMap((o) => o.records)).toEqual(rows);
    expect(objects[0]!.schema).toMatchObject({ type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: 'string' }] });
  });

  it('demo-scene sink-s3-00 (worker: String keys, Avro values; JsonFormat, flush.size=16, two topics): one JSON-lines object of 16 records per topic', async () => {
    await ensurePythonReaders();
    const customers = uniqueName('customers');
    const transactions = uniqueName('transactions');
    for (const t of [customers, transactions]) await createTopic(t, 1);
    const customerSchema = { type: 'record', name: 'customers', namespace: 'io.confluent', fields: [
      { name: 'id', type: 'int' }, { name: 'full_name', type: ['null', 'string'], default: null }, { name: 'birthdate', type: ['null', 'string'], default: null },
    ] };
    const txnSchema = { type: 'record', name: 'transactions', namespace: 'io.confluent', fields: [
      { name: 'customer_id', type: 'int' }, { name: 'cost', type: 'double' }, { name: 'item', type: 'string' }, { name: 'units', type: ['null', 'long'], default: null },
    ] };
    const customerRows = Array.from({ length: 16 }, (_, i) => ({ id: i, full_name: i % 5 === 0 ? null : `Customer ${i}`, birthdate: `19${60 + i}-01-0${(i % 9) + 1}` }));
    const txnRows = Array.from({ length: 16 }, (_, i) => ({ customer_id: i, cost: i + 0.25, item: `Beer ${i}`, units: i % 4 === 0 ? null : i * 1000 }));
    await produce(customers, (await avroValues(customers, customerSchema, customerRows)).map((value, i) => ({ key: String(i), value })));
    await produce(transactions, (await avroValues(transactions, txnSchema, txnRows)).map((value, i) => ({ key: String(i), value })));
    const topicsDir = uniqueName('corpus_s3j');
    await runFixture('demo-scene--sink-s3-00.json', { topics: [customers, transactions], worker: DEMO_SCENE_WORKER, env: s3Env(topicsDir) });
    for (const [topic, rows] of [[customers, customerRows], [transactions, txnRows]] as const) {
      const objects = await readObjects(`${topicsDir}/${topic}/`);
      expect(objects.map((o) => o.key)).toEqual([`${topicsDir}/${topic}/partition=0/${topic}+0+0000000000.json`]);
      // JsonFormat writes each value as JSON without the schema, one per line.
      expect(objects[0]!.text!.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    }
  });

  it('sarovar12 sqlserver-sink-connector (Debezium JDBC sink, JSON with schemas, unwrap with delete.handling.mode=rewrite): upserts by the value\'s Id, a delete lands as __deleted=true, tombstones dropped', async () => {
    const topic = uniqueName('pg.public.Customers');
    await createTopic(topic, 1);
    await sql('DROP TABLE IF EXISTS customers');
    // A Debezium PostgreSQL source's events for public."Customers" ("Id" int primary key, "Name" text).
    const ev = new JsonEvents('pg', 'Customers', [{ field: 'Id', type: 'int32', optional: false }, { field: 'Name', type: 'string', optional: true }], 'public', 'Id');
    await produce(topic, [
      ev.event('r', null, { Id: 1, Name: 'ann' }),
      ev.event('c', null, { Id: 2, Name: 'bob' }),
      ev.event('u', { Id: 1, Name: 'ann' }, { Id: 1, Name: 'anna' }),
      ev.event('d', { Id: 2, Name: 'bob' }, null),
      { key: JSON.stringify({ schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'Id' }], optional: false, name: 'pg.public.Customers.Key' }, payload: { Id: 2 } }), value: null },
      ev.event('c', null, { Id: 3, Name: null }),
    ]);
    await runFixture('sarovar12-debezium--sqlserver-sink-connector.json', { topics: [topic], worker: KAFKA_WORKER });
    expect(await columns('customers')).toEqual({ Id: 'integer', Name: 'text', __deleted: 'text' });
    expect(await primaryKey('customers')).toEqual(['Id']);
    expect(await sql('SELECT "Id", "Name", __deleted FROM customers ORDER BY "Id"')).toEqual([
      { Id: 1, Name: 'anna', __deleted: 'false' },
      { Id: 2, Name: 'bob', __deleted: 'true' },
      { Id: 3, Name: null, __deleted: 'false' },
    ]);
  });

  it('debezium-examples unwrap-smt es-sink (Elasticsearch sink, key.ignore=false, ExtractField$Key, behavior.on.null.values=delete): a document per key, the last value wins, a tombstone deletes', async () => {
    const topic = uniqueName('customers');
    await createTopic(topic, 1);
    const keyFields: ConnectField[] = [{ field: 'id', type: 'int32', optional: false }];
    const fields: ConnectField[] = [...keyFields, { field: 'first_name', type: 'string', optional: false }, { field: 'last_name', type: 'string', optional: false }, { field: 'email', type: 'string', optional: false }];
    const key = (id: number) => envelope(keyFields, { id }, 'dbserver1.inventory.customers.Key');
    const row = (id: number, first: string, last: string, email: string): TestMessage => ({ key: key(id), value: envelope(fields, { id, first_name: first, last_name: last, email }, 'dbserver1.inventory.customers.Value') });
    // The README's session, as the JDBC case above: John Doe inserted, renamed, deleted.
    await produce(topic, [
      row(1001, 'Sally', 'Thomas', 'sally.thomas@acme.com'), row(1002, 'George', 'Bailey', 'gbailey@foobar.com'),
      row(1005, 'John', 'Doe', 'john.doe@example.com'), row(1002, 'George', 'Bailey', 'george@bailey.example'),
      row(1005, 'Jane', 'Roe', 'john.doe@example.com'), { key: key(1005), value: null },
    ]);
    await runFixture('dbz-examples--unwrap-smt-es-sink.json', { topics: [topic], worker: KAFKA_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // The index is the topic's name; the document id the key's id field (ExtractField$Key), as text.
    const docs = await allDocs(topic, ELASTICSEARCH);
    expect(new Map([...docs].map(([id, d]) => [id, d.source]))).toEqual(new Map([
      ['1001', { id: 1001, first_name: 'Sally', last_name: 'Thomas', email: 'sally.thomas@acme.com' }],
      ['1002', { id: 1002, first_name: 'George', last_name: 'Bailey', email: 'george@bailey.example' }],
    ]));
    // External versioning by offset, as Confluent's sink writes keyed documents.
    expect(docs.get('1002')!.version).toBe(3);
  });

  it("Aiven's OpenSearch sink quickstart (connect-standalone file, Kafka's worker: JSON with schemas; key.ignore=true): a document per record under topic+partition+offset", async () => {
    const topic = uniqueName('test_opensearch_sink');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [{ field: 'f1', type: 'string', optional: false }];
    await produce(topic, ['value1', 'value2', 'value3'].map((f1) => ({ key: null, value: envelope(fields, { f1 }, 'myrecord') })));
    const text = fs.readFileSync(path.join(FIXTURES, 'aiven-opensearch--quickstart-opensearch.properties'), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-'));
    const file = path.join(dir, 'quickstart-opensearch.properties');
    const name = uniqueName('opensearch-sink');
    fs.writeFileSync(file, text.replace(/^topics=.*$/m, `topics=${topic}`).replace(/^name=.*$/m, `name=${name}`).replace(/^connection\.url=.*$/m, `connection.url=${OPENSEARCH}`));
    const sluice = startSluice(['run', '--config', file, '--worker', KAFKA_WORKER], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50' });
    try {
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 120_000);
    } finally {
      expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
    }
    const docs = await allDocs(topic, OPENSEARCH);
    expect(new Map([...docs].map(([id, d]) => [id, d.source]))).toEqual(new Map([0, 1, 2].map((o) => [`${topic}+0+${o}`, { f1: `value${o + 1}` }])));
  });
});
