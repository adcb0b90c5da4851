// format.class=ByteArrayFormat end to end: Kafka (ByteArrayConverter values)
// → Sluice → MinIO, each object read back raw and compared byte for byte
// with what Confluent's ByteArrayRecordWriterProvider writes: every value's
// bytes then format.bytearray.separator, named <topic>+<partition>+<offset>
// <format.bytearray.extension>[.gz]; tombstones per behavior.on.null.values;
// exactly-once across a set cut short.
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createTopic, produce, produceRaw } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { REGISTRY, S3_BUCKET, uniqueName, waitFor } from '../helpers/stack.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import { deletePrefix, listObjects, runS3ToEnd, s3, s3Connector } from './s3-support.js';

const BYTE_ARRAY = 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat';
const BYTES_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';
const pad = (n: number) => String(n).padStart(10, '0');

async function raw(key: string): Promise<Buffer> {
  const body = await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }))).Body!.transformToByteArray();
  return Buffer.from(body);
}

describe('S3 sink ByteArrayFormat values, read back byte for byte', () => {
  it('defaults: <name>.bin holds each raw value and "\\n" (values holding it, empty values, every byte), tombstones skipped with ignore', async () => {
    const topic = uniqueName('s3_bytes');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const values: (Buffer | null)[] = [
      Buffer.from([0x00, 0xff, 0x0a, 0x0d]), Buffer.alloc(0), Buffer.from('plain'), null,
      Buffer.from('x\ny\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xc3, 0x28, 0xfe]),
    ];
    // The binding's own producer: an empty value stays empty (not a null).
    await produceRaw(topic, values.map((value) => ({ key: null, value, headers: [] })));
    await runS3ToEnd(topic, dir, { 'value.converter': BYTES_CONVERTER, 'format.class': BYTE_ARRAY, 'flush.size': '3', 'behavior.on.null.values': 'ignore' });
    const base = (o: number) => `${dir}/${topic}/partition=0/${topic}+0+${pad(o)}.bin`;
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual([base(0), base(4)]);
    const file = (vs: (Buffer | null)[]) => Buffer.concat(vs.flatMap((v) => [v!, Buffer.from('\n')]));
    expect(await raw(base(0))).toEqual(file(values.slice(0, 3)));
    expect(await raw(base(4))).toEqual(file(values.slice(4)));
    await deletePrefix(`${dir}/`);
  });

  it('gzip, format.bytearray.separator and .extension: <name>.raw.gz and .keys.raw.gz; a set cut short is written again on restart, every value once', async () => {
    const topic = uniqueName('s3_bytes_eos');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const N = 300;
    const value = (i: number) => Buffer.concat([Buffer.from([i & 0xff, 0x0a]), Buffer.from(`<EOR>${i}`)]);
    await produce(topic, Array.from({ length: N }, (_, i) => ({ key: Buffer.from(`k${i}`), value: value(i) })));
    const name = uniqueName('s3');
    const config = {
      'value.converter': BYTES_CONVERTER, 'key.converter': BYTES_CONVERTER, 'format.class': BYTE_ARRAY, 's3.compression.type': 'gzip',
      'format.bytearray.separator': '<EOR>', 'format.bytearray.extension': '.raw', 'flush.size': '100',
      'store.kafka.keys': 'true', 'keys.format.class': BYTE_ARRAY,
    };
    await runS3ToEnd(topic, dir, config, name);
    const base = (o: number) => `${dir}/${topic}/partition=0/${topic}+0+${pad(o)}`;
    const keys = [0, 100, 200].flatMap((o) => [`${base(o)}.keys.raw.gz`, `${base(o)}.raw.gz`]);
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(keys);
    const marker = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}/_sluice/${topic}/0.json` }))).Body!.transformToString()) as { start: number; keys: string[] };
    expect(marker.start).toBe(200);
    expect([...marker.keys].sort()).toEqual([`${base(200)}.keys.raw.gz`, `${base(200)}.raw.gz`]);
    // What a crash between the set's uploads leaves: its marker and key file, not its value file.
    await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: `${base(200)}.raw.gz` }));

    const again = startSluice(['run', '--config', writeConnector(s3Connector(topic, dir, config), name)], { SLUICE_WORKER_THREADS: '1' });
    try {
      await again.waitForLine(/was not fully uploaded/, 60_000);
      await waitFor('the set written again', async () => (await listObjects(`${dir}/${topic}/`)).length === keys.length, 60_000, 300);
    } finally {
      expect((await again.stop('SIGTERM')).code, again.output().slice(-3000)).toBe(0);
    }
    const sep = Buffer.from('<EOR>');
    for (const o of [0, 100, 200]) {
      const range = Array.from({ length: 100 }, (_, i) => o + i);
      expect(gunzipSync(await raw(`${base(o)}.raw.gz`))).toEqual(Buffer.concat(range.flatMap((i) => [value(i), sep])));
      expect(gunzipSync(await raw(`${base(o)}.keys.raw.gz`))).toEqual(Buffer.concat(range.flatMap((i) => [Buffer.from(`k${i}`), sep])));
    }
    await deletePrefix(`${dir}/`);
  });

  it('AvroConverter: "bytes" values are written raw; a record value fails naming its topic, partition and offset and format.class', async () => {
    const topic = uniqueName('s3_bytes_avro');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const bytesId = await registerSchema(`${topic}-value`, { type: 'bytes' });
    const recordId = await registerSchema(`${topic}-other`, { type: 'record', name: 'R', fields: [{ name: 'n', type: 'long' }] });
    const payloads = [Buffer.from([1, 0x0a, 2]), Buffer.from('two')];
    await produce(topic, payloads.map((p) => ({ value: confluentFrame(bytesId, avroType('bytes').toBuffer(p) as Buffer) })));
    const name = uniqueName('s3');
    const config = {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'format.class': BYTE_ARRAY, 'flush.size': '2',
    };
    await runS3ToEnd(topic, dir, config, name);
    const object = `${dir}/${topic}/partition=0/${topic}+0+${pad(0)}.bin`;
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual([object]);
    expect(await raw(object)).toEqual(Buffer.from([1, 0x0a, 2, 0x0a, ...Buffer.from('two\n')]));

    await produce(topic, [{ value: confluentFrame(recordId, avroType({ type: 'record', name: 'R', fields: [{ name: 'n', type: 'long' }] }).toBuffer({ n: 1 }) as Buffer) }]);
    const again = startSluice(['run', '--config', writeConnector(s3Connector(topic, dir, config), name)], { SLUICE_WORKER_THREADS: '1' });
    try {
      const err = await again.waitForLine(/the record value is not bytes/, 60_000);
      expect(err).toContain(topic);
      expect(err).toMatch(/partition 0 offset 2/);
      expect(err).toContain('format.class=ByteArrayFormat');
    } finally {
      await again.stop('SIGKILL');
    }
    await deletePrefix(`${dir}/`);
  });
});
