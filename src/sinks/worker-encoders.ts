// Worker side of the sink registry: sink kind → its WorkerEncoder.
import type { WorkerEncoder } from './common/encoder.js';
import { PgEncoder } from './postgres/encoding.js';
import { S3ParquetEncoder } from './s3-parquet/encoding.js';

export const workerEncoders: Record<string, () => WorkerEncoder<any>> = {
  postgres: () => new PgEncoder(),
  s3: () => new S3ParquetEncoder(),
};
