// `npm run bench`: every Sluice figure next to the physical limit of the
// part it drives, measured in the same invocation on the same rows.
//   1. per shape: produce N seeded rows once; then for each target, the
//      baseline and Sluice in turn (repeated with --repeat), Sluice once per
//      Kafka source (native addon, binding), the sources' runs alternated:
//      raw consume of the same source vs consume + decode; COPY vs insert;
//      COPY + ON CONFLICT vs upsert; single-thread Parquet encode vs S3;
//   2. produce-to-commit latency at a fixed rate below saturation;
//   3. throughput against worker.threads and batch.max.records;
//   4. micro benchmarks;
// then a markdown table, a JSON file and an SVG chart under bench/results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineRow, e2eRow, throughput } from './e2e/figures.js';
import type { BenchContext, Dataset } from './e2e/context.js';
import { produceDataset, roundedCount } from './e2e/dataset.js';
import { latencyPhase } from './e2e/latency.js';
import { runTuning, VARIANTS } from './e2e/tuning.js';
import { connectorFor, effectiveSettings, runSluice, s3FlushSize, type SluiceRun } from './e2e/sluice-run.js';
import { RunnerFailed } from './e2e/child.js';
import type { RunnerResult } from './e2e/protocol.js';
import { copyBaseline, upsertBaseline } from './baselines/copy.js';
import { parquetBaseline } from './baselines/parquet-encode.js';
import { rawConsume } from './baselines/raw-consume.js';
import { nativeRawConsume } from './baselines/native-raw-consume.js';
import { loadNativeAddon } from '../src/source/native-addon.js';
import { RAW_CONSUME_BATCH } from './lib/kafka-defaults.js';
import { runMicro } from './micro/index.js';
import { deleteGroups, deleteTopics } from './lib/kafka.js';
import { describeMachine } from './lib/machine.js';
import { HELP, parseOptions, SOURCE_ENV, type BenchOptions, type SourceName, type Target } from './lib/options.js';
import { sql } from './lib/pg.js';
import { summariseRunDir } from './lib/profile.js';
import { Progress } from './lib/progress.js';
import { markdown, targetsTable } from './lib/report.js';
import { BASELINE_LABEL, BASELINE_OF, baselineOf, RAW_CONSUME_OF, type BaselineName, type BaselineRow, type BenchResult, type E2eRow, type SweepPoint, type SweepResult } from './lib/results.js';
import { deletePrefix } from './lib/s3.js';
import { SHAPES } from './lib/shapes/index.js';
import { stackEndpoints, type StackEndpoints } from './lib/stack.js';
import { sweepChart } from './lib/chart.js';
import { MiB, round } from './lib/stats.js';
import { evaluateTargets } from './lib/targets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function preflight(st: StackEndpoints, opts: BenchOptions): Promise<void> {
  const problems: string[] = [];
  const check = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10_000))]);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await check(`PostgreSQL at ${st.pgUrl}`, () => sql(st.pgUrl, 'SELECT 1'));
  await check(`schema registry at ${st.registry}`, async () => {
    const r = await fetch(`${st.registry}/subjects`, { signal: AbortSignal.timeout(10_000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
  });
  await check(`Kafka at ${st.kafka}`, async () => (await import('./lib/kafka.js')).withAdmin(st.kafka, (a) => a.listTopics()));
  if (opts.targets.includes('s3')) await check(`S3 at ${st.s3Url}`, () => fetch(`${st.s3Url}/minio/health/live`, { signal: AbortSignal.timeout(10_000) }));
  if (problems.length) throw new Error(`the local stack is not answering (start it with: bash scripts/stack.sh up):\n  - ${problems.join('\n  - ')}`);
}

function countSteps(opts: BenchOptions): number {
  let steps = 0;
  if (opts.e2e) {
    const perRepeat = opts.targets.reduce((a, t) => a + opts.sources.length + (t === 'drop' ? opts.sources.length : 1), 0);
    steps += opts.shapes.length * (1 + perRepeat * opts.repeat);
    if (opts.latency && opts.targets.includes('pg-insert')) steps += 1;
    if (opts.sweep) steps += opts.sweepThreads.length + opts.sweepBatchSizes.length;
    if (opts.tuning) steps += VARIANTS.filter((v) => opts.targets.includes(v.target)).length * opts.repeat * 2;
  }
  if (opts.micro) steps += 2;
  return steps + 1; // writing results
}

/** A service of the shared stack went away for a moment (another test restarting it). */
const TRANSIENT = /ECONNREFUSED|ECONNRESET|Connection terminated|database system is (starting up|shutting down)|terminating connection|cannot connect to Kafka/;

async function waitForStack(ctx: BenchContext, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await preflight(ctx.stack, ctx.opts);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** Runs fn as one progress step; a failure is recorded as skipped, not fatal. A stack service that was away is waited for and the step tried once more. */
async function step<T>(ctx: BenchContext, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  ctx.progress.begin(name);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as Error;
        const tail = e instanceof RunnerFailed ? lastLines(e.output, 3) : '';
        if (attempt === 1 && TRANSIENT.test(`${e.message} ${tail}`)) {
          ctx.progress.log(`  ${name}: ${e.message.split('\n')[0]}; waiting for the stack and trying again`);
          await waitForStack(ctx, 120_000).catch(() => {});
          continue;
        }
        let log = '';
        if (e instanceof RunnerFailed && e.output) {
          // The whole output of a failed run, for whoever reads the skip reason.
          const dir = path.join(ctx.opts.outDir, 'logs');
          fs.mkdirSync(dir, { recursive: true });
          log = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}.log`);
          fs.writeFileSync(log, e.output);
        }
        ctx.skipped.push({ what: name, reason: `${e.message}${tail ? ` | runner output: ${tail}` : ''}${log ? ` | full output: ${path.relative(ROOT, log)}` : ''}` });
        ctx.progress.log(`  ${name}: skipped (${e.message.split('\n')[0]})`);
        return undefined;
      }
    }
  } finally {
    ctx.progress.end();
  }
}

/** The last lines of a runner's output that say something (not a stack frame, not Node's version banner). */
function lastLines(s: string, n: number): string {
  const lines = s.trim().split('\n').filter((l) => l.trim() && !/^\s+at |^Node\.js v|^\s*[{}]\s*$/.test(l));
  return lines.slice(-n).join(' ').slice(0, 800);
}

interface ShapeOutcome {
  e2e: E2eRow[];
  baselines: BaselineRow[];
  insertRun?: SluiceRun;
  dataset?: Dataset;
}

async function benchShape(ctx: BenchContext, shapeName: keyof typeof SHAPES): Promise<ShapeOutcome> {
  const shape = SHAPES[shapeName];
  const n = roundedCount(ctx.opts.nByShape[shapeName], ctx.opts.partitions);
  const out: ShapeOutcome = { e2e: [], baselines: [] };
  const ds = await step(ctx, `e2e ${shapeName} produce ${n} records`, () => produceDataset(ctx, shape, n, ctx.opts.seed));
  if (!ds) return out;
  out.dataset = ds;
  ctx.progress.log(`${shapeName}: ${n} records, ${(ds.wireBytes / MiB).toFixed(1)} MiB of values, produced in ${ds.produceSeconds.toFixed(1)} s into ${ds.partitions} partitions`);

  for (const target of ctx.opts.targets) {
    // drop: each source against raw consume through the same consumer; the others against the sink's own limit.
    const baseNames: BaselineName[] = target === 'drop' ? ctx.opts.sources.map((src) => RAW_CONSUME_OF[src]) : [BASELINE_OF[target]];
    const baseSeconds = new Map<BaselineName, number[]>(baseNames.map((b) => [b, []]));
    const baseChild = new Map<BaselineName, RunnerResult[]>(baseNames.map((b) => [b, []]));
    const notes = new Map<BaselineName, string>();
    const runs = new Map<SourceName, SluiceRun[]>(ctx.opts.sources.map((src) => [src, []]));
    const baseline = async (baseName: BaselineName, rep: string) => {
      await step(ctx, `baseline ${shapeName} ${baseName}${rep}`, async () => {
        switch (baseName) {
          case 'raw-consume': {
            const r = await rawConsume(ctx, ds);
            baseSeconds.get(baseName)!.push((r.durableMs - r.firstMs) / 1000);
            baseChild.get(baseName)!.push(r);
            notes.set(baseName, `binding KafkaConsumer in a child process, assign() to every partition, consume(${RAW_CONSUME_BATCH}) until all records arrive; same fetch properties as Sluice`);
            break;
          }
          case 'native-raw-consume': {
            const r = await nativeRawConsume(ctx, ds);
            baseSeconds.get(baseName)!.push((r.durableMs - r.firstMs) / 1000);
            baseChild.get(baseName)!.push(r);
            notes.set(baseName, `Sluice's native addon in a child process, assign() to every partition from offset 0, consume(${RAW_CONSUME_BATCH}) into one standard batch buffer per partition, emptied when full; same librdkafka properties as Sluice's consumer`);
            break;
          }
          case 'copy': {
            const r = await copyBaseline(ctx, ds);
            baseSeconds.get(baseName)!.push(r.seconds);
            notes.set(baseName, `COPY … FROM STDIN (FORMAT binary) of a ${(ds.copyFileBytes! / MiB).toFixed(1)} MiB file PostgreSQL itself wrote, one transaction, fresh table`);
            break;
          }
          case 'copy-upsert': {
            const r = await upsertBaseline(ctx, ds);
            baseSeconds.get(baseName)!.push(r.seconds);
            notes.set(baseName, 'CREATE UNLOGGED TABLE staging; COPY binary into it; INSERT … SELECT … ON CONFLICT (id) DO UPDATE; one transaction; half the keys pre-exist');
            break;
          }
          case 'parquet-encode': {
            const perFile = s3FlushSize(ds);
            const codec = String(connectorFor(ctx, ds, 's3', 'x')['parquet.codec'] ?? 'snappy');
            const r = parquetBaseline(ctx, ds, perFile, codec);
            baseSeconds.get(baseName)!.push(r.seconds);
            notes.set(baseName, `apache-arrow columns + parquet-wasm, ${r.files} files of ≤ ${perFile} rows (the S3 run's flush.size), ${codec}, ${(r.bytes / MiB).toFixed(1)} MiB; rows generated outside the timing`);
            break;
          }
        }
      });
    };
    for (let i = 0; i < ctx.opts.repeat; i++) {
      const rep = ctx.opts.repeat > 1 ? ` (${i + 1}/${ctx.opts.repeat})` : '';
      // The sources take turns going first, so that both see the same drift in load.
      const order = i % 2 === 0 ? ctx.opts.sources : [...ctx.opts.sources].reverse();
      if (target !== 'drop') await baseline(BASELINE_OF[target], rep);
      for (const source of order) {
        if (target === 'drop') await baseline(RAW_CONSUME_OF[source], rep);
        await step(ctx, `e2e ${shapeName} ${target} ${source}${rep}`, async () => {
          const run = await runSluice(ctx, ds, target, SOURCE_ENV[source], `${target}-${source}`);
          runs.get(source)!.push(run);
          ctx.progress.log(`  ${shapeName} ${target} ${source}: ${Math.round(throughput(run.result)).toLocaleString('en-US')} records/s, main ${((run.result.cpu.mainS * 1e6) / ds.n).toFixed(3)} µs/record, peak RSS ${(run.result.peakRss / MiB).toFixed(0)} MiB (${run.check})`);
        });
      }
    }
    const rows = new Map<BaselineName, BaselineRow>();
    for (const b of baseNames) {
      const secs = baseSeconds.get(b)!;
      if (!secs.length) continue;
      const row = baselineRow(ds, b, BASELINE_LABEL[b], secs, notes.get(b) ?? '', baseChild.get(b)!.length ? baseChild.get(b) : undefined);
      rows.set(b, row);
      if (!out.baselines.some((x) => x.name === b)) out.baselines.push(row);
    }
    for (const source of ctx.opts.sources) {
      const rs = runs.get(source)!;
      if (!rs.length) continue;
      const baseName = baselineOf(target, source);
      const row = e2eRow(ds, target, source, rs, rows.get(baseName));
      out.e2e.push(row);
      if (target === 'pg-insert' && source === ctx.opts.sources[0]) out.insertRun = rs[0];
      ctx.progress.log(`  ${shapeName} ${target} ${source}: ${row.ratio === null ? 'no baseline' : `${row.ratio.toFixed(3)} × ${baseName}`}`);
    }
  }
  return out;
}

