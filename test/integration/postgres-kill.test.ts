// Exactly-once under kill -9: 20 kills at random moments while a 200k-record
// Avro stream lands, then a final run to the end, leave every record in the
// table exactly once; and two instances in one group, one killed mid-stream,
// the same. The table has no key, so any duplicate would show.
import Kafka from '@confluentinc/kafka-javascript';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { rng } from '../helpers/orders.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, REGISTRY, uniqueName } from '../helpers/stack.js';

const kafka = new Kafka.KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: Kafka.KafkaJS.logLevel.ERROR } });
import { pgConnector, waitUntilCommitted } from './postgres-helpers.js';

const N = 200_000;
const PARTITIONS = 6;
const SCHEMA = { type: 'record', name: 'Tick', fields: [{ name: 'id', type: 'long' }, { name: 'p', type: 'int' }, { name: 's', type: 'string' }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prepare(prefix: string, upFront = N): Promise<{ topic: string; rest: () => Promise<void> }> {
  const topic = uniqueName(prefix);
  await createTopic(topic, PARTITIONS);
  await sql(`CREATE TABLE ${topic} (id bigint NOT NULL, p integer, s text)`);
  const id = await registerSchema(`${topic}-value`, SCHEMA);
  const type = avro.Type.forSchema(SCHEMA as avro.Schema);
  const record = (i: number) => ({ value: confluentFrame(id, type.toBuffer({ id: i, p: i % PARTITIONS, s: `s${i}` })), partition: i % PARTITIONS });
  await produce(topic, (function* () {
    for (let i = 0; i < upFront; i++) yield record(i);
  })(), 20_000);
  // The rest trickles in (about 4k records a second), so that the stream outlasts the kills.
  const rest = async () => {
    const producer = kafka.producer({ 'linger.ms': 5 } as never);
    await producer.connect();
    try {
      for (let i = upFront; i < N; i += 800) {
        const msgs = Array.from({ length: Math.min(800, N - i) }, (_, j) => record(i + j));
        await producer.send({ topic, messages: msgs as never });
        await sleep(200);
      }
    } finally {
      await producer.disconnect();
    }
  };
  return { topic, rest };
}

function config(topic: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return pgConnector(topic, {
    'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
    'delivery.guarantee': 'exactly_once', 'pg.offsets.table': `offs_${topic}`,
    // Many small transactions, so kills land between and inside them.
    'batch.max.records': '500', 'batch.linger.ms': '20',
    'kafka.session.timeout.ms': '6000', 'kafka.heartbeat.interval.ms': '1000',
    ...extra,
  });
}

async function counts(topic: string): Promise<{ n: number; d: number }> {
  const [r] = await sql<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${topic}`);
  return r!;
}

describe('exactly_once under kill -9', () => {
  it('20 kill -9s at random moments during a 200k-record stream, then a run to the end: every record exactly once', async () => {
    const { topic, rest } = await prepare('pg_kill', 20_000);
    const trickle = rest();
    const name = uniqueName('kill');
    // Static membership: a restarted instance takes its partitions back at once, without waiting for a session timeout.
    const file = writeConnector(config(topic, { 'kafka.group.instance.id': `${name}-1` }), name);
    const r = rng(20);
    const progress: number[] = [];
    for (let k = 0; k < 20; k++) {
      const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
      try {
        await sluice.waitForLine(/"msg":"assigned /, 60_000);
        await sleep(300 + Math.floor(r() * 1700));
      } finally {
        sluice.child.kill('SIGKILL');
        await sluice.exited;
      }
      progress.push((await counts(topic)).n);
    }
    await trickle;
    console.log(`rows after each kill: ${progress.join(', ')}`);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await sluice.waitForLine(/"msg":"assigned /, 60_000);
      await waitUntilCommitted(sluice, `connect-${name}`, [topic], 180_000);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    // The kills did land mid-stream, not all after the end.
    expect(progress.filter((n) => n > 0 && n < N).length).toBeGreaterThanOrEqual(5);
    expect(await counts(topic)).toEqual({ n: N, d: N });
  });

  it('rebalances between live instances mid-stream (one joins, then the first leaves): every record exactly once', async () => {
    const { topic, rest } = await prepare('pg_rebalance', 20_000);
    const trickle = rest();
    const name = uniqueName('rebal');
    const file = writeConnector(config(topic), name);
    const a = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    let b: ReturnType<typeof startSluice> | undefined;
    try {
      await a.waitForLine(/"msg":"assigned .*\[0,1,2,3,4,5\]/, 60_000);
      await sleep(3000);
      // B joins: A gives up some partitions (revoke, drain, commit), B claims them and seeks.
      b = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
      await a.waitForLine(/"msg":"revoked /, 60_000);
      await b.waitForLine(/claimed partitions; seeking/, 60_000);
      await sleep(3000);
      // A leaves gracefully while records still arrive: B takes everything over.
      const exitA = await a.stop('SIGTERM');
      expect(exitA.code, a.output().slice(-3000)).toBe(0);
      expect((await counts(topic)).n).toBeLessThan(N);
      await trickle;
      await waitUntilCommitted(b, `connect-${name}`, [topic], 180_000);
    } finally {
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
      if (b) {
        const exit = await b.stop('SIGTERM');
        expect(exit.code, b.output().slice(-3000)).toBe(0);
      }
    }
    expect(await counts(topic)).toEqual({ n: N, d: N });
  });

  it('two instances in one group, one killed mid-stream: the other takes its partitions over, every record exactly once', async () => {
    // Half up front, half trickling in for about 25 s: the kill always lands before the stream ends,
    // however fast the first half is written.
    const { topic, rest } = await prepare('pg_kill_two', N / 2);
    const trickle = rest();
    const name = uniqueName('two');
    const file = writeConnector(config(topic), name);
    const a = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    const b = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      await a.waitForLine(/"msg":"assigned /, 60_000);
      await b.waitForLine(/"msg":"assigned /, 60_000);
      // Kill one while both are writing.
      for (let i = 0; i < 200 && (await counts(topic)).n < N / 4; i++) await sleep(50);
      a.child.kill('SIGKILL');
      await a.exited;
      const atKill = (await counts(topic)).n;
      expect(atKill).toBeLessThan(N);
      await trickle;
      await waitUntilCommitted(b, `connect-${name}`, [topic], 180_000);
    } finally {
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
      const exit = await b.stop('SIGTERM');
      expect(exit.code, b.output().slice(-3000)).toBe(0);
    }
    expect(await counts(topic)).toEqual({ n: N, d: N });
  });
});
