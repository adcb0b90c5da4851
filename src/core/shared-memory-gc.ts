// Shared memory is freed only when every thread that saw a SharedArrayBuffer
// has garbage-collected its handle. With the native source the main thread
// allocates almost nothing, so its collector rarely runs, and the sinks'
// encoded outputs (and batches beyond the pool) it has finished with stay
// resident: measured, peak RSS grew from ~420 MiB during a 60 s stall to
// ~660 MiB while the backlog drained. V8 does not count these buffers as the
// main isolate's external memory, so nothing else prompts a collection. This
// asks for an (asynchronous) collection on the main thread after every
// `everyBytes` of shared buffers it has let go of; its heap is small, so it is cheap.
//
// Worker threads need a collection too, but only for batch buffers the main
// thread let go (beyond the pool): pooled buffers are reused, not freed, and
// a worker's handle to its output dies young (a scavenge frees it). So the
// main thread counts what it let go into a generation kept in shared memory
// (DropGenerations), and a worker that sees a newer one, at its next task or
// while idle, collects once (WorkerCollector). Measured before: a worker that
// collected after every 64 MiB of batches it saw ran those collections only
// when its event loop ran, which Piscina's Atomics.wait between tasks never
// let happen, and kept 78 MiB of dropped batch buffers and a 91 MiB heap
// through a stall.
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

/**
 * Main thread: batch buffers let go that worker threads have seen. Every
 * `everyBytes` of them the generation moves on. One per process (engines
 * sharing a worker pool share it); its shared memory goes to the workers with
 * each task, so they see a new generation even while idle.
 */
export class DropGenerations {
  private dropped = 0;
  /** [0]: the generation. */
  readonly shared = new Int32Array(new SharedArrayBuffer(4));

  /** `bytes` of batch buffers that worker threads saw were let go; `everyBytes`: how many make a new generation. */
  add(bytes: number, everyBytes: number): void {
    this.dropped += bytes;
    if (this.dropped < everyBytes) return;
    this.dropped = 0;
    Atomics.add(this.shared, 0, 1);
  }

  get generation(): number {
    return Atomics.load(this.shared, 0);
  }
}

export const dropGenerations = new DropGenerations();

/** How often an idle worker looks for a new generation. */
const IDLE_CHECK_MS = 250;

/** Worker thread: collects once per new generation of dropped batch buffers (see above). */
export class WorkerCollector {
  private seen = 0;
  private generations: Int32Array | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly gc: Gc | undefined = loadGc()) {}

  /** A task arrived carrying the main thread's generations; true when this thread collected. */
  task(generations: Int32Array | undefined): boolean {
    if (!generations || !this.gc) return false;
    if (!this.generations) {
      this.generations = generations;
      // Idle workers too: the last batches of a burst are let go after their tasks.
      this.timer = setInterval(() => this.check(), IDLE_CHECK_MS);
      this.timer.unref();
    }
    return this.check();
  }

  private check(): boolean {
    const g = Atomics.load(this.generations!, 0);
    if (g <= this.seen) return false;
    this.seen = g;
    this.gc!({ type: 'major', execution: 'sync' });
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
