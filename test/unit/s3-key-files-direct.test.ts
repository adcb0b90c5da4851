// The S3 Parquet encoder's straight-from-Avro path (addAvro, avro-columns.ts)
// with key and header files (store.kafka.keys / store.kafka.headers, every
// keys.format.class) and with Sluice's key, header and metadata columns:
// through the real worker task, the batch output (value chunks, key and
// header rows, row table, meta) and the failures are exactly those of
// decode + add(), and the fast path is taken for the records it can take.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchWriter, bufferBytes, type SourceMessage } from '../../src/core/batch-layout.js';
import type { ValueFormat } from '../../src/core/formats.js';
import { S3ParquetEncoder, type S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import encodeBatch from '../../src/workers/worker.js';

const VALUE = { type: 'record', name: 'Row', fields: [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }, { name: 'o', type: ['null', 'double'] }, { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } }] };
const KEY = { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'region', type: 'string' }] };
const frame = (id: number, b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), b]);

let url = '';
const server = http.createServer((req, res) => {
  if (req.url === '/schemas/ids/9') res.end(JSON.stringify({ schema: JSON.stringify(VALUE) }));
  else if (req.url === '/schemas/ids/10') res.end(JSON.stringify({ schema: JSON.stringify(KEY) }));
  else { res.statusCode = 404; res.end('{}'); }
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * 40 records: offset 3 has a null key, 5 no headers, 7 a value cut short,
 * 11 a value the Parquet column refuses (a time past midnight: its key and
 * header rows were already added and must go again), 9 and 30 are
 * tombstones; every other record a key of the key format and a header.
 */
function messages(keyFormat: ValueFormat): SourceMessage[] {
  const vt = avroType(VALUE);
  const kt = avroType(KEY);
  return Array.from({ length: 40 }, (_, i): SourceMessage => {
    const key = i === 3 ? null : keyFormat === 'avro' ? frame(10, kt.toBuffer({ id: i, region: i % 2 ? 'eu' : 'us' })) : keyFormat === 'bytes' ? Buffer.from([i, 0xff, 0x0a]) : `k-${i}`;
    let value: Buffer | null = frame(9, vt.toBuffer({ n: i, s: `v-${i} ✓`, o: i % 3 ? i / 4 : null, tm: i === 11 ? 86_400_001 : i * 1000 }));
    if (i === 7) value = value.subarray(0, value.length - 3);
    if (i === 9 || i === 30) value = null;
    return { key, value, offset: i, timestamp: 1000 + i, headers: i === 5 ? [] : [{ trace: `t-${i}` }] };
  });
}

async function run(id: string, plan: S3Plan, keyFormat: ValueFormat, direct: boolean) {
  const msgs = messages(keyFormat);
  let data = 0;
  for (const m of msgs) data += BatchWriter.sizeOf(m);
  const batch = new SharedArrayBuffer(bufferBytes(msgs.length, data));
  const w = new BatchWriter(batch, msgs.length, 0);
  for (const m of msgs) w.tryAppend(m);
  w.seal();
  const spy = vi.spyOn(S3ParquetEncoder.prototype, 'addAvro');
  if (!direct) spy.mockReturnValue(false);
  try {
    const res = await encodeBatch({
      batch, topic: 'topic', plan: { sink: 's3', plan },
      connector: { id: `${id}-${direct ? 'direct' : 'decoded'}`, version: 1, setup: { keyFormat, valueFormat: 'avro', valueRegistryUrl: url, keyRegistryUrl: url } },
    });
    return { res, taken: spy.mock.results.filter((x) => x.value === true).length };
  } finally {
    spy.mockRestore();
  }
}

const base: S3Plan = { key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'ignore', inferred: { kind: 'record', fields: [] } };

describe('S3 Parquet straight from Avro bytes, with key and header files or columns', () => {
  const cases: { name: string; keyFormat: ValueFormat; plan: Partial<S3Plan>; failures: number[] }[] = [
    { name: 'Avro key and header files, tombstones written', keyFormat: 'avro', plan: { keyFiles: 'avro', headerFiles: 'avro', nullValues: 'write', tombstonePath: 'tombstone' }, failures: [3, 5, 7, 11] },
    { name: 'Parquet key and header files', keyFormat: 'avro', plan: { keyFiles: 'parquet', headerFiles: 'parquet' }, failures: [3, 5, 7, 11] },
    { name: 'JSON key and header files of string keys', keyFormat: 'string', plan: { keyFiles: 'json', headerFiles: 'json', nullValues: 'write', tombstonePath: 'gone' }, failures: [3, 5, 7, 11] },
    { name: 'ByteArrayFormat key files', keyFormat: 'bytes', plan: { keyFiles: 'bytearray', byteArraySeparator: '|' }, failures: [3, 7, 11] },
    { name: 'key and header columns with metadata', keyFormat: 'avro', plan: { storeKey: true, storeHeaders: true, storeMetadata: true }, failures: [7, 11] },
    { name: 'a key column and key and header files together', keyFormat: 'avro', plan: { storeKey: true, keyFiles: 'avro', headerFiles: 'json' }, failures: [3, 5, 7, 11] },
  ];
  for (const c of cases) {
    it(`${c.name}: the same output and failures as decode + add()`, async () => {
      const plan: S3Plan = { ...base, ...c.plan, key: c.name };
      const direct = await run(c.name, plan, c.keyFormat, true);
      const decoded = await run(c.name, plan, c.keyFormat, false);
      expect(direct.res.failures.map((f) => f.index)).toEqual(c.failures);
      expect(direct.res.failures.map((f) => [f.index, f.reason])).toEqual(decoded.res.failures.map((f) => [f.index, f.reason]));
      expect(decoded.taken).toBe(0);
      // Every record with a value that decodes (and a key the files take) goes the fast way.
      expect(direct.taken).toBe(40 - 2 - c.failures.length);
      expect(direct.res.meta).toEqual(decoded.res.meta);
      const meta = direct.res.meta as { groups: { rows: number; keys?: unknown; headers?: unknown; valueless?: boolean }[] };
      if (plan.keyFiles) expect(meta.groups.every((g) => g.keys !== undefined && (plan.headerFiles === undefined) === (g.headers === undefined))).toBe(true);
      expect(meta.groups.filter((g) => g.valueless).map((g) => g.rows)).toEqual(plan.nullValues === 'write' ? [2] : []);
      expect(Buffer.from(new Uint8Array(direct.res.output!)).equals(Buffer.from(new Uint8Array(decoded.res.output!)))).toBe(true);
    });
  }
});
