// schema.compatibility with the newer Confluent storage-common (CC-5963,
// CC-38689) end to end: a record whose schema cannot be projected to its
// file's (another record name; a nested required field it lacks) closes the
// file set instead of stopping Sluice, so the objects are named by each new
// set's first offset as Confluent's are; and a record Confluent hands to its
// errant-record reporter ("Schema version required") goes to the dead-letter
// topic under errors.tolerance=all, the rest of its set written.
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce, readTopic } from '../helpers/kafka.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, readObjects, readParquet, runS3ToEnd, s3Connector } from './s3-support.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const pad = (n: number) => String(n).padStart(10, '0');
const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };

/** The registry's own compatibility rule off for a subject (v2 may rename or add a required field), as s3-compatibility-connect.test.ts does. */
async function noRegistryRule(subject: string): Promise<void> {
  const cfg = await fetch(`${REGISTRY}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: 'NONE' }),
  });
  if (!cfg.ok) throw new Error(`config ${subject}: HTTP ${cfg.status} ${await cfg.text()}`);
  if (REGISTRY.includes('/apis/ccompat/')) {
    // Apicurio keeps its global rule for a subject set to NONE through ccompat; an artifact rule of NONE overrides it.
    const rule = await fetch(`${REGISTRY.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v3')}/groups/default/artifacts/${encodeURIComponent(subject)}/rules`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'NONE' }),
    });
    if (!rule.ok && rule.status !== 409) throw new Error(`rule ${subject}: HTTP ${rule.status} ${await rule.text()}`);
  }
}

/** Versions 1 and 2 registered under <topic>-value; the record at offset 1 is of v2, the others of v1. */
async function produceV1V2V1V1(topic: string, v1: object, v2: object, values: object[]): Promise<void> {
  await createTopic(topic, 1);
  const id1 = await registerSchema(`${topic}-value`, v1);
  await noRegistryRule(`${topic}-value`);
  const id2 = await registerSchema(`${topic}-value`, v2);
  const [t1, t2] = [avroType(v1), avroType(v2)];
  await produce(topic, values.map((v, i) => ({ value: i === 1 ? confluentFrame(id2, t2.toBuffer(v)) : confluentFrame(id1, t1.toBuffer(v)) })));
}

describe('S3 sink: schemas that cannot be projected close the file set (Confluent CC-5963 / CC-38689)', () => {
  it('BACKWARD: a v1 record after a v2 of another record name opens a new set (DIFFERENT_NAME): objects +0, +1, +2', async () => {
    const topic = uniqueName('s3_rot_name');
    const dir = uniqueName('it');
    const fields = [{ name: 'id', type: 'long' }];
    await produceV1V2V1V1(topic, { type: 'record', name: 'Order', namespace: 'shop', fields }, { type: 'record', name: 'Purchase', namespace: 'shop', fields }, [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    // flush.size 2: the last set closes on its second record, so nothing waits on the clock.
    await runS3ToEnd(topic, dir, { ...AVRO, 'schema.compatibility': 'BACKWARD', 'flush.size': '2' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 1, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files.map((f) => f.data)).toEqual([[{ id: 1 }], [{ id: 2 }], [{ id: 3 }, { id: 4 }]]);
  });

  it('FULL: a v1 record after a v2 whose nested record has a new required field without default opens a new set (MISSING_REQUIRED_FIELD)', async () => {
    const topic = uniqueName('s3_rot_nested');
    const dir = uniqueName('it');
    const line = (extra: object[]) => ({ type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, ...extra] });
    const v1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'line', type: line([]) }] };
    const v2 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'line', type: line([{ name: 'qty', type: 'int' }]) }] };
    await produceV1V2V1V1(topic, v1, v2, [{ id: 1, line: { sku: 'a' } }, { id: 2, line: { sku: 'b', qty: 5 } }, { id: 3, line: { sku: 'c' } }, { id: 4, line: { sku: 'd' } }]);
    await runS3ToEnd(topic, dir, { ...AVRO, 'schema.compatibility': 'FULL', 'flush.size': '2' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 1, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[1]!.data).toEqual([{ id: 2, line: { sku: 'b', qty: 5 } }]);
    expect(files[2]!.data).toEqual([{ id: 3, line: { sku: 'c' } }, { id: 4, line: { sku: 'd' } }]);
  });
});

