// The REST contract end to end: an operator's script written with an
// independent Kafka Connect REST client (kafka-connect-py,
// connect-rest-worker.py) drives real `sluice worker` processes on the local
// stack — validate, create, records landing in PostgreSQL,
// pause/resume/restart/stop, delete — once against a single worker, once
// against a three-worker cluster where the connector is created through one
// worker and operated through another (a script behind a load balancer). No
// worker shows or logs a literal secret, while ${env:…} placeholders come
// back as written.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { startCluster, type TestCluster } from '../helpers/worker.js';
import { ensurePythonReaders } from './s3-support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const SCRIPT = path.join(ROOT, 'test/integration/connect-rest-worker.py');
const run = promisify(execFile);
const LITERAL = 'lit-pass-e2e';

let cluster: TestCluster | undefined;
beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
}, 120_000);

async function script(...args: string[]): Promise<string[]> {
  const { stdout } = await run(PYTHON, [SCRIPT, ...args], { timeout: 240_000 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`operator script failed: ${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { passed: string[] }).passed;
}

describe.each([
  { workers: 1, operateThrough: 0, title: 'an operator script runs unchanged against a real worker' },
  { workers: 3, operateThrough: 2, title: 'an operator script runs unchanged, creating on one worker and operating through another' },
])('kafka-connect-py against $workers sluice worker(s)', ({ workers, operateThrough, title }) => {
  it(title, async () => {
    const topic = uniqueName('rest_e2e');
    const table = uniqueName('rest_e2e');
    await createTopic(topic, 2);
    await sql(`CREATE TABLE ${table} (id bigint PRIMARY KEY, v text)`);
    const N = 500;
    await produce(topic, Array.from({ length: N }, (_x, id) => ({ key: String(id), value: JSON.stringify({ id, v: `v${id}` }), partition: id % 2 })));

    cluster = await startCluster(workers, {}, { REST_E2E_PG_PASSWORD: 'from-env' });
    const createThrough = cluster.workers[0]!.url;
    const name = uniqueName('rest_e2e');
    const connector = {
      name,
      config: {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        'tasks.max': '1',
        topics: topic,
        'connection.url': PG_JDBC,
        'connection.user': 'postgres',
        // resolved by the worker, shown as written by the REST API
        'connection.password': '${env:REST_E2E_PG_PASSWORD}',
        // a literal secret the connector does not use: hidden in every answer and never logged
        'value.converter.basic.auth.user.info': `user:${LITERAL}`,
        'table.name.format': table,
        'insert.mode': 'upsert',
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'batch.linger.ms': '50',
      },
    };
    const created = await script('create', createThrough, JSON.stringify(connector));
    expect(created).toContain('validate reports the bad key');
    expect(created).toContain('RUNNING with a worker_id per task');

    await waitFor('every record in PostgreSQL', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n === N, 120_000);
    expect(await sql(`SELECT v FROM ${table} WHERE id = 499`)).toEqual([{ v: 'v499' }]);

    const operated = await script('operate', cluster.workers[operateThrough]!.url, name, topic);
    expect(operated).toEqual([
      'config keeps the ${env:…} placeholder as written',
      'config hides a literal secret',
      'expand=info',
      'filter by state',
      'tasks',
      'task status',
      'active topics',
      'pause',
      'resume',
      'restart with tasks answers the status',
      'restart connector only',
      'task restart',
      'stop leaves no tasks',
      'deleted is 404',
    ]);
    for (const w of cluster.workers) expect(w.sluice.output()).not.toContain(LITERAL);
  }, 480_000);
});
