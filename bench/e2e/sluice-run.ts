// One Sluice run over a dataset: a connector config for the target, a fresh
// table or prefix, the run in a child process, a check that every row
// landed, and the run's figures.
import path from 'node:path';
import { loadConfig } from '../../src/sinks/index.js';
import { converterConfig } from '../lib/generate.js';
import type { Target } from '../lib/options.js';
import type { RunSettings } from '../lib/results.js';
import { withPg } from '../lib/pg.js';
import { uniqueName } from '../lib/stack.js';
import { dropTable, freshTable } from '../baselines/copy.js';
import { countObjects } from '../lib/s3.js';
import { runInChild } from './child.js';
import { filesPerPartition } from './dataset.js';
import type { BenchContext, Dataset } from './context.js';
import type { RunnerResult } from './protocol.js';

export interface SluiceRun {
  result: RunnerResult;
  settings: RunSettings;
  check: string;
}

function jdbcUrl(pgUrl: string): { url: string; user: string } {
  const u = new URL(pgUrl);
  return { url: `jdbc:postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`, user: decodeURIComponent(u.username || 'postgres') };
}

/** S3 files close at flush.size records: every partition's records make whole files (see roundedCount). */
export function s3FlushSize(ds: Dataset): number {
  return Math.max(1, Math.floor(ds.n / ds.partitions / filesPerPartition(ds.n, ds.partitions)));
}

export function connectorFor(ctx: BenchContext, ds: Dataset, target: Target, where: string): Record<string, unknown> {
  const pg = jdbcUrl(ctx.stack.pgUrl);
  const base: Record<string, unknown> = {
    topics: ds.topic,
    'bootstrap.servers': ctx.stack.kafka,
    'log.level': 'warn',
    ...converterConfig(ds.shape.format, ctx.stack.registry),
  };
  let sink: Record<string, unknown>;
  if (target === 's3') {
    sink = {
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
      's3.bucket.name': ctx.stack.s3Bucket,
      'store.url': ctx.stack.s3Url,
      'aws.access.key.id': ctx.stack.s3AccessKey,
      'aws.secret.access.key': ctx.stack.s3SecretKey,
      'topics.dir': where,
      'flush.size': String(s3FlushSize(ds)),
      // Files close on flush.size; the wall clock is only a safety net.
      'rotate.schedule.interval.ms': '10000',
    };
  } else {
    sink = {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'connection.url': pg.url,
      'connection.user': pg.user,
      'table.name.format': where,
      ...(target === 'pg-upsert' ? { 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' } : {}),
    };
  }
  return { ...base, ...sink, ...ctx.opts.connector };
}

/** worker.threads and batch.max.records as Sluice resolves them for this config. */
export function effectiveSettings(connector: Record<string, unknown>, env: Record<string, string>): RunSettings {
  const c = loadConfig({ json: { name: 'bench', config: connector }, env });
  return { workerThreads: c.common['worker.threads'], batchMaxRecords: c.common['batch.max.records'] };
}

export async function runSluice(
  ctx: BenchContext, ds: Dataset, target: Target, env: Record<string, string> = {}, label: string = target, extra: Record<string, string> = {},
): Promise<SluiceRun> {
  let where: string;
  if (target === 's3') where = `bench/${uniqueName(ds.shape.name)}`;
  else if (target === 'drop') where = 'unused';
  else where = await freshTable(ctx, ds, target === 'pg-upsert' ? 'upsert' : 'insert', { withKey: target === 'pg-upsert', prefillHalf: target === 'pg-upsert' });
  if (target === 's3') ctx.cleanup.s3Prefixes.push(where);
  const connector = { ...connectorFor(ctx, ds, target, where), ...extra };
  const runEnv = { ...ctx.opts.sluiceEnv, ...env };
  const settings = effectiveSettings(connector, runEnv);
  const name = uniqueName('run');
  ctx.cleanup.groups.push(`connect-${name}`);
  let profileDir: string | undefined;
  if (ctx.opts.profile) {
    profileDir = path.join(ctx.opts.outDir, 'profiles', `${ds.shape.name}-${label}-${name}`);
    ctx.profileDirs.set(`${ds.shape.name} ${label}`, profileDir);
  }
  try {
    const result = await runInChild(
      { kind: 'sluice', name, connector, env: runEnv, dropSink: target === 'drop', topic: ds.topic, ends: ds.ends, trackCommits: false, until: 'committed', timeoutMs: ctx.opts.timeoutMs },
      { profileDir, onProgress: (r, d) => ctx.progress.detail(d / ds.n, `${d}/${ds.n} durable (${r} read)`) },
    );
    const check = await verify(ctx, ds, target, where);
    return { result, settings, check };
  } finally {
    if (target === 'pg-insert' || target === 'pg-upsert') await dropTable(ctx, where);
  }
}

/** Every row landed (PostgreSQL) or files were written (S3); throws when not. */
async function verify(ctx: BenchContext, ds: Dataset, target: Target, where: string): Promise<string> {
  if (target === 'drop') return 'all offsets committed';
  if (target === 's3') {
    const { objects, bytes } = await countObjects(ctx.stack, where);
    if (objects === 0) throw new Error(`no objects under s3://${ctx.stack.s3Bucket}/${where}`);
    return `${objects} objects, ${(bytes / 1048576).toFixed(1)} MiB`;
  }
  const n = await withPg(ctx.stack.pgUrl, async (c) => Number((await c.query(`SELECT count(*)::int AS n FROM ${where}`)).rows[0].n));
  if (n !== ds.n) throw new Error(`${where} holds ${n} rows after the run, expected ${ds.n}`);
  return `${n} rows in the table`;
}