/** One run per point, all in a row, so the points see the same load; the default point is measured again, not reused. */
async function sweeps(
  ctx: BenchContext, ds: Dataset, target: Target, source: SourceName, baseline: number | null, consume: number | null,
): Promise<SweepResult> {
  const point = (x: number, r: SluiceRun): SweepPoint => ({
    x, recordsPerS: round(throughput(r.result), 0), mainUsPerRecord: round((r.result.cpu.mainS * 1e6) / ds.n, 3), peakRssBytes: r.result.peakRss,
  });
  const res: SweepResult = { shape: ds.shape.name, target, source, threads: [], batchSizes: [], baselineRecordsPerS: baseline, consumeRecordsPerS: consume };
  for (const t of ctx.opts.sweepThreads) {
    await step(ctx, `sweep ${target} ${source} worker.threads=${t}`, async () => {
      res.threads.push(point(t, await runSluice(ctx, ds, target, { ...SOURCE_ENV[source], SLUICE_WORKER_THREADS: String(t) }, `threads-${t}`)));
    });
  }
  for (const b of ctx.opts.sweepBatchSizes) {
    await step(ctx, `sweep ${target} ${source} batch.max.records=${b}`, async () => {
      res.batchSizes.push(point(b, await runSluice(ctx, ds, target, { ...SOURCE_ENV[source], SLUICE_BATCH_MAX_RECORDS: String(b) }, `batch-${b}`)));
    });
  }
  return res;
}

