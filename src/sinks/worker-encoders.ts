// Worker side of the sink registry: sink kind → its WorkerEncoder.
import type { WorkerEncoder } from './common/encoder.js';
import { PgEncoder } from './postgres/encoding.js';

export const workerEncoders: Record<string, () => WorkerEncoder<any>> = {
  postgres: () => new PgEncoder(),
};
