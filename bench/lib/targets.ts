// The targets, evaluated against one result. A target whose figure
// was not measured (a sink not built yet, a part skipped) says so instead of
// passing or failing.
import { BASELINE_OF, type BenchResult, type E2eRow, type TargetRow } from './results.js';
import { MiB, round } from './stats.js';
import type { Target } from './options.js';

function ratioTarget(r: Pick<BenchResult, 'e2e' | 'baselines'>, target: Target, goal: number, name: string, note: string): TargetRow {
  const row = r.e2e.find((e) => e.shape === 'order' && e.target === target);
  const measured = row?.ratio ?? null;
  const raw = r.baselines.find((b) => b.shape === 'order' && b.name === 'raw-consume');
  const base = r.baselines.find((b) => b.shape === 'order' && b.name === BASELINE_OF[target]);
  const consumeCeiling = raw && base && target !== 'drop' ? round(raw.recordsPerS / base.recordsPerS, 3) : null;
  return { name, measured, target: goal, op: '>=', unit: '×', pass: measured === null ? null : measured >= goal, note, consumeCeiling };
}

export function evaluateTargets(r: Omit<BenchResult, 'targets'>): TargetRow[] {
  const out: TargetRow[] = [
    ratioTarget(r, 'pg-insert', 0.5, 'Kafka → PostgreSQL insert, reference rows, vs (b)', 'records/s of Sluice ÷ records/s of binary COPY from a file, same rows, same table definition'),
    ratioTarget(r, 'pg-upsert', 0.8, 'Kafka → PostgreSQL upsert vs (c)', 'Sluice upsert ÷ COPY to unlogged staging + INSERT … ON CONFLICT; half the keys exist beforehand in both'),
    ratioTarget(r, 's3', 0.8, 'Kafka → S3 Parquet vs (d)', 'Sluice to S3 ÷ single-thread Parquet encode of the same rows (no upload)'),
    ratioTarget(r, 'drop', 0.9, 'consume + decode, output dropped, vs (a)', 'Sluice with a dropping sink ÷ raw librdkafka consume'),
  ];
  const scaling = r.micro?.poolScaling ?? null;
  out.push({ name: '2 worker threads vs 1, decode + encode (micro)', measured: scaling?.ratio ?? null, target: 1.7, op: '>=', unit: '×', pass: scaling ? scaling.ratio >= 1.7 : null, note: `Avro decode + binary COPY encode through the real worker pool; a pure CPU loop scaled ${r.micro && !Number.isNaN(r.micro.cpuControlRatio) ? r.micro.cpuControlRatio.toFixed(2) : '–'}× at the same moment (the machine's ceiling)` });

  const defaults = r.settings.defaults;
  const atDefaults = r.e2e.filter((e) => e.settings.workerThreads === defaults.workerThreads && e.settings.batchMaxRecords === defaults.batchMaxRecords);
  const peak = atDefaults.length ? Math.max(...atDefaults.map((e) => e.peakRssBytes)) / MiB : null;
  out.push({ name: 'peak RSS at default settings', measured: peak === null ? null : round(peak, 0), target: 512, op: '<=', unit: 'MiB', pass: peak === null ? null : peak <= 512, note: `VmHWM of the Sluice process, highest of ${atDefaults.length} default-setting runs` });

  const raw = r.baselines.find((b) => b.name === 'raw-consume' && b.shape === 'order');
  const orderRows = atDefaults.filter((e) => e.shape === 'order');
  let worst: E2eRow | undefined;
  for (const e of orderRows) if (!worst || e.mainUsPerRecord > worst.mainUsPerRecord) worst = e;
  const extra = raw?.mainUsPerRecord !== undefined && worst ? round(worst.mainUsPerRecord - raw.mainUsPerRecord, 3) : null;
  out.push({ name: "main-thread CPU per record beyond librdkafka's own", measured: extra, target: 1, op: '<=', unit: 'µs', pass: extra === null ? null : extra <= 1, note: worst && raw?.mainUsPerRecord !== undefined ? `highest of the reference-row runs (${worst.target}: ${worst.mainUsPerRecord} µs) minus raw consume's main thread (${raw.mainUsPerRecord} µs)` : 'needs raw consume and a Sluice run of the reference rows' });

  const def = r.micro?.dispatch.find((d) => d.batchRecords === defaults.batchMaxRecords) ?? r.micro?.dispatch.at(-1);
  out.push({ name: 'pool dispatch overhead at the default batch size', measured: def ? round(def.overheadShare * 100, 2) : null, target: 5, op: '<=', unit: '%', pass: def ? def.overheadShare <= 0.05 : null, note: def ? `round trip − worker time, over worker time, ${def.batchRecords}-record batches (micro)` : 'micro benchmarks not run' });
  return out;
}
