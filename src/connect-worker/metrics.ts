// /metrics of a worker: one Prometheus registry for every connector running
// on it, each series labelled with its connector, under the names `sluice
// run` uses (src/metrics.ts), so one dashboard serves both. Read from the
// engines' counters when scraped.
import client from 'prom-client';
import type { MemoryBudget } from '../pipeline/memory-budget.js';
import type { EngineStats } from '../pipeline/engine.js';
import type { ConnectorRunner } from './connector-runner.js';

type Read = (s: EngineStats, r: ConnectorRunner) => number;

const COUNTERS: [string, string, Read][] = [
  ['sluice_sink_record_read_total', 'Records read from Kafka (Connect: sink-record-read-total).', (s) => s.recordsIn],
  ['sluice_sink_record_send_total', 'Rows made durable in the sink (Connect: sink-record-send-total).', (s) => s.rowsWritten],
  ['sluice_offset_commit_completion_total', 'Offset commits completed (Connect: offset-commit-completion-total).', (s) => s.commits],
  ['sluice_offset_commit_failure_total', 'Offset commits that failed and were retried.', (s) => s.commitFailures],
  ['sluice_dead_letter_total', 'Records sent to the dead-letter topic.', (s) => s.deadLettered],
  ['sluice_records_skipped_total', 'Records skipped after failing (errors.tolerance=all without a dead-letter topic).', (s) => s.skipped],
  ['sluice_tombstones_total', 'Records with a null value.', (s) => s.tombstones],
  ['sluice_transform_dropped_total', 'Records a single message transform dropped; committed, not written.', (s) => s.transformDropped],
  ['sluice_batches_total', 'Partition batches dispatched to the workers.', (s) => s.batches],
  ['sluice_pauses_total', 'Partition pauses by backpressure.', (s) => s.pauses],
];

const GAUGES: [string, string, Read][] = [
  ['sluice_sink_record_active_count', 'Records read but not yet durable (Connect: sink-record-active-count).', (s) => s.recordsActive],
  ['sluice_sink_record_lag_max', 'Largest per-partition lag behind the high watermark (Connect: sink-record-lag-max).', (_s, r) => r.lag().reduce((m, p) => Math.max(m, p.lag), 0)],
  ['sluice_put_batch_avg_time_ms', 'Average time from handing a batch to the sink to it being durable (Connect: put-batch-avg-time-ms).', (s) => (s.putBatches ? s.putBatchMsTotal / s.putBatches : 0)],
  ['sluice_put_batch_max_time_ms', 'Longest time from handing a batch to the sink to it being durable (Connect: put-batch-max-time-ms).', (s) => s.putBatchMsMax],
  ['sluice_inflight_bytes', 'Bytes held in batches, encoded output and open files (the inflight.max.bytes budget).', (s) => s.heldBytes],
  ['sluice_inflight_bytes_peak', 'Largest inflight_bytes seen.', (s) => s.peakHeldBytes],
  ['sluice_paused_partitions', 'Partitions paused right now.', (_s, r) => r.positions().filter((p) => p.paused).length],
  ['sluice_assigned_partitions', 'Partitions assigned to this instance.', (_s, r) => r.positions().length],
  ['sluice_worker_seconds_total', 'Time the workers spent decoding, converting and encoding.', (s) => s.workerMicros / 1e6],
];

export function createWorkerMetrics(
  runners: () => ReadonlyMap<string, ConnectorRunner>, workerId: string, budget?: () => MemoryBudget | undefined,
): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ worker_id: workerId });
  client.collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const each = (read: Read, set: (connector: string, v: number) => void) => {
    for (const [name, r] of runners()) {
      const s = r.stats;
      if (s) set(name, read(s, r));
    }
  };
  for (const [name, help, read] of COUNTERS) {
    new client.Counter({ name, help, labelNames: ['connector'], registers: [registry], collect() {
      this.reset();
      each(read, (connector, v) => this.inc({ connector }, v));
    } });
  }
  for (const [name, help, read] of GAUGES) {
    new client.Gauge({ name, help, labelNames: ['connector'], registers: [registry], collect() {
      this.reset();
      each(read, (connector, v) => this.set({ connector }, v));
    } });
  }
  // The one budget of the worker, all connectors together.
  new client.Gauge({ name: 'sluice_worker_inflight_bytes', help: 'Bytes held by every connector of this worker (its one inflight.max.bytes budget).', registers: [registry], collect() {
    this.set(budget?.()?.heldBytes ?? 0);
  } });
  new client.Gauge({ name: 'sluice_worker_inflight_bytes_max', help: 'The worker\'s inflight.max.bytes.', registers: [registry], collect() {
    this.set(budget?.()?.maxBytes ?? 0);
  } });
  new client.Gauge({ name: 'sluice_connector_failed', help: '1 when the connector\'s task on this worker is FAILED.', labelNames: ['connector'], registers: [registry], collect() {
    this.reset();
    for (const [name, r] of runners()) this.set({ connector: name }, r.state === 'FAILED' ? 1 : 0);
  } });
  return registry;
}
