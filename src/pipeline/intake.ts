// Intake: the engine's side of BatchIntake (source/source.ts). Each assigned
// partition has at most one open batch; the source writes records into it,
// and it is sealed (full, lingering, rolled over, revoked, stopping) and handed
// to dispatch. What an open batch holds counts against the budget as it grows.
import { performance } from 'node:perf_hooks';
import { tpKey } from '../core/topic-partition.js';
import type { BatchIntake } from '../source/source.js';
import { BatchWriter, F64_PER_RECORD, HEADER_BYTES, I32_PER_RECORD } from '../core/batch-layout.js';
import type { Backpressure } from './backpressure.js';
import type { BatchBuffers } from './batch-buffers.js';
import type { EngineStats } from './engine-stats.js';
import type { InflightBatch, PartitionState } from './partition-state.js';

const INDEX_BYTES_PER_RECORD = F64_PER_RECORD * 8 + I32_PER_RECORD * 4;

export class Intake implements BatchIntake {
  constructor(
    private readonly partitions: ReadonlyMap<string, PartitionState>,
    private readonly buffers: BatchBuffers,
    private readonly backpressure: Backpressure,
    private readonly lingerMs: number,
    private readonly stats: EngineStats,
    /** A sealed batch, tracked in its partition's offsets: send it on. */
    private readonly dispatch: (p: PartitionState, w: BatchWriter, batch: InflightBatch) => void,
  ) {}

  open(topic: string, partition: number, minData: number): BatchWriter | undefined {
    const p = this.ours(topic, partition);
    if (!p) return undefined;
    if (!p.open) this.openBatch(p, minData);
    return p.open!;
  }

  rollover(topic: string, partition: number, minData: number): BatchWriter | undefined {
    const p = this.ours(topic, partition);
    if (!p) return undefined;
    this.seal(p);
    this.openBatch(p, minData);
    return p.open!;
  }

  current(topic: string, partition: number): BatchWriter | undefined {
    return this.partitions.get(tpKey(topic, partition))?.open ?? undefined;
  }

  appended(topic: string, partition: number, records: number, bytes: number): void {
    const p = this.partitions.get(tpKey(topic, partition));
    if (!p?.open) return;
    const held = HEADER_BYTES + p.open.dataBytes + p.open.records * INDEX_BYTES_PER_RECORD;
    this.backpressure.account(p, held - p.openHeld);
    p.openHeld = held;
    this.stats.recordsIn += records;
    this.stats.recordsActive += records;
    this.stats.bytesIn += bytes;
    if (p.open.records === p.open.capacity) this.seal(p);
  }

  polled(intakeMicros: number): void {
    this.stats.packMicros += intakeMicros;
    this.closeLingering();
    this.backpressure.apply();
  }

  /** Seals every open batch that has waited batch.linger.ms. */
  closeLingering(): void {
    const now = performance.now();
    for (const p of this.partitions.values()) {
      if (p.open && p.open.records > 0 && now - p.openSince >= this.lingerMs) this.seal(p);
    }
  }

  /** Seals the partition's open batch (if it has records) and dispatches it. */
  seal(p: PartitionState): void {
    const w = p.open;
    if (!w || w.records === 0) return;
    p.open = null;
    w.seal();
    const batch: InflightBatch = { firstOffset: w.firstOffset(), lastOffset: w.lastOffset(), records: w.records, held: p.openHeld, durable: false };
    p.openHeld = 0;
    p.track(batch);
    this.stats.batches++;
    this.dispatch(p, w, batch);
  }

  /** Drops the partition's open batch (its records are read again after a restart); the partition stays. */
  discardOpen(p: PartitionState): void {
    if (!p.open) return;
    this.stats.recordsActive -= p.open.records;
    this.buffers.release(p.open.buffer);
    p.open = null;
    this.backpressure.account(p, -p.openHeld);
    p.openHeld = 0;
  }

  /** The partition's state when it is ours and still taking records. */
  private ours(topic: string, partition: number): PartitionState | undefined {
    const p = this.partitions.get(tpKey(topic, partition));
    return !p || p.gone || p.failed ? undefined : p;
  }

  private openBatch(p: PartitionState, minData: number): void {
    const { buffer, recordCapacity } = this.buffers.acquire(minData);
    p.open = new BatchWriter(buffer, recordCapacity, p.partition);
    p.openSince = performance.now();
    p.openHeld = 0;
  }
}
