// filename.offset.zero.pad.width changes every object name; the set markers
// and exactly-once recovery, which list and delete those objects by name,
// must keep working with it across a restart.
import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { converterConfig, encodeOrder, orders } from '../helpers/orders.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor, S3_BUCKET } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, parseObjectName, readParquet, s3, s3Connector } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('S3 sink filename.offset.zero.pad.width', () => {
  it('names objects with the width asked for; a set cut short is found by its marker and written again on restart, every row once', async () => {
    const topic = uniqueName('s3_pad');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const all = [...orders(3000, 5)];
    await produce(topic, all.slice(0, 2000).map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'),
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'status',
      'flush.size': '1000',
      'filename.offset.zero.pad.width': '14',
    }), name);
    const first = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    expect((await first.stop('SIGTERM')).code, first.output().slice(-3000)).toBe(0);

    const names = (await listObjects(`${dir}/${topic}/`)).map((o) => o.key);
    expect(names.length).toBeGreaterThan(1);
    // 14 digits exactly (Confluent's String.format("%0<width>d")), never the default 10.
    for (const k of names) expect(k, k).toMatch(/\+0\+\d{14}\.snappy\.parquet$/);
    // Each path's file starts at the first offset of its records in the set: offset 0 starts the first set.
    expect(names.some((k) => k.includes('+0+00000000000000.'))).toBe(true);

    // What a crash between two of the last set's uploads leaves: its marker, some of its objects.
    const marker = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}/_sluice/${topic}/0.json` }))).Body!.transformToString()) as { start: number; end: number; keys: string[] };
    expect([marker.start, marker.end]).toEqual([1000, 1999]);
    expect(marker.keys.length).toBeGreaterThan(1);
    for (const k of marker.keys) {
      expect(k).toMatch(/\+0\+\d{14}\.snappy\.parquet$/);
      const start = parseObjectName(k, 14)!.start;
      expect(start >= 1000 && start <= 1999, k).toBe(true);
    }
    await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: marker.keys[0]! }));
    await produce(topic, all.slice(2000).map((o) => ({ value: encodeOrder('json', o), partition: 0 })));

    const second = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      const line = await second.waitForLine(/was not fully uploaded/, 60_000);
      expect(line).toContain(`deleted its ${marker.keys.length - 1} object(s), writing it again from offset 1000`);
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await second.stop('SIGTERM')).code, second.output().slice(-3000)).toBe(0);
    }
    const after = (await listObjects(`${dir}/${topic}/`)).map((o) => o.key);
    for (const k of after) expect(k, k).toMatch(/\+0\+\d{14}\.snappy\.parquet$/);
    expect(after.some((k) => parseObjectName(k, 14)!.start >= 2000)).toBe(true);
    const ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number)).sort((a, b) => a - b);
    expect(ids).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
    await deletePrefix(`${dir}/`);
  });
});
