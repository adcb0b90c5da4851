// Sluice against Kafka Connect itself, on the same machine, the same topic and
// the same connector config: Apache Kafka's Connect runtime (connect-standalone)
// running Debezium's JDBC sink, the Kafka Connect JDBC sink whose jars are on
// Maven Central (scripts/stack/connect.sh), and Sluice running that config.
// Records are the reference orders as Kafka Connect JSON with schemas; both
// insert them into a table of their own (insert.mode=insert, auto-created).
// Both are timed the same way, from the first row in their table to the last
// (start-up, plugin scanning and the group join left out of both), by polling
// count(*); peak RSS is each process's VmHWM.
//
//   npx tsc -p . && eval "$(bash scripts/stack.sh env | sed 's/^/export /')" && node dist/bench/kafka-connect.js
//
// Env: N (records, default 200000), PARTITIONS (default 4), TASKS (Connect's
// tasks.max, default PARTITIONS), THREADS (Sluice's worker.threads, default 1),
// OUT (write the JSON result there), TIMEOUT_S (bound on each run, default 900).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { orders, orderConnectJson } from '../test/helpers/orders.js';
import { createTopic, produce } from '../test/helpers/kafka.js';
import { ConnectStandalone, connectDatabase } from '../test/helpers/kafka-connect.js';
import { PG_JDBC } from '../test/helpers/connectors.js';
import { KAFKA, PG_URL, uniqueName } from '../test/helpers/stack.js';
import { startBenchSluice } from './lib/sluice-child.js';
import { memory } from './lib/proc.js';

const MiB = 1024 * 1024;
const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const N = Math.ceil(Number(process.env.N ?? 200_000) / PARTITIONS) * PARTITIONS;
const TASKS = Number(process.env.TASKS ?? PARTITIONS);
const THREADS = Number(process.env.THREADS ?? 1);
const TIMEOUT_MS = Number(process.env.TIMEOUT_S ?? 900) * 1000;
const CONNECT_DB = 'sluice_bench_connect';

interface Timing { rowsPerSec: number; seconds: number; peakRssMiB: number }

/** Polls the table until it holds N rows; times from the first row seen to the last. */
async function timeRows(url: string, table: string, pid: () => number | undefined, what: string): Promise<Timing> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const deadline = Date.now() + TIMEOUT_MS;
    let first: { at: number; rows: number } | undefined;
    let peak = 0;
    for (;;) {
      const id = pid();
      if (id === undefined) throw new Error(`${what} exited before landing ${N} rows`);
      peak = Math.max(peak, memory(id).peakRss);
      const rows = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}"`).then((r) => Number(r.rows[0]!.n), () => 0);
      const now = performance.now();
      if (rows > 0 && !first) first = { at: now, rows };
      if (rows >= N) {
        if (rows !== N) throw new Error(`${what} landed ${rows} rows, expected ${N}`);
        const seconds = (now - first!.at) / 1000;
        return { rowsPerSec: Math.round((N - first!.rows) / seconds), seconds: +seconds.toFixed(2), peakRssMiB: Math.round(peak / MiB) };
      }
      if (Date.now() > deadline) throw new Error(`${what}: ${rows} of ${N} rows after ${TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const topic = uniqueName('bench_kc');
  await createTopic(topic, PARTITIONS);
  const rows = [...orders(N, 1)];
  await produce(topic, rows.map((o, i) => ({ key: String(o.id), value: orderConnectJson(o), partition: i % PARTITIONS })));

  const connectDb = await connectDatabase(CONNECT_DB);

  const config = {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', topics: topic,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
    'insert.mode': 'insert', 'primary.key.mode': 'none', 'schema.evolution': 'basic',
    'connection.username': 'postgres', 'connection.password': 'postgres',
  };

  // Kafka Connect first, on its own: the machine is not shared between the two runs.
  const connect = new ConnectStandalone([{ name: `bench-${topic}`, config: { ...config, 'tasks.max': String(TASKS), 'connection.url': connectDb.jdbc } }]);
  let kc: Timing;
  try {
    kc = await timeRows(connectDb.url, topic, () => connect.pid, 'Kafka Connect');
  } catch (err) {
    process.stderr.write(connect.log().slice(-4000));
    throw err;
  } finally {
    await connect.stop();
  }

  const name = uniqueName('bench_kc');
  const sluice = startBenchSluice({ ...config, 'bootstrap.servers': KAFKA, 'connection.url': PG_JDBC }, name, { SLUICE_WORKER_THREADS: String(THREADS), SLUICE_LOG_LEVEL: 'info' });
  let sl: Timing;
  try {
    sl = await timeRows(PG_URL, topic, () => (sluice.child.exitCode === null ? sluice.child.pid : undefined), 'Sluice');
  } catch (err) {
    process.stderr.write(sluice.output().slice(-4000));
    throw err;
  } finally {
    await sluice.stop();
  }

  const result = {
    records: N, partitions: PARTITIONS, connectTasks: TASKS, sluiceWorkerThreads: THREADS,
    connector: 'io.debezium.connector.jdbc.JdbcSinkConnector, insert.mode=insert, Connect JSON with schemas',
    kafkaConnect: kc, sluice: sl,
    ratioSluiceToKafkaConnect: +(sl.rowsPerSec / kc.rowsPerSec).toFixed(2),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (process.env.OUT) fs.writeFileSync(process.env.OUT, JSON.stringify(result, null, 2) + '\n');
}

try {
  await main();
  process.exit(0);
} catch (err) {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
