// The engine on fakes (fakes.ts): offset tracking, backpressure, rebalance,
// shutdown and the paths that give batch buffers back.
import { afterEach, describe, expect, it } from 'vitest';
import { bufferBytes } from '../../../src/core/batch-layout.js';
import { MemoryBudget } from '../../../src/pipeline/memory-budget.js';
import { retriableWorkerError } from '../../../src/workers/protocol.js';
import { FakeSink, startEngine, until, type Harness } from './fakes.js';

const KiB = 1024;
const tp0 = { topic: 't', partition: 0 };
const tp1 = { topic: 't', partition: 1 };
/** A few turns of the event loop: for checking that something did NOT happen. */
const settle = () => new Promise((r) => setTimeout(r, 20));

let running: Harness[] = [];
async function start(...args: Parameters<typeof startEngine>): Promise<Harness> {
  const h = await startEngine(...args);
  running.push(h);
  return h;
}
afterEach(async () => {
  for (const h of running) {
    h.sink.autoDurable = true;
    for (const s of h.sink.pending()) s.resolve();
    await h.engine.stop();
  }
  running = [];
});

describe('engine: offset tracking', () => {
  it('commits only the contiguous durable prefix: never past a write that is not durable', async () => {
    const h = await start();
    const ahead: string[] = [];
    h.source.onCommit = (offsets) => {
      for (const o of offsets) if (o.offset > h.sink.durablePrefix(o.topic, o.partition)) ahead.push(`${o.partition}@${o.offset}`);
    };
    h.source.deliver('t', 0, 12);
    await until(() => h.sink.submitted.length === 3, 'three batches submitted');
    expect(h.sink.submitted.map((s) => [s.batch.firstOffset, s.batch.lastOffset])).toEqual([[0, 3], [4, 7], [8, 11]]);
    h.sink.submitted[2]!.resolve();
    h.sink.submitted[1]!.resolve();
    await settle();
    expect(h.engine.positions()[0]!.durable).toBeUndefined();
    expect(h.source.commits).toEqual([]);
    h.sink.submitted[0]!.resolve();
    await until(() => h.source.committed('t', 0) === 12, 'offset 12 committed');
    expect(ahead).toEqual([]);
  });

  it('a batch that fails at a record (no dead-letter topic) writes and commits the records before it, then stops', async () => {
    const h = await start();
    h.sink.autoDurable = true;
    h.pool.answer = () => ({ failOffsets: [6] });
    h.source.deliver('t', 0, 8);
    const reason = await h.done;
    expect(reason.kind).toBe('failed');
    expect(reason.kind === 'failed' && reason.error.message).toMatch(/partition 0.*offset 6|offset 6/);
    // Batch 0-3 whole, then the first two records of batch 4-7.
    expect(h.sink.submitted.map((s) => [s.batch.firstOffset, s.batch.lastOffset, s.batch.records])).toEqual([[0, 3, 4], [4, 5, 2]]);
    expect(h.source.committed('t', 0)).toBe(6);
    expect(h.source.calls.at(-1)).toBe('disconnect');
  });

  it('with a dead-letter topic, bad records are handed over before the batch is written, and the whole batch commits', async () => {
    const h = await start({ deadLetters: true, config: { 'errors.tolerance': 'all' } });
    h.sink.autoDurable = true;
    const order: string[] = [];
    h.pool.answer = () => ({ failOffsets: [1, 2] });
    const send = h.deadLetters!.send.bind(h.deadLetters!);
    h.deadLetters!.send = async (...args) => {
      await send(...args);
      order.push('dead letters');
    };
    const submit = h.sink.submit.bind(h.sink);
    h.sink.submit = (b) => {
      order.push('submit');
      return submit(b);
    };
    h.source.deliver('t', 0, 4);
    await until(() => h.source.committed('t', 0) === 4, 'offset 4 committed');
    expect(h.deadLetters!.sent).toEqual([{ topic: 't', partition: 0, offsets: [1, 2], values: ['aaaaaaaaaa', 'aaaaaaaaaa'] }]);
    expect(order).toEqual(['dead letters', 'submit']);
    expect(h.engine.stats.deadLettered).toBe(2);
  });

  it('a failed commit is counted and retried; the data stays durable', async () => {
    const h = await start();
    h.sink.autoDurable = true;
    h.source.failCommits = true;
    h.source.deliver('t', 0, 4);
    await until(() => h.engine.stats.commitFailures > 0, 'a commit to fail');
    h.source.failCommits = false;
    // The next durable write (or the safety-net timer) commits the same prefix.
    h.source.deliver('t', 0, 4);
    await until(() => h.source.committed('t', 0) === 8, 'offset 8 committed');
  });
});

