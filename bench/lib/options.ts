// Benchmark parameters from flags (`npm run bench -- --n 200000`) or BENCH_*
// environment variables; flags win. SLUICE_* variables pass through to every
// Sluice run, so `SLUICE_WORKER_THREADS=1 npm run bench` compares settings.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ShapeName } from './shapes/index.js';

export type Target = 'drop' | 'pg-insert' | 'pg-upsert' | 's3';
export const ALL_TARGETS: readonly Target[] = ['drop', 'pg-insert', 'pg-upsert', 's3'];

/** The Kafka source a Sluice run uses (source.native=on / off). */
export type SourceName = 'native' | 'binding';
export const ALL_SOURCES: readonly SourceName[] = ['native', 'binding'];
/** SLUICE_SOURCE_NATIVE for a run of each source. */
export const SOURCE_ENV: Record<SourceName, Record<string, string>> = {
  native: { SLUICE_SOURCE_NATIVE: 'on' },
  binding: { SLUICE_SOURCE_NATIVE: 'off' },
};

export interface BenchOptions {
  quick: boolean;
  /** Records per e2e run of the reference shape; other shapes default to a fifth. */
  n: number;
  nByShape: Record<ShapeName, number>;
  partitions: number;
  shapes: ShapeName[];
  targets: Target[];
  /** Kafka sources every Sluice figure is measured with, runs alternated (the native one is dropped when its addon cannot load). */
  sources: SourceName[];
  compression: string;
  seed: number;
  repeat: number;
  /** Fixed produce rate for the latency phase; 0 = a quarter of the measured insert throughput. */
  latencyRate: number;
  latencySeconds: number;
  sweepThreads: number[];
  sweepBatchSizes: number[];
  micro: boolean;
  microTimeMs: number;
  e2e: boolean;
  latency: boolean;
  sweep: boolean;
  /** Run every tuning variant (bench/e2e/tuning.ts) against the default run. */
  tuning: boolean;
  profile: boolean;
  progress: boolean;
  outDir: string;
  /** Extra connector options for every Sluice run (--set key=value). */
  connector: Record<string, string>;
  /** SLUICE_* variables from the environment, passed to every Sluice run. */
  sluiceEnv: Record<string, string>;
  timeoutMs: number;
}

export const HELP = `npm run bench -- [options]      (every option also as BENCH_<NAME>, e.g. BENCH_N=200000)

  --quick                 tiny run (N=20000, short micro benches, 2-point sweeps): checks the harness works
  --n <records>           records per e2e run of the reference (order) shape      default 500000
  --partitions <p>        topic partitions                                        default 6
  --shape <list>          order,wide,doc or all                                    default order
  --sink <list>           drop,postgres,s3 or all                                  default all
  --mode <list>           insert,upsert (PostgreSQL) or all                        default all
  --sources <list>        native,binding: Kafka sources of every Sluice run       default native,binding
                          (runs of the two alternate; native is skipped, with the reason, when its addon cannot load)
  --compression <codec>   producer compression of the topic (lz4, zstd, none...)  default lz4
  --repeat <r>            run every Sluice/baseline pair r times, report medians   default 3 (quick: 1)
  --latency-rate <rec/s>  produce rate of the latency phase (0 = a quarter of the measured insert rate)  default 0
  --latency-seconds <s>   length of the latency phase                              default 15
  --threads <list>        worker.threads sweep                                     default 1,2,4
  --batch-sizes <list>    batch.max.records sweep                                  default 1000,5000,20000,50000
  --no-micro --no-e2e --no-latency --no-sweep    skip a part
  --tuning                also run each tuning knob's variant (about 13 more runs) and report its effect
  --micro-time <ms>       time per micro benchmark task                            default 1000
  --profile               write node --cpu-prof profiles of every Sluice run and summarise them
  --set key=value         extra connector option for every Sluice run (repeatable)
  --out <dir>             where results go                                         default bench/results
  --no-progress           no progress bar
  --timeout <s>           limit per Sluice run                                     default 600
`;

function list(v: string | undefined, all: readonly string[]): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.includes('all')) return [...all];
  for (const i of items) if (!all.includes(i)) throw new Error(`"${i}" is not one of ${all.join(', ')}`);
  return items;
}

