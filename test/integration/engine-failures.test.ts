// How the engine behaves when things go wrong: bad records, bad config,
// kill -9, and a sink that stalls (backpressure).
import fs from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDER_AVRO_SCHEMA, ORDERS_TABLE_DDL } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { count, sql } from '../helpers/pg.js';
import { registerSchema } from '../helpers/registry.js';
import { runSluice, startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { PG_URL, REGISTRY, uniqueName, waitFor } from '../helpers/stack.js';

const connector = pgConnector;

describe('bad records', () => {
  it('a record that cannot be decoded stops Sluice with topic, partition, offset and reason; its offset stays uncommitted', async () => {
    const topic = uniqueName('bad_avro');
    await createTopic(topic, 2);
    await sql(ORDERS_TABLE_DDL(topic));
    const id = await registerSchema(`${topic}-value`, ORDER_AVRO_SCHEMA);
    const good = [...orders(300, 3)];
    // Partition 1: 100 good records, then a corrupt one at offset 100, then 50 more.
    await produce(topic, good.slice(0, 200).map((o) => ({ value: encodeOrder('avro', o, id), partition: 0 })));
    await produce(topic, good.slice(200, 300).map((o) => ({ value: encodeOrder('avro', o, id), partition: 1 })));
    await produce(topic, [{ value: Buffer.from([0, 0, 0, 0, id, 0xff, 0xff]), partition: 1 }]);
    await produce(topic, [...orders(50, 4, 10_000)].map((o) => ({ value: encodeOrder('avro', o, id), partition: 1 })));

    const name = uniqueName('bad');
    const file = writeConnector(connector(topic, converterConfig('avro', REGISTRY)), name);
    const r = await runSluice(['run', '--config', file], {}, 120_000);
    expect(r.code, r.output.slice(-2000)).toBe(1);
    const line = r.output.split('\n').find((l) => l.startsWith('sluice: '));
    expect(line).toMatch(new RegExp(`^sluice: decode failed at topic ${topic} partition 1 offset 100: Avro body does not match schema id ${id}`));
    const progress = await groupProgress(`connect-${name}`, topic);
    expect(progress[1]!.committed).toBeLessThanOrEqual(100);
    // Nothing at or after the bad record landed from partition 1.
    const after = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${topic} WHERE id >= 10000`);
    expect(after[0]!.n).toBe(0);
  });

  it('a record that does not fit the table (NOT NULL column missing) names where it came from', async () => {
    const topic = uniqueName('bad_json');
    await createTopic(topic, 1);
    await sql(ORDERS_TABLE_DDL(topic));
    await produce(topic, [{ value: JSON.stringify({ id: 1, customer: 'c', amount: '1.00', quantity: 1, created_at: '2026-01-01T00:00:00Z', status: 'NEW' }) },
      { value: JSON.stringify({ id: 2, amount: '1.00', quantity: 1, created_at: '2026-01-01T00:00:00Z', status: 'NEW' }) }]);
    const file = writeConnector(connector(topic, converterConfig('json')), uniqueName('bad'));
    const r = await runSluice(['run', '--config', file], {}, 120_000);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(new RegExp(`sluice: convert failed at topic ${topic} partition 0 offset 1: column "customer".* is NOT NULL but the record has no value for it`));
  });
});

describe('configuration errors', () => {
  it('a bad value produces one clear message and exit code 2', async () => {
    const file = writeConnector(connector('t', { 'batch.max.records': 'lots' }));
    const r = await runSluice(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.output.trim()).toBe('sluice: invalid configuration: batch.max.records: expected an integer between 1 and 1000000, got "lots"');
  });

  it('an unknown key is ignored as Kafka Connect ignores it, with a warning naming it and the likely typo; a bad value still stops with exit code 2', async () => {
    const file = writeConnector(connector('t', { 'batch.max.record': '10', 'batch.max.records': 'lots' }));
    const r = await runSluice(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.output.trim()).toBe('sluice: invalid configuration: batch.max.records: expected an integer between 1 and 1000000, got "lots"');
    const c = await runSluice(['check', '--config', writeConnector(connector('t', { 'batch.max.record': '10' }))]);
    expect(c.code, c.output).toBe(0);
    expect(c.output).toContain('warning: batch.max.record: unknown key, ignored as Kafka Connect ignores keys its connector does not define (did you mean "batch.max.records"?)');
  });

  it('an environment variable is checked like a key and named in the message', async () => {
    const file = writeConnector(connector('t'));
    const r = await runSluice(['run', '--config', file], { SLUICE_INFLIGHT_MAX_BYTES: '-5' });
    expect(r.code).toBe(2);
    expect(r.output.trim()).toBe('sluice: invalid configuration: SLUICE_INFLIGHT_MAX_BYTES (env): expected an integer of at least 1048576, got "-5"');
  });

  it("a sink's own cross-key rules are configuration errors too, for run and check", async () => {
    const file = writeConnector({
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 't', 'bootstrap.servers': '127.0.0.1:1', 's3.bucket.name': 'b',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner', timezone: 'Mars/Base',
    });
    for (const cmd of ['run', 'check']) {
      const r = await runSluice([cmd, '--config', file]);
      expect(r.code).toBe(2);
      expect(r.output).toContain('timezone: "Mars/Base" is not a time zone');
      expect(r.output).toContain('path.format: required by the time-based partitioner');
    }
  });

  it('a secret never appears in an error message', async () => {
    const file = writeConnector(connector('t', { 'connection.password': '${env:SLUICE_TEST_SECRET_PW}', 'pg.pool.size': 'x-hunter2-x' }));
    const r = await runSluice(['run', '--config', file], { SLUICE_TEST_SECRET_PW: 'x-hunter2-x' });
    expect(r.code).toBe(2);
    expect(r.output).not.toContain('hunter2');
    expect(r.output).toContain('pg.pool.size: expected an integer between 1 and 64, got "***"');
  });
});

describe('crash and restart', () => {
  it('kill -9 mid-stream then restart: no record is lost (duplicates are counted)', async () => {
    const N = 100_000;
    const topic = uniqueName('kill9');
    await createTopic(topic, 4);
    await sql(ORDERS_TABLE_DDL(topic));
    const all = [...orders(N, 11)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 4 }));
    await produce(topic, all.slice(0, 30_000));
    // The rest trickles in for about 10 s, so the kill lands mid-stream however fast the first part is written.
    const trickle = produce(topic, all.slice(30_000), 3500, 500);
    const name = uniqueName('kill');
    // A short session timeout lets the restarted instance take over without waiting 45 s for the dead member.
    const file = writeConnector(connector(topic, { ...converterConfig('json'), 'batch.max.records': '2000', 'kafka.session.timeout.ms': '6000' }), name);
    const first = startSluice(['run', '--config', file]);
    await waitFor('some rows landed', async () => (await count(topic)) > 15_000, 120_000, 50);
    first.child.kill('SIGKILL');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    const before = await count(topic);
    expect(before).toBeLessThan(N);
    const committedAtKill = (await groupProgress(`connect-${name}`, topic)).reduce((s, p) => s + Math.max(0, p.committed), 0);
    // Never a commit ahead of a durable write.
    expect(committedAtKill).toBeLessThanOrEqual(before);

    await trickle;
    const second = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      expect((await second.stop()).code).toBe(0);
    }
    const [{ n, distinct }] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${topic}`);
    expect(distinct).toBe(N);
    const duplicates = n - distinct;
    console.log(`kill -9 with ${before} rows durable and ${committedAtKill} committed: ${duplicates} duplicates re-delivered (at-least-once)`);
    expect(n).toBeGreaterThanOrEqual(N);
  });
});

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe('backpressure', () => {
  it('while the table is locked the consumer pauses, memory stays bounded, and every row lands after', async () => {
    const topic = uniqueName('locked');
    await createTopic(topic, 3);
    await sql(ORDERS_TABLE_DDL(topic));
    const name = uniqueName('bp');
    const budget = 8 * 1024 * 1024;
    const file = writeConnector(connector(topic, {
      ...converterConfig('json'), 'inflight.max.bytes': String(budget), 'partition.max.bytes': String(2 * 1024 * 1024),
      'batch.max.records': '5000', 'batch.max.bytes': String(1024 * 1024), 'status.port': '0', 'kafka.queued.max.messages.kbytes': '2048',
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    const portLine = await sluice.waitForLine(/status endpoint listening/);
    const port = JSON.parse(portLine).port as number;
    const metrics = async () => (await (await fetch(`http://127.0.0.1:${port}/metrics.json`)).json()) as { pauses: number; resumes: number; heldBytes: number; peakHeldBytes: number; rowsWritten: number };
    await sluice.waitForLine(/assigned/);

    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    let produced = 0;
    const rssSamples: number[] = [];
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${topic} IN ACCESS EXCLUSIVE MODE`);
      const until = Date.now() + 6000;
      let seed = 100;
      // Keep records coming while the lock is held: ~5 rounds of 40k.
      while (Date.now() < until) {
        produced += await produce(topic, [...orders(40_000, seed++, produced + 1)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 3 })));
        rssSamples.push(rssKiB(sluice.child.pid!));
      }
      const m = await metrics();
      expect(m.pauses).toBeGreaterThan(0);
      expect(m.rowsWritten).toBe(0);
      // Held bytes never exceed the budget by more than one open batch per partition.
      expect(m.peakHeldBytes).toBeLessThanOrEqual(budget + 3 * 1024 * 1024);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    const m = await metrics();
    expect(m.resumes).toBeGreaterThan(0);
    expect((await sluice.stop()).code).toBe(0);
    expect(await count(topic)).toBe(produced);
    const peakRssMiB = Math.max(...rssSamples) / 1024;
    console.log(`backpressure: produced ${produced} while locked; peak RSS ${peakRssMiB.toFixed(0)} MiB; pauses ${m.pauses}`);
    // Bounded: far below what buffering the produced data would take, whatever the machine.
    expect(peakRssMiB).toBeLessThan(400);
  });
});

describe('broker outage', () => {
  it('the Kafka broker restarted mid-stream: nothing lost, Sluice carries on by itself', async () => {
    const { execFileSync } = await import('node:child_process');
    const kafkaScript = new URL('../../scripts/stack/kafka.sh', import.meta.url).pathname;
    const N = 60_000;
    const topic = uniqueName('broker_restart');
    await createTopic(topic, 3);
    await sql(ORDERS_TABLE_DDL(topic));
    await produce(topic, [...orders(N / 2, 31)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 3 })));
    const name = uniqueName('br');
    const sluice = startSluice(['run', '--config', writeConnector(connector(topic, { ...converterConfig('json'), 'batch.max.records': '1000' }), name)]);
    try {
      await waitFor('some rows landed', async () => (await count(topic)) > 0, 60_000, 50);
      execFileSync('bash', [kafkaScript, 'down'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 3000));
      expect(sluice.child.exitCode).toBeNull(); // an outage is not a reason to stop
    } finally {
      execFileSync('bash', [kafkaScript, 'up'], { stdio: 'ignore' });
    }
    await produce(topic, [...orders(N / 2, 32, N / 2 + 1)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 3 })));
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-2000)).toBe(0);
    }
    const [{ n, distinct }] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${topic}`);
    expect(distinct).toBe(N);
    console.log(`broker restart: ${n - distinct} duplicates`);
  });
});
