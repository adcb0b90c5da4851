// Reusable SharedArrayBuffers for partition batches. Allocating a fresh
// multi-megabyte SAB per batch costs page faults and GC; a small free list of
// standard-size buffers avoids both. Oversized records get a one-off buffer.
// Idle buffers never raise memory above the most that were in use at once;
// the cap keeps that from outliving a burst by much.
import { bufferBytes } from '../core/batch-layout.js';

export class BufferPool {
  private readonly free: SharedArrayBuffer[] = [];
  readonly standardBytes: number;

  constructor(
    readonly recordCapacity: number,
    readonly dataBytes: number,
    private readonly maxIdle: number,
  ) {
    this.standardBytes = bufferBytes(recordCapacity, dataBytes);
  }

  /** A buffer for a batch; `minData` forces a one-off buffer when a single record is larger. */
  acquire(minData = 0): { buffer: SharedArrayBuffer; recordCapacity: number } {
    if (minData > this.dataBytes) {
      return { buffer: new SharedArrayBuffer(bufferBytes(1, minData)), recordCapacity: 1 };
    }
    return { buffer: this.free.pop() ?? new SharedArrayBuffer(this.standardBytes), recordCapacity: this.recordCapacity };
  }

  /** Keeps the buffer for reuse when it is standard-size and the pool is under its cap; false: it is let go. */
  release(buffer: SharedArrayBuffer): boolean {
    if (buffer.byteLength !== this.standardBytes || this.free.length >= this.maxIdle) return false;
    this.free.push(buffer);
    return true;
  }

  /** Lets every idle buffer go. */
  clear(): void {
    this.free.length = 0;
  }

  get idle(): number {
    return this.free.length;
  }

  get idleBytes(): number {
    return this.free.length * this.standardBytes;
  }
}
