// delivery.guarantee=exactly_once on the real broker and PostgreSQL: rows and
// each partition's next offset commit in one transaction; on assignment the
// consumer seeks to the stored offset (proved with a fresh consumer group that
// has no Kafka commits at all); a zombie's write is fenced and dropped; a
// write whose COMMIT landed but whose answer was lost is recognised, not
// written twice.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { createLogger } from '../../src/log.js';
import type { EncodedBatch } from '../../src/sinks/common/sink.js';
import { PgEncoder, type PgPlan } from '../../src/sinks/postgres/encoding.js';
import { PostgresSink } from '../../src/sinks/postgres/sink.js';
import { SCHEMALESS } from '../../src/workers/schema.js';
import { createTopic, groupProgress, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector, runUntilCommitted, waitUntilCommitted } from './postgres-helpers.js';

describe('exactly_once', () => {
  it('stores next offsets with the rows, and a consumer group with no commits still starts where the table says', async () => {
    const topic = uniqueName('pg_eos');
    const offsetsTable = uniqueName('offs');
    await createTopic(topic, 3);
    await sql(`CREATE TABLE ${topic} (id bigint NOT NULL, p integer)`);
    const N = 3000;
    await produce(topic, Array.from({ length: N }, (_, i) => ({ value: JSON.stringify({ id: i, p: i % 3 }), partition: i % 3 })));
    const name = uniqueName('eos');
    const cfg = pgConnector(topic, { 'value.converter.schemas.enable': 'false', 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': offsetsTable, 'batch.max.records': '500' });
    await runUntilCommitted(cfg, [topic], { name });
    expect(await sql(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${topic}`)).toEqual([{ n: N, d: N }]);
    const stored = await sql<{ partition: number; next: string }>(`SELECT "partition", next_offset::text AS next FROM ${offsetsTable} WHERE connector = $1 AND topic = $2 ORDER BY 1`, [name, topic]);
    const ends = await groupProgress(`connect-${name}`, topic);
    expect(stored.map((s) => Number(s.next))).toEqual(ends.map((e) => e.end));

    // Same connector, a brand-new consumer group (no Kafka commits: auto.offset.reset=earliest would
    // re-read everything). The stored offsets decide: nothing is written twice, and new records land.
    await produce(topic, Array.from({ length: 300 }, (_, i) => ({ value: JSON.stringify({ id: N + i, p: i % 3 }), partition: i % 3 })));
    const group2 = uniqueName('fresh-group');
    await runUntilCommittedGroup({ ...cfg, 'group.id': group2 }, name, group2, topic);
    expect(await sql(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${topic}`)).toEqual([{ n: N + 300, d: N + 300 }]);
  });
});

async function runUntilCommittedGroup(cfg: Record<string, unknown>, name: string, group: string, topic: string): Promise<void> {
  const sluice = startSluice(['run', '--config', writeConnector(cfg, name)], { SLUICE_WORKER_THREADS: '2' });
  try {
    await waitUntilCommitted(sluice, group, [topic], 90_000);
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
}

// In-process: two sinks of the same connector, as two instances would be.
function sinkFor(name: string, offsetsTable: string, topic: string): PostgresSink {
  const config = loadConfig({ json: { name, config: pgConnector(topic, { 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': offsetsTable, 'max.retries': '0' }) }, env: {} });
  return new PostgresSink(config, createLogger('error'));
}

async function encodedBatch(sink: PostgresSink, topic: string, partition: number, first: number, ids: number[]): Promise<EncodedBatch> {
  const plan = ((await sink.plan(topic)) as { plan: PgPlan }).plan;
  const enc = new PgEncoder();
  enc.begin(plan, topic, partition);
  ids.forEach((id, i) => enc.add(
    { value: { id }, schema: SCHEMALESS }, undefined,
    { topic, partition, offset: first + i, timestamp: 0, key: null, keyBytes: null, headers: () => [] },
  ));
  const out = enc.finish();
  return {
    topic, partition, firstOffset: first, lastOffset: first + ids.length - 1, records: ids.length,
    rows: out.rows, tombstones: 0, output: out.output, outputBytes: out.outputBytes,
  };
}

describe('exactly_once fencing', () => {
  it('a revoked owner still writing (a zombie) is fenced: its batch is dropped, the new owner\'s lands once', async () => {
    const topic = uniqueName('pg_fence');
    const offs = uniqueName('offs');
    const name = uniqueName('fence');
    await sql(`CREATE TABLE ${topic} (id bigint NOT NULL)`);
    const a = sinkFor(name, offs, topic);
    const b = sinkFor(name, offs, topic);
    try {
      const tp = [{ topic, partition: 0 }];
      expect(await a.storedPositions(tp)).toEqual(new Map());
      await a.submit(await encodedBatch(a, topic, 0, 0, [0, 1, 2]));
      // The partition moves to b: b's claim bumps the epoch and reads a's position.
      expect([...(await b.storedPositions(tp)).values()]).toEqual([3]);
      // a has not noticed and writes offsets 3..5; b (the owner) writes the same offsets.
      await a.submit(await encodedBatch(a, topic, 0, 3, [3, 4, 5]));
      await b.submit(await encodedBatch(b, topic, 0, 3, [3, 4, 5]));
      // a keeps going; still fenced, without another round trip.
      await a.submit(await encodedBatch(a, topic, 0, 6, [6]));
      expect(await sql(`SELECT id::int FROM ${topic} ORDER BY id`)).toEqual([0, 1, 2, 3, 4, 5].map((id) => ({ id })));
      expect(await sql(`SELECT next_offset::int AS next, epoch::int FROM ${offs} WHERE connector = $1`, [name])).toEqual([{ next: 6, epoch: 2 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a write whose COMMIT landed but whose answer was lost is recognised on retry and not written twice', async () => {
    const topic = uniqueName('pg_lost_commit');
    const offs = uniqueName('offs');
    const name = uniqueName('lost');
    await sql(`CREATE TABLE ${topic} (id bigint NOT NULL)`);
    const a = sinkFor(name, offs, topic);
    try {
      await a.storedPositions([{ topic, partition: 0 }]);
      await a.submit(await encodedBatch(a, topic, 0, 0, [0, 1]));
      // As if the next write had committed (rows and offset) but the client never heard back.
      await sql(`INSERT INTO ${topic} VALUES (2), (3)`);
      await sql(`UPDATE ${offs} SET next_offset = 4 WHERE connector = $1`, [name]);
      await a.submit(await encodedBatch(a, topic, 0, 2, [2, 3]));
      await a.submit(await encodedBatch(a, topic, 0, 4, [4]));
      expect(await sql(`SELECT id::int FROM ${topic} ORDER BY id`)).toEqual([0, 1, 2, 3, 4].map((id) => ({ id })));
    } finally {
      await a.close();
    }
  });
});
