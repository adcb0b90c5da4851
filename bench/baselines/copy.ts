// Baselines (b) and (c): PostgreSQL driven by nothing but COPY.
//  (b) binary COPY of the same rows from a file into a fresh table with the
//      same definition, one transaction.
//  (c) upsert: binary COPY into an unlogged staging table, then
//      INSERT … SELECT … ON CONFLICT (id) DO UPDATE into the target, one
//      transaction; the target holds half of the keys already, like the
//      table Sluice upserts into.
import type { BenchContext, Dataset } from '../e2e/context.js';
import { copyFromFile, withPg } from '../lib/pg.js';
import { quoteIdent, tableDdl } from '../lib/shapes/index.js';
import { uniqueName } from '../lib/stack.js';
import { ensureCopyFile, ensureRefTable } from '../e2e/dataset.js';

export interface CopyTiming {
  seconds: number;
  rows: number;
}

/** A fresh table for the dataset's shape (a Sluice run or a baseline writes into it). */
export async function freshTable(ctx: BenchContext, ds: Dataset, what: string, opts: { withKey?: boolean; prefillHalf?: boolean } = {}): Promise<string> {
  const table = uniqueName(`${ds.shape.name}_${what}`);
  await withPg(ctx.stack.pgUrl, async (c) => {
    await c.query(tableDdl(ds.shape, table, { withKey: opts.withKey }));
    ctx.cleanup.tables.push(table);
    if (opts.prefillHalf) {
      const ref = await ensureRefTable(ctx, ds);
      await c.query(`INSERT INTO ${table} SELECT * FROM ${ref} WHERE id % 2 = 0`);
      await c.query(`VACUUM ANALYZE ${table}`);
    }
    // Start every timed phase with no dirty buffers from earlier phases.
    await c.query('CHECKPOINT');
  });
  return table;
}

export async function dropTable(ctx: BenchContext, table: string): Promise<void> {
  await withPg(ctx.stack.pgUrl, (c) => c.query(`DROP TABLE IF EXISTS ${table}`)).catch(() => {});
}

export async function copyBaseline(ctx: BenchContext, ds: Dataset): Promise<CopyTiming> {
  const file = await ensureCopyFile(ctx, ds);
  const table = await freshTable(ctx, ds, 'copy');
  try {
    return await withPg(ctx.stack.pgUrl, async (c) => {
      const t0 = performance.now();
      await c.query('BEGIN');
      const rows = await copyFromFile(c, `COPY ${table} FROM STDIN (FORMAT binary)`, file);
      await c.query('COMMIT');
      const seconds = (performance.now() - t0) / 1000;
      if (rows !== ds.n) throw new Error(`baseline COPY took ${rows} rows, expected ${ds.n}`);
      return { seconds, rows };
    });
  } finally {
    await dropTable(ctx, table);
  }
}

export async function upsertBaseline(ctx: BenchContext, ds: Dataset): Promise<CopyTiming> {
  const file = await ensureCopyFile(ctx, ds);
  const table = await freshTable(ctx, ds, 'cupsert', { withKey: true, prefillHalf: true });
  const staging = `${table}_stage`;
  const cols = ds.shape.columns.map((c) => quoteIdent(c.name));
  const set = cols.filter((c) => c !== '"id"').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  try {
    return await withPg(ctx.stack.pgUrl, async (c) => {
      const t0 = performance.now();
      await c.query('BEGIN');
      await c.query(`CREATE UNLOGGED TABLE ${staging} (LIKE ${table})`);
      const rows = await copyFromFile(c, `COPY ${staging} FROM STDIN (FORMAT binary)`, file);
      await c.query(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${staging} ON CONFLICT (id) DO UPDATE SET ${set}`);
      await c.query(`DROP TABLE ${staging}`);
      await c.query('COMMIT');
      const seconds = (performance.now() - t0) / 1000;
      const [{ n }] = (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows as [{ n: number }];
      if (rows !== ds.n || n !== ds.n) throw new Error(`baseline upsert: staged ${rows} rows, table holds ${n}, expected ${ds.n}`);
      return { seconds, rows };
    });
  } finally {
    await dropTable(ctx, table);
  }
}
