// The SVG chart of a run: throughput against worker.threads and against
// batch.max.records, with the baselines as dashed lines.
import { BASELINE_OF, type SweepResult } from './results.js';
import { lineCharts } from './svg.js';

export function sweepChart(s: SweepResult): string {
  const top = Math.max(1, ...[...s.threads, ...s.batchSizes].map((p) => p.recordsPerS));
  const refs: { y: number; label: string; color: string }[] = [];
  const consumeOnChart = s.consumeRecordsPerS !== null && s.consumeRecordsPerS <= top * 3;
  if (s.consumeRecordsPerS && consumeOnChart) refs.push({ y: s.consumeRecordsPerS, label: s.source === 'native' ? 'raw native consume (a′)' : 'raw binding consume (a)', color: '#2ca02c' });
  // A baseline far above every point would flatten the curves; the caption gives it instead.
  const base = s.baselineRecordsPerS;
  const baseOnChart = base !== null && base <= top * 3;
  if (base !== null && baseOnChart) refs.push({ y: base, label: `baseline ${BASELINE_OF[s.target]}`, color: '#999' });
  const caption = `Sluice ${s.target}, ${s.source} source, ${s.shape} rows, one run per point; dashed: baselines measured in the same invocation` +
    (base !== null && !baseOnChart ? `; baseline ${BASELINE_OF[s.target]} (${Math.round(base).toLocaleString('en-US')} records/s) is off the chart` : '') +
    (s.consumeRecordsPerS !== null && !consumeOnChart ? `; raw consume (${Math.round(s.consumeRecordsPerS).toLocaleString('en-US')} records/s) is off the chart` : '');
  return lineCharts(
    [
      { title: 'records/s against worker.threads', xLabel: 'worker.threads', yLabel: 'records/s', series: [{ name: `${s.shape} ${s.target}`, color: '#1f77b4', points: s.threads.map((p) => ({ x: p.x, y: p.recordsPerS })) }], refs },
      { title: 'records/s against batch.max.records', xLabel: 'batch.max.records (log scale)', yLabel: 'records/s', logX: true, series: [{ name: `${s.shape} ${s.target}`, color: '#d62728', points: s.batchSizes.map((p) => ({ x: p.x, y: p.recordsPerS })) }], refs },
    ],
    caption,
  );
}

