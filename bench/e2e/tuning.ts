// --tuning: the measured effect of each tuning knob. Every variant is a
// Sluice run over the reference dataset with one knob changed, compared with
// a default-setting run of the same target next to it.
import { SOURCE_ENV, type SourceName, type Target } from '../lib/options.js';
import type { TuningRow } from '../lib/results.js';
import type { RunnerResult } from './protocol.js';
import { median, round } from '../lib/stats.js';
import type { BenchContext, Dataset } from './context.js';
import { throughput } from './figures.js';
import { runSluice } from './sluice-run.js';

export interface Variant {
  area: 'librdkafka' | 'engine and pool' | 'PostgreSQL sink' | 'Parquet / S3 sink';
  target: Target;
  /** Connector options (kafka.* passes to librdkafka). */
  set: Record<string, string>;
  why: string;
}

export const VARIANTS: Variant[] = [
  { area: 'librdkafka', target: 'pg-insert', set: { 'kafka.queued.max.messages.kbytes': '4096' }, why: 'prefetch queue per partition (default 16384 KiB): memory against fetch stalls' },
  { area: 'librdkafka', target: 'pg-insert', set: { 'kafka.queued.min.messages': '10000' }, why: 'prefetch target per partition (default 100000 messages)' },
  { area: 'librdkafka', target: 'pg-insert', set: { 'kafka.fetch.max.bytes': '8388608', 'kafka.max.partition.fetch.bytes': '1048576' }, why: 'fetch response sizes (default 50 MiB / 4 MiB)' },
  { area: 'librdkafka', target: 'pg-insert', set: { 'kafka.fetch.wait.max.ms': '10' }, why: 'broker wait for fetch.min.bytes (default 100 ms)' },
  { area: 'engine and pool', target: 'pg-insert', set: { 'batch.linger.ms': '50' }, why: 'a partition batch closes this long after its first record (default 250 ms)' },
  { area: 'engine and pool', target: 'pg-insert', set: { 'inflight.max.bytes': String(32 * 1024 * 1024) }, why: 'bytes held before partitions pause (default 192 MiB)' },
  { area: 'engine and pool', target: 'pg-insert', set: { 'batch.max.bytes': String(1024 * 1024) }, why: 'shared buffer size per partition batch (default 8 MiB)' },
  { area: 'PostgreSQL sink', target: 'pg-insert', set: { 'pg.pool.size': '1' }, why: 'connections (default 4)' },
  { area: 'PostgreSQL sink', target: 'pg-insert', set: { 'delivery.guarantee': 'exactly_once' }, why: 'offsets stored in the same transaction as the rows (default at_least_once)' },
  { area: 'Parquet / S3 sink', target: 's3', set: { 'parquet.codec': 'zstd' }, why: 'compression codec (default snappy)' },
  { area: 'Parquet / S3 sink', target: 's3', set: { 'parquet.codec': 'none' }, why: 'compression codec (default snappy)' },
  { area: 'Parquet / S3 sink', target: 's3', set: { 'parquet.row.group.bytes': String(4 * 1024 * 1024) }, why: 'row group size (default 32 MiB); workers hold about 1.5× it while writing' },
  { area: 'Parquet / S3 sink', target: 's3', set: { 'delivery.guarantee': 'exactly_once' }, why: 'offsets derived from object names and markers (default at_least_once)' },
];

/**
 * Each variant run is paired with a default run right before it, and the
 * change is the median of the pairs' ratios: load from other work on a shared
 * machine drifts over minutes, and a pair sees the same load.
 */
export async function runTuning(
  ctx: BenchContext, ds: Dataset, source: SourceName, step: <T>(name: string, fn: () => Promise<T>) => Promise<T | undefined>,
): Promise<TuningRow[]> {
  const rows: TuningRow[] = [];
  for (const v of VARIANTS) {
    if (!ctx.opts.targets.includes(v.target)) continue;
    const knob = Object.entries(v.set).map(([k, x]) => `${k}=${x}`).join(', ');
    const pairs: { base: RunnerResult; variant: RunnerResult }[] = [];
    for (let i = 0; i < ctx.opts.repeat; i++) {
      const base = await step(`tuning ${v.target} default (pair for ${knob})`, () => runSluice(ctx, ds, v.target, SOURCE_ENV[source], `tuning-default`));
      const variant = base && (await step(`tuning ${v.target} ${knob}`, () => runSluice(ctx, ds, v.target, SOURCE_ENV[source], `tuning-${Object.keys(v.set)[0]}`, v.set)));
      if (base && variant) pairs.push({ base: base.result, variant: variant.result });
    }
    if (pairs.length === 0) continue;
    rows.push({
      area: v.area,
      target: v.target,
      knob,
      why: v.why,
      recordsPerS: round(median(pairs.map((p) => throughput(p.variant))), 0),
      defaultRecordsPerS: round(median(pairs.map((p) => throughput(p.base))), 0),
      throughputChange: round(median(pairs.map((p) => throughput(p.variant) / throughput(p.base))) - 1, 3),
      peakRssBytes: Math.max(...pairs.map((p) => p.variant.peakRss)),
      defaultPeakRssBytes: Math.max(...pairs.map((p) => p.base.peakRss)),
      rssChange: round(median(pairs.map((p) => p.variant.peakRss / p.base.peakRss)) - 1, 3),
      runs: pairs.length,
    });
  }
  return rows;
}
