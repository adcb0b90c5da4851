// Micro benchmarks (tinybench, with warm-up): decode in every format, the
// sinks' worker encoders (binary COPY, Parquet), packing into shared
// buffers, worker-pool dispatch per task at several batch sizes, and the
// decode + encode path on 1 vs 2 worker threads.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Bench, hrtimeNow, type Task } from 'tinybench';
import { BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import type { RecordContext, WorkerEncoder } from '../../src/workers/encoder.js';
import { createWorkerEncoder } from '../../src/sinks/worker-encoders.js';
import type { EncodeResult, EncodeTask, SinkPlan, WorkerSetup } from '../../src/workers/protocol.js';
import type { BenchContext, Dataset } from '../e2e/context.js';
import { ORDER_AVRO_SCHEMA, type WireFormat } from '../lib/generate.js';
import { encodeParquetFile } from '../lib/parquet.js';
import type { DispatchRow, MicroResult, MicroRow } from '../lib/results.js';
import { SHAPES, tableDdl, type Shape } from '../lib/shapes/index.js';
import { registerSchema, uniqueName } from '../lib/stack.js';
import { sql } from '../lib/pg.js';
import { round } from '../lib/stats.js';
import { decodeAll, decoderFor, kafkaMessages, orderValues, packedBatch, shapeValues, sinkPlan } from './fixtures.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/workers/worker.js');
const SPIN_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'spin-worker.js');
const PER_OP = 1000;
const DISPATCH_SIZES = [100, 1000, 5000, 20_000];

type Add = (group: string, name: string, recordsPerOp: number, fn: () => unknown, hooks?: { beforeAll?: (mode?: 'run' | 'warmup') => void }) => void;

function makeBench(ctx: BenchContext): { bench: Bench; add: Add; meta: Map<string, { group: string; recordsPerOp: number }> } {
  const time = ctx.opts.microTimeMs;
  const bench = new Bench({ time, warmup: true, warmupTime: Math.max(50, Math.round(time / 4)), warmupIterations: 8, iterations: 8, now: hrtimeNow });
  const meta = new Map<string, { group: string; recordsPerOp: number }>();
  const add: Add = (group, name, recordsPerOp, fn, hooks) => {
    meta.set(name, { group, recordsPerOp });
    bench.add(name, fn as () => Promise<unknown>, hooks ? { beforeAll: function (this: Task, mode) { hooks.beforeAll!(mode); } } : undefined);
  };
  return { bench, add, meta };
}

function rowsOf(bench: Bench, meta: Map<string, { group: string; recordsPerOp: number }>): MicroRow[] {
  return bench.tasks.map((t) => {
    const m = meta.get(t.name)!;
    const r = t.result;
    const unit = m.group === 'control' ? ('tasks' as const) : ('records' as const);
    if (!r || r.error || !('latency' in r)) return { group: m.group, name: t.name, unit, recordsPerS: NaN, nsPerRecord: NaN, recordsPerOp: m.recordsPerOp, rmePercent: NaN, samples: 0 };
    const msPerOp = r.latency.mean;
    return {
      group: m.group,
      name: t.name,
      unit,
      recordsPerS: round((m.recordsPerOp * 1000) / msPerOp, 0),
      nsPerRecord: round((msPerOp * 1e6) / m.recordsPerOp, 1),
      recordsPerOp: m.recordsPerOp,
      rmePercent: round(r.latency.rme, 2),
      samples: r.latency.samples.length,
    };
  });
}

function ctxFor(topic: string): RecordContext {
  return { topic, partition: 0, offset: 0, timestamp: 0, key: null, keyBytes: null, headers: () => [] };
}

/** Feeds decoded records through a sink's worker encoder, as worker.ts does. */
function encodeWith(encoder: WorkerEncoder, plan: SinkPlan, topic: string, decoded: ReturnType<typeof Array.prototype.slice>): number {
  const inner = (plan as { plan: unknown }).plan;
  encoder.begin(inner, topic, 0);
  const c = ctxFor(topic);
  for (let i = 0; i < decoded.length; i++) {
    c.offset = i;
    encoder.add(decoded[i], undefined, c);
  }
  return encoder.finish().outputBytes;
}

