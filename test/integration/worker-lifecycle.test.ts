// Pause, resume, stop and config updates through the REST API of a
// two-worker cluster: each acts on its connector only, whichever worker
// receives the call, and the other connector never stops.
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, groupProgress, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { rest, running, startCluster, waitForStatus, type TestCluster } from '../helpers/worker.js';

let cluster: TestCluster | undefined;

afterAll(async () => {
  await cluster?.close();
}, 120_000);

const rows = (table: string) => sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`).then((r) => r[0]!.n);

function records(topic: string, from: number, n: number) {
  return produce(topic, Array.from({ length: n }, (_v, i) => {
    const id = from + i;
    return { key: String(id), value: JSON.stringify({ id, p: id % 2 }), partition: id % 2 };
  }));
}

describe('sluice worker: pause, resume, stop, config updates', () => {
  it('acts on one connector only, from any worker', async () => {
    const topic = uniqueName('wl');
    await createTopic(topic, 2);
    const [tableA, tableA2, tableB] = [uniqueName('wl_a'), uniqueName('wl_a2'), uniqueName('wl_b')];
    for (const t of [tableA, tableA2]) await sql(`CREATE TABLE ${t} (id bigint NOT NULL, p integer)`);
    await sql(`CREATE TABLE ${tableB} (id bigint PRIMARY KEY, p integer)`);
    const pg = (table: string, extra: Record<string, string> = {}) => ({
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      topics: topic,
      'connection.url': PG_JDBC,
      'connection.user': 'postgres',
      'table.name.format': table,
      'batch.linger.ms': '50',
      ...extra,
    });
    const a = uniqueName('wl_a');
    const b = uniqueName('wl_b');
    // A long session: a worker that stops cleanly must hand its connectors over at once, not when it times out.
    cluster = await startCluster(2, { 'session.timeout.ms': '120000' });
    const [w0, w1] = cluster.workers as [typeof cluster.workers[0], typeof cluster.workers[0]];
    expect((await rest(w0.url, 'PUT', `/connectors/${a}/config`, pg(tableA, { 'tasks.max': '2' }))).status).toBe(201);
    expect((await rest(w1.url, 'POST', '/connectors', { name: b, config: pg(tableB, { 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' }) })).status).toBe(201);
    await waitForStatus(w1.url, a, running(2), 'RUNNING');
    await waitForStatus(w0.url, b, running(1), 'RUNNING');

    await records(topic, 0, 5000);
    await waitFor('both tables filled', async () => (await rows(tableA)) === 5000 && (await rows(tableB)) === 5000, 90_000);

    // Pause A through w1: A's tasks are PAUSED everywhere and A reads nothing, while B goes on.
    expect((await rest(w1.url, 'PUT', `/connectors/${a}/pause`)).status).toBe(202);
    const paused = await waitForStatus(w0.url, a, (s) => s.connector.state === 'PAUSED' && s.tasks.length === 2 && s.tasks.every((t) => t.state === 'PAUSED'), 'PAUSED');
    expect(paused.tasks.map((t) => t.id)).toEqual([0, 1]);
    const aCommitted = (await groupProgress(`connect-${a}`, topic)).map((p) => p.committed);
    await records(topic, 5000, 2000);
    await waitFor('B takes the new records', async () => (await rows(tableB)) === 7000, 90_000);
    expect(await rows(tableA)).toBe(5000);
    expect((await groupProgress(`connect-${a}`, topic)).map((p) => p.committed)).toEqual(aCommitted);
    expect((await rest(w0.url, 'GET', `/connectors/${b}/status`)).body.connector.state).toBe('RUNNING');

    // Resume through w0: A catches up.
    expect((await rest(w0.url, 'PUT', `/connectors/${a}/resume`)).status).toBe(202);
    await waitFor('A catches up', async () => (await rows(tableA)) === 7000, 90_000);
    await waitForStatus(w1.url, a, running(2), 'RUNNING again');

    // A config PUT restarts A alone, with its new config (another table); B never stops.
    const before = cluster.workers.map((w) => w.sluice.output().length);
    const put = await rest(w1.url, 'PUT', `/connectors/${a}/config`, pg(tableA2, { 'tasks.max': '2' }));
    expect(put.status).toBe(200);
    expect(put.body.config['table.name.format']).toBe(tableA2);
    await records(topic, 7000, 1000);
    await waitFor('A writes to its new table, B goes on', async () => (await rows(tableA2)) === 1000 && (await rows(tableB)) === 8000, 90_000);
    expect(await rows(tableA)).toBe(7000);
    const after = cluster.workers.map((w, i) => w.sluice.output().slice(before[i]));
    expect(after.join('').split('\n').some((l) => l.includes(`"connector":"${a}"`) && /"why":"config updated"/.test(l))).toBe(true);
    const stoppedB = cluster.workers.flatMap((w) => w.sluice.output().split('\n')).filter((l) => l.includes(`"connector":"${b}"`) && /stopping connector|stopping: draining/.test(l));
    expect(stoppedB).toEqual([]);

    // Stop: STOPPED with no tasks, the group left empty; offsets of a connector that is not STOPPED cannot change.
    expect((await rest(w0.url, 'PUT', `/connectors/${a}/stop`)).status).toBe(204);
    const stopped = await waitForStatus(w1.url, a, (s) => s.connector.state === 'STOPPED', 'STOPPED');
    expect(stopped.tasks).toEqual([]);
    expect((await rest(w0.url, 'GET', `/connectors/${a}`)).body.tasks).toEqual([]);
    const patch = await rest(w1.url, 'PATCH', `/connectors/${b}/offsets`, { offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 0 } }] });
    expect(patch.status).toBe(400);
    expect(patch.body.message).toMatch(/must be in the STOPPED state/);
    expect((await rest(w1.url, 'DELETE', `/connectors/${b}/offsets`)).status).toBe(400);

    // SIGTERM on the worker running B: it drains, leaves the group, and the other worker takes B over.
    const owner = (await rest(w0.url, 'GET', `/connectors/${b}/status`)).body.tasks[0].worker_id as string;
    const [leaving, staying] = new URL(w0.url).host === owner ? [w0, w1] : [w1, w0];
    expect((await leaving.sluice.stop('SIGTERM')).code).toBe(0);
    await waitForStatus(staying.url, b, (s) => running(1)(s) && s.tasks[0]!.worker_id === new URL(staying.url).host, 'B on the staying worker', 30_000);
    await records(topic, 8000, 500);
    await waitFor('B goes on after the hand-over', async () => (await rows(tableB)) === 8500, 60_000);
  }, 400_000);
});
