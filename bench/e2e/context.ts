// What every phase of a benchmark run shares.
import type { BenchOptions } from '../lib/options.js';
import type { Progress } from '../lib/progress.js';
import type { SkipRow } from '../lib/results.js';
import type { Shape } from '../lib/shapes/index.js';
import type { StackEndpoints } from '../lib/stack.js';

export interface BenchContext {
  opts: BenchOptions;
  stack: StackEndpoints;
  progress: Progress;
  root: string;
  /** Scratch files (COPY files) of this run; removed at the end. */
  tmpDir: string;
  skipped: SkipRow[];
  /** Directories of .cpuprofile files, by run label (--profile). */
  profileDirs: Map<string, string>;
  /** Topics, tables, groups and S3 prefixes to remove at the end. */
  cleanup: { topics: string[]; tables: string[]; s3Prefixes: string[]; files: string[]; groups: string[] };
}

/** One topic of N seeded rows of a shape, produced once and read by every run. */
export interface Dataset {
  shape: Shape;
  n: number;
  seed: number;
  topic: string;
  partitions: number;
  schemaId: number;
  ends: number[];
  /** Sum of the record values' sizes: what MB/s figures count. */
  wireBytes: number;
  produceSeconds: number;
  /** The same rows in an unlogged PostgreSQL table (filled on first need). */
  refTable?: string;
  /** The same rows as a PostgreSQL binary COPY file (written on first need). */
  copyFile?: string;
  copyFileBytes?: number;
}
