// Corpus S3 sink configs end to end (test/fixtures/connect-configs/, sources in
// SOURCES.md): each run as published with the worker file its demo ran with,
// on the records its demo produces (or a faithful sample of them), and the
// objects read back with readers that share no code with Sluice (fastavro,
// pyarrow, JSON). What is asserted is what Confluent's S3 sink writes for the
// same records: object keys (topics.dir, partitioner path,
// <topic>+<partition>+<start offset, 10 digits>.<ext>) and contents. Files are
// closed as the configs close them: flush.size (counted across the files a
// topic partition has open, TopicPartitionWriter.rotateOnSize) or
// rotate.interval.ms on record time, never on a wall clock. Only the topic,
// the bucket/endpoint and topics.dir change (topics.dir through the environment).
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readObjects, readParquet } from './s3-support.js';
import { avroValues, KAFKA_WORKER, runFixture, s3Env } from './corpus-support.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import avro from 'avsc';
import { envelope, type ConnectField } from './postgres-helpers.js';

const WORKERS = path.resolve(__dirname, '../fixtures/connect-workers');
const RAIL_WORKER = path.join(WORKERS, 'demo-scene-rail.properties');
const APACHEKAFKATEST_WORKER = path.join(WORKERS, 'apachekafkatest-s3.properties');
const KAFKA_TO_S3_WORKER = path.join(WORKERS, 'demo-scene-kafka-to-s3.properties');
const pad = (n: number) => String(n).padStart(10, '0');
const lines = (text: string) => text.split('\n').filter(Boolean);

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('corpus S3 sink configs, end to end', () => {
  it('kafka-cluster-poc json_converter (StringConverter keys, schemaless JsonConverter, JsonFormat, flush.size=10): twenty RabbitMQ subscription events in two objects of ten lines, keys ordered as Connect\'s HashMap writes them', async () => {
    const topic = uniqueName('subscriptions_ibm');
    await createTopic(topic, 1);
    // The demo's producers/with-basic-properties.producer.py payload, ten per run (run twice),
    // copied into Kafka by the IBM RabbitMQ source as its bytes, the message_id as key.
    const payload = '{ "type": "customer.subscription.created", "producer": "intfood", "payload": { "country": "US", "customer_id": "37416437", "customer_uuid": "67feebee-8120-4966-8203-43ca39e3db38", "email": "test@outlook.com", "subscription": { "id": "16934765", "product_sku": "US-CBT8-4-2-0", "product_family": "classic-box-t8", "unit_price": "71.92", "canceled_at": null, "delivery_time": "US-7-0800-2000", "delivery_interval": "1", "delivery_start": "2021-11-07", "voucher_code": null, "customer_id": "37416437", "paused_at": null, "preset": "fit", "established_at": "2021-11-02T02:54:18-07:00", "id_sales_order_item": "163317310", "billing_address": { "id": "53044029", "first_name": "Test", "last_name": "Test", "phone": "1111111111", "cell_phone": null, "address1": "test St 1", "address1_no": null, "address1_street": null, "address2": null, "address2_comment": null, "address2_comment2": null, "postcode": "10000", "city": "New York", "city_code": null, "neighborhood": null, "other_delivery_instructions": null }, "shipping_address": { "id": "53044030", "first_name": "test", "last_name": "test", "phone": "1111111111", "cell_phone": null, "address1": "Test St 1", "address1_no": null, "address1_street": null, "address2": null, "address2_comment": null, "address2_comment2": null, "postcode": "10000", "city": "New York", "city_code": null, "neighborhood": null, "other_delivery_instructions": null } }, "order_nr": "2773738959", "order_coupon_code": null }, "timestamp": "2021-11-02T09:54:20.288482Z", "timestamp_string": "2021-11-02T02:54:20.000000-0700", "event_uuid": "403881ba-daad-431d-8af1-e615e5476880" }';
    await produce(topic, Array.from({ length: 20 }, (_, i) => ({ key: String(i % 10), value: payload })));
    const topicsDir = uniqueName('corpus_s3poc');
    await runFixture('kafka-cluster-poc--json_converter.json', { topics: [topic], worker: KAFKA_WORKER, env: s3Env(topicsDir) });
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([0, 10].map((o) => `${topicsDir}/${topic}/partition=0/${topic}+0+${pad(o)}.json`));
    // The line Kafka Connect writes: JsonConverter (schemas.enable=false) reads the object into a
    // java.util.HashMap, which JsonFormat's Jackson writes in the map's own order. Generated with
    // test/fixtures/s3-json-confluent/Gen.java against Apache Kafka 4.1.2's connect-json.
    const connectLine = '{"payload":{"country":"US","customer_uuid":"67feebee-8120-4966-8203-43ca39e3db38","order_nr":"2773738959","order_coupon_code":null,"subscription":{"product_family":"classic-box-t8","canceled_at":null,"established_at":"2021-11-02T02:54:18-07:00","voucher_code":null,"id_sales_order_item":"163317310","billing_address":{"address1_street":null,"address2":null,"city":"New York","address1":"test St 1","address2_comment":null,"postcode":"10000","last_name":"Test","city_code":null,"other_delivery_instructions":null,"cell_phone":null,"phone":"1111111111","address2_comment2":null,"id":"53044029","address1_no":null,"neighborhood":null,"first_name":"Test"},"delivery_time":"US-7-0800-2000","preset":"fit","unit_price":"71.92","delivery_interval":"1","product_sku":"US-CBT8-4-2-0","paused_at":null,"id":"16934765","delivery_start":"2021-11-07","shipping_address":{"address1_street":null,"address2":null,"city":"New York","address1":"Test St 1","address2_comment":null,"postcode":"10000","last_name":"test","city_code":null,"other_delivery_instructions":null,"cell_phone":null,"phone":"1111111111","address2_comment2":null,"id":"53044030","address1_no":null,"neighborhood":null,"first_name":"test"},"customer_id":"37416437"},"customer_id":"37416437","email":"test@outlook.com"},"producer":"intfood","type":"customer.subscription.created","event_uuid":"403881ba-daad-431d-8af1-e615e5476880","timestamp":"2021-11-02T09:54:20.288482Z","timestamp_string":"2021-11-02T02:54:20.000000-0700"}';
    for (const o of objects) expect(o.text).toBe(`${connectLine}\n`.repeat(10));
  });

  it('codemia s3-sink-timebased (worker JSON with schemas; JsonFormat, hourly TimeBasedPartitioner on the record timestamp, flush.size=1000): records of two hours interleaved close both files at the 1000th record', async () => {
    const topic = uniqueName('orders');
    await createTopic(topic, 1);
    const fields: ConnectField[] = [
      { field: 'order_id', type: 'string', optional: false }, { field: 'amount', type: 'double', optional: false }, { field: 'status', type: 'string', optional: true },
    ];
    const at10 = Date.UTC(2024, 2, 5, 10, 15, 0);
    const at11 = Date.UTC(2024, 2, 5, 11, 45, 0);
    // Even offsets in 10:xx, odd ones in 11:xx: two files open at once, each with its own start offset.
    const rows = Array.from({ length: 1000 }, (_, i) => ({ order_id: `o${i}`, amount: i % 4 === 0 ? i : i + 0.5, status: i % 7 === 0 ? null : 'NEW' }));
    await produce(topic, rows.map((r, i) => ({ key: JSON.stringify({ schema: { type: 'string', optional: false }, payload: r.order_id }), value: envelope(fields, r), timestamp: (i % 2 === 0 ? at10 : at11) + i })));
    const topicsDir = uniqueName('corpus_s3cod');
    await runFixture('codemia--s3-sink-timebased.json', { topics: [topic], worker: KAFKA_WORKER, env: s3Env(topicsDir) });
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    // path.format 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH in UTC; flush.size counts the records of
    // every file the partition has open, so both close together and nothing is left behind.
    expect(objects.map((o) => o.key)).toEqual([
      `${topicsDir}/${topic}/year=2024/month=03/day=05/hour=10/${topic}+0+${pad(0)}.json`,
      `${topicsDir}/${topic}/year=2024/month=03/day=05/hour=11/${topic}+0+${pad(1)}.json`,
    ]);
    // A Struct goes through JsonConverter (schemas.enable=false): fields in schema order, a double as Java prints it (4.0).
    const json = (r: (typeof rows)[number]) => `{"order_id":"${r.order_id}","amount":${Number.isInteger(r.amount) ? `${r.amount}.0` : r.amount},"status":${r.status === null ? 'null' : `"${r.status}"`}}`;
    expect(lines(objects[0]!.text!)).toEqual(rows.filter((_, i) => i % 2 === 0).map(json));
    expect(lines(objects[1]!.text!)).toEqual(rows.filter((_, i) => i % 2 === 1).map(json));
  });

  it('ApacheKafkaTest s3-servers-logs-access (worker: String keys, Avro values; Parquet snappy, DailyPartitioner in Europe/Rome on generation_time, rotate.interval.ms=1h, flush.size=1000): a Rome midnight rotates, then flush.size', async () => {
    const topic = uniqueName('servers.logs.access');
    await createTopic(topic, 1);
    // The demo producer's access_log schema (producer_service/.../access_log_schema.avsc), by its AvroSerializer.
    const schema = { name: 'access_log', type: 'record', fields: [
      { name: 'server_id', type: 'string' },
      { name: 'generation_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'request_method', type: 'string' },
      { name: 'user_ip', type: 'string' },
      { name: 'username', type: ['string', 'null'] },
      { name: 'response_status_code', type: 'int' },
      { name: 'request_url', type: 'string' },
      { name: 'response_dim', type: 'int' },
      { name: 'user_agent', type: 'string' },
    ] };
    // 22:40Z and 22:50Z are 23:40/23:50 on 5 March in Rome (UTC+1); from 23:05Z it is 6 March there.
    const nextDay = Date.UTC(2024, 2, 5, 23, 5);
    const times = [Date.UTC(2024, 2, 5, 22, 40), Date.UTC(2024, 2, 5, 22, 50), ...Array.from({ length: 1000 }, (_, i) => nextDay + i * 1000)];
    const rows = times.map((t, i) => ({
      server_id: `server-${i % 3}`, generation_time: t, request_method: i % 5 === 0 ? 'POST' : 'GET', user_ip: `10.0.${i % 256}.${(i * 7) % 256}`,
      username: i % 4 === 0 ? null : `user${i}`, response_status_code: i % 9 === 0 ? 404 : 200, request_url: `/api/items/${i}`, response_dim: 512 + i, user_agent: 'Mozilla/5.0',
    }));
    // avsc without logical-type hooks encodes timestamp-millis from the epoch milliseconds.
    const values = await avroValues(topic, schema, rows);
    await produce(topic, values.map((value, i) => ({ key: rows[i]!.server_id, value })));
    const topicsDir = uniqueName('corpus_s3akt');
    await runFixture('apachekafkatest--s3-servers-logs-access.json', { topics: [topic], worker: APACHEKAFKATEST_WORKER, env: s3Env(topicsDir) });
    // The record at 23:05Z falls in another day of Rome: with rotate.interval.ms set, a new encoded
    // partition rotates (TopicPartitionWriter.rotateOnTime), so the first file holds offsets 0-1; the
    // second closes at flush.size=1000 (offsets 2-1001). parquet.codec=snappy: .snappy.parquet.
    const files = await readParquet(`${topicsDir}/${topic}/`);
    expect(files.map((f) => [f.key, f.rows, f.codec])).toEqual([
      [`${topicsDir}/${topic}/year=2024/month=03/day=05/${topic}+0+${pad(0)}.snappy.parquet`, 2, 'SNAPPY'],
      [`${topicsDir}/${topic}/year=2024/month=03/day=06/${topic}+0+${pad(2)}.snappy.parquet`, 1000, 'SNAPPY'],
    ]);
    // Confluent's parquet-avro writes timestamp-millis as TIMESTAMP(MILLIS); Sluice writes every
    // timestamp as TIMESTAMP(MICROS, UTC) on purpose (native-notes/s3-parquet-sink.md, Types): the same instants.
    expect(files[0]!.schema).toEqual([
      ['server_id', 'string'], ['generation_time', 'timestamp[us, tz=UTC]'], ['request_method', 'string'], ['user_ip', 'string'], ['username', 'string'],
      ['response_status_code', 'int32'], ['request_url', 'string'], ['response_dim', 'int32'], ['user_agent', 'string'],
    ]);
    const expected = rows.map((r) => ({ ...r, generation_time: { $timestamp: new Date(r.generation_time).toISOString().replace('Z', '000+00:00') } }));
    expect(files.flatMap((f) => f.data)).toEqual(expected);
  });

  it('demo-scene rail sink-s3-train-movements-v00 (worker: Avro; String keys; AvroFormat, daily TimeBasedPartitioner on the record timestamp, flush.size=65536): 65536 ksqlDB rows over two days in one object per day', async () => {
    const topic = uniqueName('TRAIN_MOVEMENTS_ACTIVATIONS_SCHEDULE_00');
    await createTopic(topic, 1);
    // ksqlDB's value schema for the stream (VALUE_FORMAT AVRO: KsqlDataSourceSchema, every column
    // nullable), a sample of its columns: the strings EXTRACTJSONFIELD gives and ACTUAL_TIMESTAMP, a
    // BIGINT that is also the record timestamp (TRAIN_MOVEMENTS_01 WITH (TIMESTAMP='ACTUAL_TIMESTAMP')).
    const columns = ['TRAIN_ID', 'EVENT_TYPE', 'GBTT_TIMESTAMP', 'PLANNED_TIMESTAMP', 'TIMETABLE_VARIATION', 'VARIATION', 'LOC_STANOX', 'ACTUAL_TIMESTAMP', 'TOC', 'PLATFORM', 'LOC_NLCDESC', 'MSG_KEY'];
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: columns.map((name) => ({ name, type: ['null', name === 'ACTUAL_TIMESTAMP' ? 'long' : 'string'], default: null })) };
    const day1 = Date.UTC(2019, 5, 23, 6, 0);
    const day2 = Date.UTC(2019, 5, 24, 6, 0);
    const rows = Array.from({ length: 65536 }, (_, i) => {
      const actual = (i % 3 === 2 ? day2 : day1) + (i % 40_000) * 1000;
      const trainId = `${String(10 + (i % 80)).padStart(2, '0')}1S${i % 10}${'ABCDEFGH'[i % 8]}MJ${i % 28}`;
      const stanox = String(17000 + (i % 500));
      return {
        TRAIN_ID: trainId, EVENT_TYPE: i % 2 === 0 ? 'ARRIVAL' : 'DEPARTURE', GBTT_TIMESTAMP: i % 5 === 0 ? null : String(actual - 60_000), PLANNED_TIMESTAMP: String(actual - 30_000),
        TIMETABLE_VARIATION: String(i % 12), VARIATION: `${i % 12} MINS LATE`, LOC_STANOX: stanox, ACTUAL_TIMESTAMP: actual, TOC: i % 3 === 0 ? 'Northern Trains' : 'TransPennine Express',
        PLATFORM: i % 6 === 0 ? null : String(i % 4 + 1), LOC_NLCDESC: i % 2 === 0 ? 'ILKLEY' : 'LEEDS', MSG_KEY: `${trainId}${actual}${stanox}`,
      };
    });
    const values = await avroValues(topic, schema, rows);
    await produce(topic, values.map((value, i) => ({ key: rows[i]!.MSG_KEY, value, timestamp: rows[i]!.ACTUAL_TIMESTAMP })));
    const topicsDir = uniqueName('corpus_s3tm');
    await runFixture('demo-scene--sink-s3-train-movements-v00.json', { topics: [topic], worker: RAIL_WORKER, env: s3Env(topicsDir) });
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    // 'year'=YYYY/'month'=MM/'day'=dd in UTC; the 65536th record closes both days' files at once.
    expect(objects.map((o) => o.key)).toEqual([
      `${topicsDir}/${topic}/year=2019/month=06/day=23/${topic}+0+${pad(0)}.avro`,
      `${topicsDir}/${topic}/year=2019/month=06/day=24/${topic}+0+${pad(2)}.avro`,
    ]);
    expect(objects[0]!.records).toEqual(rows.filter((_, i) => i % 3 !== 2));
    expect(objects[1]!.records).toEqual(rows.filter((_, i) => i % 3 === 2));
    for (const o of objects) {
      expect(o.codec).toBe('null');
      expect(JSON.parse(o.schema_text!)).toMatchObject(schema);
    }
  });

  it('demo-scene rail sink-s3-tiploc-v00 (worker: Avro; String keys; AvroFormat, DefaultPartitioner, flush.size=65536): 65536 TIPLOC rows in one object', async () => {
    const topic = uniqueName('TIPLOC_FLAT_KEYED');
    await createTopic(topic, 1);
    // 01_schedule_raw.ksql: CREATE STREAM TIPLOC_FLAT_KEYED WITH (VALUE_FORMAT='AVRO') AS SELECT the
    // TiplocV1 columns … PARTITION BY TIPLOC_CODE: ksqlDB's nullable-column schema, the code as a string key.
    const columns = ['TRANSACTION_TYPE', 'TIPLOC_CODE', 'NALCO', 'STANOX', 'CRS_CODE', 'DESCRIPTION', 'TPS_DESCRIPTION'];
    const schema = { type: 'record', name: 'KsqlDataSourceSchema', namespace: 'io.confluent.ksql.avro_schemas', fields: columns.map((name) => ({ name, type: ['null', 'string'], default: null })) };
    // The README's ILKLEY row first, then rows of the same shape.
    const rows = Array.from({ length: 65536 }, (_, i) => i === 0
      ? { TRANSACTION_TYPE: 'Create', TIPLOC_CODE: 'ILKLEY', NALCO: '856800', STANOX: '17055', CRS_CODE: 'ILK', DESCRIPTION: 'ILKLEY', TPS_DESCRIPTION: 'ILKLEY' }
      : { TRANSACTION_TYPE: 'Create', TIPLOC_CODE: `TPL${i}`, NALCO: String(100000 + i), STANOX: i % 4 === 0 ? null : String(10000 + (i % 80000)), CRS_CODE: i % 3 === 0 ? null : `C${i % 1000}`, DESCRIPTION: i % 5 === 0 ? null : `PLACE ${i}`, TPS_DESCRIPTION: `PLACE ${i} JN` });
    const values = await avroValues(topic, schema, rows);
    await produce(topic, values.map((value, i) => ({ key: rows[i]!.TIPLOC_CODE, value })));
    const topicsDir = uniqueName('corpus_s3tip');
    await runFixture('demo-scene--sink-s3-tiploc-v00.json', { topics: [topic], worker: RAIL_WORKER, env: s3Env(topicsDir) });
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([`${topicsDir}/${topic}/partition=0/${topic}+0+${pad(0)}.avro`]);
    expect(objects[0]!.records).toEqual(rows);
    expect(JSON.parse(objects[0]!.schema_text!)).toMatchObject(schema);
    // Nothing else under topics.dir but Sluice's own set marker.
    expect((await listObjects(`${topicsDir}/`)).map((o) => o.key).filter((k) => !k.startsWith(`${topicsDir}/_sluice/`))).toEqual([objects[0]!.key]);
  });

  it('demo-scene kafka-to-s3 sink-s3-voluble (worker: Avro keys and values; String keys in the connector; InsertField$Value _offset/_partition; AvroFormat, flush.size=65536): the cats with their partition and offset in one object', async () => {
    const topic = uniqueName('cats');
    await createTopic(topic, 1);
    // Voluble's cats (genk.cats.name.with, genv.cats.owner.matching owners.key): unnamed Connect structs,
    // which the source worker's AvroConverter registers as io.confluent.connect.avro.ConnectDefault.
    const keySchema = { type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro', fields: [{ name: 'name', type: ['null', 'string'], default: null }] };
    const valueSchema = { type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro', fields: [{ name: 'owner', type: ['null', 'string'], default: null }] };
    const keyId = await registerSchema(`${topic}-key`, keySchema);
    const keyType = avro.Type.forSchema(keySchema as avro.Schema);
    const owners = Array.from({ length: 65536 }, (_, i) => `${(0x10000000 + i * 7919).toString(16)}-8120-4966-8203-${String(i).padStart(12, '0')}`);
    const values = await avroValues(topic, valueSchema, owners.map((owner) => ({ owner })));
    // The sink reads these Avro keys with the connector's StringConverter (bytes that are not all UTF-8): Connect decodes them anyway.
    await produce(topic, values.map((value, i) => ({ key: confluentFrame(keyId, keyType.toBuffer({ name: `Whiskers ${i}` })), value })));
    const topicsDir = uniqueName('corpus_s3vol');
    await runFixture('demo-scene--sink-s3-voluble.json', { topics: [topic], worker: KAFKA_TO_S3_WORKER, env: s3Env(topicsDir) });
    const objects = await readObjects(`${topicsDir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([`${topicsDir}/${topic}/partition=0/${topic}+0+${pad(0)}.avro`]);
    // InsertField adds the partition then the offset field, both optional (no "!" suffix): ["null", int/long].
    expect(objects[0]!.records).toEqual(owners.map((owner, i) => ({ owner, _partition: 0, _offset: i })));
    expect(JSON.parse(objects[0]!.schema_text!)).toMatchObject({
      type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro',
      fields: [{ name: 'owner', type: ['null', 'string'], default: null }, { name: '_partition', type: ['null', 'int'], default: null }, { name: '_offset', type: ['null', 'long'], default: null }],
    });
  });
});
