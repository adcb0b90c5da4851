// KIP-875 on a two-worker cluster: offsets are read from the connector's
// consumer group; while STOPPED they are altered or reset, and the connector
// then reads from the new position. The PostgreSQL exactly-once offsets table
// moves with the group (or the sink would seek back to where it was), and the
// S3 sink's set markers are cleared (or it would resume after its last set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { S3_BUCKET, uniqueName, waitFor } from '../helpers/stack.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { rest, running, startCluster, waitForStatus, type TestCluster } from '../helpers/worker.js';
import { ensurePythonReaders, listObjects, readParquet, s3, s3Connector } from './s3-support.js';

let cluster: TestCluster | undefined;
const PER_PARTITION = 2000;
const N = 2 * PER_PARTITION;

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

afterAll(async () => {
  await cluster?.close();
}, 120_000);

async function stopAndWait(base: string, name: string): Promise<void> {
  expect((await rest(base, 'PUT', `/connectors/${name}/stop`)).status).toBe(204);
  await waitForStatus(base, name, (s) => s.connector.state === 'STOPPED', 'STOPPED');
}

/** Altering waits for the group to be empty (the stopped tasks leave it as they finish draining). */
async function untilAccepted(base: string, method: string, path: string, body?: unknown) {
  return waitFor(`${method} ${path} accepted`, async () => {
    const r = await rest(base, method, path, body);
    if (r.status === 200) return r;
    if (r.status !== 500 || !/member|NON_EMPTY|not empty|still in the group/i.test(JSON.stringify(r.body))) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return undefined;
  }, 30_000, 500);
}

describe('sluice worker: connector offsets (KIP-875)', () => {
  it('alters and resets offsets while STOPPED; the connector replays from there, exactly-once positions included', async () => {
    const topic = uniqueName('wo');
    await createTopic(topic, 2);
    await produce(topic, Array.from({ length: N }, (_v, i) => ({ key: String(i), value: JSON.stringify({ id: i, p: i % 2 }), partition: i % 2 })));
    const table = uniqueName('wo_eos');
    const offsetsTable = uniqueName('wo_offs');
    await sql(`CREATE TABLE ${table} (id bigint NOT NULL, p integer)`);
    const dir = uniqueName('wos');
    const eos = uniqueName('wo_pg');
    const s3name = uniqueName('wo_s3');
    cluster = await startCluster(2);
    const [w0, w1] = cluster.workers as [typeof cluster.workers[0], typeof cluster.workers[0]];
    await rest(w0.url, 'POST', '/connectors', { name: eos, config: {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'tasks.max': '2', topics: topic,
      'connection.url': PG_JDBC, 'connection.user': 'postgres', 'table.name.format': table,
      'delivery.guarantee': 'exactly_once', 'pg.offsets.table': offsetsTable, 'batch.linger.ms': '50',
    } });
    await rest(w1.url, 'POST', '/connectors', { name: s3name, config: { ...s3Connector(topic, dir), 'flush.size': '500' } });
    await waitForStatus(w1.url, eos, running(2), 'RUNNING');
    await waitFor('PostgreSQL filled', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n === N, 90_000);
    await waitFor('S3 committed', () => fullyCommitted(`connect-${s3name}`, topic), 90_000, 500);

    const got = await rest(w1.url, 'GET', `/connectors/${eos}/offsets`);
    expect(got.status).toBe(200);
    const expected = [0, 1].map((p) => ({ partition: { kafka_topic: topic, kafka_partition: p }, offset: { kafka_offset: PER_PARTITION } }));
    expect(got.body).toEqual({ offsets: expected });

    // PostgreSQL exactly-once: partition 0 back to 1500 → its last 500 records are written again, nothing else.
    await stopAndWait(w0.url, eos);
    const altered = await untilAccepted(w1.url, 'PATCH', `/connectors/${eos}/offsets`, { offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1500 } }] });
    expect(altered.body).toEqual({ message: 'The offsets for this connector have been altered successfully' });
    expect((await rest(w0.url, 'GET', `/connectors/${eos}/offsets`)).body.offsets.map((o: { offset: { kafka_offset: number } }) => o.offset.kafka_offset)).toEqual([1500, PER_PARTITION]);
    const stored = await sql(`SELECT "partition", next_offset::int AS next FROM ${offsetsTable} WHERE connector = $1 ORDER BY 1`, [eos]);
    expect(stored).toEqual([{ partition: 0, next: 1500 }, { partition: 1, next: PER_PARTITION }]);
    expect((await rest(w0.url, 'PUT', `/connectors/${eos}/resume`)).status).toBe(202);
    await waitFor('partition 0 replayed from 1500', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n === N + 500, 90_000);
    await waitFor('committed to the end', () => fullyCommitted(`connect-${eos}`, topic), 60_000, 500);
    const twice = await sql<{ id: string }>(`SELECT id::text FROM ${table} GROUP BY id HAVING count(*) > 1 ORDER BY id`);
    // Partition 0 holds the even ids; offsets 1500..1999 are ids 3000..3998.
    expect(twice.map((r) => Number(r.id))).toEqual(Array.from({ length: 500 }, (_v, i) => 3000 + 2 * i));

    // S3: a reset while STOPPED clears the group and the set markers: everything is read and written again.
    await stopAndWait(w1.url, s3name);
    const reset = await untilAccepted(w0.url, 'DELETE', `/connectors/${s3name}/offsets`);
    expect(reset.body).toEqual({ message: 'The offsets for this connector have been reset successfully' });
    expect((await rest(w1.url, 'GET', `/connectors/${s3name}/offsets`)).body).toEqual({ offsets: [] });
    // Remove the data (markers stay gone): only a replay from the beginning can bring it back.
    const data = (await listObjects(`${dir}/`)).filter((o) => !o.key.includes('/_sluice/')).map((o) => o.key);
    expect(data.length).toBeGreaterThan(0);
    await s3.send(new DeleteObjectsCommand({ Bucket: S3_BUCKET, Delete: { Objects: data.map((Key) => ({ Key })) } }));
    expect((await rest(w1.url, 'PUT', `/connectors/${s3name}/resume`)).status).toBe(202);
    await waitFor('S3 replayed and committed', () => fullyCommitted(`connect-${s3name}`, topic), 90_000, 500);
    const ids = (await readParquet(`${dir}/`, ['id'])).flatMap((f) => f.data.map((r) => Number(r.id)));
    expect(ids.length).toBe(N);
    expect(new Set(ids).size).toBe(N);
  }, 400_000);
});
