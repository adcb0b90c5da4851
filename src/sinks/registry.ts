// THE sink registry: every sink Sluice runs, one line each. A sink is one
// folder (src/sinks/<name>/) whose module.ts exports its record; adding a sink
// is that folder and one line here (native-notes/adding-a-sink.md).
//
// Loaded by the main thread (sinks/index.ts: config, docs, createSink) and by
// every worker thread (sinks/worker-encoders.ts), so it imports module.ts files
// only: they load their heavy halves on demand.
import type { SinkModule } from './common/module.js';
import { fileSink } from './file/module.js';
import { postgresSink } from './postgres/module.js';
import { s3Sink } from './s3-parquet/module.js';
import { opensearchSink } from './opensearch/module.js';

export const SINKS: readonly SinkModule[] = [
  postgresSink,
  s3Sink,
  fileSink,
  opensearchSink,
];
