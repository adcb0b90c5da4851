// The S3 sink resumes each partition after its last complete set, as its
// marker records (markers.ts), whatever the consumer group says. When an
// operator moves the connector's offsets while it is stopped (KIP-875), each
// moved partition's marker is settled (a half-uploaded set deleted, as on
// assignment) and then removed, so reading resumes at the group's offset.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PositionMove } from '../common/module.js';
import type { S3Config } from './config.js';
import { credentialSource, writeParams } from './formats.js';
import { markerKey, recoverPartition } from './markers.js';
import { S3Service } from './service.js';

export async function forgetSetMarkers(config: ResolvedConfig, moves: readonly PositionMove[], log: Logger): Promise<void> {
  if (moves.length === 0) return;
  const c = config.options as S3Config;
  const common = config.common;
  const service = new S3Service({
    bucket: c['s3.bucket.name'],
    region: c['s3.region'],
    endpoint: c['store.url'],
    pathStyle: c['s3.path.style.access.enabled'] ?? c['store.url'] !== undefined,
    accessKeyId: c['aws.access.key.id'],
    secretAccessKey: c['aws.secret.access.key'],
    credentials: credentialSource(c['s3.credentials.provider.class'], Boolean(c['aws.access.key.id'])),
    write: writeParams(c),
    partSize: c['s3.part.size'],
    partConcurrency: 1,
    retry: { maxRetries: c['s3.part.retries'], initialDelayMs: c['s3.retry.backoff.ms'], maxDelayMs: common['errors.retry.delay.max.ms'], timeoutMs: common['errors.retry.timeout'], log },
    log,
  });
  const topicsDir = c['topics.dir'].replace(/^\/+|\/+$/g, '');
  try {
    for (const m of moves) {
      await recoverPartition(service, topicsDir, m.topic, m.partition);
      await service.delete([markerKey(topicsDir, m.topic, m.partition)]);
    }
    log.info({ partitions: moves.length }, 'S3 set markers removed: reading resumes at the consumer group\'s offsets');
  } finally {
    service.close();
  }
}
