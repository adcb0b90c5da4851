// Reusable SharedArrayBuffers for partition batches. Allocating a fresh
// multi-megabyte SAB per batch costs page faults and GC; a small free list of
// standard-size buffers avoids both. Oversized records get a one-off buffer.
// Idle buffers are memory too (every page a batch touched stays resident), so
// the engine keeps only as many as its budget has room for beside what it holds.
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

  /** Keeps the buffer for reuse when it is standard-size and `room` bytes have space for it; false: it is let go. */
  release(buffer: SharedArrayBuffer, room = Infinity): boolean {
    if (buffer.byteLength !== this.standardBytes || this.free.length >= this.maxIdle || this.idleBytes + buffer.byteLength > room) return false;
    this.free.push(buffer);
    return true;
  }

  /** Lets go of idle buffers until they take at most `room` bytes; returns the bytes let go. */
  trim(room: number): number {
    let dropped = 0;
    while (this.free.length > 0 && this.idleBytes > room) {
      this.free.pop();
      dropped += this.standardBytes;
    }
    return dropped;
  }

  get idle(): number {
    return this.free.length;
  }

  get idleBytes(): number {
    return this.free.length * this.standardBytes;
  }
}
