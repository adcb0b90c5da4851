// Worker side of the sink registry: sink kind → its WorkerEncoder.
import type { WorkerEncoder } from './common/encoder.js';
import { PgEncoder } from './postgres/encoding.js';
import { S3FormatEncoder } from './s3-parquet/format-encoder.js';
import { OpenSearchEncoder } from './opensearch/encoding.js';

export const workerEncoders: Record<string, () => WorkerEncoder<any>> = {
  postgres: () => new PgEncoder(),
  s3: () => new S3FormatEncoder(),
  opensearch: () => new OpenSearchEncoder(),
};
