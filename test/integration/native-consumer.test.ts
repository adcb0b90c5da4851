// The native consumer addon (native/) against the real broker: records land
// in batch buffers exactly once, in order, byte for byte; pause, commit and a
// cooperative rebalance between two members behave; a dead broker is reported.
// Needs the addon built (npm run build:native).
import { connect as tcpConnect } from 'node:net';
import Kafka from '@confluentinc/kafka-javascript';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchReader, BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import {
  loadNativeAddon, type ConsumeResult, type NativeAddon, type NativeConsumer, type NativeErrorEvent, type NativeEvent, type NativeTopicPartition,
} from '../../src/source/native-addon.js';
import { createTopic as createTopicOnce } from '../helpers/kafka.js';
import { KAFKA, uniqueName } from '../helpers/stack.js';

let addon: NativeAddon;
beforeAll(() => {
  const loaded = loadNativeAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  addon = loaded.addon;
});

// ---------------------------------------------------------------------------
// A raw Produce (v3, one uncompressed RecordBatch v2) so the test controls what
// the binding's producer cannot send: empty keys and values (it sends them as
// null) and null header values.

interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers?: [string, Buffer | null][];
}

const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC32C[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function varint(n: number): Buffer {
  let z = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}
const int = (bytes: number, v: number | bigint): Buffer => {
  const b = Buffer.alloc(bytes);
  if (bytes === 1) b.writeInt8(Number(v));
  else if (bytes === 2) b.writeInt16BE(Number(v));
  else if (bytes === 4) b.writeInt32BE(Number(v));
  else b.writeBigInt64BE(BigInt(v));
  return b;
};
const kstring = (s: string): Buffer => Buffer.concat([int(2, Buffer.byteLength(s)), Buffer.from(s)]);
const nbytes = (b: Buffer | null): Buffer => (b === null ? varint(-1) : Buffer.concat([varint(b.length), b]));

function recordBatch(records: RawRecord[]): Buffer {
  const base = records[0]!.timestamp;
  const encoded = records.map((r, i) => {
    const body = Buffer.concat([
      int(1, 0), varint(r.timestamp - base), varint(i), nbytes(r.key), nbytes(r.value), varint(r.headers?.length ?? 0),
      ...(r.headers ?? []).flatMap(([name, v]) => [nbytes(Buffer.from(name)), nbytes(v)]),
    ]);
    return Buffer.concat([varint(body.length), body]);
  });
  const afterCrc = Buffer.concat([
    int(2, 0), int(4, records.length - 1), int(8, base), int(8, Math.max(...records.map((r) => r.timestamp))),
    int(8, -1), int(2, -1), int(4, -1), int(4, records.length), ...encoded,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  return Buffer.concat([int(8, 0), int(4, 4 + 1 + 4 + afterCrc.length), int(4, -1), int(1, 2), crc, afterCrc]);
}

/** Appends records to one partition (the local stack has one broker, the leader); resolves with the base offset. */
async function rawProduce(topic: string, partition: number, records: RawRecord[]): Promise<number> {
  // A fresh topic has no leader for a moment: NOT_LEADER_OR_FOLLOWER (6), UNKNOWN_TOPIC_OR_PARTITION (3).
  for (let attempt = 0; ; attempt++) {
    try {
      return await rawProduceOnce(topic, partition, records);
    } catch (e) {
      const code = (e as { kafkaCode?: number }).kafkaCode;
      if ((code !== 6 && code !== 3) || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function rawProduceOnce(topic: string, partition: number, records: RawRecord[]): Promise<number> {
  const [host, port] = KAFKA.split(':') as [string, string];
  const batch = recordBatch(records);
  const req = Buffer.concat([
    int(2, 0), int(2, 3), int(4, 1), kstring('sluice-test'),
    int(2, -1), int(2, -1), int(4, 10_000), int(4, 1), kstring(topic), int(4, 1), int(4, partition), int(4, batch.length), batch,
  ]);
  const sock = tcpConnect(Number(port), host);
  const chunks: Buffer[] = [];
  const resp = await new Promise<Buffer>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('connect', () => sock.write(Buffer.concat([int(4, req.length), req])));
    sock.on('data', (d) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) resolve(all.subarray(4));
    });
  });
  sock.destroy();
  // correlation | [topic | [partition | error | base_offset | log_append_time]] | throttle
  let pos = 4 + 4;
  pos += 2 + resp.readInt16BE(pos) + 4;
  const error = resp.readInt16BE(pos + 4);
  if (error !== 0) throw Object.assign(new Error(`produce to ${topic} [${partition}] failed: Kafka error ${error}`), { kafkaCode: error });
  return Number(resp.readBigInt64BE(pos + 6));
}

/** Bulk producing through the binding (lz4, batched); headers as one-key objects keep repeated names. */
async function bindingProduce(
  topic: string,
  messages: { partition: number; key: Buffer | null; value: Buffer | null; timestamp: number; headers?: Record<string, Buffer>[] }[],
): Promise<void> {
  // Idempotent: a retried batch (a fresh topic's leader is not known at once) keeps its place.
  const producer = new Kafka.Producer({ 'bootstrap.servers': KAFKA, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5, 'compression.type': 'lz4', 'queue.buffering.max.messages': 1_000_000 } as never);
  await new Promise<void>((res, rej) => producer.connect({}, (e: unknown) => (e ? rej(e as Error) : res())));
  let delivered = 0;
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = new Error(`delivery failed: ${err.message}`);
    delivered++;
  });
  producer.setPollInterval(5);
  for (const m of messages) {
    for (;;) {
      try {
        producer.produce(topic, m.partition, m.value, m.key, m.timestamp, null, m.headers);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5)); // local queue full
      }
    }
  }
  const deadline = Date.now() + 60_000;
  while (delivered < messages.length && !failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise<void>((r) => producer.disconnect(() => r()));
  if (failed) throw failed;
  if (delivered < messages.length) throw new Error(`delivered ${delivered} of ${messages.length}`);
}

