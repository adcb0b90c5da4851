// End to end with the corpus's Elasticsearch / OpenSearch sink configs
// (test/fixtures/connect-configs/, sources in SOURCES.md), each run as
// published with the worker file its demo ran with: produce the records the
// demo's docs produce and check that the index names, document ids, _source
// documents, deletes and mappings are what Confluent's sink lands
// (DataConverter.convertRecord, Mapping.buildMapping, ElasticsearchSinkTask's
// index names); where a demo's docs print the result, the expectation is that
// print. Only the topic (unique per run) and connection.url change.
import avro from 'avsc';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { allDocs, ELASTICSEARCH, os as search } from '../helpers/opensearch.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice } from '../helpers/sluice.js';
import { uniqueName } from '../helpers/stack.js';
import { JsonEvents } from './debezium-events.js';
import { waitUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { AVRO_STANDALONE_WORKER, avroValues, FIXTURES, KAFKA_WORKER, runFixture } from './corpus-support.js';

const KAFKA_TO_ELASTICSEARCH_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/kafka-to-elasticsearch.properties');

/** Avro values framed for the registry under `subject` (keys: `<topic>-key`). */
async function avroFrames(subject: string, schema: unknown, values: readonly unknown[]): Promise<Buffer[]> {
  const id = await registerSchema(subject, schema as object);
  const type = avro.Type.forSchema(schema as avro.Schema);
  return values.map((v) => confluentFrame(id, type.toBuffer(v)));
}

/** Each document's _source by id. */
async function sources(index: string, base = ELASTICSEARCH): Promise<Map<string, unknown>> {
  return new Map([...(await allDocs(index, base))].map(([id, d]) => [id, d.source]));
}

async function mappingOf(index: string, base = ELASTICSEARCH): Promise<unknown> {
  const res = await search('GET', `/${index}/_mapping`, undefined, base);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body[index].mappings;
}

/** Runs a .properties connector file (connect-standalone) with its topics, name and URL replaced. */
async function runProperties(fixture: string, topic: string, worker: string, url: string): Promise<string> {
  const text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-'));
  const file = path.join(dir, fixture);
  const name = uniqueName('es_sink');
  fs.writeFileSync(file, text.replace(/^topics=.*$/m, `topics=${topic}`).replace(/^name=.*$/m, `name=${name}`).replace(/^connection\.url=.*$/m, `connection.url=${url}`));
  const sluice = startSluice(['run', '--config', file, '--worker', worker], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50' });
  try {
    await waitUntilCommitted(sluice, `connect-${name}`, [topic], 120_000);
  } finally {
    expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

const TEXT = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };

// ksqlDB 0.15's value schema for CREATE STREAM ... (COL1 INT, COL2 VARCHAR) FORMAT='AVRO'.
const ksqlSchema = (fields: [string, string][]) => ({
  type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas',
  fields: fields.map(([name, type]) => ({ name, type: ['null', type], default: null })),
  'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema',
});

// kafka-to-elasticsearch's TEST02 rows: STRINGTOTIMESTAMP('2020-02-17T15:22:00Z', ...) and the string itself.
const TEST02_SCHEMA = ksqlSchema([['COL1', 'int'], ['ORDER_TS_EPOCH', 'long'], ['SHIP_TS_STR', 'string']]);
const TEST02_ROWS = [
  { key: 'MY_KEY__X', value: { COL1: 1, ORDER_TS_EPOCH: 1581952920000, SHIP_TS_STR: '2020-02-17T15:22:00Z' } },
  { key: 'MY_KEY__Y', value: { COL1: 1, ORDER_TS_EPOCH: 1581953160000, SHIP_TS_STR: '2020-02-17T15:26:00Z' } },
];
// The rowtimes ksqlDB printed for them (5/4/20 10:24:46 AM UTC).
const TEST02_TIMESTAMPS = [Date.UTC(2020, 4, 4, 10, 24, 46, 954), Date.UTC(2020, 4, 4, 10, 24, 47, 36)];

async function produceTest02(topic: string): Promise<void> {
  await createTopic(topic, 1);
  const values = await avroValues(topic, TEST02_SCHEMA, TEST02_ROWS.map((r) => r.value));
  await produce(topic, values.map((value, i) => ({ key: TEST02_ROWS[i]!.key, value, timestamp: TEST02_TIMESTAMPS[i]! })));
}

describe('corpus Elasticsearch / OpenSearch sink configs, end to end', () => {
  it('kafka-to-elasticsearch SINK_ELASTIC_TEST_03 (Avro keys and values, key.ignore=false, schema.ignore=false, behavior.on.null.values=delete): documents by key, the mapping from the Avro schema, a tombstone deletes', async () => {
    const topic = uniqueName('test01');
    await createTopic(topic, 1);
    // CREATE STREAM TEST01 (ALPHA VARCHAR KEY, COL1 INT, COL2 VARCHAR) WITH (FORMAT='AVRO'): a plain Avro string key.
    const rows = [['X', 1, 'FOO'], ['Y', 2, 'BAR'], ['Z', 1, 'WOO'], ['Y', 4, 'PFF']] as const;
    const keys = await avroFrames(`${topic}-key`, 'string', [...rows.map((r) => r[0]), 'Y']);
    const values = await avroValues(topic, ksqlSchema([['COL1', 'int'], ['COL2', 'string']]), rows.map(([, COL1, COL2]) => ({ COL1, COL2 })));
    // The README's tombstone: INSERT INTO TEST01_TOMBSTONE (ALPHA, COL1) VALUES ('Y', CAST(NULL AS VARCHAR)) with KEY_FORMAT='AVRO'.
    await produce(topic, [...values.map((value, i) => ({ key: keys[i]!, value })), { key: keys[4]!, value: null }]);
    await runFixture('demo-scene--SINK_ELASTIC_TEST_03.json', { topics: [topic], worker: KAFKA_TO_ELASTICSEARCH_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // As the README prints it after the tombstone.
    expect(await sources(topic)).toEqual(new Map([['X', { COL1: 1, COL2: 'FOO' }], ['Z', { COL1: 1, COL2: 'WOO' }]]));
    expect(await mappingOf(topic)).toEqual({ properties: { COL1: { type: 'integer' }, COL2: TEXT } });
    // Versioned by offset (external), as Confluent's sink writes keyed documents.
    expect((await allDocs(topic, ELASTICSEARCH)).get('Z')!.version).toBe(2);
  });

  it('kafka-to-elasticsearch SINK_ELASTIC_TEST_02_C (String keys, Avro values, TimestampConverter$Value to Timestamp): the epoch field mapped as date, the rest as the schema says', async () => {
    const topic = uniqueName('test02');
    await produceTest02(topic);
    await runFixture('demo-scene--SINK_ELASTIC_TEST_02_C.json', { topics: [topic], worker: KAFKA_TO_ELASTICSEARCH_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // The README's documents and mapping (ORDER_TS_EPOCH: JsonConverter writes a Timestamp as epoch milliseconds).
    expect(await sources(topic)).toEqual(new Map(TEST02_ROWS.map((r) => [r.key, r.value])));
    expect(await mappingOf(topic)).toEqual({ properties: { COL1: { type: 'integer' }, ORDER_TS_EPOCH: { type: 'date' }, SHIP_TS_STR: TEXT } });
  });

  it('kafka-to-elasticsearch SINK_ELASTIC_TEST_06 (RegexRouter then TimestampRouter, key.ignore=true, schema.ignore=true): the index is the routed topic with the record\'s day, the ids name the routed topic', async () => {
    const base = uniqueName('test');
    const topic = `${base}02`;
    await produceTest02(topic);
    await runFixture('demo-scene--SINK_ELASTIC_TEST_06.json', { topics: [topic], worker: KAFKA_TO_ELASTICSEARCH_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // test02 → foo-test (regex (.*)02) → foo-test-2020-05-04 (${topic}-${timestamp}, yyyy-MM-dd): the README's foo-test-2020-05-01.
    const index = `foo-${base}-2020-05-04`;
    // key.ignore=true: Confluent's id is record.topic() (after the transforms) + partition + offset.
    expect(await sources(index)).toEqual(new Map(TEST02_ROWS.map((r, i) => [`${index}+0+${i}`, r.value])));
    // schema.ignore=true: no mapping from the schema; Elasticsearch's dynamic mapping (the README's: long, long, date).
    expect(await mappingOf(index)).toEqual({ properties: { COL1: { type: 'long' }, ORDER_TS_EPOCH: { type: 'long' }, SHIP_TS_STR: { type: 'date' } } });
    expect((await search('HEAD', `/${topic}`, undefined, ELASTICSEARCH)).status).toBe(404);
  });

  it("Confluent's Elasticsearch sink quickstart (connect-standalone: connect-avro-standalone.properties + quickstart-elasticsearch.properties): a document per record under topic+partition+offset, the mapping from the Avro schema", async () => {
    const topic = uniqueName('test-elasticsearch-sink');
    await createTopic(topic, 1);
    // The quickstart's kafka-avro-console-producer schema and its three records.
    const schema = { type: 'record', name: 'myrecord', fields: [{ name: 'f1', type: 'string' }] };
    const rows = [{ f1: 'value1' }, { f1: 'value2' }, { f1: 'value3' }];
    await produce(topic, (await avroValues(topic, schema, rows)).map((value) => ({ key: null, value })));
    await runProperties('confluent-es--quickstart-elasticsearch.properties', topic, AVRO_STANDALONE_WORKER, ELASTICSEARCH);
    expect(await sources(topic)).toEqual(new Map(rows.map((r, i) => [`${topic}+0+${i}`, r])));
    expect(await mappingOf(topic)).toEqual({ properties: { f1: TEXT } });
  });

  it('ksql-atm-fraud-detection sink_elastic_ATM_POSSIBLE_FRAUD (JSON without schemas, key.ignore=true, an upper-case topic, topic.index.map): the index is the topic in lower case, the ids keep its case', async () => {
    const topic = uniqueName('ATM_POSSIBLE_FRAUD');
    await createTopic(topic, 1);
    // A row of the README's CREATE STREAM ATM_POSSIBLE_FRAUD AS SELECT ... (ksqlDB's JSON values).
    const row = {
      TX1_TIMESTAMP: 1541171218112, TX2_TIMESTAMP: 1541171429318, DISTANCE_BETWEEN_TXN_KM: 98.53795212209198, MILLISECONDS_DIFFERENCE: 211206,
      MINUTES_DIFFERENCE: 3.5201, KMH_REQUIRED: 1679.5719, ACCOUNT_ID: 'a42', TX1_TRANSACTION_ID: '7a8ac0d4-df8e-11e8-9ac7-0242ac12000f',
      TX2_TRANSACTION_ID: 'x7a8ac0d4-df8e-11e8-9ac7-0242ac12000f', TX1_AMOUNT: 20, TX2_AMOUNT: 400, TX1_ATM: 'HSBC', TX2_ATM: 'Halifax',
      TX1_LOCATION: '53.7916605,-1.5453173', TX2_LOCATION: '53.3836848,-2.9945681',
    };
    await produce(topic, [{ key: 'a42', value: JSON.stringify(row) }, { key: 'a42', value: JSON.stringify({ ...row, TX2_AMOUNT: 50 }) }]);
    const out = await runFixture('demo-scene--sink_elastic_ATM_POSSIBLE_FRAUD.json', { topics: [topic], worker: KAFKA_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // Confluent's sink since 11.0 ignores topic.index.map and lower-cases the topic itself: the same index here.
    expect(out).not.toMatch(/topic\.index\.map: .* not applied/);
    // key.ignore=true: the id is the topic as it is (upper case) + partition + offset.
    expect(await sources(topic.toLowerCase())).toEqual(new Map([[`${topic}+0+0`, row], [`${topic}+0+1`, { ...row, TX2_AMOUNT: 50 }]]));
  });

  it('kafka-scratch elastic-sink (debezium/connect 1.0 worker: JSON with schemas; unwrap, ExtractField$Key, schema.ignore and behavior.on.null.values at their defaults): the mapping from the Connect schema, deletes and tombstones dropped by the unwrap', async () => {
    const topic = uniqueName('dbserver1.inventory.customers');
    await createTopic(topic, 1);
    // The Debezium tutorial's inventory.customers rows (debezium/example-mysql), as change events through JsonConverter.
    const fields: ConnectField[] = [
      { field: 'id', type: 'int32', optional: false }, { field: 'first_name', type: 'string', optional: false },
      { field: 'last_name', type: 'string', optional: false }, { field: 'email', type: 'string', optional: false },
    ];
    const ev = new JsonEvents('dbserver1', 'customers', fields, 'inventory');
    const sally = { id: 1001, first_name: 'Sally', last_name: 'Thomas', email: 'sally.thomas@acme.com' };
    const george = { id: 1002, first_name: 'George', last_name: 'Bailey', email: 'gbailey@foobar.com' };
    const anne = { id: 1004, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' };
    await produce(topic, [
      ev.event('r', null, sally), ev.event('r', null, george), ev.event('r', null, anne),
      ev.event('u', anne, { ...anne, first_name: 'Anne Marie' }),
      // The tutorial's DELETE of 1004: the delete event and its tombstone, both dropped by ExtractNewRecordState's defaults.
      ev.event('d', { ...anne, first_name: 'Anne Marie' }, null), ev.tombstone(1004),
    ]);
    await runFixture('kafka-scratch--elastic-sink.json', { topics: [topic], worker: KAFKA_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // ExtractField$Key: the id is the key's id field as text; the deleted row stays (the unwrap dropped its delete).
    expect(await sources(topic)).toEqual(new Map([['1001', sally], ['1002', george], ['1004', { ...anne, first_name: 'Anne Marie' }]]));
    expect(await mappingOf(topic)).toEqual({ properties: { id: { type: 'integer' }, first_name: TEXT, last_name: TEXT, email: TEXT } });
  });

  it('message-broker elasticsearch-sink-connector (Debezium worker: JSON with schemas; unwrap keeping deletes as null values, ExtractField$Key, write.method=UPSERT, behavior.on.null.values=DELETE): upserts by id, the delete removes the document', async () => {
    const topic = uniqueName('mysql.inventory.user');
    await createTopic(topic, 1);
    // The demo's inventory.user table (mapping/user.sh: id integer, email text) as Debezium MySQL change events.
    const fields: ConnectField[] = [{ field: 'id', type: 'int32', optional: false }, { field: 'email', type: 'string', optional: true }];
    const ev = new JsonEvents('mysql', 'user', fields, 'inventory');
    await produce(topic, [
      ev.event('c', null, { id: 1, email: 'a@example.com' }), ev.event('c', null, { id: 2, email: 'b@example.com' }),
      ev.event('u', { id: 1, email: 'a@example.com' }, { id: 1, email: null }),
      ev.event('d', { id: 2, email: 'b@example.com' }, null), ev.tombstone(2),
      ev.event('c', null, { id: 3, email: 'c@example.com' }),
    ]);
    await runFixture('message-broker--elasticsearch-sink-connector.json', { topics: [topic], worker: KAFKA_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    // UPSERT: update with doc_as_upsert, the document's fields replaced by the record's (a null field is written as null).
    expect(await sources(topic)).toEqual(new Map([['1', { id: 1, email: null }], ['3', { id: 3, email: 'c@example.com' }]]));
    expect(await mappingOf(topic)).toEqual({ properties: { id: { type: 'integer' }, email: TEXT } });
    // Updates are not externally versioned: the cluster counts them (1 made, 2 updated).
    expect((await allDocs(topic, ELASTICSEARCH)).get('1')!.version).toBe(2);
  });

  it('maritime-ais SINK_ELASTIC_SHIP_STATUS_REPORTS_01 (Avro keys and values, topics.regex, RegexRouter to one index, schema.ignore=false, the demo\'s index template): the template\'s dynamic mapping is kept (geo_point, date), ids name the routed topic', async () => {
    const index = 'ship_status_reports';
    const template = uniqueName('rmoff_ais_01');
    await search('DELETE', `/${index}`, undefined, ELASTICSEARCH);
    // setup.adoc's index template (its index_patterns narrowed to the one index this test writes).
    const put = await search('PUT', `/_index_template/${template}`, { index_patterns: [index], template: { mappings: { dynamic_templates: [
      { locations: { match: '*_LOCATION', mapping: { type: 'geo_point' } } }, { dates: { match: '*_TS', mapping: { type: 'date' } } },
    ] } } }, ELASTICSEARCH);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    try {
      const topic = `${uniqueName('SHIP_STATUS_REPORTS')}.V00`;
      await createTopic(topic, 1);
      // Rows of the README's SHIP_STATUS_REPORTS stream (ksqlDB Avro: every field optional; SHIP_LOCATION a STRUCT<lat, lon>), keyed by MMSI.
      const schema = {
        type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: [
          { name: 'STATUS_TS', type: ['null', 'long'], default: null },
          { name: 'SHIP_LOCATION', type: ['null', { type: 'record', name: 'KsqlDataSourceSchema_SHIP_LOCATION', fields: [
            { name: 'lat', type: ['null', 'double'], default: null }, { name: 'lon', type: ['null', 'double'], default: null }] }], default: null },
          { name: 'STATUS_REPORT_STATUS_TEXT', type: ['null', 'string'], default: null },
          { name: 'SHIP_INFO_SHIPNAME', type: ['null', 'string'], default: null },
          { name: 'SHIP_INFO_DRAUGHT', type: ['null', 'double'], default: null },
          { name: 'SHIP_INFO_DESTINATION', type: ['null', { type: 'array', items: ['null', 'string'] }], default: null },
        ],
      };
      const rows = [
        { STATUS_TS: 1614253067000, SHIP_LOCATION: { lat: 61.773223, lon: 5.294023 }, STATUS_REPORT_STATUS_TEXT: 'Moored', SHIP_INFO_SHIPNAME: 'NCL AVEROY (CQHL)', SHIP_INFO_DRAUGHT: 7.5, SHIP_INFO_DESTINATION: ['SVELGEN'] },
        { STATUS_TS: 1614273405000, SHIP_LOCATION: { lat: 61.939807, lon: 5.143242 }, STATUS_REPORT_STATUS_TEXT: 'Under way using engine', SHIP_INFO_SHIPNAME: 'NCL AVEROY (CQHL)', SHIP_INFO_DRAUGHT: 7.5, SHIP_INFO_DESTINATION: ['FLORO'] },
      ];
      const keys = await avroFrames(`${topic}-key`, 'int', [257124880, 257124880]);
      const values = await avroFrames(`${topic}-value`, schema, rows);
      await produce(topic, values.map((value, i) => ({ key: keys[i]!, value })));
      await runFixture('demo-scene--SINK_ELASTIC_SHIP_STATUS_REPORTS_01.json', { topics: [topic], worker: KAFKA_TO_ELASTICSEARCH_WORKER, set: { 'connection.url': ELASTICSEARCH } });
      // key.ignore=true: record.topic() after the RegexRouter + partition + offset.
      expect(await sources(index)).toEqual(new Map(rows.map((r, i) => [`${index}+0+${i}`, r])));
      // Confluent's sink puts no mapping into an index that has one (the template's dynamic templates): as setup.adoc shows, geo_point and date.
      const props = (await mappingOf(index) as { properties: Record<string, unknown> }).properties;
      expect(props.SHIP_LOCATION).toEqual({ type: 'geo_point' });
      expect(props.STATUS_TS).toEqual({ type: 'date' });
      expect(props.SHIP_INFO_DRAUGHT).toEqual({ type: 'float' });
    } finally {
      await search('DELETE', `/_index_template/${template}`, undefined, ELASTICSEARCH);
    }
  });

  it('kstreams-live-update es-sink (Debezium worker: JSON with schemas; unwrap at its defaults, ExtractField$Key, schema.ignore=true, topic.index.map): the index is the topic in lower case, a ZonedTimestamp written as its text, deletes dropped by the unwrap', async () => {
    const topic = uniqueName('dbserver1.inventory.orders');
    await createTopic(topic, 1);
    // mysql-db/schema-update.sql's inventory.orders (ts TIMESTAMP: Debezium's ZonedTimestamp text; category_id, sales_price BIGINT).
    const fields: ConnectField[] = [
      { field: 'id', type: 'int32', optional: false }, { field: 'ts', type: 'string', optional: false, name: 'io.debezium.time.ZonedTimestamp' },
      { field: 'purchaser_id', type: 'int32', optional: false }, { field: 'product_id', type: 'int32', optional: false },
      { field: 'category_id', type: 'int64', optional: false }, { field: 'quantity', type: 'int32', optional: false },
      { field: 'sales_price', type: 'int64', optional: false },
    ];
    const ev = new JsonEvents('dbserver1', 'orders', fields, 'inventory');
    const o1 = { id: 100001, ts: '2019-03-06T10:15:30Z', purchaser_id: 1001, product_id: 102, category_id: 100001, quantity: 1, sales_price: 4500 };
    const o2 = { id: 100002, ts: '2019-03-06T10:15:31Z', purchaser_id: 1002, product_id: 105, category_id: 100003, quantity: 2, sales_price: 13400 };
    await produce(topic, [ev.event('c', null, o1), ev.event('c', null, o2), ev.event('u', o1, { ...o1, quantity: 3 }), ev.event('d', o2, null), ev.tombstone(100002)]);
    await runFixture('dbz-examples--kstreams-live-update-es-sink.json', { topics: [topic], worker: KAFKA_WORKER, set: { 'connection.url': ELASTICSEARCH } });
    const docs = await allDocs(topic, ELASTICSEARCH);
    expect(new Map([...docs].map(([id, d]) => [id, d.source]))).toEqual(new Map([['100001', { ...o1, quantity: 3 }], ['100002', o2]]));
    expect(docs.get('100001')!.version).toBe(2);
    // schema.ignore=true: Elasticsearch's dynamic mapping (the ISO text detected as a date, integers as long).
    expect(await mappingOf(topic)).toMatchObject({ properties: { ts: { type: 'date' }, id: { type: 'long' }, category_id: { type: 'long' } } });
  });
});
