// delivery.guarantee=exactly_once keeps each partition's next offset in the
// offsets table (offsets.ts), and an instance seeks there on assignment. When
// an operator moves the connector's offsets while it is stopped (KIP-875),
// the table moves too, or the connector would seek back: each row gets the new
// next offset (NULL on a reset: the consumer group's offset decides) and a new
// epoch, so nothing written under an older claim can land afterwards.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PositionMove } from '../common/module.js';
import type { PostgresConfig } from './config.js';
import { qualifiedName, tableNameFor } from './names.js';
import { PgService } from './service.js';

export async function moveStoredOffsets(config: ResolvedConfig, moves: readonly PositionMove[], all: boolean, log: Logger): Promise<void> {
  if (config.common['delivery.guarantee'] !== 'exactly_once') return;
  const c = config.options as PostgresConfig;
  const service = new PgService({
    url: c['connection.url'],
    user: c['connection.user'],
    password: c['connection.password'],
    poolSize: 1,
    statementTimeoutMs: c['pg.statement.timeout.ms'],
    timezone: c['db.timezone'],
    applicationName: `sluice:${config.common.name}:offsets`.slice(0, 63),
  });
  const table = qualifiedName(tableNameFor(c['pg.offsets.table'], ''));
  const connector = config.common.name;
  try {
    const exists = await service.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table], `looking up ${table}`);
    if (exists.rows[0]?.t == null) return;
    if (all) {
      await service.query(`UPDATE ${table} SET next_offset = NULL, epoch = epoch + 1, owner = NULL, updated_at = now() WHERE connector = $1`,
        [connector], `resetting offsets in ${table}`);
    }
    for (const m of moves) {
      await service.query(
        `INSERT INTO ${table} AS o (connector, topic, "partition", next_offset, epoch, owner) VALUES ($1, $2, $3, $4, 1, NULL)
         ON CONFLICT (connector, topic, "partition") DO UPDATE SET next_offset = EXCLUDED.next_offset, epoch = o.epoch + 1, owner = NULL, updated_at = now()`,
        [connector, m.topic, m.partition, m.offset === null ? null : String(m.offset)],
        `moving ${m.topic}[${m.partition}] in ${table}`,
      );
    }
    log.info({ table, partitions: all ? 'all' : moves.length }, 'exactly_once offsets table moved with the consumer group');
  } finally {
    await service.close().catch(() => {});
  }
}
