// The issue's targets, evaluated against one result. A target whose figure
// was not measured (a sink not built yet, a part skipped, a source that could
// not load) says so instead of passing or failing.
import { baselineOf, RAW_CONSUME_OF, type BenchResult, type E2eRow, type TargetRow } from './results.js';
import { MiB, round } from './stats.js';
import type { SourceName, Target } from './options.js';

type Measured = Pick<BenchResult, 'e2e' | 'baselines'>;

const row = (r: Measured, target: Target, source: SourceName): E2eRow | undefined => r.e2e.find((e) => e.shape === 'order' && e.target === target && e.source === source);
const baseline = (r: Measured, name: string) => r.baselines.find((b) => b.shape === 'order' && b.name === name);

/** A source's run of a target ÷ its baseline (the row's own ratio). */
function ratioTarget(r: Measured, target: Target, source: SourceName, goal: number, name: string, note: string): TargetRow {
  const e = row(r, target, source);
  const measured = e?.ratio ?? null;
  const raw = baseline(r, RAW_CONSUME_OF[source]);
  const base = baseline(r, baselineOf(target, source));
  const consumeCeiling = raw && base && target !== 'drop' ? round(raw.recordsPerS / base.recordsPerS, 3) : null;
  return { name, measured, target: goal, op: '>=', unit: '×', pass: measured === null ? null : measured >= goal, note, consumeCeiling };
}

/** The native source's run of a target ÷ the binding's, from the same invocation (runs alternated). */
function sourceRatio(r: Measured, target: Target, goal: number, name: string, note: string): TargetRow {
  const nat = row(r, target, 'native');
  const bin = row(r, target, 'binding');
  const measured = nat && bin ? round(nat.recordsPerS / bin.recordsPerS, 3) : null;
  const rawN = baseline(r, RAW_CONSUME_OF.native);
  const rawB = baseline(r, RAW_CONSUME_OF.binding);
  // The best the ratio could be if each source's run only consumed: (a′) ÷ the binding's run.
  const consumeCeiling = rawN && bin ? round(rawN.recordsPerS / bin.recordsPerS, 3) : null;
  const detail = nat && bin ? `; ${nat.recordsPerS.toLocaleString('en-US')} vs ${bin.recordsPerS.toLocaleString('en-US')} records/s${rawN && rawB ? `, raw consume (a′) ÷ (a) = ${(rawN.recordsPerS / rawB.recordsPerS).toFixed(2)} ×` : ''}` : '';
  return { name, measured, target: goal, op: '>=', unit: '×', pass: measured === null ? null : measured >= goal, note: `${note}${detail}`, consumeCeiling };
}

