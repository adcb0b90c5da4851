// The S3 Parquet encoder's straight-from-Avro path (avro-columns.ts) against
// decode + add(): the same Arrow IPC bytes and the same failures over
// randomized records of many Avro types, through the real worker task.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import { ConvertError } from '../../src/errors.js';
import { S3ParquetEncoder, type S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { AvroDecoder, avroType } from '../../src/workers/decode/decoders.js';
import type { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import encodeBatch from '../../src/workers/worker.js';
import { rng } from '../helpers/orders.js';

const SCHEMA = {
  type: 'record', name: 'Row', fields: [
    { name: 'l', type: 'long' }, { name: 'i', type: 'int' }, { name: 'b', type: 'boolean' }, { name: 'f', type: 'float' }, { name: 'd', type: 'double' },
    { name: 's', type: 'string' }, { name: 'by', type: 'bytes' }, { name: 'fx', type: { type: 'fixed', name: 'F4', size: 4 } },
    { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } }, { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'dt', type: { type: 'int', logicalType: 'date' } },
    { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } }, { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ns', type: ['null', 'string'] }, { name: 'req', type: ['null', 'long'] }, { name: 'arr', type: { type: 'array', items: 'string' } },
  ],
};
const t = avroType(SCHEMA);
const CH = ['a', 'é', '😀', '\u0000', '中', '\uFEFF'];
function record(r: () => number): Record<string, unknown> {
  const s = () => Array.from({ length: Math.floor(r() * 8) }, () => (r() < 0.6 ? 'x' : CH[Math.floor(r() * CH.length)]!)).join('');
  const big = r() < 0.05;
  return {
    l: big ? 2n ** 60n : Math.floor((r() - 0.5) * 1e15), i: Math.floor((r() - 0.5) * 1e9), b: r() < 0.5,
    f: r() < 0.05 ? NaN : r() * 100, d: (r() - 0.5) * 1e300,
    s: s(), by: Buffer.from([1, 2, Math.floor(r() * 256)]), fx: Buffer.from([0, 1, 2, Math.floor(r() * 256)]), e: r() < 0.5 ? 'A' : 'B',
    dec: Buffer.from(r() < 0.05 ? [0x7f, 0xff, 0xff, 0xff] : [Math.floor(r() * 100), 7]), ts: Math.floor(r() * 2e12), dt: Math.floor(r() * 40000),
    tm: r() < 0.05 ? 86_400_001 : Math.floor(r() * 86_400_000), u: r() < 0.05 ? Buffer.from(s()).toString('hex') : '123e4567-e89b-12d3-a456-426614174000',
    ns: r() < 0.3 ? null : s(), req: r() < 0.05 ? null : 5, arr: [s(), s()],
  };
}
const framed = (v: Record<string, unknown>) => Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), t.toBuffer(v)]);
const PLAN: S3Plan = { key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: true, nullValues: 'fail', inferred: { kind: 'record', fields: [] } };

let url = '';
const server = http.createServer((req, res) => {
  if (req.url === '/schemas/ids/9') res.end(JSON.stringify({ schema: JSON.stringify(SCHEMA) }));
  else { res.statusCode = 404; res.end('{}'); }
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('S3 Parquet columns straight from Avro bytes', () => {
  it('makes the same Arrow data and fails the same records as decode + add()', async () => {
    const r = rng(11);
    const values = Array.from({ length: 600 }, (_, i) => {
      const b = framed(record(r));
      return i % 97 === 5 ? b.subarray(0, b.length - 2) : b;
    });
    const decoder = new AvroDecoder({ schemaById: async () => JSON.stringify(SCHEMA) } as unknown as SchemaRegistryClient);
    await decoder.prepare(values);
    const enc = new S3ParquetEncoder();
    enc.begin(PLAN, 'topic', 0);
    const failures: { index: number; reason: string }[] = [];
    values.forEach((bytes, i) => {
      let v;
      try {
        v = decoder.decode(bytes);
      } catch (err) {
        failures.push({ index: i, reason: (err as Error).message });
        return;
      }
      try {
        enc.add(v, undefined, { topic: 'topic', partition: 0, offset: i, timestamp: 1000 + i, key: null, keyBytes: null, headers: () => [] });
      } catch (err) {
        enc.discardCurrent();
        if (!(err instanceof ConvertError)) throw err;
        failures.push({ index: i, reason: err.message });
      }
    });
    const usual = Buffer.from(new Uint8Array(enc.finish().output!));

    let data = 0;
    const msgs = values.map((value, i) => ({ value, offset: i, timestamp: 1000 + i }));
    for (const m of msgs) data += BatchWriter.sizeOf(m);
    const batch = new SharedArrayBuffer(bufferBytes(msgs.length, data));
    const w = new BatchWriter(batch, msgs.length, 0);
    for (const m of msgs) w.tryAppend(m);
    w.seal();
    const spy = vi.spyOn(S3ParquetEncoder.prototype, 'addAvro');
    const res = await encodeBatch({ batch, topic: 'topic', plan: { sink: 's3', plan: PLAN }, connector: { id: 's3-avro', version: 1, setup: { keyFormat: 'string', valueFormat: 'avro', valueRegistryUrl: url } } });
    const direct = spy.mock.results.filter((x) => x.value === true).length;
    spy.mockRestore();
    expect(res.failures.map((f) => ({ index: f.index, reason: f.reason }))).toEqual(failures);
    expect(failures.length).toBeGreaterThan(3);
    expect(direct).toBeGreaterThan(400);
    expect(Buffer.from(new Uint8Array(res.output!)).equals(usual)).toBe(true);
  });
});
