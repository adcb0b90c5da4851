// File rotation that does not wait for more data: the wall-clock schedule
// closes an idle partition's file, and memory pressure closes files early
// instead of pausing every partition for good (the engine's budget counts
// open files, and a paused partition gets no record that would close one).
import { beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readParquet, s3Connector } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('S3 Parquet sink rotation', () => {
  it('closes and uploads an idle partition\'s file on rotate.schedule.interval.ms, with no new record arriving', async () => {
    const topic = uniqueName('s3_idle');
    const dir = uniqueName('it');
    await createTopic(topic, 2);
    const name = uniqueName('s3');
    const interval = 4000;
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'), 'flush.size': '1000000', 'rotate.schedule.interval.ms': String(interval),
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      await sluice.waitForLine(/assigned/);
      // A few records, then nothing: flush.size is never reached.
      const batch = [...orders(50, 3)];
      await produce(topic, batch.map((o) => ({ value: encodeOrder('json', o), partition: o.id % 2 })));
      const producedAt = Date.now();
      const keys = await waitFor('both partitions\' files in S3', async () => {
        const ks = (await listObjects(`${dir}/${topic}/`)).map((o) => o.key);
        return ks.length === 2 ? ks : undefined;
      }, interval + 30_000, 100);
      const uploadedWithin = Date.now() - producedAt;
      expect(keys).toEqual([0, 1].map((p) => `${dir}/${topic}/partition=${p}/${topic}+${p}+0000000000.snappy.parquet`));
      // Closed at the next schedule boundary: within one interval of the records arriving, plus upload time.
      expect(uploadedWithin).toBeLessThan(interval + 15_000);
      await waitFor('offsets committed', () => fullyCommitted(`connect-${name}`, topic), 30_000, 200);
      const rows = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id));
      expect(rows.sort((a, b) => (a as number) - (b as number))).toEqual(batch.map((o) => o.id));
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
  });

  it('closes files early under memory pressure instead of pausing forever, and loses or repeats nothing', async () => {
    const topic = uniqueName('s3_pressure');
    const dir = uniqueName('it');
    const PARTITIONS = 4;
    const N = 40_000;
    await createTopic(topic, PARTITIONS);
    const all = [...orders(N, 5)];
    await produce(topic, all.map((o) => ({ value: encodeOrder('json', o), partition: o.id % PARTITIONS })));
    const name = uniqueName('s3');
    // flush.size is never reached and nothing rotates on time: only the budget can close files.
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'), 'flush.size': '1000000',
      'inflight.max.bytes': String(2 * 1024 * 1024), 'partition.max.bytes': String(512 * 1024), 'batch.max.records': '2000',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    const progress = await groupProgress(`connect-${name}`, topic);
    expect(progress.reduce((s, p) => s + p.end, 0)).toBe(N);
    const files = await readParquet(`${dir}/${topic}/`, ['id']);
    // Several files per partition: the budget, not flush.size, closed them.
    expect(files.length).toBeGreaterThan(PARTITIONS * 2);
    const ids = files.flatMap((f) => f.data.map((r) => r.id as number)).sort((a, b) => a - b);
    expect(ids.length).toBe(N);
    expect(new Set(ids).size).toBe(N);
  });
});
