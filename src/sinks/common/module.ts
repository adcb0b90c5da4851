// One record per sink: everything the rest of Sluice needs to know about it.
// Each sink's folder exports one (src/sinks/<name>/module.ts) and the
// registry (src/sinks/registry.ts) lists them; config loading, the docs, the
// main-thread factory and the workers' encoder lookup all read that list.
//
// A module.ts stays light: worker threads load it to find their encoder, so
// the sink's main-thread half (database clients, the AWS SDK) and its encoder
// are imported only when asked for, by the two factories.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { SinkConfigSpec } from '../../config/sink-spec.js';
import type { WorkerEncoder } from '../../workers/encoder.js';
import type { Sink } from './sink.js';

export interface SinkModule extends SinkConfigSpec {
  /** Main thread: the sink for a loaded config (config.sink === kind). Throws ConfigError for what only it can check. */
  createSink(config: ResolvedConfig, log: Logger): Promise<Sink>;
  /** Worker thread: a new WorkerEncoder for this sink's plans (SinkPlan.sink === kind). */
  createEncoder(): Promise<WorkerEncoder<any>>;
}
