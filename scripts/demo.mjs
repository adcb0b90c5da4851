// `npm run demo`, after setup and `stack.sh up`: produces sample orders
// (Avro, Schema Registry) into a fresh topic, runs Sluice with a Kafka
// Connect-style connector JSON until every offset is committed, and prints
// what landed in PostgreSQL, S3 and OpenSearch.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Kafka from '@confluentinc/kafka-javascript';
import pg from 'pg';
import { encodeOrder, orders, ORDER_AVRO_SCHEMA, ORDERS_TABLE_DDL } from '../dist/test/helpers/orders.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const KAFKA = env.SLUICE_TEST_KAFKA;
const PG_URL = env.SLUICE_TEST_PG;
const REGISTRY = env.SLUICE_TEST_REGISTRY;
const N = Number(env.DEMO_RECORDS ?? 200_000);
const PARTITIONS = 6;
const topic = `demo_orders_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;

const kafka = new Kafka.KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: Kafka.KafkaJS.logLevel.ERROR } });
const say = (s) => process.stdout.write(`[demo] ${s}\n`);

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });

const db = new pg.Client({ connectionString: PG_URL });
await db.connect();
await db.query(ORDERS_TABLE_DDL(topic));

const reg = await fetch(`${REGISTRY}/subjects/${topic}-value/versions`, {
  method: 'POST',
  headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
  body: JSON.stringify({ schema: JSON.stringify(ORDER_AVRO_SCHEMA) }),
});
const { id: schemaId } = await reg.json();

say(`producing ${N.toLocaleString()} Avro orders (schema id ${schemaId}) into ${topic} (${PARTITIONS} partitions)`);
const producer = kafka.producer({ 'linger.ms': 5, 'compression.type': 'lz4' });
await producer.connect();
let batch = [];
for (const o of orders(N, 1)) {
  batch.push({ key: String(o.id), value: encodeOrder('avro', o, schemaId), partition: o.id % PARTITIONS });
  if (batch.length === 10_000) {
    await producer.send({ topic, messages: batch });
    batch = [];
  }
}
if (batch.length) await producer.send({ topic, messages: batch });
await producer.disconnect();

const connectorFile = path.join(root, '.stack', 'demo-connector.json');
const connector = {
  name: `demo-${topic}`,
  config: {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
    topics: topic,
    'bootstrap.servers': KAFKA,
    'connection.url': `jdbc:${PG_URL.replace('postgresql://postgres@', 'postgresql://')}`,
    'connection.user': 'postgres',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': REGISTRY,
  },
};
fs.writeFileSync(connectorFile, JSON.stringify(connector, null, 2));
say(`running: node dist/src/cli.js run --config ${path.relative(root, connectorFile)}`);

const started = Date.now();
const sluice = spawn(process.execPath, [path.join(root, 'dist/src/cli.js'), 'run', '--config', connectorFile], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...env, SLUICE_LOG_LEVEL: 'warn' },
});
sluice.stdout.pipe(process.stdout);
const exited = new Promise((resolve) => sluice.on('exit', (code) => resolve(code)));

const group = `connect-${connector.name}`;
let committed = 0;
for (;;) {
  const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  committed = (offs[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  if (committed >= N) break;
  if (sluice.exitCode !== null) throw new Error(`sluice exited with ${sluice.exitCode}`);
  if (Date.now() - started > 300_000) throw new Error('demo timed out');
  await new Promise((r) => setTimeout(r, 200));
}
const seconds = (Date.now() - started) / 1000;
sluice.kill('SIGTERM');
const code = await exited;

// The same topic to S3 as Parquet, with the S3 sink's connector JSON (its own group).
const s3Connector = {
  name: `demo-s3-${topic}`,
  config: {
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
    topics: topic,
    'bootstrap.servers': KAFKA,
    's3.bucket.name': env.SLUICE_TEST_S3_BUCKET,
    'store.url': env.SLUICE_TEST_S3,
    'aws.access.key.id': env.SLUICE_TEST_S3_ACCESS_KEY,
    'aws.secret.access.key': env.SLUICE_TEST_S3_SECRET_KEY,
    'topics.dir': 'demo',
    'flush.size': '50000',
    'rotate.schedule.interval.ms': '2000',
    'parquet.codec': 'zstd',
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': REGISTRY,
  },
};
const s3File = path.join(root, '.stack', 'demo-s3-connector.json');
fs.writeFileSync(s3File, JSON.stringify(s3Connector, null, 2));
say(`running: node dist/src/cli.js run --config ${path.relative(root, s3File)}`);
const s3Started = Date.now();
const s3Sluice = spawn(process.execPath, [path.join(root, 'dist/src/cli.js'), 'run', '--config', s3File], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...env, SLUICE_LOG_LEVEL: 'warn' },
});
s3Sluice.stdout.pipe(process.stdout);
const s3Exited = new Promise((resolve) => s3Sluice.on('exit', (c) => resolve(c)));
for (;;) {
  const offs = await admin.fetchOffsets({ groupId: `connect-${s3Connector.name}`, topics: [topic] });
  if ((offs[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) >= N) break;
  if (s3Sluice.exitCode !== null) throw new Error(`sluice (S3) exited with ${s3Sluice.exitCode}`);
  if (Date.now() - s3Started > 300_000) throw new Error('demo (S3) timed out');
  await new Promise((r) => setTimeout(r, 200));
}
const s3Seconds = (Date.now() - s3Started) / 1000;
s3Sluice.kill('SIGTERM');
const s3Code = await s3Exited;
const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
const s3 = new S3Client({
  endpoint: env.SLUICE_TEST_S3, region: 'us-east-1', forcePathStyle: true,
  credentials: { accessKeyId: env.SLUICE_TEST_S3_ACCESS_KEY, secretAccessKey: env.SLUICE_TEST_S3_SECRET_KEY },
});
const listed = await s3.send(new ListObjectsV2Command({ Bucket: env.SLUICE_TEST_S3_BUCKET, Prefix: `demo/${topic}/` }));
const objects = (listed.Contents ?? []).map((o) => ({ key: o.Key, bytes: o.Size }));
s3.destroy();

// The same topic into OpenSearch with Confluent's Elasticsearch sink JSON: an
// index named after the topic, its mapping derived from the Avro schema; the
// count is printed as the index fills.
const osConnector = {
  name: `demo-os-${topic}`,
  config: {
    'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    topics: topic,
    'bootstrap.servers': KAFKA,
    'connection.url': env.SLUICE_TEST_OPENSEARCH_URL,
    'key.ignore': 'true',
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': REGISTRY,
  },
};
const osFile = path.join(root, '.stack', 'demo-opensearch-connector.json');
fs.writeFileSync(osFile, JSON.stringify(osConnector, null, 2));
say(`running: node dist/src/cli.js run --config ${path.relative(root, osFile)}`);
const osStarted = Date.now();
const osSluice = spawn(process.execPath, [path.join(root, 'dist/src/cli.js'), 'run', '--config', osFile], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...env, SLUICE_LOG_LEVEL: 'warn' },
});
osSluice.stdout.pipe(process.stdout);
const osExited = new Promise((resolve) => osSluice.on('exit', (c) => resolve(c)));
const osGet = async (p) => (await fetch(`${env.SLUICE_TEST_OPENSEARCH_URL}${p}`)).json();
let lastShown = 0;
for (;;) {
  const offs = await admin.fetchOffsets({ groupId: `connect-${osConnector.name}`, topics: [topic] });
  if ((offs[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) >= N) break;
  if (osSluice.exitCode !== null) throw new Error(`sluice (OpenSearch) exited with ${osSluice.exitCode}`);
  if (Date.now() - osStarted > 300_000) throw new Error('demo (OpenSearch) timed out');
  if (Date.now() - lastShown > 1000) {
    lastShown = Date.now();
    const c = await osGet(`/${topic}/_count`).catch(() => undefined);
    if (c?.count !== undefined) say(`OpenSearch index ${topic}: ${c.count.toLocaleString()} documents`);
  }
  await new Promise((r) => setTimeout(r, 200));
}
const osSeconds = (Date.now() - osStarted) / 1000;
osSluice.kill('SIGTERM');
const osCode = await osExited;
await fetch(`${env.SLUICE_TEST_OPENSEARCH_URL}/${topic}/_refresh`, { method: 'POST' });
const osCount = (await osGet(`/${topic}/_count`)).count;
const osMapping = (await osGet(`/${topic}/_mapping`))[topic].mappings.properties;
const osSample = (await osGet(`/${topic}/_search?size=1&sort=id`)).hits.hits[0];

const { rows: [stats] } = await db.query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids, sum(amount)::text AS total, min(created_at) AS first, max(created_at) AS last FROM ${topic}`);
const { rows: sample } = await db.query(`SELECT id, customer, amount::text, quantity, created_at, status, note FROM ${topic} ORDER BY id LIMIT 5`);
await db.end();
await admin.disconnect();