// ---------------------------------------------------------------------------
// A minimal engine around the native consumer: buffers on assign and on
// `needs`, records read back with BatchReader after each consume.

interface Got {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: Buffer | null;
  headers: [string, string | null][];
}

const tpKey = (t: NativeTopicPartition): string => `${t.topic}\u0000${t.partition}`;

function baseConfig(group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'bootstrap.servers': KAFKA,
    'group.id': group,
    'enable.auto.commit': 'false',
    'enable.auto.offset.store': 'false',
    'auto.offset.reset': 'earliest',
    'partition.assignment.strategy': 'cooperative-sticky',
    'session.timeout.ms': '10000',
    'heartbeat.interval.ms': '500',
    'fetch.wait.max.ms': '20',
    ...extra,
  };
}

class Reader {
  readonly c: NativeConsumer;
  readonly got: Got[] = [];
  readonly events: (NativeEvent | NativeErrorEvent)[] = [];
  readonly needs: number[] = [];
  dropped = 0;
  /** Next offset per partition key after what was collected. */
  readonly next = new Map<string, number>();
  private readonly slots = new Map<string, number>();
  private readonly bufs = new Map<number, { sab: SharedArrayBuffer; read: number; partition: number }>();
  private nextSlot = 0;
  /** Partitions (keys) not to attach: their messages must be dropped. */
  readonly skip = new Set<string>();
  onAssigned?: (tps: NativeTopicPartition[]) => void;

  constructor(config: Record<string, string>, private readonly cap = 64, private readonly dataBytes = 4096) {
    this.c = new addon.Consumer(config);
  }

  private setBuffer(slot: number, partition: number, minData: number): void {
    const big = minData > this.dataBytes;
    const cap = big ? 1 : this.cap;
    const sab = new SharedArrayBuffer(bufferBytes(cap, big ? minData : this.dataBytes));
    new BatchWriter(sab, cap, partition);
    this.bufs.set(slot, { sab, read: 0, partition });
    this.c.setBuffer(slot, new Uint8Array(sab));
  }

