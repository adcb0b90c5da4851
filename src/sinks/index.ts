// The sink registry: connector.class → the sink that runs it.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Sink } from './common/sink.js';
import { PostgresSink } from './postgres/sink.js';

export function createSink(config: ResolvedConfig, log: Logger): Sink {
  switch (config.sink) {
    case 'postgres':
      return new PostgresSink(config, log.child({ sink: 'postgres' }));
    case 's3':
      throw new Error('the S3 Parquet sink is not built yet');
  }
}
