// schema.compatibility end to end: Avro values of schema versions 1, 2 (an
// added field with a default, a widened number) and 1 again, registered in
// the stack's registry under <topic>-value → Sluice → MinIO, read back by
// independent readers (pyarrow for Parquet, fastavro for Avro container
// files). Object names are Confluent's (each file named by its first offset);
// with BACKWARD/FULL the v1 records after v2 land in the v2 file, projected;
// a value whose schema has no version under the subject fails to convert,
// naming the record; an enum with fewer symbols joins a file whose enum has more.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readParquet, runS3ToEnd, s3Connector } from './s3-support.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const V1 = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }],
};
const V2 = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }, { name: 'status', type: 'string', default: 'NEW' }],
};

const pad = (n: number) => String(n).padStart(10, '0');

/** v1 at offsets 0-1, v2 at 2-3, v1 again at 4-5, schemas registered under <topic>-value as versions 1 and 2. */
async function produceVersions(topic: string, subject = `${topic}-value`): Promise<void> {
  await createTopic(topic, 1);
  const id1 = await registerSchema(subject, V1);
  const id2 = await registerSchema(subject, V2);
  const t1 = avroType(V1);
  const t2 = avroType(V2);
  await produce(topic, [
    { value: confluentFrame(id1, t1.toBuffer({ id: 1, qty: 10 })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 2, qty: 20 })) },
    { value: confluentFrame(id2, t2.toBuffer({ id: 3, qty: 30, status: 'PAID' })) },
    { value: confluentFrame(id2, t2.toBuffer({ id: 4, qty: 40, status: 'SHIPPED' })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 5, qty: 50 })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 6, qty: 60 })) },
  ]);
}

/** Runs Sluice until every offset is committed, then stops it. */
async function runToEnd(topic: string, dir: string, extra: Record<string, unknown>): Promise<void> {
  await runS3ToEnd(topic, dir, { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY, ...extra });
}

describe('S3 sink schema.compatibility with Avro values from the registry', () => {
  it('BACKWARD, Parquet: v1, v2, v1 → two files; the later v1 records are in the v2 file with qty widened and status defaulted (pyarrow)', async () => {
    const topic = uniqueName('s3_compat_back');
    const dir = uniqueName('it');
    await produceVersions(topic);
    // flush.size 4: the v2 set closes on its fourth record (offset 5), so nothing waits on the clock.
    await runToEnd(topic, dir, { 'schema.compatibility': 'BACKWARD', 'flush.size': '4' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['qty', 'int32']]);
    expect(files[0]!.data).toEqual([{ id: 1, qty: 10 }, { id: 2, qty: 20 }]);
    expect(files[1]!.schema).toEqual([['id', 'int64'], ['qty', 'int64'], ['status', 'string']]);
    expect(files[1]!.data).toEqual([
      { id: 3, qty: 30, status: 'PAID' }, { id: 4, qty: 40, status: 'SHIPPED' }, { id: 5, qty: 50, status: 'NEW' }, { id: 6, qty: 60, status: 'NEW' },
    ]);
  });

  it('FULL, AvroFormat: the v2 file\'s header schema is v2 and fastavro reads the projected v1 records with the default', async () => {
    const topic = uniqueName('s3_compat_full');
    const dir = uniqueName('it');
    await produceVersions(topic);
    await runToEnd(topic, dir, { 'schema.compatibility': 'full', 'flush.size': '4', 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat' });
    const { stdout } = await run(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'test/integration/s3-read-records.py'), S3_URL, S3_BUCKET, `${dir}/${topic}/`], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 120_000,
    });
    const objects = (JSON.parse(stdout) as { objects: { key: string; schema: { fields: { name: string }[] }; records: unknown[] }[] }).objects;
    expect(objects.map((o) => o.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.avro`));
    expect(objects[0]!.schema.fields.map((f) => f.name)).toEqual(['id', 'qty']);
    expect(objects[1]!.schema.fields.map((f) => f.name)).toEqual(['id', 'qty', 'status']);
    expect(objects[1]!.records).toEqual([
      { id: 3, qty: 30, status: 'PAID' }, { id: 4, qty: 40, status: 'SHIPPED' }, { id: 5, qty: 50, status: 'NEW' }, { id: 6, qty: 60, status: 'NEW' },
    ]);
  });

  it('BACKWARD: a v1 record after a v2 that added an enum symbol joins the v2 file (Confluent\'s SchemaProjector: the record\'s enum symbols need only be among the file\'s)', async () => {
    const topic = uniqueName('s3_compat_enum');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const state = (symbols: string[]) => ({ type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'state', type: { type: 'enum', name: 'State', symbols } }] });
    const e1 = state(['OPEN', 'DONE']);
    const e2 = state(['OPEN', 'DONE', 'LOST']);
    const id1 = await registerSchema(`${topic}-value`, e1);
    const id2 = await registerSchema(`${topic}-value`, e2);
    await produce(topic, [
      { value: confluentFrame(id1, avroType(e1).toBuffer({ id: 1, state: 'OPEN' })) },
      { value: confluentFrame(id2, avroType(e2).toBuffer({ id: 2, state: 'LOST' })) },
      { value: confluentFrame(id1, avroType(e1).toBuffer({ id: 3, state: 'DONE' })) },
    ]);
    await runToEnd(topic, dir, { 'schema.compatibility': 'BACKWARD', 'flush.size': '2' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 1].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[1]!.data).toEqual([{ id: 2, state: 'LOST' }, { id: 3, state: 'DONE' }]);
  });

  it('a schema not registered under <topic>-value fails its records as the converter does: Sluice stops naming topic, partition, offset; nothing is written', async () => {
    const topic = uniqueName('s3_compat_nover');
    const dir = uniqueName('it');
    // Registered under another subject only (as RecordNameStrategy producers do): the registry has no version for <topic>-value.
    await produceVersions(topic, uniqueName('elsewhere'));
    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'schema.compatibility': 'BACKWARD', 'flush.size': '4',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    const exit = await Promise.race([sluice.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${sluice.output().slice(-3000)}`)), 90_000))])
      .finally(() => sluice.stop('SIGKILL').catch(() => {}));
    expect(exit.code).not.toBe(0);
    // As AvroConverter's failed version lookup: a record that fails to convert (errors.tolerance decides; here: stop).
    expect(sluice.output()).toMatch(new RegExp(`decode failed at topic ${topic} partition 0 offset 0: schema id \\d+ is not registered under the subject ${topic}-value, so it has no version there .*schema.compatibility`));
    expect(await listObjects(`${dir}/${topic}/`)).toEqual([]);
  });
});
