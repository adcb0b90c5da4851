// One worker pool serves several connectors (sluice worker): each task names
// its connector, and a thread decodes it with that connector's setup.
import { describe, expect, it } from 'vitest';
import { BatchWriter, bufferBytes } from '../../../src/core/batch-layout.js';
import type { ConnectorRef, WorkerSetup } from '../../../src/workers/protocol.js';
import encodeBatch from '../../../src/workers/worker.js';

function batchOf(values: string[]): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bufferBytes(values.length, 64 * 1024));
  const w = new BatchWriter(buffer, values.length, 0);
  values.forEach((v, offset) => w.tryAppend({ value: Buffer.from(v), key: null, offset, timestamp: 0 }));
  w.seal();
  return buffer;
}

const connector = (id: string, version: number, setup: WorkerSetup): ConnectorRef => ({ id, version, setup });
const run = (c: ConnectorRef, values: string[]) => encodeBatch({ batch: batchOf(values), topic: 't', plan: { sink: 'drop' }, connector: c });

describe('worker: per-connector setup', () => {
  it('decodes each task with its own connector\'s converters', async () => {
    const json = connector('orders-json', 1, { keyFormat: 'string', valueFormat: 'json' });
    const text = connector('orders-text', 2, { keyFormat: 'string', valueFormat: 'string' });
    const values = ['{"a":1}', 'not json'];
    const a = await run(json, values);
    const b = await run(text, values);
    const c = await run(json, values);
    expect(a.failures.map((f) => [f.offset, f.stage])).toEqual([[1, 'decode']]);
    expect(b.failures).toEqual([]);
    expect(b.rows).toBe(2);
    expect(c.failures.map((f) => f.offset)).toEqual([1]);
  });

  it('a new setup version for the same connector replaces the old one', async () => {
    const before = await run(connector('reconfigured', 10, { keyFormat: 'string', valueFormat: 'json' }), ['plain text']);
    const after = await run(connector('reconfigured', 11, { keyFormat: 'string', valueFormat: 'string' }), ['plain text']);
    expect(before.failures).toHaveLength(1);
    expect(after.failures).toEqual([]);
    expect(after.rows).toBe(1);
  });

  it('runs each connector\'s own transforms', async () => {
    // Filter without a predicate drops every record: only the connector that has it drops them.
    const transforms = { steps: [{ alias: 'dropAll', type: 'org.apache.kafka.connect.transforms.Filter', options: {}, negate: false }] };
    const filtered = await run(connector('with-filter', 20, { keyFormat: 'string', valueFormat: 'json', transforms }), ['{"a":1}', '{"a":2}']);
    const plain = await run(connector('without', 21, { keyFormat: 'string', valueFormat: 'json' }), ['{"a":1}', '{"a":2}']);
    expect(filtered.dropped).toBe(2);
    expect(filtered.rows).toBe(0);
    expect(plain.dropped).toBeUndefined();
    expect(plain.rows).toBe(2);
  });
});
