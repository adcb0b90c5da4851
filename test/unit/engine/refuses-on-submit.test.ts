// A sink that refuses rows only while submit() runs (Sink.refusesOnSubmit: the
// S3 sink's errant records under schema.compatibility): the engine keeps the
// batch's input until submit() returns, or until the dead letters sent during
// it are acknowledged, not until the batch is durable.
import { afterEach, describe, expect, it } from 'vitest';
import type { EncodedBatch } from '../../../src/sinks/common/sink.js';
import { FakeSink, startEngine, until, type Harness } from './fakes.js';

class RefusingSink extends FakeSink {
  readonly refusesOnSubmit = true;
  /** Offsets to refuse, per batch's first offset. */
  refusing = new Map<number, number[]>();
  later?: EncodedBatch;
  override submit(batch: EncodedBatch): Promise<void> {
    const p = super.submit(batch);
    const offsets = this.refusing.get(batch.firstOffset);
    if (offsets) void batch.deadLetter!(offsets.map((offset) => ({ offset, reason: `refused ${offset}` })));
    this.later = batch;
    return p;
  }
}

let running: Harness[] = [];
afterEach(async () => {
  for (const h of running) {
    h.sink.autoDurable = true;
    for (const s of h.sink.pending()) s.resolve();
    await h.engine.stop();
  }
  running = [];
});

describe('engine: a sink that refuses rows while submit() runs', () => {
  it('the dead letters carry the original records, and the input is reused before the batch is durable', async () => {
    const sink = new RefusingSink();
    sink.refusing.set(0, [1]);
    const h = await startEngine({ sink, deadLetters: true, config: { 'errors.tolerance': 'all' } });
    running.push(h);
    const [b1] = h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the first batch submitted');
    await until(() => h.deadLetters!.sent.length === 1, 'the dead letter sent');
    expect(h.deadLetters!.sent).toEqual([{ topic: 't', partition: 0, offsets: [1], values: ['aaaaaaaaaa'] }]);
    expect(h.sink.submitted[0]!.settled).toBe(false);
    // Not durable yet, and its buffer is free again: the next batch gets it.
    await new Promise((r) => setTimeout(r, 5));
    const [b2] = h.source.deliver('t', 0, 4);
    expect(b2!.buffer).toBe(b1!.buffer);
  });

  it('a dead letter asked for after submit() returned is refused (the input is gone)', async () => {
    const sink = new RefusingSink();
    const h = await startEngine({ sink, deadLetters: true, config: { 'errors.tolerance': 'all' } });
    running.push(h);
    h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    expect(() => sink.later!.deadLetter!([{ offset: 0, reason: 'late' }])).toThrow(/after submit\(\) returned/);
  });

  it('without errors.tolerance=all there is no dead-letter hook', async () => {
    const sink = new RefusingSink();
    const h = await startEngine({ sink });
    running.push(h);
    h.source.deliver('t', 0, 4);
    await until(() => h.sink.submitted.length === 1, 'the batch submitted');
    expect(sink.later!.deadLetter).toBeUndefined();
  });
});
