// SIGTERM while the destination is down: retry waits end with the grace
// period, and a drain that did not finish exits non-zero (3), not as a clean
// stop. The shared PostgreSQL is never touched: Sluice reaches it through a
// throwaway TCP proxy this test starts and then kills.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { count, sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { PG_URL, uniqueName, waitFor } from '../helpers/stack.js';

/** A TCP proxy to PostgreSQL; kill() closes the port (connections refused) and cuts every open connection. */
async function pgProxy(): Promise<{ port: number; kill(): Promise<void> }> {
  const target = new URL(PG_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    kill: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

describe('shutdown during a destination outage', () => {
  it('SIGTERM with PostgreSQL unreachable exits within the grace period plus a few seconds, with exit code 3', async () => {
    const topic = uniqueName('outage_stop');
    await createTopic(topic, 1);
    await sql(ORDERS_TABLE_DDL(topic));
    const proxy = await pgProxy();
    let killed = false;
    const name = uniqueName('outage_stop');
    const graceMs = 4_000;
    const file = writeConnector(pgConnector(topic, {
      ...converterConfig('json'),
      'connection.url': `jdbc:postgresql://127.0.0.1:${proxy.port}${new URL(PG_URL).pathname}`,
      // Long waits between attempts: the pending one is what used to hold the shutdown.
      'retry.backoff.ms': '20000', 'errors.retry.delay.max.ms': '60000', 'max.retries': '10',
      'shutdown.grace.ms': String(graceMs),
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      const all = [...orders(200, 5)];
      await produce(topic, all.slice(0, 100).map((o) => ({ value: encodeOrder('json', o) })));
      await waitFor('the first records committed', () => fullyCommitted(`connect-${name}`, topic), 60_000, 200);
      await proxy.kill();
      killed = true;
      await produce(topic, all.slice(100).map((o) => ({ value: encodeOrder('json', o) })));
      await sluice.waitForLine(/retrying: writing/, 60_000);
      const t0 = Date.now();
      const exit = await sluice.stop('SIGTERM');
      const took = Date.now() - t0;
      const out = sluice.output();
      console.log(`SIGTERM to exit: ${took} ms (grace ${graceMs} ms), exit code ${exit.code}`);
      expect(exit.code, out.slice(-3000)).toBe(3);
      // One grace period (the revoke while leaving the group does not wait it again), plus closing.
      expect(took, out.slice(-3000)).toBeLessThan(graceMs + 2_500);
      expect(out).toMatch(/sluice: the drain did not finish within shutdown\.grace\.ms \(4000 ms\)/);
      expect(out).not.toMatch(/"msg":"sluice stopped"/);
    } finally {
      if (!killed) await proxy.kill();
      await sluice.stop('SIGKILL');
    }
    // Nothing was skipped: only the first 100 are committed, the rest are read again next time.
    const progress = await groupProgress(`connect-${name}`, topic);
    expect(progress[0]!.committed).toBe(100);
    expect(await count(topic)).toBe(100);
  });
});
