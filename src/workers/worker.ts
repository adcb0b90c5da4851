// The Piscina task: decode → convert → encode one partition batch. Runs in a
// worker thread; reads the batch in place from its SharedArrayBuffer.
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { compileRowEncoder, ConvertError, type RecordContext } from '../sinks/postgres/encoding.js';
import { BatchReader } from '../pipeline/batch-layout.js';
import { ByteWriter } from './byte-writer.js';
import { createDecoder, type Decoded, type Decoder } from './decode/decoders.js';
import type { EncodeResult, EncodeTask, RecordFailure, WorkerSetup } from './protocol.js';
import type { RecordSchema } from './schema.js';

const setup = workerData as WorkerSetup;
const valueDecoder: Decoder = createDecoder(setup.valueFormat, { registryUrl: setup.valueRegistryUrl, registryUserInfo: setup.registryUserInfo });
const keyDecoder: Decoder = createDecoder(setup.keyFormat, { registryUrl: setup.keyRegistryUrl ?? setup.valueRegistryUrl, registryUserInfo: setup.registryUserInfo });
const writer = new ByteWriter(4 << 20);

type RowEncoder = ReturnType<typeof compileRowEncoder>;
const rowEncoders = new Map<string, RowEncoder>();

function* valuesOf(r: BatchReader): Iterable<Uint8Array | null> {
  for (let i = 0; i < r.count; i++) yield r.value(i);
}
function* keysOf(r: BatchReader): Iterable<Uint8Array | null> {
  for (let i = 0; i < r.count; i++) yield r.key(i);
}

export default async function encodeBatch(task: EncodeTask): Promise<EncodeResult> {
  const started = performance.now();
  const reader = new BatchReader(task.batch);
  const failures: RecordFailure[] = [];
  const needKeys = task.plan.sink === 'postgres' && task.plan.pg.columns.some((c) => c.source.from === 'key');
  await valueDecoder.prepare(valuesOf(reader));
  if (needKeys) await keyDecoder.prepare(keysOf(reader));

  writer.reset();
  let rows = 0;
  let tombstones = 0;
  const ctx: RecordContext = { topic: task.topic, partition: reader.partition, offset: 0, key: null };
  let lastSchema: RecordSchema | undefined;
  let lastKeySchema: RecordSchema | undefined;
  let encodeRow: RowEncoder | undefined;
  const plan = task.plan;

  for (let i = 0; i < reader.count; i++) {
    const bytes = reader.value(i);
    if (bytes === null) {
      tombstones++;
      continue;
    }
    let decoded: Decoded;
    let key: Decoded | undefined;
    try {
      decoded = valueDecoder.decode(bytes);
      if (needKeys) {
        const kb = reader.key(i);
        key = kb === null ? undefined : keyDecoder.decode(kb);
      }
    } catch (err) {
      failures.push({ index: i, offset: reader.offset(i), stage: 'decode', reason: (err as Error).message });
      continue;
    }
    if (plan.sink === 'drop') {
      rows++;
      continue;
    }
    if (decoded.schema !== lastSchema || key?.schema !== lastKeySchema || !encodeRow) {
      const cacheKey = `${plan.pg.key}|${decoded.schema.id}|${key?.schema.id ?? ''}`;
      encodeRow = rowEncoders.get(cacheKey);
      if (!encodeRow) {
        try {
          encodeRow = compileRowEncoder(plan.pg, decoded.schema, key?.schema);
        } catch (err) {
          failures.push({ index: i, offset: reader.offset(i), stage: 'convert', reason: (err as Error).message });
          continue;
        }
        rowEncoders.set(cacheKey, encodeRow);
      }
      lastSchema = decoded.schema;
      lastKeySchema = key?.schema;
    }
    ctx.offset = reader.offset(i);
    ctx.key = key?.value ?? null;
    const rowStart = writer.pos;
    try {
      encodeRow(writer, decoded.value, ctx);
      rows++;
    } catch (err) {
      writer.pos = rowStart;
      if (!(err instanceof ConvertError) && !(err instanceof RangeError) && !(err instanceof TypeError)) throw err;
      failures.push({ index: i, offset: reader.offset(i), stage: 'convert', reason: (err as Error).message });
    }
  }

  let output: SharedArrayBuffer | null = null;
  if (writer.pos > 0) {
    output = new SharedArrayBuffer(writer.pos);
    new Uint8Array(output).set(writer.buf.subarray(0, writer.pos));
  }
  return {
    output,
    outputBytes: writer.pos,
    rows,
    tombstones,
    failures,
    workerMicros: Math.round((performance.now() - started) * 1000),
  };
}
