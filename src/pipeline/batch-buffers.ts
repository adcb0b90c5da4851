// The engine's batch buffers: taken from the pool, given back to it when the
// engine is done with them, and shared memory let go of counted for the
// main thread's collector.
import { bufferBytes } from './batch-layout.js';
import { BufferPool } from './buffer-pool.js';
import type { EngineStats } from './engine-stats.js';
import { SharedMemoryCollector } from './shared-memory-gc.js';

export class BatchBuffers {
  private readonly pool: BufferPool;
  private readonly gc: SharedMemoryCollector;

  /** `roomBytes`: what the budget lets batches hold; as many idle buffers are kept as fill it. */
  constructor(recordCapacity: number, dataBytes: number, roomBytes: number, threads: number, private readonly stats: EngineStats) {
    // Buffers released to the pool are reused rather than left to the garbage collector: a dropped
    // SharedArrayBuffer is freed only once every thread that saw it has collected it, so under load
    // fresh ones pile up. As many as the budget can hold are kept.
    const standard = bufferBytes(recordCapacity, dataBytes);
    this.pool = new BufferPool(recordCapacity, dataBytes, Math.ceil(roomBytes / standard) + threads * 2 + 2);
    this.gc = new SharedMemoryCollector(Math.max(16 * 1024 * 1024, Math.floor(roomBytes / 4)));
  }

  acquire(minData: number): { buffer: SharedArrayBuffer; recordCapacity: number } {
    return this.pool.acquire(minData);
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
    if (!this.pool.release(buffer)) this.gc.release(buffer.byteLength);
    this.stats.idleBufferBytes = this.pool.idleBytes;
  }

  /** `bytes` of shared memory (a sink's encoded output) are no longer referenced by the engine. */
  letGo(bytes: number): void {
    this.gc.release(bytes);
  }
}
