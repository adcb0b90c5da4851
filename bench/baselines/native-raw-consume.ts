// Baseline (a′): Sluice's native addon consuming the same topic with no
// processing, in a child process like Sluice, with the librdkafka properties
// Sluice's consumer uses: records are copied by C into batch buffers that
// nothing reads. The ceiling of every run of the native source.
import path from 'node:path';
import { loadConfig } from '../../src/sinks/index.js';
import { CONSUME_BATCH, CONSUMER_DEFAULTS, FIXED_CONSUMER_PROPERTIES } from '../../src/source/source.js';
import { runInChild } from '../e2e/child.js';
import { uniqueName } from '../lib/stack.js';
import type { BenchContext, Dataset } from '../e2e/context.js';
import type { RunnerResult } from '../e2e/protocol.js';

export async function nativeRawConsume(ctx: BenchContext, ds: Dataset): Promise<RunnerResult> {
  const kafka: Record<string, string> = {};
  for (const [k, v] of Object.entries(CONSUMER_DEFAULTS)) kafka[k] = String(v);
  // kafka.* overrides given to Sluice apply to the baseline too.
  for (const [k, v] of Object.entries(ctx.opts.connector)) if (k.startsWith('kafka.')) kafka[k.slice(6)] = v;
  for (const [k, v] of Object.entries(FIXED_CONSUMER_PROPERTIES)) kafka[k] = String(v);
  // Buffers as Sluice's engine sizes them, for this run's settings.
  const probe = { topics: ds.topic, 'bootstrap.servers': ctx.stack.kafka, 'connector.class': 'sluice.postgres', 'connection.url': 'jdbc:postgresql://127.0.0.1/x', ...ctx.opts.connector };
  const common = loadConfig({ json: { name: 'bench', config: probe }, env: ctx.opts.sluiceEnv }).common;
  const recordCapacity = common['batch.max.records'];
  let profileDir: string | undefined;
  if (ctx.opts.profile) {
    profileDir = path.join(ctx.opts.outDir, 'profiles', `${ds.shape.name}-native-raw-consume-${uniqueName('nraw')}`);
    ctx.profileDirs.set(`${ds.shape.name} native-raw-consume (baseline a′)`, profileDir);
  }
  return runInChild(
    {
      kind: 'native-raw', brokers: ctx.stack.kafka, topic: ds.topic, ends: ds.ends, kafka,
      consumeBatch: Math.min(CONSUME_BATCH, recordCapacity), recordCapacity, dataBytes: common['batch.max.bytes'], timeoutMs: ctx.opts.timeoutMs,
    },
    { profileDir, onProgress: (r) => ctx.progress.detail(r / ds.n, `${r}/${ds.n} records`) },
  );
}
