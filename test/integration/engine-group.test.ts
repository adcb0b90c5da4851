// Consumer-group behaviour: regex subscriptions, a clean rebalance between two
// instances, and the shutdown grace period.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { count, sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { PG_URL, uniqueName, waitFor } from '../helpers/stack.js';

const { topics: _noTopic, ...base } = pgConnector('', converterConfig('json'));

describe('consumer group', () => {
  it('topics.regex subscribes to every matching topic (and only those)', async () => {
    const prefix = uniqueName('rx');
    const topics = [`${prefix}_a`, `${prefix}_b`, `${prefix}x_other`];
    for (const t of topics) {
      await createTopic(t, 2);
      await sql(ORDERS_TABLE_DDL(t));
      await produce(t, [...orders(500, 1)].map((o) => ({ value: encodeOrder('json', o) })));
    }
    const name = uniqueName('rx');
    const sluice = startSluice(['run', '--config', writeConnector({ ...base, 'topics.regex': `${prefix}_[ab]` }, name)]);
    try {
      await waitFor('both topics committed', async () => (await fullyCommitted(`connect-${name}`, topics[0]!)) && (await fullyCommitted(`connect-${name}`, topics[1]!)), 120_000, 500);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(topics[0]!)).toBe(500);
    expect(await count(topics[1]!)).toBe(500);
    expect(await count(topics[2]!)).toBe(0);
  });

  it('a second instance joining mid-stream takes over partitions cleanly: every record exactly once', async () => {
    const N = 60_000;
    const P = 6;
    const topic = uniqueName('rebalance');
    await createTopic(topic, P);
    await sql(ORDERS_TABLE_DDL(topic));
    const name = uniqueName('rb');
    const file = writeConnector({ ...base, topics: topic, 'batch.max.records': '1000' }, name);
    const a = startSluice(['run', '--config', file]);
    await a.waitForLine(/assigned/);
    // Produce in rounds so records keep arriving while the group rebalances.
    let produced = 0;
    const producing = (async () => {
      for (let round = 0; round < 6; round++) {
        produced += await produce(topic, [...orders(N / 6, round + 1, produced + 1)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % P })));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await waitFor('rows arriving', async () => (await count(topic)) > 5_000, 60_000, 100);
    const b = startSluice(['run', '--config', file]);
    try {
      await b.waitForLine(/assigned/, 60_000);
      await a.waitForLine(/revoked/, 60_000);
      await producing;
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const [ea, eb] = await Promise.all([a.stop(), b.stop()]);
      expect(ea.code, a.output().slice(-2000)).toBe(0);
      expect(eb.code, b.output().slice(-2000)).toBe(0);
    }
    const [{ n, distinct }] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${topic}`);
    expect(distinct).toBe(N);
    // A clean hand-over commits what is durable before letting go: no duplicates.
    expect(n).toBe(N);
  });

  it('SIGTERM waits for the grace period while the sink is stalled; a second signal exits at once', async () => {
    const topic = uniqueName('grace');
    await createTopic(topic, 1);
    await sql(ORDERS_TABLE_DDL(topic));
    const name = uniqueName('gr');
    const sluice = startSluice(['run', '--config', writeConnector({ ...base, topics: topic, 'shutdown.grace.ms': '60000', 'batch.linger.ms': '20' }, name)]);
    await sluice.waitForLine(/assigned/);
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${topic} IN ACCESS EXCLUSIVE MODE`);
      await produce(topic, [...orders(1000, 5)].map((o) => ({ value: encodeOrder('json', o) })));
      await new Promise((r) => setTimeout(r, 1500)); // the batch is now stuck behind the lock
      sluice.child.kill('SIGTERM');
      await sluice.waitForLine(/draining/);
      await new Promise((r) => setTimeout(r, 1000));
      expect(sluice.child.exitCode).toBeNull(); // still draining: the write cannot finish
      const t0 = Date.now();
      sluice.child.kill('SIGTERM');
      const exit = await sluice.exited;
      expect(exit.code).toBe(130);
      expect(Date.now() - t0).toBeLessThan(30_000); // well inside the 60 s grace period
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
    // Nothing was durable, so nothing was committed.
    const progress = await groupProgress(`connect-${name}`, topic);
    expect(progress[0]!.committed).toBeLessThanOrEqual(0);
    expect(await count(topic)).toBe(0);
  });
});
