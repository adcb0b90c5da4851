// Helpers for the S3 sink integration tests: the bucket through the AWS SDK
// (listing, metadata, clean-up) and rows through pyarrow in .venv
// (s3-read-parquet.py), a reader that shares no code with Sluice's writer.
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { fullyCommitted } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName, waitFor } from '../helpers/stack.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const READER = path.join(ROOT, 'test/integration/s3-read-parquet.py');

export const s3 = new S3Client({
  endpoint: S3_URL, region: 'us-east-1', forcePathStyle: true,
  credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
});

/** Installs pyarrow/DuckDB into .venv when missing (fast when already there). */
export async function ensurePythonReaders(): Promise<void> {
  await run('bash', [path.join(ROOT, 'scripts/python-readers.sh')], { cwd: ROOT, timeout: 600_000 });
}

export interface ObjectInfo {
  key: string;
  size: number;
}

export async function listObjects(prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    token = res.NextContinuationToken;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

export async function objectMetadata(key: string): Promise<Record<string, string>> {
  return (await s3.send(new HeadObjectCommand({ Bucket: S3_BUCKET, Key: key }))).Metadata ?? {};
}

export async function deletePrefix(prefix: string): Promise<void> {
  const keys = (await listObjects(prefix)).map((o) => o.key);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(new DeleteObjectsCommand({ Bucket: S3_BUCKET, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
  }
}

export interface ParquetFileRead {
  key: string;
  rows: number;
  row_groups: number;
  codec: string | null;
  schema: [string, string][];
  logical: Record<string, string>;
  metadata: Record<string, string>;
  data: Record<string, unknown>[];
}

/** Every Parquet object under the prefix, read by pyarrow. */
export async function readParquet(prefix: string, columns?: string[]): Promise<ParquetFileRead[]> {
  const args = [READER, S3_URL, S3_BUCKET, prefix];
  if (columns) args.push(columns.join(','));
  const { stdout } = await run(PYTHON, args, {
    env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
    maxBuffer: 1024 * 1024 * 1024,
    timeout: 300_000,
  });
  return (JSON.parse(stdout) as { files: ParquetFileRead[] }).files;
}

/** Connector config for the S3 sink on the local stack; a unique topics.dir keeps tests apart. */
export function s3Connector(topic: string, topicsDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
    topics: topic,
    'bootstrap.servers': KAFKA,
    's3.bucket.name': S3_BUCKET,
    'store.url': S3_URL,
    'aws.access.key.id': S3_ACCESS_KEY,
    'aws.secret.access.key': S3_SECRET_KEY,
    'topics.dir': topicsDir,
    'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
    ...extra,
  };
}

/** <topic>+<partition>+<zero-padded start offset>.parquet → its parts. */
export function parseObjectName(key: string, padWidth = 10): { dir: string; topic: string; partition: number; start: number } | undefined {
  const slash = key.lastIndexOf('/');
  // <topic>+<partition>+<start>[.<codec>].parquet, as Confluent's ParquetFormat names them (.snappy by default).
  const m = new RegExp(`^(.+)\\+(\\d+)\\+(\\d{${padWidth},})(?:\\.(?:snappy|gz|zstd))?\\.parquet$`).exec(key.slice(slash + 1));
  if (!m) return undefined;
  return { dir: key.slice(0, slash), topic: m[1]!, partition: Number(m[2]), start: Number(m[3]) };
}

/**
 * Runs Sluice with this S3 connector until every offset of the topic is
 * committed, then stops it and expects a clean exit. Returns its output.
 */
export async function runS3ToEnd(topic: string, dir: string, extra: Record<string, unknown>, name = uniqueName('s3')): Promise<string> {
  const file = writeConnector(s3Connector(topic, dir, extra), name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300)
      .catch((err: Error) => { throw new Error(`${err.message}\n${sluice.output().slice(-4000)}`); });
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

/** An object read back by s3-read-records.py: JSON text (gunzipped), or an Avro container's codec, schema and records (fastavro). */
export interface ObjectRead {
  key: string;
  size: number;
  text?: string;
  gzip?: boolean;
  codec?: string;
  schema?: Record<string, unknown>;
  /** The Avro header's schema text as written. */
  schema_text?: string;
  records?: Record<string, unknown>[];
}

export async function readObjects(prefix: string): Promise<ObjectRead[]> {
  const { stdout } = await run(PYTHON, [path.join(ROOT, 'test/integration/s3-read-records.py'), S3_URL, S3_BUCKET, prefix], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return (JSON.parse(stdout) as { objects: ObjectRead[] }).objects;
}
