// PostgreSQL restarted mid-stream: Sluice keeps its batches, retries with
// backoff, reconnects by itself and loses nothing. Exactly-once mode, so the
// count must come out exact (a COMMIT cut off by the shutdown is recognised).
// The test stops the shared PostgreSQL and always starts it again.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName } from '../helpers/stack.js';
import { pgConnector, waitUntilCommitted } from './postgres-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pgScript = (action: 'up' | 'down') => execFileSync('bash', [path.join(ROOT, 'scripts/stack/postgres.sh'), action], { stdio: 'pipe', timeout: 90_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgreSQL restarted mid-stream', () => {
  it('nothing is lost or doubled, and Sluice resumes by itself', async () => {
    const topic = uniqueName('pg_restart');
    await createTopic(topic, 3);
    await sql(`CREATE TABLE ${topic} (id bigint NOT NULL, p integer)`);
    const name = uniqueName('restart');
    const file = writeConnector(pgConnector(topic, {
      'value.converter.schemas.enable': 'false', 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': uniqueName('offs'),
      'batch.max.records': '500', 'retry.backoff.ms': '300', 'errors.retry.delay.max.ms': '2000', 'max.retries': '100',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    const CHUNKS = 30;
    const PER = 1000;
    let restarted = false;
    try {
      for (let c = 0; c < CHUNKS; c++) {
        await produce(topic, Array.from({ length: PER }, (_, i) => ({ value: JSON.stringify({ id: c * PER + i, p: i % 3 }), partition: i % 3 })));
        if (c === 10) {
          pgScript('down');
          restarted = true;
          // Records keep arriving while the database is away.
          await sleep(2000);
        }
        if (c === 15) {
          pgScript('up');
        }
        await sleep(100);
      }
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 180_000);
    } finally {
      if (restarted) pgScript('up');
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await sql(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${topic}`)).toEqual([{ n: CHUNKS * PER, d: CHUNKS * PER }]);
    // It did see the outage, and got over it without a restart.
    expect(sluice.output()).toMatch(/retrying: writing \d+ rows/);
  });
});
