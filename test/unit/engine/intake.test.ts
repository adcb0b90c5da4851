import { describe, expect, it } from 'vitest';
import { BatchReader, BatchWriter, type SourceMessage } from '../../../src/core/batch-layout.js';
import { Backpressure } from '../../../src/pipeline/backpressure.js';
import { BatchBuffers } from '../../../src/pipeline/batch-buffers.js';
import { newEngineStats } from '../../../src/pipeline/engine-stats.js';
import { Intake } from '../../../src/pipeline/intake.js';
import { MemoryBudget } from '../../../src/pipeline/memory-budget.js';
import { PartitionState, type InflightBatch } from '../../../src/pipeline/partition-state.js';
import { silent } from './fakes.js';

const KiB = 1024;

function setup(lingerMs = 600_000) {
  const partitions = new Map<string, PartitionState>();
  const p0 = new PartitionState('t', 0);
  partitions.set(p0.key, p0);
  const stats = newEngineStats();
  const budget = new MemoryBudget(1024 * KiB);
  const bp = new Backpressure(budget, () => partitions.values(), { pause: () => {}, resume: () => {} }, 1024 * KiB, stats, silent);
  const buffers = new BatchBuffers(4, 64 * KiB, 512 * KiB, 1, budget, stats);
  const sealed: { p: PartitionState; batch: InflightBatch; reader: BatchReader }[] = [];
  const intake = new Intake(partitions, buffers, bp, lingerMs, stats, (p, w, batch) => sealed.push({ p, batch, reader: new BatchReader(w.buffer) }));
  let offset = 0;
  const append = (size = 10) => {
    const msg: SourceMessage = { value: Buffer.alloc(size, 1), key: null, offset: offset++, timestamp: 0 };
    const min = BatchWriter.sizeOf(msg);
    let w = intake.current('t', 0) ?? intake.open('t', 0, min)!;
    if (!w.tryAppend(msg)) {
      w = intake.rollover('t', 0, min)!;
      w.tryAppend(msg);
    }
    intake.appended('t', 0, 1, size);
  };
  return { partitions, p0, stats, budget, intake, sealed, append };
}

describe('Intake', () => {
  it('seals a batch when it is full, tracks it in offset order and counts what it holds', () => {
    const s = setup();
    for (let i = 0; i < 6; i++) s.append();
    expect(s.sealed).toHaveLength(1);
    expect(s.sealed[0]!.batch).toMatchObject({ firstOffset: 0, lastOffset: 3, records: 4, durable: false });
    expect(s.sealed[0]!.reader.count).toBe(4);
    expect(s.p0.inflight).toEqual([s.sealed[0]!.batch]);
    expect(s.intake.current('t', 0)!.records).toBe(2);
    expect(s.stats.recordsIn).toBe(6);
    expect(s.stats.recordsActive).toBe(6);
    expect(s.stats.batches).toBe(1);
    // The open batch and the sealed one both count against the budget.
    expect(s.p0.heldBytes).toBe(s.sealed[0]!.batch.held + s.p0.openHeld);
    expect(s.budget.heldBytes).toBe(s.p0.heldBytes);
  });

  it('rolls over to a one-off buffer for a record larger than a batch', () => {
    const s = setup();
    s.append();
    s.append(100 * KiB);
    // The small batch is sealed first; the big record's own buffer holds one record, so it is full at once.
    expect(s.sealed.map((x) => [x.batch.firstOffset, x.batch.records])).toEqual([[0, 1], [1, 1]]);
    expect(s.sealed[1]!.reader.value(0)!.length).toBe(100 * KiB);
    s.append();
    expect(s.intake.current('t', 0)!.capacity).toBe(4);
  });

  it('seals lingering batches after batch.linger.ms, and never an empty one', () => {
    const s = setup(0);
    s.intake.closeLingering();
    expect(s.sealed).toHaveLength(0);
    s.append();
    s.intake.polled(5);
    expect(s.sealed).toHaveLength(1);
    expect(s.stats.packMicros).toBe(5);
  });

  it('takes no records for a partition that is not ours, gone or failed', () => {
    const s = setup();
    expect(s.intake.open('t', 9, 10)).toBeUndefined();
    s.p0.failed = true;
    expect(s.intake.open('t', 0, 10)).toBeUndefined();
    s.p0.failed = false;
    s.p0.gone = true;
    expect(s.intake.rollover('t', 0, 10)).toBeUndefined();
  });

  it('discarding an open batch gives back its bytes and its records', () => {
    const s = setup();
    s.append();
    s.append();
    s.intake.discardOpen(s.p0);
    expect(s.intake.current('t', 0)).toBeUndefined();
    expect(s.p0.heldBytes).toBe(0);
    expect(s.budget.heldBytes).toBe(0);
    expect(s.stats.recordsActive).toBe(0);
    expect(s.sealed).toHaveLength(0);
  });
});
