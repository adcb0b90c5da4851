// The engine's counters (metrics, status, the bench); each part adds its own.
export interface EngineStats {
  recordsIn: number;
  bytesIn: number;
  batches: number;
  rowsWritten: number;
  tombstones: number;
  commits: number;
  pauses: number;
  resumes: number;
  heldBytes: number;
  peakHeldBytes: number;
  /** Batch buffers kept for reuse, not holding records (within the budget's room). */
  idleBufferBytes: number;
  /** Records sent to the dead-letter topic. */
  deadLettered: number;
  /** Records skipped (errors.tolerance=all without a dead-letter topic). */
  skipped: number;
  /** Records read but not yet durable. */
  recordsActive: number;
  /** Records a transform dropped (Filter, Debezium tombstones/deletes): handled, committed, not written. */
  transformDropped: number;
  /** Sink writes: count, summed and largest time from submit to durable. */
  putBatches: number;
  putBatchMsTotal: number;
  putBatchMsMax: number;
  commitFailures: number;
  workerMicros: number;
  /** Main-thread time spent packing messages into shared buffers. */
  packMicros: number;
}

export function newEngineStats(): EngineStats {
  return {
    recordsIn: 0, bytesIn: 0, batches: 0, rowsWritten: 0, tombstones: 0, commits: 0,
    pauses: 0, resumes: 0, heldBytes: 0, peakHeldBytes: 0, idleBufferBytes: 0, deadLettered: 0, skipped: 0, workerMicros: 0, packMicros: 0,
    recordsActive: 0, transformDropped: 0, putBatches: 0, putBatchMsTotal: 0, putBatchMsMax: 0, commitFailures: 0,
  };
}