async function cleanup(ctx: BenchContext): Promise<void> {
  const st = ctx.stack;
  await deleteTopics(st.kafka, ctx.cleanup.topics).catch(() => {});
  await deleteGroups(st.kafka, ctx.cleanup.groups).catch(() => {});
  for (const t of ctx.cleanup.tables) await sql(st.pgUrl, `DROP TABLE IF EXISTS ${t}`).catch(() => {});
  for (const p of ctx.cleanup.s3Prefixes) await deletePrefix(st, p).catch(() => {});
  fs.rmSync(ctx.tmpDir, { recursive: true, force: true });
}

function profileSummaries(ctx: BenchContext): BenchResult['profiles'] {
  const out: BenchResult['profiles'] = [];
  for (const [run, dir] of ctx.profileDirs) {
    if (!fs.existsSync(dir)) continue;
    for (const s of summariseRunDir(dir, 10)) out.push({ run: `${run}: ${s.thread}`, summary: s.summary });
  }
  return out;
}

// The AWS SDK warns about Node 20's end of support on every S3 client; that
// says nothing about a benchmark. Other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const stack = stackEndpoints();
  await preflight(stack, opts);
  const skippedAtStart: BenchResult['skipped'] = [];
  if (opts.sources.includes('native')) {
    const loaded = loadNativeAddon();
    if ('error' in loaded) {
      skippedAtStart.push({ what: 'native source', reason: `every native-source run and baseline (a′): ${loaded.error}` });
      opts.sources = opts.sources.filter((x) => x !== 'native');
      if (opts.sources.length === 0) {
        process.stderr.write(`bench: --sources native, but ${loaded.error}\n`);
        return 1;
      }
      process.stderr.write(`bench: measuring the binding source only: ${loaded.error}\n`);
    }
  }
  const started = new Date();
  const machine = await describeMachine(ROOT, stack.kafka, stack.pgUrl);
  const progress = new Progress(countSteps(opts), opts.progress);
  const ctx: BenchContext = {
    opts, stack, progress, root: ROOT, tmpDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-')), skipped: skippedAtStart, profileDirs: new Map(),
    cleanup: { topics: [], tables: [], s3Prefixes: [], files: [], groups: [] },
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.stop();
    process.stderr.write('\nbench: interrupted; cleaning up (again to exit at once)\n');
    void cleanup(ctx).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const e2e: E2eRow[] = [];
  const baselines: BaselineRow[] = [];
  let latency: BenchResult['latency'] = null;
  let sweep: SweepResult | null = null;
  let micro: BenchResult['micro'] = null;
  let tuning: BenchResult['tuning'] = [];
  const probe = { topics: 'x', 'bootstrap.servers': stack.kafka, 'connector.class': 'sluice.postgres', 'connection.url': 'jdbc:postgresql://127.0.0.1/x', ...opts.connector };
  const defaults = effectiveSettings(probe, opts.sluiceEnv);
  try {
    if (opts.e2e) {
      let first: ShapeOutcome | undefined;
      for (const shape of opts.shapes) {
        const o = await benchShape(ctx, shape);
        first ??= o;
        e2e.push(...o.e2e);
        baselines.push(...o.baselines);
      }
      // Latency, sweeps and tuning run with the first source (native when it loads): Sluice's default.
      const main = opts.sources[0]!;
      const insertRow = e2e.find((e) => e.shape === opts.shapes[0] && e.target === 'pg-insert' && e.source === main);
      if (opts.latency && opts.targets.includes('pg-insert')) {
        // A quarter of the measured insert throughput: the producer shares the cores too, and half was measured to saturate them.
        const rate = opts.latencyRate || Math.max(1000, Math.round(((insertRow?.recordsPerS ?? 20_000) * 0.25) / 1000) * 1000);
        latency = (await step(ctx, `latency at ${rate} records/s`, () => latencyPhase(ctx, SHAPES[opts.shapes[0]!], rate, opts.latencySeconds, opts.sources[0]!))) ?? null;
      }
      if (opts.sweep && first?.dataset) {
        const target: Target = opts.targets.includes('pg-insert') ? 'pg-insert' : opts.targets[0]!;
        const base = first.baselines.find((b) => b.name === BASELINE_OF[target])?.recordsPerS ?? null;
        const consume = first.baselines.find((b) => b.name === RAW_CONSUME_OF[main])?.recordsPerS ?? null;
        sweep = await sweeps(ctx, first.dataset, target, main, base, consume);
      }
      if (opts.tuning && first?.dataset) tuning = await runTuning(ctx, first.dataset, main, (name, fn) => step(ctx, name, fn));
    }
    if (opts.micro) {
      let microStep = 0;
      micro = (await step(ctx, 'micro benchmarks', () => runMicro(ctx, (name) => {
        if (microStep++ > 0) {
          ctx.progress.end();
          ctx.progress.begin(name);
        }
      }))) ?? null;
    }
  } finally {
    progress.begin('writing results');
    await cleanup(ctx);
  }

  const finished = new Date();
  const { outDir: _o, progress: _p, ...settings } = opts;
  const partial: Omit<BenchResult, 'targets'> = {
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationS: round((finished.getTime() - started.getTime()) / 1000, 1),
    machine,
    settings: { ...settings, defaults },
    e2e,
    baselines,
    latency,
    sweeps: sweep,
    micro,
    tuning,
    skipped: ctx.skipped,
    profiles: opts.profile ? profileSummaries(ctx) : [],
  };
  const result: BenchResult = { ...partial, targets: evaluateTargets(partial) };
  fs.mkdirSync(opts.outDir, { recursive: true });
  const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const base = path.join(opts.outDir, `${stamp}${opts.quick ? '-quick' : ''}`);
  const svgName = sweep ? `${path.basename(base)}.svg` : undefined;
  if (sweep) fs.writeFileSync(`${base}.svg`, sweepChart(sweep));
  fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, markdown(result, svgName) + '\n');
  for (const ext of ['json', 'md', 'svg']) {
    const from = `${base}.${ext}`;
    const latest = path.join(opts.outDir, `latest.${ext}`);
    if (fs.existsSync(from)) fs.copyFileSync(from, latest);
    else fs.rmSync(latest, { force: true });
  }
  if (sweep) fs.writeFileSync(path.join(opts.outDir, 'latest.md'), markdown(result, 'latest.svg') + '\n');
  progress.end();
  progress.stop();
  process.stdout.write(`\n${targetsTable(result)}\n\nresults: ${base}.md, ${base}.json${sweep ? `, ${base}.svg` : ''} (also latest.*)\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(1);
  },
);
