// Baseline (d): one thread encoding the same rows into Parquet files of the
// size the S3 sink writes (flush.size rows), with the same codec. Only the
// encoding is timed, not generating the rows; the first file is a warm-up
// (WebAssembly compile, JIT) and is not counted.
import type { BenchContext, Dataset } from '../e2e/context.js';
import { encodeParquetFile } from '../lib/parquet.js';
import type { Row } from '../lib/shapes/index.js';

export interface ParquetTiming {
  seconds: number;
  rows: number;
  files: number;
  bytes: number;
}

export function parquetBaseline(ctx: BenchContext, ds: Dataset, rowsPerFile: number, codec: string): ParquetTiming {
  const warm = [...ds.shape.rows(Math.min(rowsPerFile, 20_000), ds.seed + 99)];
  encodeParquetFile(ds.shape, warm, codec);
  let seconds = 0;
  let rows = 0;
  let files = 0;
  let bytes = 0;
  let chunk: Row[] = [];
  const flush = () => {
    const t0 = performance.now();
    bytes += encodeParquetFile(ds.shape, chunk, codec).length;
    seconds += (performance.now() - t0) / 1000;
    rows += chunk.length;
    files++;
    chunk = [];
    ctx.progress.detail(rows / ds.n, `${rows}/${ds.n} rows`);
  };
  for (const row of ds.shape.rows(ds.n, ds.seed)) {
    chunk.push(row);
    if (chunk.length === rowsPerFile) flush();
  }
  if (chunk.length > 0) flush();
  return { seconds, rows, files, bytes };
}
