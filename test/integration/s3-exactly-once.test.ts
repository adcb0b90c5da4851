// Exactly-once into S3 across kill -9, with file boundaries that depend on
// timing: wall-clock rotation (rotate.schedule.interval.ms) and early closes
// under a small memory budget, while records keep arriving. Sluice is killed
// in the middle of uploads several times; afterwards every row produced is in
// the bucket exactly once, as read by pyarrow.
import { beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders } from '../../bench/lib/generate.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector, type RunningSluice } from '../helpers/sluice.js';
import { uniqueName, waitFor, S3_BUCKET } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, parseObjectName, readParquet, s3, s3Connector } from './s3-support.js';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';

const PARTITIONS = 3;
const CHUNKS = 12;
const PER_CHUNK = 2500;
const N = CHUNKS * PER_CHUNK;
const KILLS = 3;

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('S3 Parquet sink exactly-once', () => {
  it('kill -9 during uploads, restart, repeat: across the bucket no row is missing and none appears twice', async () => {
    const topic = uniqueName('s3_eos');
    const dir = uniqueName('it');
    await createTopic(topic, PARTITIONS);
    const all = [...orders(N, 21)];
    // Records keep arriving while Sluice runs, is killed and restarts.
    const producing = (async () => {
      for (let c = 0; c < CHUNKS; c++) {
        const chunk = all.slice(c * PER_CHUNK, (c + 1) * PER_CHUNK);
        await produce(topic, chunk.map((o) => ({ key: String(o.id), value: encodeOrder('json', o), partition: o.id % PARTITIONS })));
        await new Promise((r) => setTimeout(r, 700));
      }
    })();

    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'),
      // Several paths per set, so a kill can land between a set's objects.
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'status',
      'flush.size': '1700',
      'rotate.schedule.interval.ms': '1500',
      'inflight.max.bytes': String(3 * 1024 * 1024),
      'partition.max.bytes': String(768 * 1024),
      'batch.max.records': '1000',
      'batch.linger.ms': '100',
      // A killed member leaves the group only when its session times out.
      'kafka.session.timeout.ms': '6000',
    }), name);
    const env = { SLUICE_WORKER_THREADS: '2', SLUICE_LOG_LEVEL: 'debug' };
    const outputs: string[] = [];
    let sluice: RunningSluice | undefined;
    try {
      for (let k = 0; k < KILLS; k++) {
        sluice = startSluice(['run', '--config', file], env);
        // Let some sets complete, then kill right after a set's marker is
        // written, while its objects are going up.
        await sluice.waitForLine(/file set uploaded/, 120_000);
        const seen = sluice.output().split('\n').filter((l) => /set marker written/.test(l)).length;
        await waitFor('another set marker', async () => sluice!.output().split('\n').filter((l) => /set marker written/.test(l)).length > seen, 60_000, 1);
        // At the marker, a little later, later still: before, among and after the set's objects.
        await new Promise((r) => setTimeout(r, [0, 15, 40][k % 3]));
        sluice.child.kill('SIGKILL');
        await sluice.exited;
        outputs.push(sluice.output());
      }
      await producing;
      sluice = startSluice(['run', '--config', file], env);
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
      const exit = await sluice.stop('SIGTERM');
      outputs.push(sluice.output());
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    } finally {
      if (sluice && sluice.child.exitCode === null && sluice.child.signalCode === null) await sluice.stop('SIGKILL');
      await producing.catch(() => {});
    }

    const log = outputs.join('\n');
    // Restarts resumed from what S3 holds.
    expect(log).toMatch(/resuming .* at offset \d+, after the last set in S3|was not fully uploaded/);

    const keys = (await listObjects(`${dir}/${topic}/`)).map((o) => o.key);
    for (const k of keys) expect(parseObjectName(k), k).toBeDefined();
    const files = await readParquet(`${dir}/${topic}/`, ['id']);
    const ids = files.flatMap((f) => f.data.map((r) => r.id as number));
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const missing = all.filter((o) => !counts.has(o.id)).map((o) => o.id);
    expect(twice.slice(0, 10), `${twice.length} ids appear more than once`).toEqual([]);
    expect(missing.slice(0, 10), `${missing.length} ids are missing`).toEqual([]);
    expect(ids.length).toBe(N);
    // Per partition and path, files sorted by start offset hold that path's records in offset order.
    const statusOf = new Map(all.map((o) => [o.id, o.status]));
    for (let p = 0; p < PARTITIONS; p++) {
      for (const status of new Set(all.map((o) => o.status))) {
        const mine = files
          .filter((f) => parseObjectName(f.key)!.partition === p && f.key.includes(`/status=${status}/`))
          .sort((a, b) => parseObjectName(a.key)!.start - parseObjectName(b.key)!.start);
        const seq = mine.flatMap((f) => f.data.map((r) => r.id as number));
        expect(seq).toEqual(all.filter((o) => o.id % PARTITIONS === p && o.status === status).map((o) => o.id));
        for (const id of seq) expect(statusOf.get(id)).toBe(status);
      }
    }
  });

  it('a set cut short (one of its objects never uploaded) is deleted and written again on restart', async () => {
    const topic = uniqueName('s3_partial');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const all = [...orders(3000, 8)];
    await produce(topic, all.map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'),
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'status',
      'flush.size': '1000',
    }), name);
    const first = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    expect((await first.stop('SIGTERM')).code, first.output().slice(-3000)).toBe(0);

    const objectsBefore = (await listObjects(`${dir}/${topic}/`)).length;
    // What a crash between two of the last set's uploads leaves: its marker, some of its objects.
    const markerText = await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}/_sluice/${topic}/0.json` }))).Body!.transformToString();
    const marker = JSON.parse(markerText) as { start: number; end: number; keys: string[] };
    expect([marker.start, marker.end]).toEqual([2000, 2999]);
    expect(marker.keys.length).toBeGreaterThan(1);
    await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: marker.keys[0]! }));

    const second = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      const line = await second.waitForLine(/was not fully uploaded/, 60_000);
      expect(line).toContain(`deleted its ${marker.keys.length - 1} object(s), writing it again from offset 2000`);
      await waitFor('the set written again', async () => (await listObjects(`${dir}/${topic}/`)).length === objectsBefore, 60_000, 300);
    } finally {
      expect((await second.stop('SIGTERM')).code, second.output().slice(-3000)).toBe(0);
    }
    const ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number)).sort((a, b) => a - b);
    expect(ids).toEqual(all.map((o) => o.id));
    await deletePrefix(`${dir}/`);
  });

  it('a second instance joining mid-stream takes partitions over: the old owner closes and uploads its files, the new one resumes after them, every row once', async () => {
    const topic = uniqueName('s3_rebalance');
    const dir = uniqueName('it');
    const P = 4;
    await createTopic(topic, P);
    const all = [...orders(24_000, 13)];
    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      ...converterConfig('json'), 'flush.size': '2500', 'rotate.schedule.interval.ms': '2000', 'batch.max.records': '1000',
    }), name);
    const a = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    await a.waitForLine(/assigned/);
    const producing = (async () => {
      for (let round = 0; round < 6; round++) {
        await produce(topic, all.slice(round * 4000, (round + 1) * 4000).map((o) => ({ value: encodeOrder('json', o), partition: o.id % P })));
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    await waitFor('first objects', async () => (await listObjects(`${dir}/${topic}/`)).length >= 2, 60_000, 200);
    const b = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    let ids: number[] = [];
    try {
      // The cooperative protocol hands partitions over in two rounds: wait for the real one.
      await b.waitForLine(/assigned \S+\[/, 60_000);
      await a.waitForLine(/revoked/, 60_000);
      await producing;
      // Done when S3 holds every row (the group's offsets are not what this test is about).
      await waitFor('every row in S3', async () => {
        ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number));
        return ids.length >= all.length;
      }, 120_000, 1000);
      // And the group's offsets catch up too: a commit the broker dropped during
      // the rebalance is sent again by the engine's periodic re-commit.
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 60_000, 500);
    } finally {
      const [ea, eb] = await Promise.all([a.stop(), b.stop()]);
      expect(ea.code, a.output().slice(-2000)).toBe(0);
      expect(eb.code, b.output().slice(-2000)).toBe(0);
    }
    // The new owner started where the old one's last uploaded set ended.
    expect(b.output()).toMatch(/resuming .* after the last set in S3/);
    ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number));
    expect(ids.sort((x, y) => x - y)).toEqual(all.map((o) => o.id));
  });
});
