// The markdown report of a result (bench/results/*.md, and the table in
// native-notes/results.md).
import { BASELINE_LABEL, TARGET_LABEL, type BenchResult, type E2eRow } from './results.js';
import { fmtNum } from './svg.js';
import { MiB } from './stats.js';

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
const n = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));

export function targetsTable(r: BenchResult): string {
  const lines = ['| target | measured | goal | result | ceiling set by raw consume | how it was measured |', '| --- | --- | --- | --- | --- | --- |'];
  for (const t of r.targets) {
    const result = t.pass === null ? 'not measured' : t.pass ? 'met' : `**missed** (${missBy(t)})`;
    const ceiling = t.consumeCeiling ? `${f(t.consumeCeiling, 3)} ×` : '';
    lines.push(`| ${t.name} | ${t.measured === null ? '–' : `${f(t.measured, t.unit === '×' ? 3 : 2)} ${t.unit}`} | ${t.op} ${t.target} ${t.unit} | ${result} | ${ceiling} | ${t.note} |`);
  }
  return lines.join('\n');
}

function missBy(t: BenchResult['targets'][number]): string {
  if (t.measured === null) return '';
  if (t.op === '>=') return `${((1 - t.measured / t.target) * 100).toFixed(0)}% short`;
  return `${((t.measured / t.target - 1) * 100).toFixed(0)}% over`;
}

export function e2eTable(rows: E2eRow[], skipped: BenchResult['skipped'], shape: string): string {
  const lines = [
    '| run | records/s | MB/s | × baseline | baseline records/s | peak RSS | CPU s / 1M records: main · workers · librdkafka · other | main µs/record | worker task µs/record | records/batch | machine busy | startup s | commit tail s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of rows.filter((x) => x.shape === shape)) {
    const c = e.cpuPerMillion;
    lines.push(`| ${e.label} | ${n(e.recordsPerS)} | ${f(e.mbPerS)} | ${f(e.ratio, 3)} vs ${e.baseline} | ${n(e.baselineRecordsPerS)} | ${f(e.peakRssBytes / MiB, 0)} MiB (main heap ${f(e.peakMainHeapBytes / MiB, 0)}, held ${f(e.peakHeldBytes / MiB, 0)}) | ${f(c.mainS)} · ${f(c.workersS)} · ${f(c.librdkafkaS)} · ${f(c.otherS)} (total ${f(c.totalS)}) | ${f(e.mainUsPerRecord)} | ${f(e.workerTaskUsPerRecord)} | ${n(e.avgBatchRecords)} | ${f(e.machineBusy * 100, 0)}% | ${f(e.startupS)} | ${f(e.commitTailS)} |`);
  }
  for (const s of skipped.filter((x) => x.what.startsWith(`e2e ${shape} `))) lines.push(`| ${s.what.slice(`e2e ${shape} `.length)} | skipped: ${s.reason.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 200)} | | | | | | | | | | | |`);
  return lines.join('\n');
}

/** Both sources side by side, per target: the native source's gain and where each spends CPU. */
export function sourcesTable(rows: E2eRow[], shape: string): string {
  const lines = [
    '| run | native records/s | binding records/s | native ÷ binding | native × baseline | binding × baseline | main µs/record native · binding | CPU s / 1M records native: main · workers · librdkafka · other | same, binding | peak RSS native · binding |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |',
  ];
  const cpu = (e: E2eRow) => `${f(e.cpuPerMillion.mainS)} · ${f(e.cpuPerMillion.workersS)} · ${f(e.cpuPerMillion.librdkafkaS)} · ${f(e.cpuPerMillion.otherS)} (${f(e.cpuPerMillion.totalS)})`;
  for (const target of ['drop', 'pg-insert', 'pg-upsert', 's3'] as const) {
    const nat = rows.find((e) => e.shape === shape && e.target === target && e.source === 'native');
    const bin = rows.find((e) => e.shape === shape && e.target === target && e.source === 'binding');
    if (!nat && !bin) continue;
    lines.push(`| ${TARGET_LABEL[target]} | ${n(nat?.recordsPerS)} | ${n(bin?.recordsPerS)} | ${nat && bin ? `${f(nat.recordsPerS / bin.recordsPerS, 2)} ×` : '–'} | ${nat ? `${f(nat.ratio, 3)} vs ${nat.baseline}` : '–'} | ${bin ? `${f(bin.ratio, 3)} vs ${bin.baseline}` : '–'} | ${f(nat?.mainUsPerRecord, 3)} · ${f(bin?.mainUsPerRecord, 3)} | ${nat ? cpu(nat) : '–'} | ${bin ? cpu(bin) : '–'} | ${nat ? f(nat.peakRssBytes / MiB, 0) : '–'} · ${bin ? f(bin.peakRssBytes / MiB, 0) : '–'} MiB |`);
  }
  return lines.join('\n');
}

