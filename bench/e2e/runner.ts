// The e2e runner: a child process of the harness that runs either Sluice's
// engine (real sink or a dropping one) or a raw librdkafka consumer, so that
// its CPU and peak RSS are Sluice's alone, not the harness's or the
// producer's. Started with --import thread-tag.js so worker threads report
// their thread ids.
import { performance } from 'node:perf_hooks';
import Kafka from '@confluentinc/kafka-javascript';
import { loadConfig, createSink } from '../../src/sinks/index.js';
import { createLogger } from '../../src/log.js';
import { createEngine } from '../../src/pipeline/compose.js';
import { BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import { loadNativeAddon } from '../../src/source/native-addon.js';
import type { EncodedBatch, Sink } from '../../src/sinks/common/sink.js';
import type { SinkPlan } from '../../src/workers/protocol.js';
import { busyShare, cpuSplit, machineCpu, memory, threadCpu, type ThreadCpu } from '../lib/proc.js';
import { workerThreadIds } from '../lib/thread-tag.js';
import type { HarnessMessage, NativeRawConsumeJob, RawConsumeJob, RunnerMessage, RunnerResult, SluiceJob } from './protocol.js';

const now = () => performance.timeOrigin + performance.now();
const send = (m: RunnerMessage) => process.send!(m);

/** Consume + decode, output dropped: the worker's 'drop' plan decodes every record and encodes nothing. */
class DropSink implements Sink {
  async plan(): Promise<SinkPlan> {
    return { sink: 'drop' };
  }
  submit(_batch: EncodedBatch): Promise<void> {
    return Promise.resolve();
  }
  async flush(): Promise<void> {}
  drop(): void {}
  async close(): Promise<void> {}
}

let stopRequested = false;

/** Peaks of the main thread's heap and of external memory (Buffers, SABs), sampled every 100 ms. */
const heapPeaks = { heap: 0, external: 0 };
setInterval(() => {
  const m = process.memoryUsage();
  heapPeaks.heap = Math.max(heapPeaks.heap, m.heapTotal);
  heapPeaks.external = Math.max(heapPeaks.external, m.external);
}, 100).unref();

async function runSluice(job: SluiceJob): Promise<RunnerResult> {
  const config = loadConfig({ json: { name: job.name, config: job.connector }, env: job.env });
  const log = createLogger(config.common['log.level'], config.secrets);
  const sink = job.dropSink ? new DropSink() : await createSink(config, log);
  const cpuStart = threadCpu();
  const startMs = now();
  const engine = createEngine({ config, sink, log });
  let failure: Error | undefined;
  const done = engine.run().then((r) => {
    if (r.kind === 'failed') failure = r.error;
  });
  const total = job.ends.reduce((a, b) => a + b, 0);
  let firstMs = 0;
  let durableMs = 0;
  let committedMs: number | undefined;
  let cpuFirst: ThreadCpu[] = cpuStart;
  let cpuDurable: ThreadCpu[] | undefined;
  let machineFirst = machineCpu();
  let machineDurable: ReturnType<typeof machineCpu> | undefined;
  let peakAtDurable = 0;
  const committedSeen = new Map<number, number>();
  let lastProgress = 0;

  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const t = now();
      if (failure) {
        clearInterval(timer);
        return reject(failure);
      }
      if (t - startMs > job.timeoutMs) {
        clearInterval(timer);
        return reject(new Error(`timed out after ${job.timeoutMs} ms with ${engine.stats.recordsIn} of ${total} records read`));
      }
      if (!firstMs && engine.stats.recordsIn > 0) {
        firstMs = t;
        cpuFirst = threadCpu();
        machineFirst = machineCpu();
      }
      let durable = 0;
      let committed = 0;
      let partitions = 0;
      for (const p of engine.positions()) {
        if (p.topic !== job.topic) continue;
        partitions++;
        durable += p.durable ?? 0;
        committed += p.committed ?? 0;
        if (job.trackCommits && p.committed !== undefined && committedSeen.get(p.partition) !== p.committed) {
          committedSeen.set(p.partition, p.committed);
          send({ type: 'commit', partition: p.partition, committed: p.committed, t });
        }
      }
      if (t - lastProgress > 250) {
        lastProgress = t;
        send({ type: 'progress', records: engine.stats.recordsIn, durable, partitions });
      }
      if (!durableMs && total > 0 && durable >= total) {
        durableMs = t;
        cpuDurable = threadCpu();
        machineDurable = machineCpu();
        peakAtDurable = memory().peakRss;
      }
      if (committedMs === undefined && total > 0 && committed >= total) committedMs = t;
      const finished = job.until === 'stop' ? stopRequested : job.until === 'committed' ? committedMs !== undefined : durableMs > 0;
      if (finished) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  }).catch(async (err: Error) => {
    await engine.stop({ kind: 'failed', error: err }).catch(() => {});
    throw err;
  });

  await engine.stop();
  await done;
  if (failure) throw failure;
  const cpuEnd = threadCpu();
  const main = process.pid;
  const workers = workerThreadIds();
  return {
    records: engine.stats.recordsIn,
    bytes: engine.stats.bytesIn,
    startMs,
    firstMs,
    durableMs: durableMs || now(),
    committedMs,
    stoppedMs: now(),
    cpu: cpuSplit(cpuFirst, cpuDurable ?? cpuEnd, main, workers),
    cpuWhole: cpuSplit(cpuStart, cpuEnd, main, workers),
    peakRss: Math.max(peakAtDurable, memory().peakRss),
    machineBusy: busyShare(machineFirst, machineDurable ?? machineCpu()),
    peakMainHeap: heapPeaks.heap,
    peakExternal: heapPeaks.external,
    workerThreads: workers.size,
    stats: { ...engine.stats },
  };
}