describe('engine: backpressure', () => {
  // 1 MiB budget less the consumer's prefetch: the batches get half, 512 KiB; resume under 256 KiB.
  const budget = { 'inflight.max.bytes': String(1024 * KiB) };

  it('pauses the fullest partition when the budget is exceeded, and resumes it when its write is durable', async () => {
    const h = await start({ config: budget, assigned: [0, 1] });
    h.pool.answer = (r) => ({ outputBytes: r.partition === 0 ? 400 * KiB : 150 * KiB });
    h.source.deliver('t', 0, 4);
    h.source.deliver('t', 1, 4);
    await until(() => h.sink.submitted.length === 2, 'both batches submitted');
    h.source.poll();
    expect([...h.source.paused]).toEqual(['t/0']);
    expect(h.engine.stats.pauses).toBe(1);
    expect(h.engine.state).toBe('RUNNING');
    h.sink.submitted.find((s) => s.batch.partition === 0)!.resolve();
    await until(() => h.source.paused.size === 0, 't/0 resumed');
    expect(h.source.resumes).toEqual([[tp0]]);
    expect(h.engine.stats.heldBytes).toBe(150 * KiB);
  });

  it('pauses a partition over partition.max.bytes whatever the budget, and resumes it under half of that', async () => {
    const h = await start({ config: { 'partition.max.bytes': String(64 * KiB) }, assigned: [0, 1] });
    h.pool.answer = (r) => ({ outputBytes: r.partition === 0 ? 65 * KiB : 10 * KiB });
    h.source.deliver('t', 0, 4);
    h.source.deliver('t', 1, 4);
    await until(() => h.sink.submitted.length === 2, 'both batches submitted');
    h.source.poll();
    expect([...h.source.paused]).toEqual(['t/0']);
    expect(h.engine.positions().find((p) => p.partition === 0)!.paused).toBe(true);
    h.sink.submitted[0]!.resolve();
    await until(() => !h.source.paused.has('t/0'), 't/0 resumed');
  });

  it('holds partitions paused while stopping', async () => {
    const h = await start({ config: { ...budget, 'shutdown.grace.ms': '100' } });
    h.pool.answer = () => ({ outputBytes: 600 * KiB });
    h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'batch submitted');
    h.source.poll();
    expect(h.source.paused.has('t/0')).toBe(true);
    const stopped = h.engine.stop();
    h.sink.submitted[0]!.resolve();
    await stopped;
    expect(h.source.resumes).toEqual([]);
  });

  it('one budget shared by two engines: the fullest partition of either pauses, and a stopped engine leaves the budget', async () => {
    const shared = new MemoryBudget(1024 * KiB);
    const a = await start({ budget: shared });
    const b = await start({ budget: shared });
    // Two consumers' prefetch (12 MiB each) is reserved; the batches still get half the budget.
    expect(shared.highWater).toBe(512 * KiB);
    a.pool.answer = () => ({ outputBytes: 200 * KiB });
    b.pool.answer = () => ({ outputBytes: 350 * KiB });
    a.source.deliver('t', 0, 4);
    b.source.deliver('t', 0, 4);
    await until(() => a.sink.submitted.length === 1 && b.sink.submitted.length === 1, 'both engines submitted');
    expect(shared.heldBytes).toBe(550 * KiB);
    // Engine a's poll applies the shared budget: b's partition (the fullest) pauses, a's does not.
    a.source.poll();
    expect(b.source.paused.has('t/0')).toBe(true);
    expect(a.source.paused.size).toBe(0);
    // When a's write is durable, b still holds 350 KiB: over the low-water mark, b stays paused.
    a.sink.submitted[0]!.resolve();
    await until(() => shared.heldBytes === 350 * KiB, "a's bytes released");
    expect(b.source.paused.has('t/0')).toBe(true);
    b.sink.submitted[0]!.resolve();
    await until(() => !b.source.paused.has('t/0'), "b's partition resumed");
    await a.engine.stop();
    // b's prefetch is still reserved: the batches still get half.
    expect(shared.highWater).toBe(512 * KiB);
    await b.engine.stop();
    expect(shared.heldBytes).toBe(0);
    expect(shared.highWater).toBe(1024 * KiB);
  });

  it('a worker outage (schema registry) pauses the partition, retries the batch, and resumes it', async () => {
    const h = await start();
    h.sink.autoDurable = true;
    h.pool.rejectNext = retriableWorkerError('registry unreachable');
    h.source.deliver('t', 0, 4);
    await until(() => h.source.paused.has('t/0'), 'the partition paused');
    await until(() => h.source.committed('t', 0) === 4, 'the batch written after the retry');
    await until(() => !h.source.paused.has('t/0'), 'the partition resumed');
    expect(h.engine.failure).toBeUndefined();
  });
});

