// Prometheus metrics named after Kafka Connect's sink task metrics, so the
// dashboards and alerts people have for Connect carry over. Values are read
// from the engine's counters when scraped: nothing on the record path.
import client from 'prom-client';
import type { Engine } from './pipeline/engine.js';

export function createMetrics(engine: Engine, connector: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ connector });
  client.collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const s = engine.stats;
  const counter = (name: string, help: string, read: () => number) =>
    new client.Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });

  counter('sluice_sink_record_read_total', 'Records read from Kafka (Connect: sink-record-read-total).', () => s.recordsIn);
  counter('sluice_sink_record_send_total', 'Rows made durable in the sink (Connect: sink-record-send-total).', () => s.rowsWritten);
  gauge('sluice_sink_record_active_count', 'Records read but not yet durable (Connect: sink-record-active-count).', () => s.recordsActive);
  gauge('sluice_sink_record_lag_max', 'Largest per-partition lag behind the high watermark (Connect: sink-record-lag-max).', () =>
    engine.lag().reduce((m, p) => Math.max(m, p.lag), 0));
  gauge('sluice_put_batch_avg_time_ms', 'Average time from handing a batch to the sink to it being durable (Connect: put-batch-avg-time-ms).', () =>
    (s.putBatches ? s.putBatchMsTotal / s.putBatches : 0));
  gauge('sluice_put_batch_max_time_ms', 'Longest time from handing a batch to the sink to it being durable (Connect: put-batch-max-time-ms).', () => s.putBatchMsMax);
  counter('sluice_offset_commit_completion_total', 'Offset commits completed (Connect: offset-commit-completion-total).', () => s.commits);
  counter('sluice_offset_commit_failure_total', 'Offset commits that failed and were retried.', () => s.commitFailures);
  counter('sluice_dead_letter_total', 'Records sent to the dead-letter topic.', () => s.deadLettered);
  counter('sluice_records_skipped_total', 'Records skipped after failing (errors.tolerance=all without a dead-letter topic).', () => s.skipped);
  counter('sluice_tombstones_total', 'Records with a null value.', () => s.tombstones);
  counter('sluice_transform_dropped_total', 'Records a single message transform dropped (Filter, Debezium tombstones and deletes); committed, not written.', () => s.transformDropped);
  counter('sluice_batches_total', 'Partition batches dispatched to the workers.', () => s.batches);
  counter('sluice_pauses_total', 'Partition pauses by backpressure.', () => s.pauses);
  gauge('sluice_inflight_bytes', 'Bytes held in batches, encoded output and open files (the inflight.max.bytes budget).', () => s.heldBytes);
  gauge('sluice_inflight_bytes_peak', 'Largest inflight_bytes seen.', () => s.peakHeldBytes);
  gauge('sluice_paused_partitions', 'Partitions paused right now.', () => engine.positions().filter((p) => p.paused).length);
  gauge('sluice_assigned_partitions', 'Partitions assigned to this instance.', () => engine.positions().length);
  gauge('sluice_worker_seconds_total', 'Time the workers spent decoding, converting and encoding.', () => s.workerMicros / 1e6);
  return registry;
}
