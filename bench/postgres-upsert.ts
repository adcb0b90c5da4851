// Standalone: the PostgreSQL sink's write path against same-run baselines,
// on the same rows, encoded once up front (no Kafka, no decoding: this
// measures the SQL strategy and the transaction bookkeeping only).
//   1. upsert: PostgresSink (binary COPY into a temp staging table with
//      __sluice_seq/__sluice_del, DISTINCT ON key, INSERT … ON CONFLICT) vs
//      baseline (c): binary COPY into an UNLOGGED staging table, then
//      INSERT … SELECT … ON CONFLICT (id) DO UPDATE, one transaction. Half
//      the keys exist beforehand in both. Target: ratio >= 0.8.
//   2. exactly_once vs at_least_once insert (plain COPY into the table, plus
//      the offsets row check and update in the same transaction). Target:
//      exactly_once within 10%.
// Usage: npx tsc -p . && node dist/bench/postgres-upsert.js [--n 200000] [--repeat 3] [--batch 20000]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../src/sinks/index.js';
import { createLogger } from '../src/log.js';
import type { EncodedBatch } from '../src/sinks/common/sink.js';
import { outputTuples, PgEncoder, readOutputHeader, type PgPlan } from '../src/sinks/postgres/encoding.js';
import { PGCOPY_HEADER, PGCOPY_TRAILER } from '../src/sinks/postgres/service.js';
import { PostgresSink } from '../src/sinks/postgres/sink.js';
import { SCHEMALESS } from '../src/workers/schema.js';
import { orders, ORDERS_TABLE_DDL } from './lib/generate.js';
import { stackEndpoints, uniqueName } from './lib/stack.js';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '200000' }, repeat: { type: 'string', default: '3' }, batch: { type: 'string', default: '20000' } } });
const N = Number(args.n);
const REPEAT = Number(args.repeat);
const BATCH = Number(args.batch);
const PARTITIONS = 6;
const { pgUrl } = stackEndpoints();
const TOPIC = 'bench_pg';
const COLS = ['id', 'customer', 'amount', 'quantity', 'created_at', 'status', 'note'];

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: pgUrl, application_name: 'sluice-bench' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function makeSink(table: string, extra: Record<string, string>): PostgresSink {
  const config = loadConfig({
    json: {
      name: uniqueName('pgbench'),
      config: {
        'connector.class': 'sluice.postgres', topics: TOPIC, 'bootstrap.servers': '127.0.0.1:1', 'connection.url': pgUrl,
        'value.converter.schemas.enable': 'false', 'table.name.format': table, ...extra,
      },
    },
    env: {},
  });
  return new PostgresSink(config, createLogger('warn'));
}

/** Rows encoded by the worker-side encoder for a plan, as the engine would hand them to the sink. */
async function encode(sink: PostgresSink): Promise<EncodedBatch[]> {
  const plan = ((await sink.plan(TOPIC)) as { plan: PgPlan }).plan;
  const enc = new PgEncoder();
  const batches: EncodedBatch[] = [];
  const next = new Array<number>(PARTITIONS).fill(0);
  const all = [...orders(N, 7)];
  for (let start = 0, b = 0; start < N; start += BATCH, b++) {
    const partition = b % PARTITIONS;
    const rows = all.slice(start, start + BATCH);
    enc.begin(plan, TOPIC, partition);
    const first = next[partition]!;
    rows.forEach((o, i) => enc.add(
      {
        value: {
          id: o.id, customer: o.customer, amount: (o.amountCents / 100).toFixed(2), quantity: o.quantity,
          created_at: o.createdAt, status: o.status, note: o.note,
        },
        schema: SCHEMALESS,
      },
      undefined,
      { topic: TOPIC, partition, offset: first + i, timestamp: 0, key: null, keyBytes: null, headers: () => [] },
    ));
    const out = enc.finish();
    next[partition] = first + rows.length;
    batches.push({
      topic: TOPIC, partition, firstOffset: first, lastOffset: first + rows.length - 1, records: rows.length,
      rows: out.rows, tombstones: 0, output: out.output, outputBytes: out.outputBytes,
    });
  }
  return batches;
}

async function resetTable(table: string, opts: { key: boolean; prefillHalf: boolean }): Promise<void> {
  await withPg(async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(ORDERS_TABLE_DDL(table));
    if (opts.key) await c.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
    if (opts.prefillHalf) {
      await c.query(`INSERT INTO ${table} SELECT * FROM bench_pg_ref WHERE id % 2 = 0`);
      await c.query(`VACUUM ANALYZE ${table}`);
    }
    await c.query('CHECKPOINT');
  });
}

async function timeSink(sink: PostgresSink, batches: EncodedBatch[], table?: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(batches.map((b) => sink.submit(b)));
  const seconds = (performance.now() - t0) / 1000;
  if (table) {
    const n = await withPg(async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number);
    if (n !== N) throw new Error(`${table} holds ${n} rows after the run, expected ${N}`);
  }
  return seconds;
}

