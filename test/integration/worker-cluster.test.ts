// Three `sluice worker` processes in one group; four connectors (two
// PostgreSQL, two S3) created through the REST API of one of them; records
// trickle in while the worker running the exactly-once PostgreSQL connector's
// first task is killed with SIGKILL and a fourth worker joins. Every record
// lands: once in the exactly-once PostgreSQL table and in each S3 prefix, at
// least once (upsert, so once per key) in the other table. DELETE on one
// worker removes the connector on every worker, and from its consumer group.
import Kafka from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { KAFKA, uniqueName, waitFor } from '../helpers/stack.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { alive, rest, running, startCluster, waitForStatus, type TestCluster } from '../helpers/worker.js';
import { ensurePythonReaders, readParquet, s3Connector } from './s3-support.js';

const PARTITIONS = 3;
const CHUNKS = 8;
const PER_CHUNK = 3000;
const N = CHUNKS * PER_CHUNK;

let cluster: TestCluster | undefined;

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

afterAll(async () => {
  await cluster?.close();
}, 120_000);

async function groupMembers(group: string): Promise<number> {
  const admin = new Kafka.KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: Kafka.KafkaJS.logLevel.ERROR } }).admin();
  await admin.connect();
  try {
    const d = await admin.describeGroups([group]);
    return d.groups[0]?.members.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

describe('sluice worker cluster', () => {
  it('runs four connectors across three workers; a worker killed mid-stream and a new one joining lose and duplicate nothing; DELETE removes a connector everywhere', async () => {
    const topic = uniqueName('wc');
    await createTopic(topic, PARTITIONS);
    const eosTable = uniqueName('wc_eos');
    const upTable = uniqueName('wc_up');
    await sql(`CREATE TABLE ${eosTable} (id bigint NOT NULL, p integer)`);
    await sql(`CREATE TABLE ${upTable} (id bigint PRIMARY KEY, p integer)`);
    const pg = (table: string, extra: Record<string, string>) => ({
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'tasks.max': '2',
      topics: topic,
      'connection.url': PG_JDBC,
      'connection.user': 'postgres',
      'table.name.format': table,
      'batch.max.records': '1000',
      'batch.linger.ms': '50',
      ...extra,
    });
    const dirA = uniqueName('wca');
    const dirB = uniqueName('wcb');
    const s3 = (dir: string) => ({
      ...s3Connector(topic, dir),
      'tasks.max': '2',
      'flush.size': '2000',
      'rotate.schedule.interval.ms': '1500',
      'batch.max.records': '1000',
    }) as Record<string, string>;
    const connectors: Record<string, Record<string, string>> = {
      [uniqueName('pg_eos')]: pg(eosTable, { 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': uniqueName('wc_offs') }),
      [uniqueName('pg_up')]: pg(upTable, { 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' }),
      [uniqueName('s3_a')]: s3(dirA),
      [uniqueName('s3_b')]: s3(dirB),
    };
    const [eosName, upName, s3aName, s3bName] = Object.keys(connectors) as [string, string, string, string];

    cluster = await startCluster(3);
    const [w0, w1, w2] = cluster.workers as [typeof cluster.workers[0], typeof cluster.workers[0], typeof cluster.workers[0]];
    for (const [name, config] of Object.entries(connectors)) {
      const r = await rest(w0.url, 'POST', '/connectors', { name, config });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.name).toBe(name);
    }
    // Any worker reports every connector, each with two tasks on two different workers.
    expect((await rest<string[]>(w2.url, 'GET', '/connectors')).body.sort()).toEqual(Object.keys(connectors).sort());
    const started = new Set(cluster.workers.map((w) => new URL(w.url).host));
    for (const name of Object.keys(connectors)) {
      const s = await waitForStatus(w1.url, name, running(2), 'two tasks RUNNING');
      expect(new Set(s.tasks.map((t) => t.worker_id)).size).toBe(2);
      for (const t of s.tasks) expect(started).toContain(t.worker_id);
    }

    let chunksProduced = 0;
    const producing = (async () => {
      for (let c = 0; c < CHUNKS; c++, chunksProduced++) {
        await produce(topic, Array.from({ length: PER_CHUNK }, (_v, i) => {
          const id = c * PER_CHUNK + i;
          return { key: String(id), value: JSON.stringify({ id, p: id % PARTITIONS }), partition: id % PARTITIONS };
        }));
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    try {
      // Mid-stream: rows have landed, more are coming. Kill the worker running the exactly-once connector's task 0.
      await waitFor('rows in the exactly-once table', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${eosTable}`))[0]!.n >= PER_CHUNK, 120_000);
      const status = (await rest(w0.url, 'GET', `/connectors/${eosName}/status`)).body as { tasks: { id: number; worker_id: string }[] };
      const victimId = status.tasks.find((t) => t.id === 0)!.worker_id;
      const victim = cluster.workers.find((w) => new URL(w.url).host === victimId)!;
      expect(victim, `worker ${victimId} among ${cluster.workers.map((w) => w.url)}`).toBeDefined();
      victim.sluice.child.kill('SIGKILL');
      expect(chunksProduced, 'the kill lands while records are still arriving').toBeLessThan(CHUNKS);
      await victim.sluice.exited;
      const survivor = cluster.workers.find((w) => alive(w))!;
      // The dead worker's tasks move to the two left.
      for (const name of Object.keys(connectors)) {
        await waitForStatus(survivor.url, name, (s) => running(2)(s) && s.tasks.every((t) => t.worker_id !== victimId), 'tasks off the dead worker', 60_000);
      }
      const fresh = await cluster.add();
      await producing;
      for (const name of Object.keys(connectors)) {
        await waitFor(`${name} committed to the end`, () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
      }
      // The newcomer serves the same state.
      expect((await rest(fresh.url, 'GET', `/connectors/${upName}/status`)).body.tasks).toHaveLength(2);
    } finally {
      await producing.catch(() => {});
    }

    expect(await sql(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${eosTable}`)).toEqual([{ n: N, d: N }]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${upTable}`)).toEqual([{ n: N }]);
    for (const dir of [dirA, dirB]) {
      const ids = (await readParquet(`${dir}/`, ['id'])).flatMap((f) => f.data.map((r) => Number(r.id)));
      expect(ids.length, dir).toBe(N);
      expect(new Set(ids).size, dir).toBe(N);
    }

    // DELETE through one worker: gone on every worker, and nobody consumes for it any more.
    const live = cluster.workers.filter(alive);
    const del = await rest(live[0]!.url, 'DELETE', `/connectors/${s3bName}`);
    expect(del.status).toBe(204);
    for (const w of live) {
      expect((await rest(w.url, 'GET', `/connectors/${s3bName}`)).status).toBe(404);
      expect((await rest<string[]>(w.url, 'GET', '/connectors')).body).not.toContain(s3bName);
    }
    await waitFor(`connect-${s3bName} without members`, async () => (await groupMembers(`connect-${s3bName}`)) === 0, 60_000, 500);
    expect((await rest(live[1]!.url, 'GET', `/connectors/${s3aName}/status`)).body.connector.state).toBe('RUNNING');
  }, 600_000);
});