describe('engine: rebalance', () => {
  it('revoke seals the open batch, flushes the sink, waits until durable, commits, then lets the partition go', async () => {
    const h = await start({ assigned: [0, 1] });
    h.source.deliver('t', 0, 6);
    h.source.deliver('t', 1, 4);
    await until(() => h.sink.submitted.length === 2, 'the full batches submitted');
    let revoked = false;
    const revoke = h.source.handlers.onRevoke([tp0]).then(() => (revoked = true));
    await until(() => h.sink.submitted.length === 3, 'the open batch sealed');
    await until(() => h.sink.flushes.length === 1, 'the sink flushed');
    expect(h.sink.flushes[0]).toEqual([tp0]);
    await settle();
    expect(revoked).toBe(false);
    expect(h.source.commits).toEqual([]);
    for (const s of h.sink.submitted.filter((x) => x.batch.partition === 0)) s.resolve();
    await revoke;
    expect(h.source.committed('t', 0)).toBe(6);
    expect(h.source.calls.filter((c) => c.startsWith('commit'))[0]).toBe('commit t/0@6');
    expect(h.engine.positions().map((p) => p.partition)).toEqual([1]);
    // Not ours any more: records for it are not taken.
    expect(h.source.intake!.open('t', 0, 10)).toBeUndefined();
    // Partition 1 is untouched: its batch is still in flight, its bytes still held.
    expect(h.sink.pending().map((s) => s.batch.partition)).toEqual([1]);
  });

  it('revoke gives up waiting after shutdown.grace.ms and commits only what is durable', async () => {
    const h = await start({ config: { 'shutdown.grace.ms': '50' } });
    h.source.deliver('t', 0, 8);
    await until(() => h.sink.submitted.length === 2, 'two batches submitted');
    h.sink.submitted[0]!.resolve();
    await h.source.handlers.onRevoke([tp0]);
    expect(h.source.committed('t', 0)).toBe(4);
    expect(h.engine.positions()).toEqual([]);
    expect(h.engine.stats.heldBytes).toBe(0);
  });

  it('a lost assignment drops its work without a commit, and a write finishing later changes nothing (released once)', async () => {
    const h = await start({ config: { 'inflight.max.bytes': String(1024 * KiB) } });
    h.pool.answer = () => ({ outputBytes: 100 * KiB });
    h.source.deliver('t', 0, 6);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    expect(h.engine.stats.heldBytes).toBeGreaterThan(100 * KiB);
    h.source.handlers.onLost([tp0]);
    expect(h.sink.drops).toEqual([[tp0]]);
    expect(h.engine.positions()).toEqual([]);
    expect(h.engine.stats.heldBytes).toBe(0);
    expect(h.budget.heldBytes).toBe(0);
    expect(h.engine.stats.recordsActive).toBe(0);
    // The write completes after the partition was given up: its bytes were released already.
    h.sink.submitted[0]!.resolve();
    await settle();
    expect(h.engine.stats.heldBytes).toBe(0);
    expect(h.budget.heldBytes).toBe(0);
    expect(h.engine.stats.recordsActive).toBe(0);
    await h.engine.stop();
    expect(h.source.commits).toEqual([]);
    expect(h.engine.failure).toBeUndefined();
  });

  it('a write that fails after its partition was lost does not stop the engine', async () => {
    const h = await start();
    h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    h.source.handlers.onLost([tp0]);
    h.sink.submitted[0]!.reject(new Error('connection reset'));
    await settle();
    expect(h.engine.state).toBe('UNASSIGNED');
    expect(h.engine.failure).toBeUndefined();
  });

  it('assigned again after a revoke, a partition starts afresh', async () => {
    const h = await start();
    h.sink.autoDurable = true;
    h.source.deliver('t', 0, 4);
    await until(() => h.source.committed('t', 0) === 4, 'offset 4 committed');
    await h.source.handlers.onRevoke([tp0]);
    await h.source.handlers.onAssign([tp0]);
    expect(h.engine.positions()).toEqual([{ topic: 't', partition: 0, durable: undefined, committed: undefined, heldBytes: 0, paused: false }]);
  });

  it('an exactly-once sink\'s stored positions are reported to Kafka on assignment', async () => {
    const sink = new FakeSink();
    const stored = new Map([['t\u00000', 40]]);
    Object.assign(sink, { storedPositions: async () => stored });
    const h = await start({ sink, assigned: [] });
    const positions = await h.source.handlers.onAssign([tp0, tp1]);
    expect(positions).toBe(stored);
    await until(() => h.source.committed('t', 0) === 40, 'the stored position committed');
    expect(h.source.committed('t', 1)).toBeUndefined();
  });
});

