// A connector that fails is FAILED with its trace while the other connector of
// the same workers runs on; restarting it (onlyFailed) brings it back. Topic
// tracking and the worker's /metrics (one endpoint, a connector label).
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { rest, running, startCluster, waitForStatus, type TestCluster } from '../helpers/worker.js';

let cluster: TestCluster | undefined;

afterAll(async () => {
  await cluster?.close();
}, 120_000);

const rows = (table: string) => sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`).then((r) => r[0]!.n);

describe('sluice worker: failures, restarts, topics, metrics', () => {
  it('fails one connector alone, restarts it, tracks topics and labels metrics by connector', async () => {
    const topic = uniqueName('wf');
    await createTopic(topic, 2);
    const good = uniqueName('wf_good');
    const bad = uniqueName('wf_bad');
    const goodTable = uniqueName('wf_g');
    const badTable = uniqueName('wf_b');
    await sql(`CREATE TABLE ${goodTable} (id bigint NOT NULL, p integer)`);
    const pg = (table: string) => ({
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: topic, 'tasks.max': '2',
      'connection.url': PG_JDBC, 'connection.user': 'postgres', 'table.name.format': table, 'batch.linger.ms': '50',
      'max.retries': '0',
    });
    cluster = await startCluster(2, { 'status.port': '0' });
    const [w0, w1] = cluster.workers as [typeof cluster.workers[0], typeof cluster.workers[0]];
    await rest(w0.url, 'POST', '/connectors', { name: good, config: pg(goodTable) });
    // Its table does not exist and auto.create is off: its tasks fail on the first records.
    await rest(w0.url, 'POST', '/connectors', { name: bad, config: pg(badTable) });
    await waitForStatus(w1.url, good, running(2), 'RUNNING');
    await produce(topic, Array.from({ length: 3000 }, (_v, i) => ({ key: String(i), value: JSON.stringify({ id: i, p: i % 2 }), partition: i % 2 })));

    const failed = await waitForStatus(w1.url, bad, (s) => s.tasks.length === 2 && s.tasks.every((t) => t.state === 'FAILED'), 'tasks FAILED');
    for (const t of failed.tasks) expect(t.trace).toContain(`does not exist`);
    expect(failed.connector.state).toBe('RUNNING');
    await waitFor('the other connector lands everything', async () => (await rows(goodTable)) === 3000, 90_000);
    expect((await rest(w0.url, 'GET', `/connectors/${good}/status`)).body.tasks.every((t: { state: string }) => t.state === 'RUNNING')).toBe(true);

    // Fixed, then restarted through Connect's restart API: only the failed tasks restart.
    await sql(`CREATE TABLE ${badTable} (id bigint NOT NULL, p integer)`);
    const restart = await rest(w1.url, 'POST', `/connectors/${bad}/restart?includeTasks=true&onlyFailed=true`);
    expect(restart.status).toBe(202);
    expect(restart.body.tasks.map((t: { state: string }) => t.state)).toEqual(['RESTARTING', 'RESTARTING']);
    await waitForStatus(w0.url, bad, running(2), 'RUNNING after the restart');
    await waitFor('the restarted connector lands everything', async () => (await rows(badTable)) === 3000, 90_000);

    // Topic tracking: recorded once read; reset empties it until records come again.
    await waitFor('topics recorded', async () => {
      const r = await rest(w1.url, 'GET', `/connectors/${good}/topics`);
      return r.body?.[good]?.topics?.length === 1 ? r : undefined;
    }, 30_000);
    expect((await rest(w1.url, 'GET', `/connectors/${good}/topics`)).body).toEqual({ [good]: { topics: [topic] } });
    expect((await rest(w0.url, 'PUT', `/connectors/${good}/topics/reset`)).status).toBe(202);
    expect((await rest(w1.url, 'GET', `/connectors/${good}/topics`)).body).toEqual({ [good]: { topics: [] } });
    await produce(topic, [{ key: 'x', value: JSON.stringify({ id: 3000, p: 0 }), partition: 0 }]);
    await waitFor('topic recorded again', async () => (await rest(w1.url, 'GET', `/connectors/${good}/topics`)).body[good].topics.length === 1, 30_000);

    // One /metrics per worker, each series labelled with its connector.
    for (const w of cluster.workers) {
      const line = await w.sluice.waitForLine(/metrics endpoint listening/, 10_000);
      const port = (JSON.parse(line) as { port: number }).port;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const name of [good, bad]) expect(text).toMatch(new RegExp(`sluice_sink_record_read_total\\{[^}]*connector="${name}"[^}]*\\} [1-9]`));
      // One budget for the worker, not one per connector.
      expect(text).toMatch(/sluice_worker_inflight_bytes_max\{[^}]*\} 201326592\n/);
    }
  }, 300_000);
});
