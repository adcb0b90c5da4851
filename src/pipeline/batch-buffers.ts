// The engine's batch buffers: taken from the pool, given back to it when the
// engine is done with them, and shared memory let go of counted for the
// main thread's collector and, for batch buffers, the workers' (dropGenerations).
import { bufferBytes } from '../core/batch-layout.js';
import { BufferPool } from './buffer-pool.js';
import type { EngineStats } from './engine-stats.js';
import type { MemoryBudget } from './memory-budget.js';
import { dropGenerations, SharedMemoryCollector, type DropGenerations } from '../core/shared-memory-gc.js';

export class BatchBuffers {
  private readonly pool: BufferPool;
  private readonly gc: SharedMemoryCollector;
  private readonly collectEvery: number;

  /**
   * `roomBytes`: what the budget lets batches hold; as many idle buffers are
   * kept as fill it (plus a few per worker thread), within what `budget`
   * allows every engine sharing it to keep.
   */
  constructor(
    recordCapacity: number,
    dataBytes: number,
    roomBytes: number,
    threads: number,
    private readonly budget: MemoryBudget,
    private readonly stats: EngineStats,
    private readonly drops: DropGenerations = dropGenerations,
  ) {
    // Buffers released to the pool are reused rather than left to the garbage collector: a dropped
    // SharedArrayBuffer is freed only once every thread that saw it has collected it, so under load
    // fresh ones pile up. As many as the budget can hold are kept.
    const standard = bufferBytes(recordCapacity, dataBytes);
    const maxIdle = Math.ceil(roomBytes / standard) + threads * 2 + 2;
    this.pool = new BufferPool(recordCapacity, dataBytes, maxIdle);
    budget.setIdleCap(this, maxIdle * standard);
    this.collectEvery = Math.max(16 * 1024 * 1024, Math.floor(roomBytes / 4));
    this.gc = new SharedMemoryCollector(this.collectEvery);
  }

  acquire(minData: number): { buffer: SharedArrayBuffer; recordCapacity: number } {
    const idle = this.pool.idleBytes;
    const got = this.pool.acquire(minData);
    this.budget.takeIdle(idle - this.pool.idleBytes);
    return got;
  }

  /**
   * A batch buffer the engine is done with: kept for reuse (up to the pool's
   * cap), else let go to the collector. Reuse is what bounds memory: idle
   * buffers never raise the peak above what was in use at once, while a buffer
   * let go stays resident until every thread that saw it has collected it (a
   * first version that let buffers go whenever held bytes filled the budget
   * peaked at 954 MiB catching up a 3M-row backlog).
   */
  release(buffer: SharedArrayBuffer): void {
    const kept = this.budget.keepIdle(buffer.byteLength);
    if (kept && this.pool.release(buffer)) {
      this.stats.idleBufferBytes = this.pool.idleBytes;
      return;
    }
    if (kept) this.budget.takeIdle(buffer.byteLength);
    this.letGoBatch(buffer.byteLength);
    this.stats.idleBufferBytes = this.pool.idleBytes;
  }

  /** Batch buffers of `bytes` let go: the main thread and the workers (which saw them) both have to collect them. */
  private letGoBatch(bytes: number): void {
    this.gc.release(bytes);
    this.drops.add(bytes, this.collectEvery);
  }

  /** Sent with each task: a worker that sees a newer generation there collects the batch buffers let go (core/shared-memory-gc.ts). */
  get dropGenerations(): Int32Array {
    return this.drops.shared;
  }

  /** `bytes` of shared memory (a sink's encoded output) are no longer referenced by the engine. */
  letGo(bytes: number): void {
    this.gc.release(bytes);
  }

  /** The engine stopped: its idle buffers go, and no longer count against what others may keep. */
  close(): void {
    this.budget.takeIdle(this.pool.idleBytes);
    this.budget.setIdleCap(this, undefined);
    this.letGoBatch(this.pool.idleBytes);
    this.pool.clear();
    this.stats.idleBufferBytes = 0;
  }
}