interface RdMessage {
  size: number;
}

/** Baseline (a): librdkafka consume with no processing at all. */
async function runRaw(job: RawConsumeJob): Promise<RunnerResult> {
  const total = job.ends.reduce((a, b) => a + b, 0);
  const cpuStart = threadCpu();
  const startMs = now();
  const consumer = new Kafka.KafkaConsumer(
    { ...job.kafka, 'bootstrap.servers': job.brokers, 'group.id': `bench-raw-${process.pid}-${Date.now()}` } as never,
    { 'auto.offset.reset': 'earliest' } as never,
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.assign(job.ends.map((_, partition) => ({ topic: job.topic, partition, offset: 0 })));
  let records = 0;
  let bytes = 0;
  let firstMs = 0;
  let cpuFirst = cpuStart;
  let machineFirst = machineCpu();
  let lastProgress = 0;
  while (records < total) {
    if (now() - startMs > job.timeoutMs) throw new Error(`raw consume timed out after ${job.timeoutMs} ms with ${records} of ${total} records`);
    const msgs = await new Promise<RdMessage[]>((resolve, reject) =>
      consumer.consume(job.consumeBatch, (err, m) => (err ? reject(err) : resolve(m as unknown as RdMessage[]))));
    if (msgs.length === 0) continue;
    if (!firstMs) {
      firstMs = now();
      cpuFirst = threadCpu();
      machineFirst = machineCpu();
    }
    records += msgs.length;
    for (let i = 0; i < msgs.length; i++) bytes += msgs[i]!.size;
    const t = now();
    if (t - lastProgress > 250) {
      lastProgress = t;
      send({ type: 'progress', records, durable: records, partitions: job.ends.length });
    }
  }
  const durableMs = now();
  const cpuDone = threadCpu();
  const machineBusy = busyShare(machineFirst, machineCpu());
  const peakRss = memory().peakRss;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  const cpuEnd = threadCpu();
  return {
    records, bytes, startMs, firstMs, durableMs, stoppedMs: now(),
    cpu: cpuSplit(cpuFirst, cpuDone, process.pid, new Set()),
    cpuWhole: cpuSplit(cpuStart, cpuEnd, process.pid, new Set()),
    peakRss, machineBusy, workerThreads: 0, peakMainHeap: heapPeaks.heap, peakExternal: heapPeaks.external,
  };
}

/**
 * Baseline (a′): the native addon consumes with no processing. Every
 * partition gets a standard batch buffer; when the addon reports one full
 * (`needs`), a new BatchWriter over the same memory empties it (nothing reads
 * the records), or a larger buffer is made for an oversized record. The main
 * thread does what the native source's loop does at the least: await
 * consume(), look at touched and needs.
 */
async function runNativeRaw(job: NativeRawConsumeJob): Promise<RunnerResult> {
  const loaded = loadNativeAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  const total = job.ends.reduce((a, b) => a + b, 0);
  const cpuStart = threadCpu();
  const startMs = now();
  const consumer = new loaded.addon.Consumer({ ...job.kafka, 'bootstrap.servers': job.brokers, 'group.id': `bench-native-raw-${process.pid}-${Date.now()}` });
  await consumer.connect(30_000);
  const buffers: SharedArrayBuffer[] = [];
  const give = (slot: number, sab: SharedArrayBuffer, capacity: number) => {
    new BatchWriter(sab, capacity, slot);
    consumer.setBuffer(slot, new Uint8Array(sab));
  };
  for (let p = 0; p < job.ends.length; p++) {
    consumer.attach(p, job.topic, p);
    buffers[p] = new SharedArrayBuffer(bufferBytes(job.recordCapacity, job.dataBytes));
    give(p, buffers[p]!, job.recordCapacity);
  }
  consumer.assign(job.ends.map((_, partition) => ({ topic: job.topic, partition, offset: 0 })), false);
  let records = 0;
  let bytes = 0;
  let dropped = 0;
  let firstMs = 0;
  let cpuFirst = cpuStart;
  let machineFirst = machineCpu();
  let lastProgress = 0;
  while (records < total) {
    if (now() - startMs > job.timeoutMs) throw new Error(`native raw consume timed out after ${job.timeoutMs} ms with ${records} of ${total} records`);
    const res = await consumer.consume(job.consumeBatch, 100);
    for (const ev of res.events) if (ev.type === 'error' && ev.fatal) throw new Error(`Kafka: ${ev.message}`);
    dropped += res.dropped;
    if (res.records > 0) {
      if (!firstMs) {
        firstMs = now();
        cpuFirst = threadCpu();
        machineFirst = machineCpu();
      }
      records += res.records;
      bytes += res.bytes;
    }
    const needs = res.needs;
    for (let i = 0; i < needs.length; i += 2) {
      const slot = needs[i]!;
      const minData = needs[i + 1]!;
      // A record larger than a standard buffer's data region gets a buffer of its own, as the engine's pool does.
      const big = minData > job.dataBytes;
      give(slot, big ? new SharedArrayBuffer(bufferBytes(1, minData)) : buffers[slot]!, big ? 1 : job.recordCapacity);
    }
    const t = now();
    if (t - lastProgress > 250) {
      lastProgress = t;
      send({ type: 'progress', records, durable: records, partitions: job.ends.length });
    }
  }
  const durableMs = now();
  const cpuDone = threadCpu();
  const machineBusy = busyShare(machineFirst, machineCpu());
  const peakRss = memory().peakRss;
  if (dropped > 0) throw new Error(`native raw consume: ${dropped} messages for unattached partitions`);
  await consumer.close();
  const cpuEnd = threadCpu();
  return {
    records, bytes, startMs, firstMs, durableMs, stoppedMs: now(),
    cpu: cpuSplit(cpuFirst, cpuDone, process.pid, new Set()),
    cpuWhole: cpuSplit(cpuStart, cpuEnd, process.pid, new Set()),
    peakRss, machineBusy, workerThreads: 0, peakMainHeap: heapPeaks.heap, peakExternal: heapPeaks.external,
  };
}

/** Reports and exits; a handle left open by a library must not keep the run alive. */
function finish(m: RunnerMessage): void {
  process.send!(m, () => {
    process.disconnect?.();
    setTimeout(() => process.exit(0), 200);
  });
}

process.on('message', (msg: HarnessMessage) => {
  if (msg.type === 'stop') {
    stopRequested = true;
    return;
  }
  const job = msg.job;
  send({ type: 'started', pid: process.pid });
  (job.kind === 'raw' ? runRaw(job) : job.kind === 'native-raw' ? runNativeRaw(job) : runSluice(job)).then(
    (result) => finish({ type: 'result', result }),
    (err: Error) => finish({ type: 'failed', message: err.message }),
  );
});
