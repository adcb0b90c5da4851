// Reusable SharedArrayBuffers for partition batches. Allocating a fresh
// multi-megabyte SAB per batch costs page faults and GC; a small free list of
// standard-size buffers avoids both. Oversized records get a one-off buffer.
import { bufferBytes } from './batch-layout.js';

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

  release(buffer: SharedArrayBuffer): void {
    if (buffer.byteLength === this.standardBytes && this.free.length < this.maxIdle) this.free.push(buffer);
  }

  get idle(): number {
    return this.free.length;
  }
}