  private collect(slot: number): void {
    const b = this.bufs.get(slot);
    if (!b) return;
    const r = new BatchReader(b.sab);
    expect(r.partition).toBe(b.partition);
    for (let i = b.read; i < r.count; i++) {
      const key = r.key(i);
      const value = r.value(i);
      this.got.push({
        partition: r.partition, offset: r.offset(i), timestamp: r.timestamp(i),
        key: key === null ? null : Buffer.from(key).toString(),
        value: value === null ? null : Buffer.from(value),
        headers: r.headers(i).map((h) => [h.name, h.value === null ? null : Buffer.from(h.value).toString()]),
      });
    }
    b.read = r.count;
  }

  async step(max = 500, timeoutMs = 100, onRevoke?: (tps: NativeTopicPartition[]) => Promise<void>): Promise<ConsumeResult> {
    const res = await this.c.consume(max, timeoutMs);
    const before = this.got.length;
    for (const s of res.touched) this.collect(s);
    for (const g of this.got.slice(before)) this.next.set(tpKey({ topic: '', partition: g.partition }), g.offset + 1);
    expect(new Set(res.touched).size).toBe(res.touched.length);
    expect(this.got.length - before).toBe(res.records);
    this.dropped += res.dropped;
    for (let i = 0; i < res.needs.length; i += 2) {
      const slot = res.needs[i]!;
      const min = res.needs[i + 1]!;
      this.needs.push(min);
      this.collect(slot);
      this.c.clearBuffer(slot);
      this.setBuffer(slot, this.bufs.get(slot)!.partition, min);
    }
    const coop = this.c.rebalanceProtocol() === 'COOPERATIVE';
    for (const ev of res.events) {
      this.events.push(ev);
      if (ev.type === 'assign') {
        for (const tp of ev.partitions) {
          if (this.skip.has(tpKey(tp))) continue;
          const slot = this.nextSlot++;
          this.slots.set(tpKey(tp), slot);
          this.c.attach(slot, tp.topic, tp.partition);
          this.setBuffer(slot, tp.partition, 0);
        }
        this.c.assign(ev.partitions, coop);
        this.onAssigned?.(ev.partitions);
      } else if (ev.type === 'revoke') {
        if (onRevoke) await onRevoke(ev.partitions);
        for (const tp of ev.partitions) {
          const slot = this.slots.get(tpKey(tp));
          if (slot === undefined) continue;
          this.collect(slot);
          this.c.detach(slot);
          this.bufs.delete(slot);
          this.slots.delete(tpKey(tp));
        }
        this.c.unassign(ev.partitions, coop);
      }
    }
    return res;
  }

  count(partition: number): number {
    return this.got.filter((g) => g.partition === partition).length;
  }

