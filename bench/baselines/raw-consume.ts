// Baseline (a): librdkafka consume of the same topic with no processing, in
// a child process like Sluice, with the same librdkafka properties.
import path from 'node:path';
import { runInChild } from '../e2e/child.js';
import { uniqueName } from '../lib/stack.js';
import type { BenchContext, Dataset } from '../e2e/context.js';
import { CONSUMER_DEFAULTS, RAW_CONSUME_BATCH } from '../lib/kafka-defaults.js';
import type { RunnerResult } from '../e2e/protocol.js';

export async function rawConsume(ctx: BenchContext, ds: Dataset): Promise<RunnerResult> {
  const kafka: Record<string, string | number | boolean> = { ...CONSUMER_DEFAULTS };
  // kafka.* overrides given to Sluice apply to the baseline too.
  for (const [k, v] of Object.entries(ctx.opts.connector)) if (k.startsWith('kafka.')) kafka[k.slice(6)] = v;
  let profileDir: string | undefined;
  if (ctx.opts.profile) {
    profileDir = path.join(ctx.opts.outDir, 'profiles', `${ds.shape.name}-raw-consume-${uniqueName('raw')}`);
    ctx.profileDirs.set(`${ds.shape.name} raw-consume (baseline a)`, profileDir);
  }
  return runInChild(
    { kind: 'raw', brokers: ctx.stack.kafka, topic: ds.topic, ends: ds.ends, kafka, consumeBatch: RAW_CONSUME_BATCH, timeoutMs: ctx.opts.timeoutMs },
    { profileDir, onProgress: (r) => ctx.progress.detail(r / ds.n, `${r}/${ds.n} records`) },
  );
}
