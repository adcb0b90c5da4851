// The S3 sink resumes each partition after its last complete set, as its
// marker records (markers.ts), whatever the consumer group says. When an
// operator moves the connector's offsets while it is stopped (KIP-875), each
// moved partition's marker is settled (a half-uploaded set deleted, as on
// assignment) and then removed, so reading resumes at the group's offset.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PositionMove } from '../common/module.js';
import type { S3Config } from './config.js';
import { markerKey, recoverPartition } from './markers.js';
import { s3ServiceFor } from './service.js';

export async function forgetSetMarkers(config: ResolvedConfig, moves: readonly PositionMove[], log: Logger): Promise<void> {
  if (moves.length === 0) return;
  const c = config.options as S3Config;
  const service = s3ServiceFor(c, config.common, log, 1);
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