export function markdown(r: BenchResult, svgName?: string): string {
  const m = r.machine;
  const s = r.settings;
  const out: string[] = [];
  out.push(`# Sluice benchmark, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(`Machine: ${m.cores} cores (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${m.os} ${m.kernel}; load average at start ${m.loadAverage.join(' / ')}. ` +
    `Node ${m.node}, librdkafka ${m.librdkafka} (@confluentinc/kafka-javascript ${m.kafkaJavascript}), Kafka ${m.kafkaBroker}, PostgreSQL ${m.postgres}, parquet-wasm ${m.parquetWasm}, apache-arrow ${m.apacheArrow}, Sluice ${m.sluiceCommit}. ` +
    `Broker, PostgreSQL, MinIO, the registry and Sluice share the cores.`);
  out.push('');
  out.push(`Settings: N=${s.n.toLocaleString('en-US')} records (reference shape), ${s.partitions} partitions, shapes ${s.shapes.join(', ')}, topic compression ${s.compression}, seed ${s.seed}, ` +
    `Kafka sources ${(s.sources ?? ['binding']).join(', ')} (source.native=on / off; runs of the two alternate), ` +
    `${s.repeat} run(s) per figure (medians), Sluice defaults worker.threads=${s.defaults.workerThreads}, batch.max.records=${s.defaults.batchMaxRecords}` +
    `${Object.keys(s.connector).length ? `, overrides ${JSON.stringify(s.connector)}` : ''}${Object.keys(s.sluiceEnv).length ? `, env ${JSON.stringify(s.sluiceEnv)}` : ''}. Took ${f(r.durationS, 0)} s.`);
  out.push('');
  if (s.quick) {
    out.push('**Quick mode: this run checks that the harness works. With so few records, batches close on `batch.linger.ms` and startup dominates, so no figure here means anything.**');
    out.push('');
  }
  out.push('## Targets');
  out.push('');
  out.push(targetsTable(r));
  out.push('');
  for (const shape of s.shapes) {
    out.push(`## End to end: ${shape} rows`);
    out.push('');
    if ((s.sources ?? []).length > 1) {
      out.push(sourcesTable(r.e2e, shape));
      out.push('');
    }
    out.push(e2eTable(r.e2e, r.skipped, shape));
    out.push('');
  }
  out.push('Throughput counts from the first record read to the last row durable (committed in PostgreSQL, uploaded to S3); ' +
    '"commit tail" is the time after that until Kafka had the offsets. CPU is per thread from /proc (schedstat) over the same span; ' +
    '"other" is V8 GC helpers and the libuv pool, where both sources run librdkafka consume calls (the native source also copies records into the batch buffers there). ' +
    'The drop target is divided by raw consume through the same source: (a′) for the native source, (a) for the binding. MB/s counts record values as produced.');
  out.push('');
  out.push('## Baselines (same invocation, same rows)');
  out.push('');
  out.push('| baseline | shape | records/s | MB/s | seconds | main µs/record | peak RSS | machine busy | how |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const b of r.baselines) {
    const rss = b.peakRssBytes === undefined ? '–' : `${f(b.peakRssBytes / MiB, 0)} MiB (main heap ${f((b.peakMainHeapBytes ?? NaN) / MiB, 0)})`;
    const busy = b.machineBusy === undefined ? '–' : `${f(b.machineBusy * 100, 0)}%`;
    out.push(`| ${BASELINE_LABEL[b.name]} | ${b.shape} | ${n(b.recordsPerS)} | ${f(b.mbPerS)} | ${f(b.seconds, 3)} | ${f(b.mainUsPerRecord)} | ${rss} | ${busy} | ${b.note} |`);
  }
  out.push('');
  if (r.latency) {
    const l = r.latency;
    out.push('## Produce-to-commit latency');
    out.push('');
    out.push(`${l.records.toLocaleString('en-US')} ${l.shape} records at ${n(l.achievedRatePerS)} records/s (asked ${n(l.requestedRatePerS)}) for ${f(l.seconds, 1)} s: ` +
      `**p50 ${f(l.p50Ms, 0)} ms, p99 ${f(l.p99Ms, 0)} ms**, max ${f(l.maxMs, 0)} ms. ${l.note}.`);
    out.push('');
  }
  if (r.sweeps) {
    const w = r.sweeps;
    out.push(`## Throughput against worker threads and batch size (${w.shape}, ${w.target}, ${w.source ?? 'binding'} source)`);
    out.push('');
    if (svgName) out.push(`![throughput chart](${svgName})`);
    out.push('');
    out.push('| worker.threads | records/s | main µs/record | peak RSS |');
    out.push('| ---: | ---: | ---: | ---: |');
    for (const p of w.threads) out.push(`| ${p.x} | ${n(p.recordsPerS)} | ${f(p.mainUsPerRecord)} | ${f(p.peakRssBytes / MiB, 0)} MiB |`);
    out.push('');
    out.push('| batch.max.records | records/s | main µs/record | peak RSS |');
    out.push('| ---: | ---: | ---: | ---: |');
    for (const p of w.batchSizes) out.push(`| ${p.x} | ${n(p.recordsPerS)} | ${f(p.mainUsPerRecord)} | ${f(p.peakRssBytes / MiB, 0)} MiB |`);
    out.push('');
  }
  if (r.tuning.length) {
    out.push('## Tuning knobs: one knob changed, each run paired with a default run next to it');
    out.push('');
    out.push('| area | run | knob | what it does | records/s (default) | change | peak RSS (default) | change | pairs |');
    out.push('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
    const pct = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`);
    for (const t of r.tuning) out.push(`| ${t.area} | ${t.target} | \`${t.knob}\` | ${t.why} | ${n(t.recordsPerS)} (${n(t.defaultRecordsPerS)}) | ${pct(t.throughputChange)} | ${f(t.peakRssBytes / MiB, 0)} MiB (${f((t.defaultPeakRssBytes ?? NaN) / MiB, 0)}) | ${pct(t.rssChange)} | ${t.runs} |`);
    out.push('');
  }
  if (r.micro) {
    out.push('## Micro benchmarks (tinybench, warm-up first)');
    out.push('');
    out.push('| group | benchmark | records/s | ns/record | ± % | samples |');
    out.push('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const x of r.micro.rows) {
      const tasks = x.unit === 'tasks';
      out.push(`| ${x.group} | ${x.name} | ${fmtNum(x.recordsPerS)}${tasks ? ' tasks/s' : ''} | ${tasks ? `${f(x.nsPerRecord / 1e6, 1)} ms/task` : f(x.nsPerRecord, 0)} | ${f(x.rmePercent, 1)} | ${x.samples} |`);
    }
    out.push('');
    out.push(`Pool dispatch (1 thread, tasks one at a time; an empty batch's round trip is ${f(r.micro.emptyTaskRoundTripUs, 0)} µs):`);
    out.push('');
    out.push('| records/batch | round trip µs | worker task µs | dispatch overhead µs | overhead / worker time |');
    out.push('| ---: | ---: | ---: | ---: | ---: |');
    for (const d of r.micro.dispatch) out.push(`| ${d.batchRecords} | ${f(d.roundTripUs, 0)} | ${f(d.workerUs, 0)} | ${f(d.overheadUs, 0)} | ${f(d.overheadShare * 100, 2)}% |`);
    out.push('');
  }
  if (r.skipped.length) {
    out.push('## Skipped');
    out.push('');
    for (const x of r.skipped) out.push(`- ${x.what}: ${x.reason.replace(/\n/g, ' ').slice(0, 400)}`);
    out.push('');
  }
  if (r.profiles.length) {
    out.push('## CPU profiles (node --cpu-prof), self time');
    out.push('');
    for (const p of r.profiles) {
      out.push(`### ${p.run}`);
      out.push('');
      out.push('```');
      out.push(p.summary);
      out.push('```');
      out.push('');
    }
  }
  return out.join('\n');
}
