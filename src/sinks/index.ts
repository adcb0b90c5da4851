// The sink registry: connector.class → the sink that runs it.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Sink } from './common/sink.js';
import { PostgresSink } from './postgres/sink.js';
import { S3ParquetSink } from './s3-parquet/sink.js';
import { OpenSearchSink } from './opensearch/sink.js';

export function createSink(config: ResolvedConfig, log: Logger): Sink {
  switch (config.sink) {
    case 'postgres':
      return new PostgresSink(config, log.child({ sink: 'postgres' }));
    case 's3':
      return new S3ParquetSink(config, log.child({ sink: 's3' }));
    case 'opensearch':
      return new OpenSearchSink(config, log.child({ sink: 'opensearch' }));
  }
}
