// PostgreSQL for the benchmarks: plain queries, and COPY to and from files
// (the baselines drive PostgreSQL with nothing but COPY).
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'sluice-bench' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  return withPg(url, async (c) => (await c.query(text, params)).rows);
}

/** COPY … FROM STDIN from a file, inside the client's current transaction (if any). */
export async function copyFromFile(c: pg.Client, copySql: string, file: string): Promise<number> {
  const stream = c.query(copyFrom(copySql));
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), stream);
  return Number((stream as unknown as { rowCount?: number }).rowCount ?? 0);
}

/** COPY … TO STDOUT into a file. */
export async function copyToFile(c: pg.Client, copySql: string, file: string): Promise<void> {
  await pipeline(c.query(copyTo(copySql)), fs.createWriteStream(file));
}

/** COPY … FROM STDIN of text lines produced by a generator. */
export async function copyFromLines(c: pg.Client, copySql: string, lines: Iterable<string>): Promise<number> {
  const stream = c.query(copyFrom(copySql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length > 1 << 20) {
      if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
      chunk = '';
    }
  }
  stream.end(chunk);
  await done;
  return Number((stream as unknown as { rowCount?: number }).rowCount ?? 0);
}
