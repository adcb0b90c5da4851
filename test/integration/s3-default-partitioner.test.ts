// Kafka → workers encode Parquet → S3, default partitioner, on the real
// broker and MinIO: object names and layout are Confluent's
// (<topics.dir>/<topic>/partition=<n>/<topic>+<n>+<zero-padded start>.parquet),
// files close on flush.size, offsets are committed once the objects are up,
// and pyarrow reads back exactly the rows produced.
import { beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, type Order } from '../../bench/lib/generate.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY } from '../helpers/stack.js';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ensurePythonReaders, listObjects, objectMetadata, parseObjectName, readParquet, s3, s3Connector } from './s3-support.js';

const PARTITIONS = 3;
const PER_PARTITION = 6000;
const FLUSH = 2000;

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

function expectedRow(o: Order) {
  return {
    id: o.id, customer: o.customer, amount: { $decimal: (o.amountCents / 100).toFixed(2) }, quantity: o.quantity,
    created_at: { $timestamp: new Date(o.createdAt).toISOString().replace('Z', '000+00:00') }, status: o.status, note: o.note,
  };
}

describe('S3 Parquet sink, default partitioner', () => {
  it('writes one file per flush.size records under partition=<n>/ with Confluent names, commits, and pyarrow reads every row', async () => {
    const topic = uniqueName('s3_default');
    const dir = uniqueName('it');
    await createTopic(topic, PARTITIONS);
    const all = [...orders(PARTITIONS * PER_PARTITION, 11)];
    await produce(topic, all.map((o) => ({ key: String(o.id), value: encodeOrder('connect-json', o), partition: o.id % PARTITIONS })));

    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, { ...converterConfig('connect-json'), 'flush.size': String(FLUSH) }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }

    const objects = (await listObjects(`${dir}/`)).map((o) => o.key);
    const data = objects.filter((k) => k.endsWith('.parquet'));
    const expectedKeys: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let start = 0; start < PER_PARTITION; start += FLUSH) {
        expectedKeys.push(`${dir}/${topic}/partition=${p}/${topic}+${p}+${String(start).padStart(10, '0')}.snappy.parquet`);
      }
    }
    expect(data).toEqual(expectedKeys.sort());
    // Besides the data: one exactly-once marker per partition, outside the topic's directory.
    expect(objects.filter((k) => !k.endsWith('.parquet')).sort()).toEqual([0, 1, 2].map((p) => `${dir}/_sluice/${topic}/${p}.json`));
    const meta = await objectMetadata(data[1]!);
    expect(meta['sluice-set']).toBe(`${FLUSH}-${2 * FLUSH - 1}`);

    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual(expectedKeys.sort());
    for (const f of files) {
      expect(f.rows).toBe(FLUSH);
      expect(f.codec).toBe('SNAPPY');
      expect(Object.fromEntries(f.schema)).toEqual({
        id: 'int64', customer: 'string', amount: 'decimal128(12, 2)', quantity: 'int32',
        created_at: 'timestamp[us, tz=UTC]', status: 'string', note: 'string',
      });
      expect(f.logical.created_at).toMatch(/Timestamp\(isAdjustedToUTC=true, timeUnit=microseconds/);
      const { partition, start } = parseObjectName(f.key)!;
      // Offsets within a partition follow production order: row i of the file is offset start + i.
      const ids = f.data.map((r) => r.id as number);
      const expectedIds = all.filter((o) => o.id % PARTITIONS === partition).slice(start, start + FLUSH).map((o) => o.id);
      expect(ids).toEqual(expectedIds);
    }
    const byId = new Map(files.flatMap((f) => f.data).map((r) => [r.id as number, r]));
    expect(byId.size).toBe(all.length);
    for (const o of all) expect(byId.get(o.id)).toEqual(expectedRow(o));
  });

  it('uploads a file above s3.part.size in parts, with credentials from the standard AWS chain (environment)', async () => {
    const topic = uniqueName('s3_multipart');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const N = 30_000;
    // Incompressible text and no codec: the one file is well above the 5 MiB part size.
    const pad = (i: number) => Buffer.from(Array.from({ length: 24 }, (_, k) => ((i * 2654435761 + k * 40503) >>> 0).toString(36)).join('')).toString('base64');
    await produce(topic, Array.from({ length: N }, (_, i) => ({ value: JSON.stringify({ id: i, pad: pad(i) }) })));
    const name = uniqueName('s3');
    const config = s3Connector(topic, dir, {
      ...converterConfig('json'), 'flush.size': String(N), 'parquet.codec': 'none', 's3.part.size': String(5 * 1024 * 1024),
    });
    delete config['aws.access.key.id'];
    delete config['aws.secret.access.key'];
    const sluice = startSluice(['run', '--config', writeConnector(config, name)], {
      SLUICE_WORKER_THREADS: '2', AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    const [obj] = await listObjects(`${dir}/${topic}/`);
    expect(obj!.size).toBeGreaterThan(5 * 1024 * 1024);
    const head = await s3.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: obj!.key }));
    // A multipart object's ETag is "<md5 of the part md5s>-<parts>".
    expect(head.ETag).toMatch(/-[2-9]"?$/);
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files[0]!.data.map((r) => r.id)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(files[0]!.data[123]!.pad).toBe(pad(123));
  });
});
