// JsonFormat and AvroFormat end to end: Kafka → Sluice → MinIO, read back by
// an independent reader (s3-read-records.py: gzip/json from Python's
// standard library, fastavro for Avro container files). Object names as
// Confluent's sink writes them, exact values, files closed on a schema
// change (schema.compatibility=NONE), tombstones per behavior.on.null.values,
// object tags, and exactly-once across a set cut short.
import { DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, S3_BUCKET, uniqueName, waitFor } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, readObjects, runS3ToEnd, s3, s3Connector } from './s3-support.js';


beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

/** Runs Sluice until every offset is committed, then stops it. */
function runToEnd(topic: string, dir: string, name: string, extra: Record<string, unknown>): Promise<string> {
  return runS3ToEnd(topic, dir, extra, name);
}

const pad = (n: number) => String(n).padStart(10, '0');

const ORDER = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'at_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'ratio', type: 'float' },
    { name: 'score', type: 'double' },
    { name: 'raw', type: 'bytes' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'inner', type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }], default: null },
  ],
};

function order(i: number) {
  return {
    id: i === 3 ? 2n ** 60n + 1n : i,
    name: `order "${i}" ü\n`,
    // unscaled 12345 + i (big-endian two's complement), -i for odd i
    amount: (() => { const v = i % 2 ? -(12345 + i) : 12345 + i; const b = Buffer.alloc(3); b.writeIntBE(v, 0, 3); return b; })(),
    at: 1_700_000_000_000 + i,
    at_us: 1_700_000_000_000_001n + BigInt(i),
    day: 19_000 + i,
    ratio: 0.25 * i,
    score: i === 2 ? 1e-5 : 1000 * i,
    raw: Buffer.from([i, 0xff, 0]),
    tags: i % 2 ? [] : [`t${i}`],
    attrs: { n: i },
    inner: i % 3 === 0 ? null : { x: -i },
  };
}

/** The line Confluent's JsonFormat writes for order(i) (JsonConverter, decimal.format=BASE64). */
function orderLine(i: number): string {
  const o = order(i);
  const unscaled = i % 2 ? -(12345 + i) : 12345 + i;
  // BigInteger.toByteArray: 12345+i needs 2 bytes either way here.
  const dec = Buffer.alloc(2);
  dec.writeIntBE(unscaled, 0, 2);
  const score = i === 2 ? '1.0E-5' : `${1000 * i}.0`;
  const ratio = `${0.25 * i}`.includes('.') ? `${0.25 * i}` : `${0.25 * i}.0`;
  return `{"id":${String(o.id)},"name":${JSON.stringify(o.name)},"amount":"${dec.toString('base64')}","at":${o.at},"at_us":${o.at_us},"day":${o.day},` +
    `"ratio":${ratio},"score":${score},"raw":"${o.raw.toString('base64')}","tags":${JSON.stringify(o.tags)},"attrs":{"n":${i}},"inner":${o.inner ? `{"x":${-i}}` : 'null'}}\n`;
}