export function evaluateTargets(r: Omit<BenchResult, 'targets'>): TargetRow[] {
  const out: TargetRow[] = [];
  const defaults = r.settings.defaults;
  const atDefaults = r.e2e.filter((e) => e.settings.workerThreads === defaults.workerThreads && e.settings.batchMaxRecords === defaults.batchMaxRecords);

  const dropN = row(r, 'drop', 'native');
  const rawN = baseline(r, RAW_CONSUME_OF.native);
  out.push({
    name: 'main-thread CPU per record, native source, output dropped',
    measured: dropN ? dropN.mainUsPerRecord : null,
    target: 0.1, op: '<=', unit: 'µs', pass: dropN ? dropN.mainUsPerRecord <= 0.1 : null,
    note: dropN
      ? `main thread's CPU from the first record to the last durable one ÷ records (librdkafka's threads ${dropN.cpuPerMillion.librdkafkaS.toFixed(2)} s and other threads — libuv pool running consume(), GC — ${dropN.cpuPerMillion.otherS.toFixed(2)} s per million records, counted apart)${rawN?.mainUsPerRecord !== undefined ? `; (a′) alone: ${rawN.mainUsPerRecord} µs` : ''}`
      : 'needs a native-source drop run',
  });
  out.push(sourceRatio(r, 'drop', 3, 'consume + decode, output dropped, native ÷ binding', 'records/s of the native source ÷ the binding source, dropping sink'));
  out.push(sourceRatio(r, 'pg-insert', 2.5, 'PostgreSQL insert, native ÷ binding', 'records/s of the native source ÷ the binding source, insert mode'));
  out.push(ratioTarget(r, 'pg-insert', 'native', 0.35, 'PostgreSQL insert (native) ÷ (b)', 'native source ÷ binary COPY from a file, same rows, same table definition'));
  out.push(ratioTarget(r, 'pg-upsert', 'native', 0.8, 'PostgreSQL upsert (native) ÷ (c)', 'native source upsert ÷ COPY to unlogged staging + INSERT … ON CONFLICT; half the keys exist beforehand in both'));
  out.push(ratioTarget(r, 's3', 'native', 0.6, 'S3 Parquet (native) ÷ (d)', 'native source to S3 ÷ single-thread Parquet encode of the same rows (no upload)'));
  // The earlier target, for the binding source; the native source's drop ÷ (a′) is in its row (decode, not consume, bounds it).
  const dropVsRaw = ratioTarget(r, 'drop', 'binding', 0.9, 'consume + decode, output dropped (binding) ÷ (a)', 'binding source with a dropping sink ÷ raw consume through the binding');
  if (dropN?.ratio != null) dropVsRaw.note += `; the native source ÷ (a′): ${dropN.ratio.toFixed(3)} ×`;
  out.push(dropVsRaw);

  const peakRow = atDefaults.reduce<E2eRow | undefined>((w, e) => (!w || e.peakRssBytes > w.peakRssBytes ? e : w), undefined);
  const peak = peakRow ? peakRow.peakRssBytes / MiB : null;
  out.push({ name: 'peak RSS at default settings', measured: peak === null ? null : round(peak, 0), target: 512, op: '<=', unit: 'MiB', pass: peak === null ? null : peak <= 512, note: peakRow ? `VmHWM of the Sluice process, highest of ${atDefaults.length} default-setting runs, both sources (${peakRow.target}, ${peakRow.source})` : 'no default-setting run' });

  // Sluice's own main-thread cost: each run's main thread minus its source's raw consume main thread.
  let worst: { e: E2eRow; extra: number; raw: number } | undefined;
  for (const e of atDefaults.filter((x) => x.shape === 'order')) {
    const raw = baseline(r, RAW_CONSUME_OF[e.source])?.mainUsPerRecord;
    if (raw === undefined) continue;
    const extra = round(e.mainUsPerRecord - raw, 3);
    if (!worst || extra > worst.extra) worst = { e, extra, raw };
  }
  out.push({ name: "main-thread CPU per record beyond the source's raw consume", measured: worst?.extra ?? null, target: 1, op: '<=', unit: 'µs', pass: worst ? worst.extra <= 1 : null, note: worst ? `highest of the reference-row runs, both sources (${worst.e.target}, ${worst.e.source}: ${worst.e.mainUsPerRecord} µs) minus the same source's raw consume main thread (${worst.raw} µs)` : 'needs a raw consume baseline and a Sluice run of the reference rows' });

  const scaling = r.micro?.poolScaling ?? null;
  out.push({ name: '2 worker threads vs 1, decode + encode (micro)', measured: scaling?.ratio ?? null, target: 1.7, op: '>=', unit: '×', pass: scaling ? scaling.ratio >= 1.7 : null, note: `Avro decode + binary COPY encode through the real worker pool; a pure CPU loop scaled ${r.micro && !Number.isNaN(r.micro.cpuControlRatio) ? r.micro.cpuControlRatio.toFixed(2) : '–'}× at the same moment (the machine's ceiling)` });
  const def = r.micro?.dispatch.find((d) => d.batchRecords === defaults.batchMaxRecords) ?? r.micro?.dispatch.at(-1);
  out.push({ name: 'pool dispatch overhead at the default batch size', measured: def ? round(def.overheadShare * 100, 2) : null, target: 5, op: '<=', unit: '%', pass: def ? def.overheadShare <= 0.05 : null, note: def ? `round trip − worker time, over worker time, ${def.batchRecords}-record batches (micro)` : 'micro benchmarks not run' });
  return out;
}
