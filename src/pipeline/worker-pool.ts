// The worker pool as the engine uses it: encode a batch, or run a sink's own
// task file (S3 Parquet files). One Piscina pool can serve several engines in
// one process (sluice worker): each engine gets a ConnectorPool that tags its
// tasks with its connector, so every thread routes a task to that
// connector's decoders and encoders (workers/worker.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ConnectorRef, EncodeResult, EncodeTask, WarmTask, WorkerSetup } from '../workers/protocol.js';

/** What an engine needs of the worker pool. */
export interface WorkerPool {
  /** Decodes, converts and encodes one batch for the engine's connector. */
  encode(task: Omit<EncodeTask, 'connector'>): Promise<EncodeResult>;
  /** Runs a sink's own task file (Sink.useWorkers). */
  run<T, R>(filename: string, task: T): Promise<R>;
  /**
   * Has every thread load the connector's decoders, the sink's encoder and these
   * task files now. Resolves when done; a failure here is only logged by the
   * caller: the first batch meets the same error and reports it with its records.
   */
  warm(sink: string, modules: readonly string[]): Promise<void>;
  /** The engine is done with the pool (an owned pool is destroyed; a shared one stays for the others). */
  close(): Promise<void>;
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../workers/worker.js');

let nextVersion = 1;

export class EncodePool {
  private readonly piscina: Piscina;

  /** `workerFile`: the compiled workers/worker.js (tests that run from source point at the build). */
  constructor(threads: number, workerFile = WORKER_FILE) {
    this.piscina = new Piscina({
      filename: workerFile,
      minThreads: threads,
      maxThreads: threads,
      // Backpressure is ours (the byte budget); the pool queue just holds what we send.
      maxQueue: Infinity,
      idleTimeout: 60_000,
      // Between tasks a thread runs its event loop instead of blocking in Atomics.wait: its timers
      // (WorkerCollector's idle check) and the tasks V8 posts run. Per task this costs one message
      // event, nothing next to a batch.
      atomics: 'disabled',
    });
  }

  /**
   * The pool as one connector's engine uses it. `id` names the connector in
   * the threads (unique per process); a new call for the same id replaces its
   * setup. `owned`: closing it destroys the whole pool (one engine, the CLI).
   * Threads keep a connector's decoders (and their schema caches) until its id
   * gets a new setup or the pool is destroyed (so a removed connector's stay:
   * bounded by the connectors ever run in the process, small next to batches).
   */
  forConnector(id: string, setup: WorkerSetup, owned = false): WorkerPool {
    const connector: ConnectorRef = { id, version: nextVersion++, setup };
    return {
      encode: (task) => this.piscina.run({ ...task, connector } satisfies EncodeTask) as Promise<EncodeResult>,
      run: <T, R>(filename: string, task: T) => this.piscina.run(task, { filename }) as Promise<R>,
      // One task per thread, all at once: an idle pool hands each to a different thread.
      warm: async (sink, modules) => {
        const task: WarmTask = { warm: { sink, modules }, connector };
        await Promise.all(Array.from({ length: this.piscina.threads.length || 1 }, () => this.piscina.run(task)));
      },
      close: () => (owned ? this.destroy() : Promise.resolve()),
    };
  }

  destroy(): Promise<void> {
    return this.piscina.destroy().catch(() => {});
  }
}
