// The local stack is real: each service answers its own protocol.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import Kafka from '@confluentinc/kafka-javascript';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { withPg } from '../helpers/pg.js';
import { confluentFrame, registerSchema, schemaById } from '../helpers/registry.js';
import { KAFKA, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import avro from 'avsc';
import { ELASTICSEARCH, OPENSEARCH } from '../helpers/opensearch.js';

describe('local stack', () => {
  it('Kafka: produce and consume a message', async () => {
    const topic = uniqueName('smoke');
    await createTopic(topic, 1);
    await produce(topic, [{ key: 'k1', value: 'hello sluice' }]);
    const kafka = new Kafka.KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: Kafka.KafkaJS.logLevel.ERROR } });
    const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('smoke-group'), fromBeginning: true } });
    await consumer.connect();
    await consumer.subscribe({ topic });
    const got = await new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve({ key: String(message.key), value: String(message.value) }) });
    });
    await consumer.disconnect();
    expect(got).toEqual({ key: 'k1', value: 'hello sluice' });
  });

  it('PostgreSQL: COPY rows into a table', async () => {
    const table = uniqueName('smoke');
    await withPg(async (c) => {
      await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      const rows = Array.from({ length: 1000 }, (_, i) => `${i}\tname-${i}\n`).join('');
      await pipeline(Readable.from([rows]), c.query(copyFrom(`COPY ${table} FROM STDIN`)));
      const r = await c.query(`SELECT count(*)::int AS n, max(name) AS m FROM ${table}`);
      expect(r.rows[0]).toEqual({ n: 1000, m: 'name-999' });
      await c.query(`DROP TABLE ${table}`);
    });
  });

  it('S3: put and get an object, and a multipart upload', async () => {
    const s3 = new S3Client({ endpoint: S3_URL, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY } });
    await s3.send(new CreateBucketCommand({ Bucket: S3_BUCKET })).catch((e: Error) => {
      if (!/BucketAlready/.test(e.name)) throw e;
    });
    const key = `smoke/${uniqueName('obj')}.txt`;
    await s3.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: key, Body: 'hello s3' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }));
    expect(await got.Body!.transformToString()).toBe('hello s3');

    const big = randomBytes(12 * 1024 * 1024);
    const mkey = `smoke/${uniqueName('multipart')}.bin`;
    const upload = new Upload({ client: s3, params: { Bucket: S3_BUCKET, Key: mkey, Body: big }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    let parts = 0;
    upload.on('httpUploadProgress', () => parts++);
    await upload.done();
    const head = await s3.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: mkey }));
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/-3"$/); // a multipart ETag names its part count
    const back = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: mkey }))).Body!.transformToByteArray());
    expect(back.equals(big)).toBe(true);
    expect(parts).toBeGreaterThanOrEqual(3);
    s3.destroy();
  });

  it('Schema Registry: register and fetch an Avro schema', async () => {
    const subject = `${uniqueName('smoke')}-value`;
    const schema = { type: 'record', name: 'Smoke', fields: [{ name: 'id', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }] };
    const id = await registerSchema(subject, schema);
    expect(await registerSchema(subject, schema)).toBe(id);
    const fetched = JSON.parse(await schemaById(id));
    expect(fetched.name).toBe('Smoke');
    const type = avro.Type.forSchema(fetched);
    const framed = confluentFrame(id, type.toBuffer({ id: 7, note: 'x' }));
    expect(framed.readUInt32BE(1)).toBe(id);
    expect(type.fromBuffer(framed.subarray(5))).toEqual({ id: 7, note: 'x' });
  });

  it.each([
    { url: OPENSEARCH, distribution: 'opensearch', version: /^2\./ },
    { url: ELASTICSEARCH, distribution: undefined, version: /^7\.17\./ },
  ])('$url: a single search node that indexes and finds a document', async ({ url, distribution, version }) => {
    const info = (await (await fetch(url)).json()) as { version: { number: string; distribution?: string } };
    expect(info.version.distribution).toBe(distribution);
    expect(info.version.number).toMatch(version);
    const index = uniqueName('smoke');
    expect((await fetch(`${url}/${index}/_doc/1?refresh=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"hello":"sluice"}' })).status).toBe(201);
    const found = (await (await fetch(`${url}/${index}/_search?q=hello:sluice`)).json()) as { hits: { hits: { _id: string }[] } };
    expect(found.hits.hits.map((h) => h._id)).toEqual(['1']);
    await fetch(`${url}/${index}`, { method: 'DELETE' });
  });
});
