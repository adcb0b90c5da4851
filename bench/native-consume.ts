// Raw consume throughput of the native addon (records copied by C straight
// into standard batch buffers, output dropped) against the binding's
// KafkaConsumer + BatchWriter.tryAppend doing the same on the main thread.
//
//   npx vite-node bench/native-consume.ts -- [--records 1000000] [--size 100]
//       [--partitions 4] [--batch 5000] [--topic NAME] [--only native|js]
//
// Reports records/s and CPU per record: main thread alone (from
// /proc/self/task/<pid>/stat) and the whole process (process.cpuUsage, which
// includes librdkafka's threads and, for the addon, the libuv pool thread).
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import Kafka from '@confluentinc/kafka-javascript';
import { BatchWriter, bufferBytes } from '../src/core/batch-layout.js';
import { loadNativeAddon } from '../src/source/native-addon.js';
import { createTopic, endOffsets, produceAll } from './lib/kafka.js';
import { CONSUMER_DEFAULTS } from './lib/kafka-defaults.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const RECORDS = Number(opt('records', '1000000'));
const SIZE = Number(opt('size', '100'));
const PARTITIONS = Number(opt('partitions', '4'));
const BATCH = Number(opt('batch', '5000'));
const ONLY = opt('only', '');
const BROKERS = process.env.SLUICE_TEST_KAFKA ?? '127.0.0.1:19092';
const CAP = 20_000;
const DATA = 8 * 1024 * 1024;

const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim());
/** CPU ms of the main thread (utime + stime of task <pid>). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function config(group: string): Record<string, string> {
  const c: Record<string, string> = {};
  for (const [k, v] of Object.entries(CONSUMER_DEFAULTS)) c[k] = String(v);
  return { ...c, 'bootstrap.servers': BROKERS, 'group.id': group, 'enable.auto.offset.store': 'false' };
}

interface Result {
  name: string;
  records: number;
  seconds: number;
  mainMs: number;
  processMs: number;
}

async function runNative(topic: string): Promise<Result> {
  const loaded = loadNativeAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  const c = new loaded.addon.Consumer(config(`bench-native-${Date.now()}`));
  await c.connect(10_000);
  const sabs: SharedArrayBuffer[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const sab = new SharedArrayBuffer(bufferBytes(CAP, DATA));
    new BatchWriter(sab, CAP, p);
    sabs.push(sab);
    c.attach(p, topic, p);
    c.setBuffer(p, new Uint8Array(sab));
  }
  c.assign(Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, offset: 0 })), false);
  let n = 0;
  let t0 = 0;
  let main0 = 0;
  let proc0 = 0;
  while (n < RECORDS) {
    const res = await c.consume(BATCH, 100);
    if (res.records > 0 && t0 === 0) {
      t0 = performance.now();
      main0 = mainThreadCpuMs();
      proc0 = processCpuMs();
    }
    n += res.records;
    for (let i = 0; i < res.needs.length; i += 2) {
      // Output dropped: the full buffer starts over.
      const slot = res.needs[i]!;
      new BatchWriter(sabs[slot]!, CAP, slot);
      c.setBuffer(slot, new Uint8Array(sabs[slot]!));
    }
    for (const e of res.events) if (e.type === 'error') console.error(`kafka: ${e.message}`);
  }
  const r = { name: 'native addon', records: n, seconds: (performance.now() - t0) / 1000, mainMs: mainThreadCpuMs() - main0, processMs: processCpuMs() - proc0 };
  await c.close();
  return r;
}

async function runJs(topic: string): Promise<Result> {
  const conf: Record<string, unknown> = { ...config(`bench-js-${Date.now()}`) };
  delete conf['auto.offset.reset'];
  const c = new Kafka.KafkaConsumer(conf as never, { 'auto.offset.reset': 'earliest' } as never) as unknown as {
    connect(o: object, cb: (e: Error | null) => void): void;
    assign(tps: object[]): void;
    consume(
      n: number,
      cb: (e: Error | null, m: { partition: number; offset: number; key?: Buffer | null; value: Buffer | null; timestamp?: number; headers?: never }[]) => void,
    ): void;
    setDefaultConsumeTimeout(ms: number): void;
    setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void;
    disconnect(cb: () => void): void;
  };
  await new Promise<void>((res, rej) => c.connect({ timeout: 10_000 }, (e) => (e ? rej(e) : res())));
  c.setDefaultConsumeTimeout(100);
  c.setDefaultIsTimeoutOnlyForFirstMessage(true);
  const sabs: SharedArrayBuffer[] = [];
  const writers: BatchWriter[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    sabs.push(new SharedArrayBuffer(bufferBytes(CAP, DATA)));
    writers.push(new BatchWriter(sabs[p]!, CAP, p));
  }
  c.assign(Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, offset: 0 })));
  let n = 0;
  let t0 = 0;
  let main0 = 0;
  let proc0 = 0;
  while (n < RECORDS) {
    const msgs = await new Promise<Parameters<Parameters<typeof c.consume>[1]>[1]>((res, rej) => c.consume(BATCH, (e, m) => (e ? rej(e) : res(m ?? []))));
    if (msgs.length > 0 && t0 === 0) {
      t0 = performance.now();
      main0 = mainThreadCpuMs();
      proc0 = processCpuMs();
    }
    for (const m of msgs) {
      let w = writers[m.partition]!;
      if (!w.tryAppend(m)) {
        w = writers[m.partition] = new BatchWriter(sabs[m.partition]!, CAP, m.partition);
        w.tryAppend(m);
      }
    }
    n += msgs.length;
  }
  const r = { name: 'binding + BatchWriter', records: n, seconds: (performance.now() - t0) / 1000, mainMs: mainThreadCpuMs() - main0, processMs: processCpuMs() - proc0 };
  await new Promise<void>((res) => c.disconnect(() => res()));
  return r;
}

async function main(): Promise<void> {
  let topic = opt('topic', '');
  if (!topic) {
    topic = `bench_native_${Date.now().toString(36)}`;
    await createTopic(BROKERS, topic, PARTITIONS);
    const value = Buffer.alloc(SIZE - 8, 'x');
    let i = 0;
    const messages = (function* () {
      for (; i < RECORDS; i++) yield { partition: i % PARTITIONS, key: Buffer.from(String(i).padStart(8, '0')), value };
    })();
    const t = performance.now();
    await produceAll(BROKERS, topic, messages, 'lz4');
    console.log(`produced ${RECORDS} records of ${SIZE} B (key 8 + value ${SIZE - 8}) to ${topic} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const ends = await endOffsets(BROKERS, topic);
  if (ends.reduce((a, b) => a + b, 0) < RECORDS) throw new Error(`${topic} holds fewer than ${RECORDS} records`);
  const results: Result[] = [];
  if (ONLY !== 'js') results.push(await runNative(topic));
  if (ONLY !== 'native') results.push(await runJs(topic));
  for (const r of results) {
    console.log(
      `${r.name.padEnd(22)} ${r.records} records in ${r.seconds.toFixed(2)} s = ${Math.round(r.records / r.seconds).toLocaleString('en')} rec/s; ` +
        `main thread ${r.mainMs.toFixed(0)} ms CPU = ${((r.mainMs * 1e6) / r.records).toFixed(0)} ns/record; ` +
        `process ${r.processMs.toFixed(0)} ms CPU = ${((r.processMs * 1e6) / r.records).toFixed(0)} ns/record`,
    );
  }
  console.log(`topic ${topic} (rerun with --topic ${topic})`);
}

await main();
