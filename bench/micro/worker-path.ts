// The worker's per-record path in this one thread, without the stack: the
// real worker task (src/workers/worker.ts encodeBatch) on real packed batches
// of the reference order rows (Avro, Confluent framing), with a hand-made
// PostgreSQL plan for ORDERS_TABLE_DDL and a default S3 Parquet plan. The
// schema registry is a tiny HTTP server in this process, asked once.
// Reports µs per record of worker task time (the worker's own measure):
//   node dist/bench/micro/worker-path.js [--n 20000] [--rounds 30] [--only drop,insert,insert-ts,insert-tz,s3]
// Profile with: node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/worker-path.js --only insert
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import encodeBatch from '../../src/workers/worker.js';
import type { EncodeTask, SinkPlan, WorkerSetup } from '../../src/workers/protocol.js';
import type { PgPlan } from '../../src/sinks/postgres/protocol.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { ORDER_AVRO_SCHEMA } from '../../test/helpers/orders.js';
import { kafkaMessages, orderValues, packedBatch } from './fixtures.js';

const SCHEMA_ID = 1;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

/**
 * The plan the PostgreSQL sink makes for ORDERS_TABLE_DDL (insert mode, no key columns).
 * `timestamp`: created_at is timestamp without time zone, written in db.timezone `zone` (absent: UTC).
 */
export function orderPgPlan(timestamp?: { zone?: string }): PgPlan {
  const col = (name: string, typeOid: number, sqlType: string, notNull: boolean, typmod = -1) => ({
    name, typeOid, typeName: sqlType, elemOid: 0, typmod, sqlType, notNull, pk: false, source: { from: 'value' as const, field: name },
  });
  return {
    id: 1, table: '"orders"', staged: false, deletes: false, textNul: 'escape', autoEvolve: false, missingTable: false,
    ...(timestamp?.zone ? { timeZone: timestamp.zone } : {}),
    rules: { pkMode: 'none', pkFields: [], exclude: [] },
    columns: [
      col('id', OID.int8, 'bigint', true),
      col('customer', OID.text, 'text', true),
      col('amount', OID.numeric, 'numeric(12,2)', true, ((12 << 16) | 2) + 4),
      col('quantity', OID.int4, 'integer', true),
      timestamp ? col('created_at', OID.timestamp, 'timestamp without time zone', true) : col('created_at', OID.timestamptz, 'timestamp with time zone', true),
      col('status', OID.text, 'text', true),
      col('note', OID.text, 'text', false),
    ],
  };
}

const S3_PLAN: S3Plan = {
  key: 'bench', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false,
  nullValues: 'fail', inferred: { kind: 'record', fields: [] },
};

async function main(): Promise<void> {
  const n = Number(arg('n', '20000'));
  const rounds = Number(arg('rounds', '30'));
  const only = arg('only', 'drop,insert,s3').split(',');
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (req.url === `/schemas/ids/${SCHEMA_ID}`) res.end(JSON.stringify({ schema: JSON.stringify(ORDER_AVRO_SCHEMA) }));
    else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 40403, message: 'not found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const setup: WorkerSetup = { keyFormat: 'string', valueFormat: 'avro', valueRegistryUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  const topic = 'orders';
  const batch = packedBatch(kafkaMessages(topic, orderValues('avro', n, SCHEMA_ID)));
  const plans: Record<string, SinkPlan> = {
    drop: { sink: 'drop' },
    insert: { sink: 'postgres', plan: orderPgPlan() },
    // created_at into timestamp without time zone: UTC (the fast path), and db.timezone=America/New_York (wall clock per record).
    'insert-ts': { sink: 'postgres', plan: orderPgPlan({}) },
    'insert-tz': { sink: 'postgres', plan: orderPgPlan({ zone: 'America/New_York' }) },
    s3: { sink: 's3', plan: S3_PLAN },
  };
  console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}; ${n} records per batch, ${rounds} rounds`);
  for (const name of only) {
    const task: EncodeTask = { batch, topic, plan: plans[name]!, connector: { id: 'bench', version: 1, setup } };
    // Warm-up: the schema fetch, the compiled encoders, the optimizing compiler.
    for (let i = 0; i < 5; i++) {
      const r = await encodeBatch(task);
      if (r.failures.length > 0) throw new Error(`${name}: ${r.failures[0]!.reason}`);
    }
    const us: number[] = [];
    for (let i = 0; i < rounds; i++) us.push((await encodeBatch(task)).workerMicros / n);
    us.sort((a, b) => a - b);
    const median = us[Math.floor(us.length / 2)]!;
    console.log(`${name.padEnd(7)} worker µs/record: median ${median.toFixed(3)}  min ${us[0]!.toFixed(3)}  max ${us[us.length - 1]!.toFixed(3)}`);
  }
  server.close();
}

await main();
