// Produce-to-commit latency at a fixed rate below saturation: a producer
// sends records at a steady rate to a fresh topic while Sluice (insert mode)
// runs; for every record, latency = the moment Sluice's Kafka commit covers
// its offset − the moment it was handed to the producer. Commit moments come
// from the runner, which watches its engine's committed positions every 5 ms.
import { BenchProducer, createTopic, type OutMessage } from '../lib/kafka.js';
import { SOURCE_ENV, type SourceName } from '../lib/options.js';
import type { LatencyResult } from '../lib/results.js';
import type { Shape } from '../lib/shapes/index.js';
import { percentile, round } from '../lib/stats.js';
import { registerSchema, uniqueName } from '../lib/stack.js';
import { dropTable, freshTable } from '../baselines/copy.js';
import { runInChild } from './child.js';
import type { BenchContext, Dataset } from './context.js';
import { connectorFor } from './sluice-run.js';

const TICK_MS = 10;

export async function latencyPhase(ctx: BenchContext, shape: Shape, ratePerS: number, seconds: number, source: SourceName): Promise<LatencyResult> {
  const { kafka, registry } = ctx.stack;
  const partitions = ctx.opts.partitions;
  const topic = uniqueName(`${shape.name}_lat`);
  await createTopic(kafka, topic, partitions);
  ctx.cleanup.topics.push(topic);
  const schemaId = shape.avroSchema ? await registerSchema(registry, `${topic}-value`, shape.avroSchema) : 0;
  const total = Math.max(1, Math.round(ratePerS * seconds));
  // A dataset stand-in: the table definition and connector need only these.
  const ds: Dataset = { shape, n: total, seed: ctx.opts.seed + 1, topic, partitions, schemaId, ends: [], wireBytes: 0, produceSeconds: 0 };
  const table = await freshTable(ctx, ds, 'latency');
  const connector = connectorFor(ctx, ds, 'pg-insert', table);

  const sentAt = new Float64Array(total);
  const producedAt: Float64Array[] = Array.from({ length: partitions }, () => new Float64Array(total));
  const ends = new Array<number>(partitions).fill(0);
  const commits: { committed: number; t: number }[][] = Array.from({ length: partitions }, () => []);
  let assigned = false;
  let stop: (() => void) | undefined;
  const producer = new BenchProducer({
    brokers: kafka,
    compression: ctx.opts.compression,
    lingerMs: 5,
    onDelivery: (p, offset, i) => {
      producedAt[p]![offset] = sentAt[i]!;
      ends[p] = Math.max(ends[p]!, offset + 1);
    },
  });
  await producer.connect();

  const name = uniqueName('lat');
  ctx.cleanup.groups.push(`connect-${name}`);
  const run = runInChild(
    { kind: 'sluice', name, connector, env: { ...ctx.opts.sluiceEnv, ...SOURCE_ENV[source] }, dropSink: false, topic, ends: [], trackCommits: true, until: 'stop', timeoutMs: ctx.opts.timeoutMs },
    {
      onStarted: (s) => (stop = s),
      onCommit: (p, committed, t) => commits[p]!.push({ committed, t }),
      onProgress: (_r, _d, parts) => (assigned = parts >= partitions),
    },
  );
  let runError: Error | undefined;
  run.catch((e: Error) => (runError = e));
  try {
    // Sluice has joined the group once it reports progress; give it the partitions first.
    const joinDeadline = Date.now() + 60_000;
    while (!assigned && !runError && Date.now() < joinDeadline) await sleep(50);
    await sleep(1000);
    if (runError) throw runError;

    // Encoded before the clock starts: the producer's own CPU competes with Sluice for the same cores.
    const messages: OutMessage[] = [];
    for (const row of shape.rows(total, ds.seed)) {
      messages.push({ partition: (row.id - 1) % partitions, key: Buffer.from(String(row.id)), value: shape.encode(row, schemaId) });
    }
    const t0 = performance.now();
    let sent = 0;
    while (sent < total) {
      if (runError) throw runError;
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ratePerS));
      while (sent < due) {
        sentAt[sent] = performance.timeOrigin + performance.now();
        await producer.send(topic, messages[sent]!, sent);
        sent++;
      }
      ctx.progress.detail(sent / total / 2, `${sent}/${total} sent at ${ratePerS}/s`);
      await sleep(TICK_MS);
    }
    const produceSeconds = (performance.now() - t0) / 1000;
    await producer.flush();
    const committedAll = () => ends.every((e, p) => e === 0 || (commits[p]!.at(-1)?.committed ?? 0) >= e);
    const deadline = Date.now() + 120_000;
    while (!committedAll()) {
      if (runError) throw runError;
      if (Date.now() > deadline) throw new Error('latency phase: Sluice did not commit every record within 120 s of the last send');
      ctx.progress.detail(0.5 + commits.reduce((s, c) => s + (c.at(-1)?.committed ?? 0), 0) / total / 2, 'waiting for commits');
      await sleep(50);
    }
    stop?.();
    await run;

    const lat: number[] = [];
    for (let p = 0; p < partitions; p++) {
      const cs = commits[p]!;
      let k = 0;
      for (let o = 0; o < ends[p]!; o++) {
        while (k < cs.length && cs[k]!.committed <= o) k++;
        if (k < cs.length) lat.push(cs[k]!.t - producedAt[p]![o]!);
      }
    }
    const sorted = Float64Array.from(lat).sort();
    return {
      shape: shape.name,
      target: 'pg-insert',
      requestedRatePerS: ratePerS,
      achievedRatePerS: round(total / produceSeconds, 0),
      seconds: round(produceSeconds, 2),
      records: sorted.length,
      p50Ms: round(percentile(sorted, 50), 1),
      p99Ms: round(percentile(sorted, 99), 1),
      maxMs: round(sorted[sorted.length - 1] ?? NaN, 1),
      note: `fresh ${partitions}-partition topic, Sluice insert mode at default settings, ${source} source, the producer in the harness on the same cores; commit moments sampled every 5 ms${total / produceSeconds < ratePerS * 0.95 ? '; the producer fell behind the asked rate, so the machine was saturated: lower --latency-rate' : ''}`,
    };
  } finally {
    stop?.();
    await producer.disconnect().catch(() => {});
    await run.catch(() => {});
    await dropTable(ctx, table);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
