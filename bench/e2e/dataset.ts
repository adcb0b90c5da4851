// Datasets: a topic holding N seeded rows of a shape (produced once, read by
// every Sluice run and the raw-consume baseline), and the same rows as a
// PostgreSQL table and binary COPY file for the COPY baselines.
import path from 'node:path';
import { createTopic, endOffsets, produceAll } from '../lib/kafka.js';
import { copyFromLines, copyToFile, withPg } from '../lib/pg.js';
import { copyTextLine, tableDdl, type Shape } from '../lib/shapes/index.js';
import { registerSchema, uniqueName } from '../lib/stack.js';
import type { BenchContext, Dataset } from './context.js';

/**
 * N rounded down so that every partition gets the same count and every S3
 * file closes on flush.size: with ids 1..N spread round-robin, a partition
 * holds N/P records, written as k files of N/(P·k). A last file that never
 * fills would wait for the wall-clock rotation, which a continuous stream
 * never does.
 */
export function roundedCount(n: number, partitions: number): number {
  const k = filesPerPartition(n, partitions);
  return Math.max(partitions * k, Math.floor(n / (partitions * k)) * partitions * k);
}

export function filesPerPartition(n: number, partitions: number): number {
  return Math.max(2, Math.ceil(n / partitions / 100_000));
}

export async function produceDataset(ctx: BenchContext, shape: Shape, n: number, seed: number, what = shape.name): Promise<Dataset> {
  const { kafka, registry } = ctx.stack;
  const partitions = ctx.opts.partitions;
  const topic = uniqueName(what);
  await createTopic(kafka, topic, partitions);
  ctx.cleanup.topics.push(topic);
  const schemaId = shape.avroSchema ? await registerSchema(registry, `${topic}-value`, shape.avroSchema) : 0;
  let wireBytes = 0;
  const t0 = performance.now();
  const messages = (function* () {
    for (const row of shape.rows(n, seed)) {
      const value = shape.encode(row, schemaId);
      wireBytes += value.length;
      yield { partition: (row.id - 1) % partitions, key: Buffer.from(String(row.id)), value };
    }
  })();
  await produceAll(kafka, topic, messages, ctx.opts.compression, (k) => ctx.progress.detail(k / n, `${k}/${n} records`));
  const produceSeconds = (performance.now() - t0) / 1000;
  const ends = await endOffsets(kafka, topic);
  const total = ends.reduce((a, b) => a + b, 0);
  if (total !== n) throw new Error(`topic ${topic} holds ${total} records after producing ${n}`);
  return { shape, n, seed, topic, partitions, schemaId, ends, wireBytes, produceSeconds };
}

/** The dataset's rows in an unlogged table, loaded with COPY text (not timed). */
export async function ensureRefTable(ctx: BenchContext, ds: Dataset): Promise<string> {
  if (ds.refTable) return ds.refTable;
  const table = `${ds.topic}_ref`;
  await withPg(ctx.stack.pgUrl, async (c) => {
    await c.query(tableDdl(ds.shape, table, { unlogged: true }));
    ctx.cleanup.tables.push(table);
    const lines = (function* () {
      for (const row of ds.shape.rows(ds.n, ds.seed)) yield copyTextLine(ds.shape.copyText(row));
    })();
    const rows = await copyFromLines(c, `COPY ${table} FROM STDIN`, lines);
    if (rows !== ds.n) throw new Error(`loading ${table}: COPY took ${rows} rows, expected ${ds.n}`);
  });
  ds.refTable = table;
  return table;
}

/** The dataset's rows as PostgreSQL writes them in binary COPY format: PostgreSQL's own encoding, not Sluice's. */
export async function ensureCopyFile(ctx: BenchContext, ds: Dataset): Promise<string> {
  if (ds.copyFile) return ds.copyFile;
  const ref = await ensureRefTable(ctx, ds);
  const file = path.join(ctx.tmpDir, `${ds.topic}.pgcopy`);
  await withPg(ctx.stack.pgUrl, (c) => copyToFile(c, `COPY ${ref} TO STDOUT (FORMAT binary)`, file));
  ctx.cleanup.files.push(file);
  ds.copyFile = file;
  const fs = await import('node:fs');
  ds.copyFileBytes = fs.statSync(file).size;
  return file;
}
