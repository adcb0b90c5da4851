// What the corpus end-to-end tests share (connect-corpus.test.ts and the
// corpus-e2e-*.test.ts files): the fixture folders, the worker files the
// demos ran with, and running one corpus config as published.
import avro from 'avsc';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice } from '../helpers/sluice.js';
import { S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import { waitUntilCommitted } from './postgres-helpers.js';

export const FIXTURES = path.resolve(__dirname, '../fixtures/connect-configs');
export const KAFKA_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/connect-distributed.properties');
export const DEMO_SCENE_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/demo-scene-smt.properties');
export const KAFKA_TO_DATABASE_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/kafka-to-database.properties');
export const DEBEZIUM_AUDITLOG_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/debezium-auditlog.properties');
export const AVRO_STANDALONE_WORKER = path.resolve(__dirname, '../fixtures/connect-workers/connect-avro-standalone.properties');

/** Runs a corpus config as published (topics replaced) with a worker file until every offset is committed. */
export async function runFixture(
  fixture: string,
  opts: { topics: string[]; worker: string; set?: Record<string, string>; env?: Record<string, string>; text?: (s: string) => string; name?: string },
): Promise<string> {
  const raw = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
  const json = JSON.parse(opts.text ? opts.text(raw) : raw) as { name: string | null; config: Record<string, unknown> };
  if ('topics.regex' in json.config) json.config['topics.regex'] = opts.topics[0]!.replace(/\..*$/, '\\..*');
  else json.config.topics = opts.topics.join(',');
  Object.assign(json.config, opts.set ?? {});
  // A fresh connector name per run: a fresh consumer group, as a newly created connector has; `name`
  // keeps one across runs, as a demo that PUTs a new config to the same connector resumes its offsets.
  // A body of PUT /connectors/<name>/config published with "name": null is named by its config's name.
  const fresh = (n: string) => opts.name ?? uniqueName(n.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 30));
  const name = json.name === null ? (json.config.name = fresh(String(json.config.name))) : (json.name = fresh(json.name));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-corpus-'));
  const file = path.join(dir, fixture);
  fs.writeFileSync(file, JSON.stringify(json));
  const sluice = startSluice(['run', '--config', file, '--worker', opts.worker], { SLUICE_WORKER_THREADS: '1', SLUICE_BATCH_LINGER_MS: '50', ...opts.env });
  try {
    await waitUntilCommitted(sluice, `connect-${name}`, opts.topics, 120_000);
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

export async function avroValues(topic: string, schema: object, values: readonly Record<string, unknown>[]): Promise<Buffer[]> {
  const id = await registerSchema(`${topic}-value`, schema);
  const type = avro.Type.forSchema(schema as avro.Schema);
  return values.map((v) => confluentFrame(id, type.toBuffer(v)));
}

/** A table's columns and their types; the table is in the search path's first schema unless `schema` says otherwise. */
export async function columns(table: string, schema?: string): Promise<Record<string, string>> {
  // Other tests make tables of the same name in schemas of their own.
  const rows = await sql<{ column_name: string; data_type: string }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = coalesce($2, current_schema()) ORDER BY ordinal_position', [table, schema ?? null]);
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

export async function primaryKey(table: string): Promise<string[]> {
  const rows = await sql<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, [`"${table}"`]);
  return rows.map((r) => r.attname);
}

// The local stack's endpoint, bucket and keys come from the environment, which wins over the file.
export const s3Env = (topicsDir: string) => ({
  SLUICE_STORE_URL: S3_URL, SLUICE_S3_BUCKET_NAME: S3_BUCKET, SLUICE_AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, SLUICE_AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
  SLUICE_TOPICS_DIR: topicsDir,
});