describe('engine: stop', () => {
  it('drains: seals open batches, flushes, waits until durable, commits, then closes source, pool and sink', async () => {
    const h = await start();
    h.source.deliver('t', 0, 6);
    await until(() => h.sink.submitted.length === 1, 'the full batch submitted');
    const stopped = h.engine.stop();
    await until(() => h.sink.submitted.length === 2, 'the open batch sealed');
    await until(() => h.sink.flushes.length === 1, 'the sink flushed');
    expect(h.pool.closed).toBe(0);
    for (const s of h.sink.submitted) s.resolve();
    const reason = await stopped;
    expect(reason).toEqual({ kind: 'requested', drained: true });
    expect(await h.done).toEqual(reason);
    expect(h.source.calls.slice(-3)).toEqual(['stop', 'commit t/0@6', 'disconnect']);
    expect(h.pool.closed).toBe(1);
    expect(h.sink.closed).toBe(1);
    expect(h.engine.stats.recordsActive).toBe(0);
  });

  it('ends the drain after shutdown.grace.ms, committing only what is durable', async () => {
    const h = await start({ config: { 'shutdown.grace.ms': '50' } });
    h.source.deliver('t', 0, 8);
    await until(() => h.sink.submitted.length === 2, 'two batches submitted');
    h.sink.submitted[0]!.resolve();
    const reason = await h.engine.stop({ kind: 'signal' });
    expect(reason).toEqual({ kind: 'signal', drained: false });
    expect(h.source.committed('t', 0)).toBe(4);
    expect(h.pool.closed).toBe(1);
  });

  it('on a failure drops open batches but commits every durable prefix', async () => {
    const h = await start({ assigned: [0, 1] });
    h.sink.autoDurable = true;
    h.source.deliver('t', 0, 6);
    h.source.deliver('t', 1, 5);
    await until(() => h.source.committed('t', 0) === 4 && h.source.committed('t', 1) === 4, 'the full batches committed');
    h.engine.fail(new Error('boom'));
    const reason = await h.done;
    expect(reason.kind).toBe('failed');
    expect(reason.drained).toBe(true);
    expect(h.sink.submitted).toHaveLength(2);
    expect(h.engine.state).toBe('FAILED');
    expect(h.engine.failure).toBe('boom');
    expect(h.engine.stats.recordsActive).toBe(0);
  });
});