describe('S3 sink JsonFormat and AvroFormat, read back by Python', () => {
  it('JsonFormat + gzip: Confluent object names (.json.gz), exact JsonConverter lines, two files per partition by flush.size', async () => {
    const topic = uniqueName('s3_json');
    const dir = uniqueName('it');
    await createTopic(topic, 2);
    const id = await registerSchema(`${topic}-value`, ORDER);
    // Sluice's own Avro type only to produce: longs beyond 2^53 as BigInt.
    const type = avroType(ORDER);
    const messages: TestMessage[] = [];
    for (let i = 0; i < 8; i++) messages.push({ value: confluentFrame(id, type.toBuffer(order(i))), partition: i % 2 });
    await produce(topic, messages);
    await runToEnd(topic, dir, uniqueName('s3'), {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
      's3.compression.type': 'gzip', 'flush.size': '2', 'schema.compatibility': 'NONE',
    });
    const objects = await readObjects(`${dir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([0, 1].flatMap((p) => [0, 2].map((start) => `${dir}/${topic}/partition=${p}/${topic}+${p}+${pad(start)}.json.gz`)));
    for (const o of objects) {
      const p = Number(/partition=(\d)/.exec(o.key)![1]);
      const start = Number(/\+(\d{10})\.json\.gz$/.exec(o.key)![1]);
      // Partition p holds records p, p+2, p+4, p+6 at offsets 0..3.
      const lines = [start, start + 1].map((offset) => orderLine(p + 2 * offset)).join('');
      expect(o.gzip, o.key).toBe(true);
      expect(o.text, o.key).toBe(lines);
    }
  });

  it('AvroFormat from Connect JSON envelopes: a schema change closes the file (NONE); tombstones skipped with ignore; values exact in fastavro', async () => {
    const topic = uniqueName('s3_avro');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const schemaA = { type: 'struct', fields: [
      { field: 'id', type: 'int64' },
      { field: 'price', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '9' } },
      { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
      { field: 'note', type: 'string', optional: true },
    ] };
    const schemaB = { ...schemaA, fields: [...schemaA.fields, { field: 'qty', type: 'int32', optional: true }] };
    const env = (schema: object, payload: object) => JSON.stringify({ schema, payload });
    const messages: TestMessage[] = [
      { value: env(schemaA, { id: 0, price: 'MDk=', at: 1_700_000_000_000, note: 'a' }) },
      { value: env(schemaA, { id: 1, price: '/w==', at: 1_700_000_000_001, note: null }) },
      { value: null },
      { value: env(schemaB, { id: 3, price: 'AQ==', at: 1_700_000_000_003, note: 'b', qty: 7 }) },
      { value: env(schemaB, { id: 4, price: 'AA==', at: 1_700_000_000_004, note: null, qty: null }) },
      { value: env(schemaA, { id: 5, price: 'AQAA', at: 1_700_000_000_005, note: 'c' }) },
    ];
    await produce(topic, messages);
    await runToEnd(topic, dir, uniqueName('s3'), {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
      'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat', 'avro.codec': 'deflate', 'flush.size': '100',
      'behavior.on.null.values': 'ignore', 'rotate.schedule.interval.ms': '1000',
    });
    const objects = await readObjects(`${dir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([0, 3, 5].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.avro`));
    expect(objects.map((o) => o.codec)).toEqual(['deflate', 'deflate', 'deflate']);
    const dec = (unscaled: string) => ({ $decimal: unscaled });
    const at = (ms: number) => ({ $micros: String(ms * 1000) });
    expect(objects.map((o) => o.records)).toEqual([
      [{ id: 0, price: dec('123.45'), at: at(1_700_000_000_000), note: 'a' }, { id: 1, price: dec('-0.01'), at: at(1_700_000_000_001), note: null }],
      [{ id: 3, price: dec('0.01'), at: at(1_700_000_000_003), note: 'b', qty: 7 }, { id: 4, price: dec('0.00'), at: at(1_700_000_000_004), note: null, qty: null }],
      [{ id: 5, price: dec('655.36'), at: at(1_700_000_000_005), note: 'c' }],
    ]);
    expect(JSON.stringify(objects[1]!.schema)).toContain('ConnectDefault');
  });

  it('AvroFormat from Avro with snappy: the writer schema kept, bytes/decimals/long timestamps exact; objects tagged with their offsets', async () => {
    const topic = uniqueName('s3_avro_native');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const id = await registerSchema(`${topic}-value`, ORDER);
    const type = avroType(ORDER);
    const N = 5;
    await produce(topic, Array.from({ length: N }, (_, i) => ({ value: confluentFrame(id, type.toBuffer({ ...order(i), id: i })) })));
    await runToEnd(topic, dir, uniqueName('s3'), {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat', 'avro.codec': 'snappy', 'flush.size': '3',
      's3.object.tagging': 'true', 's3.object.tagging.key.value.pairs': 'team:data', 'rotate.schedule.interval.ms': '1000',
    });
    const objects = await readObjects(`${dir}/${topic}/`);
    expect(objects.map((o) => o.key)).toEqual([0, 3].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.avro`));
    expect(objects[0]!.codec).toBe('snappy');
    expect(JSON.stringify(objects[0]!.schema)).toContain('Order');
    const records = objects.flatMap((o) => o.records!);
    expect(records.map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
    expect(records[3]).toMatchObject({ name: 'order "3" ü\n', amount: { $decimal: '-123.48' }, raw: { $bytes: Buffer.from([3, 0xff, 0]).toString('base64') }, tags: [], attrs: { n: 3 }, inner: null, day: { $days: 19_003 }, at: { $micros: '1700000000003000' }, at_us: { $micros: '1700000000000004' } });
    expect(records[4]).toMatchObject({ amount: { $decimal: '123.49' }, inner: { x: -4 }, score: 4000, ratio: 1 });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: S3_BUCKET, Key: objects[1]!.key }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({ startOffset: '3', endOffset: '4', recordCount: '2', team: 'data' });
  });

  it('exactly-once with JsonFormat: a set cut short is deleted and written again on restart, every line once', async () => {
    const topic = uniqueName('s3_json_eos');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const N = 300;
    await produce(topic, Array.from({ length: N }, (_, i) => ({ value: JSON.stringify({ id: i, kind: ['a', 'b', 'c'][i % 3] }) })));
    const name = uniqueName('s3');
    const config = {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'flush.size': '100',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner', 'partition.field.name': 'kind',
    };
    await runToEnd(topic, dir, name, config);
    const before = (await listObjects(`${dir}/${topic}/`)).length;
    const marker = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}/_sluice/${topic}/0.json` }))).Body!.transformToString()) as { start: number; keys: string[] };
    expect(marker.start).toBe(200);
    // Each file is named by its own first offset: 200 is kind c, 201 a, 202 b.
    expect([...marker.keys].sort()).toEqual([['a', 201], ['b', 202], ['c', 200]].map(([k, o]) => `${dir}/${topic}/kind=${k}/${topic}+0+${pad(o as number)}.json`));
    await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: marker.keys[1]! }));

    const file = writeConnector(s3Connector(topic, dir, config), name);
    const again = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      await again.waitForLine(/was not fully uploaded/, 60_000);
      await waitFor('the set written again', async () => (await listObjects(`${dir}/${topic}/`)).length === before, 60_000, 300);
    } finally {
      expect((await again.stop('SIGTERM')).code, again.output().slice(-3000)).toBe(0);
    }
    const lines = (await readObjects(`${dir}/${topic}/`)).flatMap((o) => o.text!.split('\n').filter(Boolean));
    expect(lines.map((l) => (JSON.parse(l) as { id: number }).id).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    // Schemaless objects come out in java.util.HashMap key order, as Kafka Connect's JsonConverter reads them.
    expect(lines).toContain('{"kind":"b","id":250}');
    await deletePrefix(`${dir}/`);
  });
});