function nums(v: string | undefined, what: string): number[] | undefined {
  if (v === undefined) return undefined;
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${what}: expected a comma-separated list of positive integers, got "${v}"`);
  return out;
}

function int(v: string | undefined, what: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what}: expected an integer of at least ${min}, got "${v}"`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env, root = process.cwd()): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      n: { type: 'string' },
      partitions: { type: 'string' },
      shape: { type: 'string' },
      sink: { type: 'string' },
      mode: { type: 'string' },
      sources: { type: 'string' },
      compression: { type: 'string' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      'latency-rate': { type: 'string' },
      'latency-seconds': { type: 'string' },
      threads: { type: 'string' },
      'batch-sizes': { type: 'string' },
      'no-micro': { type: 'boolean' },
      'no-e2e': { type: 'boolean' },
      'no-latency': { type: 'boolean' },
      'no-sweep': { type: 'boolean' },
      tuning: { type: 'boolean' },
      'micro-time': { type: 'string' },
      profile: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
      'no-progress': { type: 'boolean' },
      timeout: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const e = (name: string) => env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const s = (name: keyof typeof values) => (values[name] as string | undefined) ?? e(name);
  const flag = (name: keyof typeof values) => values[name] === true || ['1', 'true', 'yes'].includes((e(name) ?? '').toLowerCase());

  const quick = flag('quick');
  const n = int(s('n'), '--n') ?? (quick ? 20_000 : 500_000);
  const shapes = (list(s('shape'), ['order', 'wide', 'doc']) ?? ['order']) as ShapeName[];
  const sinks = list(s('sink'), ['drop', 'postgres', 's3']) ?? ['drop', 'postgres', 's3'];
  const modes = list(s('mode'), ['insert', 'upsert']) ?? ['insert', 'upsert'];
  const targets: Target[] = [];
  if (sinks.includes('drop')) targets.push('drop');
  if (sinks.includes('postgres') && modes.includes('insert')) targets.push('pg-insert');
  if (sinks.includes('postgres') && modes.includes('upsert')) targets.push('pg-upsert');
  if (sinks.includes('s3')) targets.push('s3');
  if (targets.length === 0) throw new Error('--sink/--mode select nothing to run');
  const sources = (list(s('sources'), ALL_SOURCES) ?? [...ALL_SOURCES]) as SourceName[];
  if (sources.length === 0) throw new Error('--sources selects no source');

  const connector: Record<string, string> = {};
  for (const kv of (values.set as string[] | undefined) ?? (e('set') ? e('set')!.split(';') : [])) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Error(`--set: expected key=value, got "${kv}"`);
    connector[kv.slice(0, at).trim()] = kv.slice(at + 1).trim();
  }
  const sluiceEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('SLUICE_') && v !== undefined && !/^SLUICE_(TEST|STACK|CACHE)_|^SLUICE_NATIVE_ADDON$/.test(k)) sluiceEnv[k] = v;
  }
  const small = Math.max(1000, Math.round(n / 5));
  return {
    quick,
    n,
    nByShape: { order: n, wide: small, doc: small },
    partitions: int(s('partitions'), '--partitions') ?? (quick ? 2 : 6),
    shapes,
    targets,
    sources: ALL_SOURCES.filter((x) => sources.includes(x)),
    compression: s('compression') ?? 'lz4',
    seed: int(s('seed'), '--seed', 0) ?? 42,
    repeat: int(s('repeat'), '--repeat') ?? (quick ? 1 : 3),
    latencyRate: int(s('latency-rate'), '--latency-rate', 0) ?? 0,
    latencySeconds: int(s('latency-seconds'), '--latency-seconds') ?? (quick ? 3 : 15),
    sweepThreads: nums(s('threads'), '--threads') ?? (quick ? [1, 2] : [1, 2, 4]),
    sweepBatchSizes: nums(s('batch-sizes'), '--batch-sizes') ?? (quick ? [2000, 20000] : [1000, 5000, 20000, 50000]),
    micro: !flag('no-micro'),
    microTimeMs: int(s('micro-time'), '--micro-time') ?? (quick ? 150 : 1000),
    e2e: !flag('no-e2e'),
    latency: !flag('no-latency'),
    sweep: !flag('no-sweep'),
    tuning: flag('tuning'),
    profile: flag('profile'),
    progress: !flag('no-progress'),
    outDir: path.resolve(root, s('out') ?? 'bench/results'),
    connector,
    sluiceEnv,
    timeoutMs: (int(s('timeout'), '--timeout') ?? 600) * 1000,
  };
}

export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism());
}
