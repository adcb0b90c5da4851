// The S3 server goes away mid-stream and comes back: uploads are retried with
// backoff, partitions pause while the budget is full, and once MinIO is up
// again Sluice carries on by itself. Nothing is lost or written twice.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders } from '../helpers/orders.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readParquet, s3Connector } from './s3-support.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const minio = (cmd: 'up' | 'down') => run('bash', [path.join(ROOT, 'scripts/stack/minio.sh'), cmd], { cwd: ROOT, timeout: 120_000 });

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

// Whatever happens, the stack's MinIO is left running for the other tests.
afterAll(async () => {
  await minio('up');
}, 120_000);

describe('S3 Parquet sink and an S3 outage', () => {
  it('MinIO stopped mid-stream and started again: nothing lost, nothing twice, Sluice resumes by itself', async () => {
    const topic = uniqueName('s3_outage');
    const dir = uniqueName('it');
    const PARTITIONS = 2;
    const CHUNKS = 8;
    const PER_CHUNK = 2000;
    await createTopic(topic, PARTITIONS);
    const all = [...orders(CHUNKS * PER_CHUNK, 77)];
    const produceChunk = (c: number) =>
      produce(topic, all.slice(c * PER_CHUNK, (c + 1) * PER_CHUNK).map((o) => ({ value: encodeOrder('json', o), partition: o.id % PARTITIONS })));

    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'), 'flush.size': '1500', 'rotate.schedule.interval.ms': '1000', 's3.retry.backoff.ms': '100',
      'errors.retry.delay.max.ms': '2000', 's3.part.retries': '100',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await produceChunk(0);
      await produceChunk(1);
      await waitFor('first objects in S3', async () => (await listObjects(`${dir}/${topic}/`)).length >= 2, 60_000, 200);
      await minio('down');
      try {
        // Records keep arriving while S3 is away.
        for (let c = 2; c < 6; c++) await produceChunk(c);
        await sluice.waitForLine(/retrying: (uploading|deleting|reading)/, 60_000);
        await new Promise((r) => setTimeout(r, 3000));
        expect(sluice.child.exitCode, sluice.output().slice(-3000)).toBeNull();
      } finally {
        await minio('up');
      }
      for (let c = 6; c < CHUNKS; c++) await produceChunk(c);
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(sluice.output()).toMatch(/cannot reach the S3 endpoint \(ECONNREFUSED\)/);
    const ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number)).sort((a, b) => a - b);
    expect(ids.length).toBe(all.length);
    expect(ids).toEqual(all.map((o) => o.id));
  });
});