describe('engine: batch buffers go back exactly once', () => {
  const standard = bufferBytes(4, 64 * KiB);

  it('without a dead-letter topic an input buffer is reused as soon as the worker is done with it', async () => {
    const h = await start();
    const [first] = h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    const [second] = h.source.deliver('t', 0, 4);
    expect(second!.buffer).toBe(first!.buffer);
  });

  it('a kept input (dead-letter topic, a sink that refuses rows) holds its whole buffer against the budget', async () => {
    const sink = new FakeSink();
    sink.refusesRows = true;
    const h = await start({ sink, deadLetters: true, config: { 'errors.tolerance': 'all' } });
    h.pool.answer = () => ({ outputBytes: 1000 });
    h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    expect(h.engine.positions()[0]!.heldBytes).toBe(1000 + standard);
    expect(h.engine.stats.heldBytes).toBe(1000 + standard);
    h.sink.submitted[0]!.resolve();
    await until(() => h.engine.stats.heldBytes === 0, 'the bytes released');
  });

  it('a kept input stays until the write is durable (refused rows are dead-lettered from it), then is reused, once', async () => {
    const sink = new FakeSink();
    sink.refusesRows = true;
    const h = await start({ sink, deadLetters: true, config: { 'errors.tolerance': 'all' } });
    const [b1] = h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the first batch submitted');
    const [b2] = h.source.deliver('t', 0, 4);
    expect(b2!.buffer).not.toBe(b1!.buffer);
    await until(() => h.sink.submitted.length === 2, 'the second batch submitted');
    await h.sink.refuse(h.sink.submitted[0]!, [2]);
    expect(h.deadLetters!.sent).toEqual([{ topic: 't', partition: 0, offsets: [2], values: ['aaaaaaaaaa'] }]);
    await until(() => h.engine.positions()[0]!.durable === 4, 'the first batch durable');
    // Released once: the next batch reuses it, the one after cannot get it too.
    const [b3] = h.source.deliver('t', 0, 4);
    expect(b3!.buffer).toBe(b1!.buffer);
    const [b4] = h.source.deliver('t', 0, 4);
    expect(b4!.buffer).not.toBe(b1!.buffer);
    expect(b4!.buffer).not.toBe(b2!.buffer);
  });

  it('a batch whose partition is lost while it is encoded gives its buffer back once', async () => {
    const h = await start({ assigned: [0, 1] });
    const [b1] = h.source.deliver('t', 0, 4);
    // Lost before the worker's answer reaches the submit chain.
    h.source.handlers.onLost([tp0]);
    await until(() => h.pool.tasks.length === 1, 'the batch encoded');
    await settle();
    expect(h.sink.submitted).toHaveLength(0);
    const [c1] = h.source.deliver('t', 1, 4);
    expect(c1!.buffer).toBe(b1!.buffer);
    const [c2] = h.source.deliver('t', 1, 4);
    expect(c2!.buffer).not.toBe(b1!.buffer);
  });

  it('the open batch of a lost partition is given back once', async () => {
    const h = await start({ assigned: [0, 1] });
    const [open] = h.source.deliver('t', 0, 2);
    h.source.handlers.onLost([tp0]);
    const [c1] = h.source.deliver('t', 1, 4);
    expect(c1!.buffer).toBe(open!.buffer);
    const [c2] = h.source.deliver('t', 1, 4);
    expect(c2!.buffer).not.toBe(open!.buffer);
  });
});
