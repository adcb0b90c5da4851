// schema.compatibility end to end with single message transforms: Avro values
// of schema versions 1, 2 and 1 again (registered under <topic>-value) →
// ReplaceField + InsertField (which keep the schema's version, as Kafka
// Connect's SchemaUtil.copySchemaBasics does) → Sluice → MinIO, read back by
// pyarrow. As Confluent's S3 sink: the v1 records after v2 are projected into
// the v2 file. HoistField builds a schema without a version: a second schema
// in its file stops Sluice as Confluent's "Schema version required".
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readParquet, runS3ToEnd, s3Connector } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const V1 = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }, { name: 'secret', type: 'string' }],
};
const V2 = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }, { name: 'secret', type: 'string' }, { name: 'status', type: 'string', default: 'NEW' }],
};
const T = 'org.apache.kafka.connect.transforms.';
const pad = (n: number) => String(n).padStart(10, '0');

/** v1 at offsets 0-1, v2 at 2-3, v1 again at 4-5. */
async function produceVersions(topic: string): Promise<void> {
  await createTopic(topic, 1);
  const id1 = await registerSchema(`${topic}-value`, V1);
  const id2 = await registerSchema(`${topic}-value`, V2);
  const t1 = avroType(V1);
  const t2 = avroType(V2);
  await produce(topic, [
    { value: confluentFrame(id1, t1.toBuffer({ id: 1, qty: 10, secret: 'a' })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 2, qty: 20, secret: 'b' })) },
    { value: confluentFrame(id2, t2.toBuffer({ id: 3, qty: 30, secret: 'c', status: 'PAID' })) },
    { value: confluentFrame(id2, t2.toBuffer({ id: 4, qty: 40, secret: 'd', status: 'SHIPPED' })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 5, qty: 50, secret: 'e' })) },
    { value: confluentFrame(id1, t1.toBuffer({ id: 6, qty: 60, secret: 'f' })) },
  ]);
}

const avroValues = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };

describe('S3 sink schema.compatibility with transformed values', () => {
  it('BACKWARD + ReplaceField + InsertField: two files; the later v1 records are in the v2 file, projected (pyarrow)', async () => {
    const topic = uniqueName('s3_compat_smt');
    const dir = uniqueName('it');
    await produceVersions(topic);
    await runS3ToEnd(topic, dir, {
      ...avroValues, 'schema.compatibility': 'BACKWARD', 'flush.size': '4',
      transforms: 'drop,offset',
      'transforms.drop.type': `${T}ReplaceField$Value`, 'transforms.drop.exclude': 'secret', 'transforms.drop.renames': 'qty:quantity',
      'transforms.offset.type': `${T}InsertField$Value`, 'transforms.offset.offset.field': 'kafka_offset',
    });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['quantity', 'int32'], ['kafka_offset', 'int64']]);
    expect(files[0]!.data).toEqual([{ id: 1, quantity: 10, kafka_offset: 0 }, { id: 2, quantity: 20, kafka_offset: 1 }]);
    expect(files[1]!.schema).toEqual([['id', 'int64'], ['quantity', 'int64'], ['status', 'string'], ['kafka_offset', 'int64']]);
    expect(files[1]!.data).toEqual([
      { id: 3, quantity: 30, status: 'PAID', kafka_offset: 2 }, { id: 4, quantity: 40, status: 'SHIPPED', kafka_offset: 3 },
      { id: 5, quantity: 50, status: 'NEW', kafka_offset: 4 }, { id: 6, quantity: 60, status: 'NEW', kafka_offset: 5 },
    ]);
  });

  it('BACKWARD + HoistField (a schema without version): v2 meeting the v1 file stops Sluice naming the record and the option; the v1 file is not written', async () => {
    const topic = uniqueName('s3_compat_hoist');
    const dir = uniqueName('it');
    await produceVersions(topic);
    const file = writeConnector(s3Connector(topic, dir, {
      ...avroValues, 'schema.compatibility': 'BACKWARD', 'flush.size': '4',
      transforms: 'hoist', 'transforms.hoist.type': `${T}HoistField$Value`, 'transforms.hoist.field': 'order',
    }), uniqueName('s3'));
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    const exit = await Promise.race([sluice.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${sluice.output().slice(-3000)}`)), 90_000))])
      .finally(() => sluice.stop('SIGKILL').catch(() => {}));
    expect(exit.code).not.toBe(0);
    expect(sluice.output()).toMatch(new RegExp(`topic ${topic} partition 0 offset 2: schema.compatibility=BACKWARD .*has no version .*Schema version required for BACKWARD compatibility`));
    expect(await listObjects(`${dir}/${topic}/`)).toEqual([]);
  });
});
