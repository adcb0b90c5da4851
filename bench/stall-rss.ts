// Peak RSS through a destination stall and the catch-up after it, at default
// settings: the PostgreSQL table is locked while a backlog builds, then
// released. Prints one JSON line per source.
//   npx vite-node bench/stall-rss.ts -- [--records N] [--stall-s S] [--sources native,binding]
import fs from 'node:fs';
import pg from 'pg';
import { encodeOrder, orders, ORDERS_TABLE_DDL } from './lib/generate.js';
import { createTopic, fullyCommitted, produce } from '../test/helpers/kafka.js';
import { pgConnector } from '../test/helpers/connectors.js';
import { startSluice, writeConnector } from '../test/helpers/sluice.js';
import { PG_URL, uniqueName } from '../test/helpers/stack.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

const MiB = 1024 * 1024;
const STATUS_PORT = 18_480;

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function runOne(source: string, records: number, stallS: number): Promise<Record<string, unknown>> {
  const topic = uniqueName('stall');
  const partitions = 6;
  await createTopic(topic, partitions);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(ORDERS_TABLE_DDL(topic));
  const lock = new pg.Client({ connectionString: PG_URL });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query(`LOCK TABLE ${topic} IN ACCESS EXCLUSIVE MODE`);
  const name = uniqueName('stall');
  const sluice = startSluice(['run', '--config', writeConnector(pgConnector(topic, { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' }), name)], { SLUICE_SOURCE_NATIVE: source, SLUICE_LOG_LEVEL: 'warn', SLUICE_STATUS_PORT: String(STATUS_PORT) });
  const pid = sluice.child.pid!;
  let peak = 0;
  let phase: 'stall' | 'catchup' = 'stall';
  const peaks = { stall: 0, catchup: 0 };
  // At each new peak: what the engine held against its budget and the main thread's heap/external memory.
  let atPeak: Record<string, number> = {};
  const sampler = setInterval(() => {
    const r = rssOf(pid);
    if (r > peak) {
      void Promise.all([
        fetch(`http://127.0.0.1:${STATUS_PORT}/metrics.json`).then((x) => x.json() as Promise<{ heldBytes: number }>),
        fetch(`http://127.0.0.1:${STATUS_PORT}/metrics`).then((x) => x.text()),
      ]).then(([stats, prom]) => {
        const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(prom)?.[1] ?? NaN);
        atPeak = {
          rssMiB: Math.round(r / MiB), heldMiB: Math.round(stats.heldBytes / MiB),
          mainHeapMiB: Math.round(metric('sluice_nodejs_heap_size_total_bytes') / MiB),
          externalMiB: Math.round(metric('sluice_nodejs_external_memory_bytes') / MiB),
        };
      }).catch(() => {});
    }
    peak = Math.max(peak, r);
    peaks[phase] = Math.max(peaks[phase], r);
  }, 100);
  try {
    const t0 = Date.now();
    await produce(topic, (function* () {
      for (const o of orders(records, 7)) yield { key: String(o.id), value: encodeOrder('json', o), partition: o.id % partitions };
    })());
    const left = stallS * 1000 - (Date.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    phase = 'catchup';
    const released = Date.now();
    await lock.query('COMMIT');
    let exited = false;
    void sluice.exited.then(() => (exited = true));
    while (!(await fullyCommitted(`connect-${name}`, topic))) {
      if (exited) throw new Error(`sluice exited early:\n${sluice.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const catchupS = (Date.now() - released) / 1000;
    const rows = Number((await admin.query(`SELECT count(*) AS n FROM ${topic}`)).rows[0].n);
    return {
      source, records, rows, stallS, catchupS: +catchupS.toFixed(1),
      peakStallMiB: Math.round(peaks.stall / MiB), peakCatchupMiB: Math.round(peaks.catchup / MiB), peakMiB: Math.round(peak / MiB), atPeak,
    };
  } finally {
    clearInterval(sampler);
    await sluice.stop('SIGTERM');
    await lock.end().catch(() => {});
    await admin.query(`DROP TABLE IF EXISTS ${topic}`).catch(() => {});
    await admin.end();
  }
}

const records = Number(arg('records', '1000000'));
const stallS = Number(arg('stall-s', '60'));
for (const source of arg('sources', 'on,off').split(',')) {
  process.stdout.write(JSON.stringify(await runOne(source, records, stallS)) + '\n');
}
process.exit(0);
