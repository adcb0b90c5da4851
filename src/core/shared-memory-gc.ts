// Shared memory is freed only when every thread that saw a SharedArrayBuffer
// has garbage-collected its handle. With the native source the main thread
// allocates almost nothing, so its collector rarely runs, and the sinks'
// encoded outputs (and batches beyond the pool) it has finished with stay
// resident: measured, peak RSS grew from ~420 MiB during a 60 s stall to
// ~660 MiB while the backlog drained. V8 does not count these buffers as the
// main isolate's external memory, so nothing else prompts a collection. This
// asks for an (asynchronous) collection on the main thread after every
// `everyBytes` of shared buffers it has let go of; its heap is small, so it is cheap.
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (opts?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

function loadGc(): Gc | undefined {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as Gc;
  } catch {
    return undefined;
  }
}

/** How much shared memory a worker thread lets go of between the collections it asks for. */
export const SHARED_GC_EVERY_BYTES = 64 * 1024 * 1024;

export class SharedMemoryCollector {
  private released = 0;
  private readonly gc = loadGc();

  constructor(private readonly everyBytes: number) {}

  /** `bytes` of shared buffers are no longer referenced by the engine. */
  release(bytes: number): void {
    if (!this.gc) return;
    this.released += bytes;
    if (this.released < this.everyBytes) return;
    this.released = 0;
    this.gc({ type: 'major', execution: 'async' });
  }
}