  async until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (got ${this.got.length} records; events ${JSON.stringify(this.events)})`);
      await this.step();
    }
  }
}

/** createTopic, again when a loaded broker answers late (an existing topic then counts as made). */
async function createTopic(topic: string, partitions: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await createTopicOnce(topic, partitions);
    } catch (e) {
      if (/already exists/i.test(JSON.stringify(e, Object.getOwnPropertyNames(e)))) return;
      if (attempt >= 3) throw e;
    }
  }
}

const open: NativeConsumer[] = [];
/**
 * Record timestamps near now: the broker's time retention (7 days) deletes a segment whose newest
 * record is older, at its next check, and a reader then finds its committed offset out of range
 * (CI once saw a consumer reset to the log end and read nothing).
 */
const NOW = Date.now();

function reader(config: Record<string, string>, cap?: number, dataBytes?: number): Reader {
  const r = new Reader(config, cap, dataBytes);
  open.push(r.c);
  return r;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Every partition's offsets are exactly 0..n-1, in order. */
function expectContiguous(got: Got[], partitions: number[], perPartition: number[]): void {
  for (const [i, p] of partitions.entries()) {
    const offs = got.filter((g) => g.partition === p).map((g) => g.offset);
    expect(offs.length).toBe(perPartition[i]);
    expect(offs.every((o, j) => o === j)).toBe(true);
  }
}

describe('native consumer (librdkafka in C, records straight into batch buffers)', () => {
  it('delivers every record once, in order, byte for byte: null/empty keys and values, repeated and null headers, oversized records', async () => {
    const topic = uniqueName('native_exact');
    await createTopic(topic, 2);
    const t0 = NOW;
    const special: RawRecord[] = [
      { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: t0 },
      { key: null, value: Buffer.from('no key'), timestamp: t0 + 1 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: t0 + 2 },
      { key: Buffer.from('tombstone'), value: null, timestamp: t0 + 3 },
      { key: null, value: null, timestamp: t0 + 4 },
      {
        key: Buffer.from('hdrs'), value: Buffer.from('h'), timestamp: t0 + 5,
        headers: [['a', Buffer.from('1')], ['a', null], ['b', Buffer.alloc(0)], ['a', Buffer.from('3')]],
      },
      { key: Buffer.from('big'), value: Buffer.alloc(10_000, 0xab), timestamp: t0 + 6, headers: [['x', Buffer.from('y')]] },
      { key: Buffer.from('after-big'), value: Buffer.from([0, 1, 2, 255]), timestamp: t0 + 7 },
    ];
    expect(await rawProduce(topic, 0, special)).toBe(0);
    // Bulk rows on both partitions: 4 KiB buffers of 64 records keep running full.
    const bulk: RawRecord[][] = [[], []];
    for (let p = 0; p < 2; p++) {
      for (let i = 0; i < 3000; i++) {
        bulk[p]!.push({
          key: i % 10 === 0 ? null : Buffer.from(`k${p}-${i}`),
          value: Buffer.from(`p${p}:${i}:${'x'.repeat(i % 300)}`),
          timestamp: t0 + 100 + i,
          headers: i % 7 === 0 ? [['seq', Buffer.from(String(i))], ['seq', Buffer.from('again')]] : undefined,
        });
      }
      for (let i = 0; i < bulk[p]!.length; i += 500) await rawProduce(topic, p, bulk[p]!.slice(i, i + 500));
    }
    const expected: RawRecord[][] = [[...special, ...bulk[0]!], bulk[1]!];

    const r = reader(baseConfig(uniqueName('g')), 64, 4096);
    await r.c.connect(10_000);
    r.c.subscribe([topic]);
    await r.until('every record', () => r.got.length >= expected[0]!.length + expected[1]!.length);
    expect(r.got.length).toBe(expected[0]!.length + expected[1]!.length);
    expectContiguous(r.got, [0, 1], [expected[0]!.length, expected[1]!.length]);
    for (const g of r.got) {
      const e = expected[g.partition]![g.offset]!;
      expect(g.key).toBe(e.key === null ? null : e.key.toString());
      if (e.value === null) expect(g.value).toBeNull();
      else expect(g.value!.equals(e.value)).toBe(true);
      expect(g.timestamp).toBe(e.timestamp);
      expect(g.headers).toEqual((e.headers ?? []).map(([n, v]) => [n, v === null ? null : v.toString()]));
    }
    // The special records, spelled out: empty is not null.
    const p0 = r.got.filter((g) => g.partition === 0);
    expect(p0[2]!.key).toBe('');
    expect(p0[2]!.value!.length).toBe(0);
    expect(p0[3]!.value).toBeNull();
    expect(p0[5]!.headers).toEqual([['a', '1'], ['a', null], ['b', ''], ['a', '3']]);
    // The 10 000-byte record asked for a buffer bigger than the 4 KiB data region: key + value + header.
    expect(r.needs).toContain(3 + 10_000 + (8 + 1 + 1));
    expect(r.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(r.c.highWatermark(topic, 1)).toBe(3000);
    expect(r.c.highWatermark(topic, 7)).toBe(-1);
  });

  it('drops (and counts) messages of partitions with no attached slot', async () => {
    const topic = uniqueName('native_drop');
    await createTopic(topic, 2);
    await rawProduce(topic, 0, [{ key: null, value: Buffer.from('a'), timestamp: 1 }, { key: null, value: Buffer.from('b'), timestamp: 2 }]);
    await rawProduce(topic, 1, [{ key: null, value: Buffer.from('c'), timestamp: 3 }]);
    const r = reader(baseConfig(uniqueName('g')));
    r.skip.add(tpKey({ topic, partition: 0 }));
    await r.c.connect(10_000);
    r.c.subscribe([topic]);
    await r.until('partition 1 and the dropped two', () => r.count(1) === 1 && r.dropped === 2);
    expect(r.count(0)).toBe(0);
  });

  it('pause stops delivery for a partition until resume', async () => {
    const topic = uniqueName('native_pause');
    await createTopic(topic, 2);
    const rows = (n: number, tag: string): RawRecord[] => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}${i}`), timestamp: NOW + i }));
    await rawProduce(topic, 0, rows(200, 'a'));
    await rawProduce(topic, 1, rows(200, 'b'));
    const r = reader(baseConfig(uniqueName('g')));
    await r.c.connect(10_000);
    r.c.subscribe([topic]);
    await r.until('both partitions', () => r.count(0) === 200 && r.count(1) === 200);
    // Pausing a partition right after assign() can lose its fetch start in
    // librdkafka (confluentinc/librdkafka#2190), so pause once it is fetching.
    const p0 = { topic, partition: 0 };
    r.c.pause([p0]);
    await rawProduce(topic, 0, rows(100, 'c'));
    await rawProduce(topic, 1, rows(100, 'd'));
    await r.until('more of partition 1', () => r.count(1) === 300);
    expect(r.count(0)).toBe(200);
    r.c.resume([p0]);
    await r.until('partition 0 after resume', () => r.count(0) === 300);
    expectContiguous(r.got, [0, 1], [300, 300]);
    expect(r.got.filter((g) => g.partition === 0).map((g) => g.value!.toString()).slice(199, 201)).toEqual(['a199', 'c0']);
  });

  it('commit: a new consumer in the group resumes right after the committed offset; errors carry librdkafka codes', async () => {
    const topic = uniqueName('native_commit');
    await createTopic(topic, 1);
    await rawProduce(topic, 0, Array.from({ length: 100 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp: NOW + i })));
    const group = uniqueName('g');
    const a = reader(baseConfig(group));
    await a.c.connect(10_000);
    a.c.subscribe([topic]);
    await a.until('100 records', () => a.got.length === 100);
    await a.c.commit([{ topic, partition: 0, offset: 40 }]);
    const bad = await a.c.commit([{ topic: `${topic}_missing`, partition: 0, offset: 1 }]).then(() => undefined, (e: Error & { code?: number }) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(bad!.code).toBe(3); // UNKNOWN_TOPIC_OR_PART
    expect(bad!.message).toMatch(/Unknown topic or partition/);
    await a.c.close();
    await a.c.close(); // idempotent
    await expect(a.c.consume(1, 0)).rejects.toThrow(/closed/);

    const b = reader(baseConfig(group));
    await b.c.connect(10_000);
    b.c.subscribe([topic]);
    await b.until('the rest', () => b.got.length === 60);
    expect(b.got.map((g) => g.offset)).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i));
    expect(b.got[0]!.value!.toString()).toBe('r40');
  });

  it('two members with cooperative-sticky hand partitions over with no gap and no duplicate', async () => {
    const P = 4;
    const N = 20_000;
    const topic = uniqueName('native_coop');
    await createTopic(topic, P);
    await bindingProduce(topic, Array.from({ length: N }, (_, i) => ({
      partition: i % P, key: Buffer.from(String(i)), value: Buffer.from(`v${i}-${'y'.repeat(60)}`), timestamp: NOW + 1000 + i,
    })));
    const group = uniqueName('g');
    // Small per-partition fetches: A reads from every partition before B joins.
    const cfg = baseConfig(group, { 'max.partition.fetch.bytes': '16384' });
    const members = [reader(cfg, 500, 32_768), reader(cfg, 500, 32_768)];
    const seen = new Set<string>();
    let total = 0;
    const committedOnRevoke: { partition: number; offset: number }[] = [];
    // A member lets go of a partition the way Sluice does: commit what it read, then unassign.
    const onRevoke = (m: Reader) => async (tps: NativeTopicPartition[]): Promise<void> => {
      const offsets = tps
        .map((tp) => ({ ...tp, offset: m.next.get(tpKey({ topic: '', partition: tp.partition })) ?? -1 }))
        .filter((o) => o.offset >= 0);
      committedOnRevoke.push(...offsets.map((o) => ({ partition: o.partition, offset: o.offset })));
      await m.c.commit(offsets);
    };
    const run = async (m: Reader, stop: () => boolean, max: number, pauseMs = 0): Promise<void> => {
      const deadline = Date.now() + 120_000;
      while (!stop()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${seen.size} of ${N} records`);
        const before = m.got.length;
        await m.step(max, 100, onRevoke(m));
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        for (const g of m.got.slice(before)) {
          seen.add(`${g.partition}:${g.offset}`);
          total++;
        }
      }
    };
    const [a, b] = members as [Reader, Reader];
    let bAssigned = false;
    b.onAssigned = () => {
      bAssigned = true;
    };
    await a.c.connect(10_000);
    a.c.subscribe([topic]);
    // A alone reads a quarter, then keeps reading slowly (20 records a step) until
    // B holds partitions, so the handover happens with A mid-stream.
    const aRun = (async () => {
      await run(a, () => seen.size >= N / 4 && [0, 1, 2, 3].every((p) => a.count(p) > 0), 2000);
      await run(a, () => bAssigned || seen.size >= N, 20, 20);
      await run(a, () => seen.size >= N, 2000);
    })();
    await Promise.race([aRun, (async () => {
      while (seen.size < N / 4 || ![0, 1, 2, 3].every((p) => a.count(p) > 0)) await new Promise((r) => setTimeout(r, 5));
    })()]);
    await b.c.connect(10_000);
    b.c.subscribe([topic]);
    await Promise.all([aRun, run(b, () => seen.size >= N, 2000)]);
    expect(bAssigned).toBe(true);

    expect(seen.size).toBe(N);
    expect(total).toBe(N); // nothing twice
    expectContiguous([...a.got, ...b.got].sort((x, y) => x.partition - y.partition || x.offset - y.offset), [0, 1, 2, 3], [N / P, N / P, N / P, N / P]);
    for (const g of [...a.got, ...b.got]) expect(g.key).toBe(String(g.offset * P + g.partition)); // idempotent producer: in order
    // A was assigned all four, then revoked exactly what B was assigned; each read its own share.
    const assigned = (m: Reader) => m.events.filter((e): e is NativeEvent => e.type === 'assign').flatMap((e) => e.partitions.map((p) => p.partition)).sort();
    const revoked = (m: Reader) => m.events.filter((e): e is NativeEvent => e.type === 'revoke').flatMap((e) => e.partitions.map((p) => p.partition)).sort();
    expect(assigned(a)).toEqual([0, 1, 2, 3]);
    expect(revoked(a).length).toBeGreaterThan(0);
    expect(assigned(b)).toEqual(revoked(a));
    expect(a.events.every((e) => e.type !== 'revoke' || e.lost === false)).toBe(true);
    expect(a.c.rebalanceProtocol()).toBe('COOPERATIVE');
    expect(committedOnRevoke.map((c) => c.partition).sort()).toEqual(revoked(a));
    // B started each partition it took over exactly where A's commit left it. (On a loaded machine A can
    // have read a partition to its end before B joins: then B reads nothing of it, which is also exact.)
    for (const c of committedOnRevoke) {
      expect(c.offset).toBeGreaterThan(0);
      expect(c.offset).toBeLessThanOrEqual(N / P);
      const first = b.got.find((g) => g.partition === c.partition);
      if (c.offset < N / P) expect(first?.offset).toBe(c.offset);
      else expect(first).toBeUndefined();
    }
  });

  it('connect() to a closed port rejects within its timeout with a message naming the failure', async () => {
    const c = new addon.Consumer(baseConfig(uniqueName('g'), { 'bootstrap.servers': '127.0.0.1:1' }));
    open.push(c);
    const t0 = Date.now();
    const err = await c.connect(2000).then(() => undefined, (e: Error & { code?: number }) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/^Local: Broker transport failure \(no broker answered a metadata request within 2000 ms; last error: .*127\.0\.0\.1:1.*Connection refused/);
    expect(err!.code).toBe(-195);
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(5000);
  });

  it('rejects bad configuration naming the key, never echoing a secret value', () => {
    expect(() => new addon.Consumer({ 'no.such.property': 'x' })).toThrow(/"no\.such\.property"/);
    expect(() => new addon.Consumer({ 'session.timeout.ms': 'soon' })).toThrow(/"session\.timeout\.ms"/);
    let msg = '';
    try {
      new addon.Consumer({ 'sasl.kerberos.min.time.before.relogin': 'hunter2' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe('invalid value for configuration property "sasl.kerberos.min.time.before.relogin"');
    expect(() => new addon.Consumer({ 'group.id': 5 as unknown as string })).toThrow(/"group\.id" must be a string/);
  });

  it('parks messages without a buffer, refuses slot changes during consume, and close() wakes a waiting consume', async () => {
    const topic = uniqueName('native_life');
    await createTopic(topic, 1);
    await rawProduce(topic, 0, Array.from({ length: 50 }, (_, i) => ({ key: null, value: Buffer.from(`m${i}`), timestamp: NOW + i })));
    const c = new addon.Consumer(baseConfig(uniqueName('g')));
    open.push(c);
    await c.connect(10_000);
    c.subscribe([topic]);
    const deadline = Date.now() + 30_000;
    let needs: number[] = [];
    while (needs.length === 0 && Date.now() < deadline) {
      const res = await c.consume(100, 100);
      for (const ev of res.events) {
        if (ev.type !== 'assign') continue;
        c.attach(0, topic, 0); // no buffer: messages wait
        c.assign(ev.partitions, true);
      }
      expect(res.records).toBe(0);
      needs = res.needs;
    }
    expect(needs).toEqual([0, 2]); // slot 0; "m0" is 2 data bytes
    // With a slot waiting for a buffer, consume returns at once without fetching.
    let t0 = Date.now();
    const again = await c.consume(100, 5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(again.needs).toEqual([0, 2]);
    // detach destroys the parked messages; nothing is attached now, so consume waits...
    c.detach(0);
    const waiting = c.consume(100, 10_000);
    expect(() => c.attach(0, topic, 0)).toThrow(/in flight/);
    expect(() => c.setBuffer(0, new Uint8Array(new SharedArrayBuffer(bufferBytes(1, 8))))).toThrow(/in flight/);
    expect(() => c.detach(0)).toThrow(/in flight/);
    expect(() => c.clearBuffer(0)).toThrow(/in flight/);
    await expect(c.consume(1, 0)).rejects.toThrow(/already in flight/);
    // ...until close() wakes it.
    t0 = Date.now();
    const closed = c.close();
    await waiting;
    await closed;
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(() => c.attach(1, topic, 0)).toThrow(/closed/);
    expect(c.highWatermark(topic, 0)).toBe(-1);
    expect(c.rebalanceProtocol()).toBe('NONE');
  });

  it('close() right after an assign event that was never answered still completes', async () => {
    const topic = uniqueName('native_close');
    await createTopic(topic, 1);
    const c = new addon.Consumer(baseConfig(uniqueName('g')));
    await c.connect(10_000);
    c.subscribe([topic]);
    const deadline = Date.now() + 30_000;
    let assigned = false;
    while (!assigned && Date.now() < deadline) assigned = (await c.consume(10, 100)).events.some((e) => e.type === 'assign');
    expect(assigned).toBe(true);
    const t0 = Date.now();
    await c.close();
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