export async function runMicro(ctx: BenchContext, step: (name: string) => void): Promise<MicroResult> {
  const order = SHAPES.order;
  const topic = uniqueName('micro_order');
  const table = topic;
  await sql(ctx.stack.pgUrl, tableDdl(order, table));
  ctx.cleanup.tables.push(table);
  const schemaId = await registerSchema(ctx.stack.registry, `${topic}-value`, ORDER_AVRO_SCHEMA);
  const ds: Dataset = { shape: order, n: PER_OP, seed: 7, topic, partitions: 1, schemaId, ends: [PER_OP], wireBytes: 0, produceSeconds: 0 };
  const rows: MicroRow[] = [];

  // ---- decode, encode, pack (this thread) ----
  step('micro: decode, encode, pack');
  {
    const { bench, add, meta } = makeBench(ctx);
    const formats: [WireFormat, string][] = [['avro', 'Avro (Confluent framing)'], ['json', 'JSON'], ['connect-json', 'enveloped JSON (Connect)'], ['msgpack', 'msgpack']];
    for (const [format, label] of formats) {
      const values = orderValues(format, PER_OP, schemaId);
      const decoder = decoderFor(format, schemaId, ORDER_AVRO_SCHEMA);
      await decoder.prepare(values);
      add('decode', `decode ${label}, order rows`, PER_OP, () => {
        for (let i = 0; i < values.length; i++) decoder.decode(values[i]!);
      });
    }
    for (const shape of ctx.opts.shapes.filter((s) => s !== 'order').map((s) => SHAPES[s])) {
      const values = shapeValues(shape, PER_OP, schemaId);
      const decoder = decoderFor(shape.format, schemaId, shape.avroSchema);
      await decoder.prepare(values);
      add('decode', `decode ${shape.format}, ${shape.name} rows`, PER_OP, () => {
        for (let i = 0; i < values.length; i++) decoder.decode(values[i]!);
      });
    }

    const decoded = await decodeAll(decoderFor('avro', schemaId, ORDER_AVRO_SCHEMA), orderValues('avro', PER_OP, schemaId));
    const plans: { target: 'pg-insert' | 's3'; label: string; where: string }[] = [
      { target: 'pg-insert', label: 'binary COPY encode (PostgreSQL sink encoder)', where: table },
      { target: 's3', label: 'Parquet encode (S3 sink encoder)', where: `bench/${topic}` },
    ];
    const closers: (() => Promise<void>)[] = [];
    for (const p of plans) {
      const got = await sinkPlan(ctx, ds, p.target, p.where);
      if ('error' in got) {
        ctx.skipped.push({ what: `micro: ${p.label}`, reason: got.error });
        continue;
      }
      closers.push(got.close);
      let encoder: WorkerEncoder;
      try {
        encoder = await createWorkerEncoder(got.plan.sink);
      } catch (err) {
        ctx.skipped.push({ what: `micro: ${p.label}`, reason: (err as Error).message });
        continue;
      }
      add('encode', `${p.label}, order rows`, PER_OP, () => encodeWith(encoder, got.plan, topic, decoded));
    }
    const parquetRows = [...order.rows(10_000, 7)];
    add('encode', 'Parquet encode (baseline writer, snappy), order rows', parquetRows.length, () => encodeParquetFile(order, parquetRows));
    // parquet-wasm enables dictionary encoding by default; this shows what it costs.
    add('encode', 'Parquet encode (baseline writer, snappy, dictionary off), order rows', parquetRows.length, () => encodeParquetFile(order, parquetRows, 'snappy', false));

    const messages = kafkaMessages(topic, orderValues('avro', PER_OP, schemaId));
    let data = 0;
    for (const m of messages) data += BatchWriter.sizeOf(m);
    const sab = new SharedArrayBuffer(bufferBytes(PER_OP, data));
    add('pack', 'pack librdkafka messages into a SharedArrayBuffer batch', PER_OP, () => {
      const w = new BatchWriter(sab, PER_OP, 0);
      for (let i = 0; i < messages.length; i++) w.tryAppend(messages[i]!);
      w.seal();
    });
    await bench.run();
    rows.push(...rowsOf(bench, meta));
    for (const c of closers) await c().catch(() => {});
  }

  // ---- the worker pool ----
  step('micro: worker pool');
  const pgPlan = await sinkPlan(ctx, ds, 'pg-insert', table);
  if ('error' in pgPlan) {
    ctx.skipped.push({ what: 'micro: worker pool', reason: pgPlan.error });
    return { rows, dispatch: [], emptyTaskRoundTripUs: NaN, poolScaling: null, cpuControlRatio: NaN };
  }
  const setup: WorkerSetup = { keyFormat: 'string', valueFormat: 'avro', valueRegistryUrl: ctx.stack.registry };
  const pool = (threads: number) => new Piscina<EncodeTask, EncodeResult>({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const connector = { id: 'bench', version: 1, setup };
  const maxSize = Math.max(...DISPATCH_SIZES);
  const allValues = orderValues('avro', maxSize, schemaId);
  const batches = new Map<number, SharedArrayBuffer>();
  for (const size of [0, ...DISPATCH_SIZES]) batches.set(size, packedBatch(kafkaMessages(topic, allValues.slice(0, size))));

  const dispatch: DispatchRow[] = [];
  let emptyTaskRoundTripUs = NaN;
  {
    const one = pool(1);
    const { bench, add, meta } = makeBench(ctx);
    const workerUs = new Map<number, { sum: number; n: number }>();
    for (const size of [0, ...DISPATCH_SIZES]) {
      const batch = batches.get(size)!;
      const acc = { sum: 0, n: 0 };
      workerUs.set(size, acc);
      add('pool', `pool task round trip, ${size} records (1 thread, decode + COPY encode)`, Math.max(1, size), async () => {
        const res = await one.run({ batch, topic, plan: pgPlan.plan, connector });
        acc.sum += res.workerMicros;
        acc.n++;
      }, { beforeAll: () => { acc.sum = 0; acc.n = 0; } });
    }
    await bench.run();
    await one.destroy();
    for (const t of bench.tasks) {
      const size = Number(/, (\d+) records/.exec(t.name)![1]);
      const r = t.result;
      if (!r || !('latency' in r)) continue;
      const roundTripUs = r.latency.mean * 1000;
      const acc = workerUs.get(size)!;
      // Worker task time is measured inside the worker; the rest of the round trip is dispatch.
      const wUs = acc.n ? acc.sum / acc.n : 0;
      if (size === 0) emptyTaskRoundTripUs = round(roundTripUs, 1);
      else dispatch.push({
        batchRecords: size, roundTripUs: round(roundTripUs, 1), workerUs: round(wUs, 1),
        overheadUs: round(roundTripUs - wUs, 1), overheadShare: round((roundTripUs - wUs) / wUs, 4),
      });
    }
    rows.push(...rowsOf(bench, meta).filter((r) => !r.name.includes(', 0 records')));
  }

  // ---- 1 vs 2 worker threads ----
  let poolScaling: MicroResult['poolScaling'] = null;
  {
    const batch = batches.get(20_000)!;
    const inFlight = 4;
    const pools = [pool(1), pool(2)];
    // Both pools start their threads and fetch the schema before timing.
    await Promise.all(pools.map((p) => Promise.all([p.run({ batch, topic, plan: pgPlan.plan, connector }), p.run({ batch, topic, plan: pgPlan.plan, connector })])));
    const { bench, add, meta } = makeBench(ctx);
    pools.forEach((p, i) => {
      add('pool', `decode + COPY encode, ${i + 1} worker thread${i ? 's' : ''} (${inFlight} × 20000-record batches in flight)`, inFlight * 20_000, () =>
        Promise.all(Array.from({ length: inFlight }, () => p.run({ batch, topic, plan: pgPlan.plan, connector }))));
    });
    await bench.run();
    await Promise.all(pools.map((p) => p.destroy()));
    const scale = rowsOf(bench, meta);
    rows.push(...scale);
    const [r1, r2] = scale;
    if (r1 && r2 && r1.recordsPerS > 0) {
      poolScaling = { oneThreadRecordsPerS: r1.recordsPerS, twoThreadsRecordsPerS: r2.recordsPerS, ratio: round(r2.recordsPerS / r1.recordsPerS, 3) };
    }
  }

  // ---- control: what 2 threads gain over 1 for pure CPU work, right now ----
  let cpuControlRatio = NaN;
  {
    const spins = [1, 2].map((t) => new Piscina<number, number>({ filename: SPIN_WORKER, minThreads: t, maxThreads: t }));
    const work = 5_000_000;
    await Promise.all(spins.map((p) => Promise.all([p.run(work), p.run(work)])));
    const { bench, add, meta } = makeBench(ctx);
    spins.forEach((p, i) => add('control', `pure CPU loop, ${i + 1} worker thread${i ? 's' : ''} (4 tasks in flight)`, 4, () => Promise.all([1, 2, 3, 4].map(() => p.run(work)))));
    await bench.run();
    await Promise.all(spins.map((p) => p.destroy()));
    const ctl = rowsOf(bench, meta);
    rows.push(...ctl);
    if (ctl[0] && ctl[1] && ctl[0].recordsPerS > 0) cpuControlRatio = round(ctl[1].recordsPerS / ctl[0].recordsPerS, 3);
  }
  await pgPlan.close().catch(() => {});
  return { rows, dispatch, emptyTaskRoundTripUs, poolScaling, cpuControlRatio };
}

export type { Shape };