describe('S3 sink: a number the file\'s wider type cannot hold exactly', () => {
  it('BACKWARD, JsonFormat: a v1 long beyond 2^53 after a v2 that made it a double starts a v1 file and keeps its exact value; smaller ones join the v2 file', async () => {
    const topic = uniqueName('s3_rot_exact');
    const dir = uniqueName('it');
    const v = (amount: string) => ({ type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: amount }] });
    await produceV1V2V1V1(topic, v('long'), v('double'), [
      { id: 1, amount: 1 }, { id: 2, amount: 2.5 }, { id: 3, amount: 4 }, { id: 4, amount: 2n ** 53n + 1n }, { id: 5, amount: 5 }, { id: 6, amount: 6 },
    ]);
    await runS3ToEnd(topic, dir, { ...AVRO, 'schema.compatibility': 'BACKWARD', 'flush.size': '3', 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' });
    const objects = await readObjects(`${dir}/${topic}/`);
    // Offset 2 (amount 4) is an exact double: projected into the v2 file. Offset 3 is not: a v1 file from there, as longs (flush.size 3 closes it).
    expect(objects.map((o) => o.key)).toEqual([0, 1, 3].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.json`));
    expect(objects.map((o) => o.text)).toEqual([
      '{"id":1,"amount":1}\n', '{"id":2,"amount":2.5}\n{"id":3,"amount":4.0}\n', '{"id":4,"amount":9007199254740993}\n{"id":5,"amount":5}\n{"id":6,"amount":6}\n',
    ]);
  });
});

describe('S3 sink: "Schema version required" records go to the errant-record path under errors.tolerance=all', () => {
  it('errors.log.enable=true without a dead-letter topic: the record is logged (topic, partition, offset) and skipped; errors.tolerance=all alone stops, saying why', async () => {
    const versioned = { type: 'struct', name: 'shop.Order', version: 1, optional: false, fields: [{ field: 'id', type: 'int64', optional: false }] };
    const unversioned = { type: 'struct', name: 'shop.Order', optional: false, fields: [{ field: 'id', type: 'int64', optional: false }, { field: 'n', type: 'int32', optional: true }] };
    const env = (schema: object, payload: object) => ({ value: JSON.stringify({ schema, payload }) });
    const connector = (extra: Record<string, string>) => ({
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
      'schema.compatibility': 'BACKWARD', 'flush.size': '3', 'errors.tolerance': 'all', ...extra,
    });
    const logged = uniqueName('s3_rot_log');
    const dir = uniqueName('it');
    await createTopic(logged, 1);
    await produce(logged, [env(versioned, { id: 1 }), env(versioned, { id: 2 }), env(unversioned, { id: 3, n: 1 }), env(versioned, { id: 4 })]);
    const output = await runS3ToEnd(logged, dir, connector({ 'errors.log.enable': 'true' }));
    expect(output).toMatch(new RegExp(`record skipped .*at topic ${logged} partition 0 offset 2: topic ${logged} partition 0 offset 2: schema.compatibility=BACKWARD .*Schema version required`));
    expect((await readParquet(`${dir}/${logged}/`)).map((f) => f.data)).toEqual([[{ id: 1 }, { id: 2 }, { id: 4 }]]);

    const stopped = uniqueName('s3_rot_noreporter');
    await createTopic(stopped, 1);
    await produce(stopped, [env(versioned, { id: 1 }), env(unversioned, { id: 2, n: 1 })]);
    const sluice = startSluice(['run', '--config', writeConnector(s3Connector(stopped, dir, connector({})), uniqueName('s3'))], { SLUICE_WORKER_THREADS: '1' });
    const exit = await Promise.race([sluice.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${sluice.output().slice(-3000)}`)), 90_000))])
      .finally(() => sluice.stop('SIGKILL').catch(() => {}));
    expect(exit.code).not.toBe(0);
    expect(sluice.output()).toMatch(new RegExp(`topic ${stopped} partition 0 offset 1: .*Schema version required.*errors.tolerance=all does not skip it.*errors.deadletterqueue.topic.name or errors.log.enable=true`));
  });

  it('BACKWARD, Connect JSON: an envelope without "version" meeting a versioned file goes to the dead-letter topic with its topic, partition and offset; the set is written without it', async () => {
    const topic = uniqueName('s3_rot_dlq');
    const dlq = uniqueName('s3_rot_dlq_out');
    const dir = uniqueName('it');
    const versioned = { type: 'struct', name: 'shop.Order', version: 1, optional: false, fields: [{ field: 'id', type: 'int64', optional: false }] };
    const unversioned = { type: 'struct', name: 'shop.Order', optional: false, fields: [{ field: 'id', type: 'int64', optional: false }, { field: 'n', type: 'int32', optional: true }] };
    const env = (schema: object, payload: object, key: string) => ({ key, value: JSON.stringify({ schema, payload }) });
    await createTopic(topic, 1);
    await produce(topic, [env(versioned, { id: 1 }, 'a'), env(versioned, { id: 2 }, 'b'), env(unversioned, { id: 3, n: 1 }, 'c'), env(versioned, { id: 4 }, 'd')]);
    const name = uniqueName('s3');
    await runS3ToEnd(topic, dir, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
      'schema.compatibility': 'BACKWARD', 'flush.size': '3',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    }, name);
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([`${dir}/${topic}/partition=0/${topic}+0+${pad(0)}.snappy.parquet`]);
    expect(files[0]!.data).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.key).toBe('c');
    expect(JSON.parse(dead!.value!)).toEqual({ schema: unversioned, payload: { id: 3, n: 1 } });
    expect(dead!.headers['__connect.errors.topic']).toBe(topic);
    expect(dead!.headers['__connect.errors.partition']).toBe('0');
    expect(dead!.headers['__connect.errors.offset']).toBe('2');
    expect(dead!.headers['__connect.errors.connector.name']).toBe(name);
    expect(dead!.headers['__connect.errors.exception.message']).toMatch(
      new RegExp(`^topic ${topic} partition 0 offset 2: schema.compatibility=BACKWARD .*Schema version required for BACKWARD compatibility`),
    );
  });
});