async function copyChunks(c: pg.Client, sql: string, batches: EncodedBatch[]): Promise<number> {
  const stream = c.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  stream.write(PGCOPY_HEADER);
  for (const b of batches) {
    if (!stream.write(outputTuples(b.output!, readOutputHeader(b.output!)))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end(PGCOPY_TRAILER);
  await done;
  return Number((stream as unknown as { rowCount?: number }).rowCount ?? 0);
}

/** Baseline (c): COPY into an unlogged staging table, INSERT … ON CONFLICT, one transaction. */
async function timeBaselineUpsert(table: string, plain: EncodedBatch[]): Promise<number> {
  return withPg(async (c) => {
    const stage = `${table}_stage`;
    const cols = COLS.map((x) => `"${x}"`).join(', ');
    const set = COLS.filter((x) => x !== 'id').map((x) => `"${x}" = EXCLUDED."${x}"`).join(', ');
    const t0 = performance.now();
    await c.query('BEGIN');
    await c.query(`CREATE UNLOGGED TABLE ${stage} (LIKE ${table})`);
    const n = await copyChunks(c, `COPY ${stage} (${cols}) FROM STDIN (FORMAT binary)`, plain);
    await c.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ON CONFLICT (id) DO UPDATE SET ${set}`);
    await c.query(`DROP TABLE ${stage}`);
    await c.query('COMMIT');
    if (n !== N) throw new Error(`baseline staged ${n} rows, expected ${N}`);
    return (performance.now() - t0) / 1000;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const target = 'bench_pg_upsert_target';
  const eosTable = 'bench_pg_eos_target';
  await resetTable(target, { key: true, prefillHalf: false });
  await resetTable(eosTable, { key: false, prefillHalf: false });
  const upsertSink = makeSink(target, { 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' });
  const insertSink = makeSink(eosTable, {});
  const eosSink = makeSink(eosTable, { 'delivery.guarantee': 'exactly_once', 'pg.offsets.table': uniqueName('offs') });
  const staged = await encode(upsertSink);
  const plain = await encode(insertSink);
  // Plan ids are per sink: each sink gets batches encoded with its own plan.
  const plainEos = await encode(eosSink);
  // The reference rows, for the half-prefilled targets.
  await resetTable('bench_pg_ref', { key: false, prefillHalf: false });
  const refSink = makeSink('bench_pg_ref', {});
  await timeSink(refSink, await encode(refSink));
  await refSink.close();

  const upsert: number[] = [];
  const baseline: number[] = [];
  const alo: number[] = [];
  const eos: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    // Alternate the order so neither side always runs on a warmer cache.
    const pair = [
      async () => {
        await resetTable(target, { key: true, prefillHalf: true });
        upsert.push(await timeSink(upsertSink, staged, target));
      },
      async () => {
        await resetTable(target, { key: true, prefillHalf: true });
        baseline.push(await timeBaselineUpsert(target, plain));
      },
    ];
    for (const f of r % 2 ? pair.reverse() : pair) await f();
    const pair2 = [
      async () => {
        await resetTable(eosTable, { key: false, prefillHalf: false });
        alo.push(await timeSink(insertSink, plain, eosTable));
      },
      async () => {
        await resetTable(eosTable, { key: false, prefillHalf: false });
        // A fresh claim per run, as after an assignment.
        await eosSink.storedPositions(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
        await withPg((c) => c.query(`UPDATE ${(eosSink as unknown as { offsets: { table: string } }).offsets.table} SET next_offset = NULL`));
        await eosSink.storedPositions(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
        eos.push(await timeSink(eosSink, plainEos, eosTable));
      },
    ];
    for (const f of r % 2 ? pair2.reverse() : pair2) await f();
  }
  const rate = (s: number) => Math.round(N / s);
  const result = {
    n: N, batch: BATCH, repeat: REPEAT,
    upsert: {
      sluiceRowsPerSec: rate(median(upsert)), baselineRowsPerSec: rate(median(baseline)),
      ratio: +(median(baseline) / median(upsert)).toFixed(3), seconds: { sluice: upsert, baseline },
    },
    exactlyOnce: {
      atLeastOnceRowsPerSec: rate(median(alo)), exactlyOnceRowsPerSec: rate(median(eos)),
      ratio: +(median(alo) / median(eos)).toFixed(3), seconds: { alo, eos },
    },
  };
  console.log(JSON.stringify(result, null, 2));
  await upsertSink.close();
  await insertSink.close();
  await eosSink.close();
  await withPg(async (c) => {
    for (const t of [target, eosTable, 'bench_pg_ref']) await c.query(`DROP TABLE IF EXISTS ${t}`);
  });
}

await main();