say(`sluice exited with code ${code} after committing every offset`);
say(`landed in PostgreSQL table ${topic}: ${stats.rows.toLocaleString()} rows (${stats.ids.toLocaleString()} distinct ids), sum(amount) = ${stats.total}`);
say(`created_at from ${stats.first.toISOString()} to ${stats.last.toISOString()}`);
say(`${N.toLocaleString()} records in ${seconds.toFixed(1)} s including start-up: ${Math.round(N / seconds).toLocaleString()} records/s`);
console.table(sample.map((r) => ({ ...r, created_at: r.created_at.toISOString() })));
say(`S3 sink exited with code ${s3Code}; ${N.toLocaleString()} records in ${s3Seconds.toFixed(1)} s including start-up`);
say(`landed in s3://${env.SLUICE_TEST_S3_BUCKET}/demo/${topic}/ as ${objects.length} Parquet objects (zstd):`);
console.table(objects);
say(`OpenSearch sink exited with code ${osCode}; ${N.toLocaleString()} records in ${osSeconds.toFixed(1)} s including start-up`);
say(`landed in OpenSearch index ${topic}: ${osCount.toLocaleString()} documents; mapping from the Avro schema:`);
console.table(Object.entries(osMapping).map(([field, m]) => ({ field, type: m.type ?? 'object' })));
say(`document ${osSample._id}: ${JSON.stringify(osSample._source)}`);
if (stats.rows !== N || code !== 0 || s3Code !== 0 || objects.length === 0 || osCount !== N || osCode !== 0) process.exit(1);
