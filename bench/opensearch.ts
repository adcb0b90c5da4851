// Kafka → OpenSearch throughput against a same-run baseline: the same
// documents sent by one _bulk client (no Kafka, no decode), with the same
// actions (index, the key as id, the offset as external version), the same
// documents per request (batch.size) and the same requests in flight
// (max.in.flight.requests), into an index of its own, after a warm-up pass.
//
//   npx tsc -p . && eval "$(bash scripts/stack.sh env | sed 's/^/export /')" && node dist/bench/opensearch.js
//
// Env: N (records, default 200000), PARTITIONS (default 4), THREADS
// (worker.threads, default 1), BATCH_SIZE (default 2000, Confluent's
// batch.size), IN_FLIGHT (default 5, Confluent's max.in.flight.requests),
// OUT (write the JSON result there).
// Sluice: from the first partition assignment to every offset committed
// (committed means every document acknowledged). Peak RSS is VmHWM.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { converterConfig, encodeOrder, orders } from '../test/helpers/orders.js';
import { createTopic, produce } from '../test/helpers/kafka.js';
import { OPENSEARCH } from '../test/helpers/opensearch.js';
import { KAFKA, uniqueName } from '../test/helpers/stack.js';
import { startBenchSluice, timeToCommitted } from './lib/sluice-child.js';

const MiB = 1024 * 1024;
const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const N = Math.ceil(Number(process.env.N ?? 200_000) / PARTITIONS) * PARTITIONS;
const THREADS = Number(process.env.THREADS ?? 1);
const BATCH_SIZE = Number(process.env.BATCH_SIZE ?? 2000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 5);

async function bulk(body: Buffer): Promise<void> {
  const res = await request(`${OPENSEARCH}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  const json = (await res.body.json()) as { errors: boolean; items: Record<string, { status: number }>[] };
  if (res.statusCode !== 200 || json.errors) throw new Error(`_bulk: HTTP ${res.statusCode}, errors ${JSON.stringify(json.items.find((i) => Object.values(i)[0]!.status >= 300))}`);
}

/** One client: the documents in batch.size requests, IN_FLIGHT at a time, as Sluice sends them. */
async function baseline(index: string, values: Buffer[], partitionOf: (i: number) => number, offsetOf: (i: number) => number): Promise<number> {
  await request(`${OPENSEARCH}/${index}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.body.text());
  const bodies: Buffer[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = values.map((_, i) => i).filter((i) => partitionOf(i) === p);
    for (let s = 0; s < mine.length; s += BATCH_SIZE) {
      const parts: Buffer[] = [];
      for (const i of mine.slice(s, s + BATCH_SIZE)) {
        parts.push(Buffer.from(`{"index":{"_index":"${index}","_id":"${i + 1}","version":${offsetOf(i)},"version_type":"external"}}\n`), values[i]!, Buffer.from('\n'));
      }
      bodies.push(Buffer.concat(parts));
    }
  }
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < bodies.length) await bulk(bodies[next++]!);
  }));
  return (performance.now() - t0) / 1000;
}

async function count(index: string): Promise<number> {
  await request(`${OPENSEARCH}/${index}/_refresh`, { method: 'POST' }).then((r) => r.body.text());
  const r = await request(`${OPENSEARCH}/${index}/_count`);
  return ((await r.body.json()) as { count: number }).count;
}

async function main(): Promise<void> {
  const rows = [...orders(N, 1)];
  const values = rows.map((o) => encodeOrder('json', o));
  const inputBytes = values.reduce((s, v) => s + v.length, 0);
  const partitionOf = (i: number) => i % PARTITIONS;
  const offsetOf = (i: number) => Math.floor(i / PARTITIONS);

  const topic = uniqueName('bench_os');
  await createTopic(topic, PARTITIONS);
  await produce(topic, rows.map((o, i) => ({ key: String(o.id), value: values[i]!, partition: partitionOf(i) })));

  // A first pass into a throwaway index warms the node (JIT, thread pools), so
  // that neither measurement pays for it: the one measured comes second.
  const warmIndex = `${topic}_warmup`;
  await baseline(warmIndex, values, partitionOf, offsetOf);
  const baseIndex = `${topic}_baseline`;
  const baseSeconds = await baseline(baseIndex, values, partitionOf, offsetOf);
  if ((await count(baseIndex)) !== N) throw new Error(`baseline index holds ${await count(baseIndex)} of ${N} documents`);

  const name = uniqueName('bench_os');
  const sluice = startBenchSluice({
    'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    topics: topic, 'bootstrap.servers': KAFKA, 'connection.url': OPENSEARCH,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'schema.ignore': 'true',
    'batch.size': String(BATCH_SIZE), 'max.in.flight.requests': String(IN_FLIGHT),
    ...converterConfig('json'),
  }, name, { SLUICE_WORKER_THREADS: String(THREADS), SLUICE_LOG_LEVEL: 'info' });
  const { seconds, peakRss } = await timeToCommitted(sluice, name, topic);
  const landed = await count(topic);
  if (landed !== N) throw new Error(`Sluice's index holds ${landed} of ${N} documents`);

  const result = {
    documents: N, partitions: PARTITIONS, workerThreads: THREADS, batchSize: BATCH_SIZE, inFlight: IN_FLIGHT,
    inputMiB: +(inputBytes / MiB).toFixed(1),
    bulkClientDocsPerSec: Math.round(N / baseSeconds),
    sluiceDocsPerSec: Math.round(N / seconds),
    ratioToBulkClient: +(baseSeconds / seconds).toFixed(2),
    peakRssMiB: +(peakRss / MiB).toFixed(0),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (process.env.OUT) fs.writeFileSync(process.env.OUT, JSON.stringify(result, null, 2) + '\n');
  // The bench's indices go; the topic stays for a rerun's inspection like the other benches'.
  for (const index of [topic, baseIndex, warmIndex]) await request(`${OPENSEARCH}/${index}`, { method: 'DELETE' }).then((r) => r.body.text());
}

try {
  await main();
  process.exit(0);
} catch (err) {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
