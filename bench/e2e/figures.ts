// From runs to the figures the report shows. With --repeat, each figure is
// the median over the runs.
import { baselineOf, SOURCE_LABEL, TARGET_LABEL, type BaselineName, type BaselineRow, type CpuPerMillion, type E2eRow } from '../lib/results.js';
import type { SourceName, Target } from '../lib/options.js';
import type { CpuSplit } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';
import type { Dataset } from './context.js';
import type { RunnerResult } from './protocol.js';
import type { SluiceRun } from './sluice-run.js';

function medianCpu(cpus: CpuSplit[]): CpuSplit {
  const m = (k: keyof CpuSplit) => median(cpus.map((c) => c[k]));
  return { mainS: m('mainS'), workersS: m('workersS'), librdkafkaS: m('librdkafkaS'), otherS: m('otherS'), totalS: m('totalS') };
}

function perMillion(cpu: CpuSplit, records: number): CpuPerMillion {
  const f = 1e6 / records;
  return {
    mainS: round(cpu.mainS * f, 3), workersS: round(cpu.workersS * f, 3), librdkafkaS: round(cpu.librdkafkaS * f, 3),
    otherS: round(cpu.otherS * f, 3), totalS: round(cpu.totalS * f, 3),
  };
}

export function throughput(r: RunnerResult): number {
  return r.records / Math.max(1e-6, (r.durableMs - r.firstMs) / 1000);
}

/** `baseline`: the one baselineOf(target, source) names. */
export function e2eRow(ds: Dataset, target: Target, source: SourceName, runs: SluiceRun[], baseline: BaselineRow | undefined): E2eRow {
  const results = runs.map((r) => r.result);
  const recordsPerS = median(results.map(throughput));
  const seconds = median(results.map((r) => (r.durableMs - r.firstMs) / 1000));
  const cpu = medianCpu(results.map((r) => r.cpu));
  const stats = results.map((r) => r.stats!);
  const batches = median(stats.map((s) => s.batches));
  const tails = results.filter((r) => r.committedMs !== undefined).map((r) => (r.committedMs! - r.durableMs) / 1000);
  return {
    shape: ds.shape.name,
    target,
    source,
    label: `${TARGET_LABEL[target]}, ${SOURCE_LABEL[source]}`,
    settings: runs[0]!.settings,
    records: ds.n,
    recordsPerS: round(recordsPerS, 0),
    mbPerS: round((ds.wireBytes / ds.n) * recordsPerS / 1e6, 2),
    seconds: round(seconds, 3),
    startupS: round(median(results.map((r) => (r.firstMs - r.startMs) / 1000)), 3),
    commitTailS: tails.length ? round(median(tails), 3) : null,
    peakRssBytes: Math.max(...results.map((r) => r.peakRss)),
    peakHeldBytes: Math.max(...stats.map((s) => s.peakHeldBytes)),
    peakMainHeapBytes: Math.max(...results.map((r) => r.peakMainHeap)),
    peakExternalBytes: Math.max(...results.map((r) => r.peakExternal)),
    machineBusy: round(median(results.map((r) => r.machineBusy)), 3),
    cpu: {
      mainS: round(cpu.mainS, 3), workersS: round(cpu.workersS, 3), librdkafkaS: round(cpu.librdkafkaS, 3),
      otherS: round(cpu.otherS, 3), totalS: round(cpu.totalS, 3),
    },
    cpuPerMillion: perMillion(cpu, ds.n),
    mainUsPerRecord: round((cpu.mainS * 1e6) / ds.n, 3),
    packUsPerRecord: round(median(stats.map((s) => s.packMicros)) / ds.n, 3),
    workerTaskUsPerRecord: round(median(stats.map((s) => s.workerMicros)) / ds.n, 3),
    batches,
    avgBatchRecords: round(ds.n / Math.max(1, batches), 0),
    baseline: baselineOf(target, source),
    baselineRecordsPerS: baseline ? baseline.recordsPerS : null,
    ratio: baseline ? round(recordsPerS / baseline.recordsPerS, 3) : null,
    runs: runs.length,
    check: runs[runs.length - 1]!.check,
  };
}

export function baselineRow(ds: Dataset, name: BaselineName, label: string, secondsPerRun: number[], note: string, child?: RunnerResult[]): BaselineRow {
  const cpus = child?.map((r) => r.cpu);
  const seconds = median(secondsPerRun);
  const recordsPerS = ds.n / seconds;
  const cpu = cpus && cpus.length ? medianCpu(cpus) : undefined;
  return {
    name,
    shape: ds.shape.name,
    label,
    records: ds.n,
    recordsPerS: round(recordsPerS, 0),
    mbPerS: round(ds.wireBytes / seconds / 1e6, 2),
    seconds: round(seconds, 3),
    cpu,
    mainUsPerRecord: cpu ? round((cpu.mainS * 1e6) / ds.n, 3) : undefined,
    peakRssBytes: child?.length ? Math.max(...child.map((r) => r.peakRss)) : undefined,
    peakMainHeapBytes: child?.length ? Math.max(...child.map((r) => r.peakMainHeap)) : undefined,
    machineBusy: child?.length ? round(median(child.map((r) => r.machineBusy)), 3) : undefined,
    runs: secondsPerRun.length,
    note,
  };
}
