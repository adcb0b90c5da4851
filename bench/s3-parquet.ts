// Kafka → S3 Parquet throughput against the same-run single-thread
// encode-only rate of the same rows, and Sluice's peak RSS against its
// configured budget.
//
//   npx tsc -p . && eval "$(bash scripts/stack.sh env | sed 's/^/export /')" && node dist/bench/s3-parquet.js
//
// Env: N (rows, default 600000), FORMAT (avro | json | connect-json | msgpack,
// default avro), PARTITIONS (default 6), THREADS (worker.threads, default 2),
// BUDGET_MIB (inflight.max.bytes, default 192, Sluice's default), OUT (write
// the JSON result there).
//
// Baselines, measured in this process on one thread, over the same rows:
//   encode-only:   decoded values → the sink's Arrow encoder → Parquet files
//                  (the same S3ParquetEncoder and file task Sluice runs), no
//                  Kafka, no decode, no upload;
//   decode+encode: the same plus decoding each record from its Kafka bytes.
//   raw consume:   librdkafka consume of the topic, no processing: the
//                  ceiling the broker and the binding set on this machine.
// Sluice: from the first partition assignment to every offset committed
// (committed means uploaded). Peak RSS is VmHWM of the Sluice process.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import Kafka from '@confluentinc/kafka-javascript';
import { converterConfig, encodeOrder, orders, ORDER_AVRO_SCHEMA, type WireFormat } from '../test/helpers/orders.js';
import { createDecoder, type Decoded } from '../src/workers/decode/decoders.js';
import type { RecordContext } from '../src/workers/encoder.js';
import { S3ParquetEncoder, type S3Plan } from '../src/sinks/s3-parquet/encoding.js';
import writeParquetFile, { type FilePiece } from '../src/sinks/s3-parquet/file-task.js';
import type { S3BatchMeta } from '../src/sinks/s3-parquet/layout.js';
import { EMPTY_INFERRED } from '../src/sinks/s3-parquet/types.js';
import { createTopic, produce } from '../test/helpers/kafka.js';
import { registerSchema } from '../test/helpers/registry.js';
import { KAFKA, REGISTRY, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../test/helpers/stack.js';
import { startBenchSluice, timeToCommitted } from './lib/sluice-child.js';

const MiB = 1024 * 1024;
const FORMAT = (process.env.FORMAT ?? 'avro') as WireFormat;
const PARTITIONS = Number(process.env.PARTITIONS ?? 6);
// A multiple of PARTITIONS, so every partition gets the same number of records.
const N = Math.ceil(Number(process.env.N ?? 600_000) / PARTITIONS) * PARTITIONS;
const THREADS = Number(process.env.THREADS ?? 2);
const BUDGET = Number(process.env.BUDGET_MIB ?? 192) * MiB;
const BATCH = 20_000;
// Each partition's records fill exactly one file, as the general harness does: the last record closes it.
const FLUSH = Number(process.env.FLUSH ?? N / PARTITIONS);

const plan: S3Plan = { key: 'bench', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED };

/** One thread: values → Arrow chunks → Parquet files of FLUSH rows. decode=true starts from the Kafka bytes. */
async function encodeOnly(values: Buffer[], decode: boolean): Promise<{ seconds: number; bytes: number }> {
  const decoder = createDecoder(FORMAT, { registryUrl: REGISTRY });
  const enc = new S3ParquetEncoder();
  let p = plan;
  // Decoding outside the timing for the encode-only figure.
  await decoder.prepare(values.slice(0, 1));
  const decoded: Decoded[] | undefined = decode ? undefined : values.map((v) => decoder.decode(v));
  const ctx: RecordContext = { topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, keyBytes: null, headers: () => [] };
  let bytes = 0;
  const t0 = performance.now();
  let pieces: FilePiece[] = [];
  let rowsInFile = 0;
  for (let start = 0; start < values.length; start += BATCH) {
    enc.begin(p, 't', 0);
    const end = Math.min(values.length, start + BATCH);
    for (let i = start; i < end; i++) {
      ctx.offset = i;
      enc.add(decoded ? decoded[i]! : decoder.decode(values[i]!), undefined, ctx);
    }
    const out = enc.finish();
    const meta = out.meta as S3BatchMeta;
    if (meta.widened) p = { ...p, inferred: meta.widened, key: `${p.key}+` };
    const g = meta.groups[0]!;
    pieces.push({ buffer: out.output!, byteOffset: g.byteOffset, byteLength: g.byteLength, rowStart: 0, rowEnd: g.rows, rows: g.rows });
    rowsInFile += g.rows;
    if (rowsInFile >= FLUSH || end === values.length) {
      bytes += (await writeParquetFile({ pieces, codec: 'snappy', rowGroupBytes: 32 * MiB, metadata: {} })).length;
      pieces = [];
      rowsInFile = 0;
    }
  }
  return { seconds: (performance.now() - t0) / 1000, bytes };
}

/** The ceiling Kafka sets on this machine: consume every record with no processing, as Sluice's consumer is configured. */
async function rawConsume(topic: string, n: number): Promise<number> {
  const consumer = new Kafka.KafkaConsumer({
    'bootstrap.servers': KAFKA, 'group.id': uniqueName('bench_raw'), 'enable.auto.commit': false, 'enable.partition.eof': false,
    'fetch.max.bytes': 52_428_800, 'max.partition.fetch.bytes': 4_194_304, 'fetch.wait.max.ms': 100,
    'queued.min.messages': 100_000, 'queued.max.messages.kbytes': 16_384,
  } as never, { 'auto.offset.reset': 'earliest' } as never);
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(100);
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  let got = 0;
  let t0 = 0;
  while (got < n) {
    const msgs = await new Promise<unknown[]>((resolve, reject) => consumer.consume(10_000, (err, m) => (err ? reject(err) : resolve(m ?? []))));
    if (msgs.length > 0 && t0 === 0) t0 = performance.now();
    got += msgs.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return seconds;
}

async function main(): Promise<void> {
  const schemaId = FORMAT === 'avro' ? await registerSchema(`bench-s3-${FORMAT}-value`, ORDER_AVRO_SCHEMA) : 0;
  const rows = [...orders(N, 1)];
  const values = rows.map((o) => encodeOrder(FORMAT, o, schemaId));
  const inputBytes = values.reduce((s, v) => s + v.length, 0);

  const topic = uniqueName(`bench_s3_${FORMAT.replace('-', '_')}`);
  await createTopic(topic, PARTITIONS);
  await produce(topic, values.map((value, i) => ({ value, partition: i % PARTITIONS })));

  // Baselines after producing, so the broker is idle while they run.
  const encode = await encodeOnly(values, false);
  const decodeEncode = await encodeOnly(values, true);
  const rawSeconds = await rawConsume(topic, N);

  const dir = uniqueName('bench');
  const name = uniqueName('bench_s3');
  const sluice = startBenchSluice({
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
    topics: topic, 'bootstrap.servers': KAFKA,
    's3.bucket.name': S3_BUCKET, 'store.url': S3_URL, 'aws.access.key.id': S3_ACCESS_KEY, 'aws.secret.access.key': S3_SECRET_KEY,
    'topics.dir': dir, 'flush.size': String(FLUSH), 'inflight.max.bytes': String(BUDGET),
    ...converterConfig(FORMAT, REGISTRY),
  }, name, { SLUICE_WORKER_THREADS: String(THREADS), SLUICE_LOG_LEVEL: 'info' });
  const { seconds, peakRss } = await timeToCommitted(sluice, name, topic);
  // Where the time went, from the engine's summary when it stopped.
  const stopped = sluice.output().split('\n').find((l) => /"msg":"sluice stopped"/.test(l) || /stopped"\}$/.test(l));
  const engineStats = stopped ? JSON.parse(stopped) as Record<string, number> : {};

  const result = {
    rows: N, format: FORMAT, partitions: PARTITIONS, workerThreads: THREADS, inputMiB: +(inputBytes / MiB).toFixed(1),
    encodeOnlyRowsPerSec: Math.round(N / encode.seconds),
    decodeEncodeRowsPerSec: Math.round(N / decodeEncode.seconds),
    rawConsumeRowsPerSec: Math.round(N / rawSeconds),
    sluiceRowsPerSec: Math.round(N / seconds),
    ratioToRawConsume: +((N / seconds) / (N / rawSeconds)).toFixed(2),
    ratioToEncodeOnly: +((N / seconds) / (N / encode.seconds)).toFixed(2),
    ratioToDecodeEncode: +((N / seconds) / (N / decodeEncode.seconds)).toFixed(2),
    parquetMiB: +(encode.bytes / MiB).toFixed(1),
    budgetMiB: BUDGET / MiB,
    peakRssMiB: +(peakRss / MiB).toFixed(0),
    rssOverBudgetMiB: +((peakRss - BUDGET) / MiB).toFixed(0),
    // Where Sluice's time went: worker CPU (decode+encode+Parquet is not included: only batch tasks) and main-thread packing.
    workerSecondsPerSecond: engineStats.workerMicros ? +(engineStats.workerMicros / 1e6 / seconds).toFixed(2) : undefined,
    packSecondsPerSecond: engineStats.packMicros ? +(engineStats.packMicros / 1e6 / seconds).toFixed(2) : undefined,
    pauses: engineStats.pauses,
    peakHeldMiB: engineStats.peakHeldBytes ? +(engineStats.peakHeldBytes / MiB).toFixed(1) : undefined,
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
