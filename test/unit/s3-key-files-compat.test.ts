// Key and header files (store.kafka.keys / store.kafka.headers) with
// schema.compatibility BACKWARD / FORWARD / FULL, without Kafka or S3:
// Avro values of versions 1 and 2 with their keys and headers → the worker's
// chunks → rotation → the files the sink writes for each closed file (the
// compat file task for values, the record / Parquet file tasks for key and
// header rows), read back by independent readers (avsc, parquet-wasm). Row i
// of every key and header file belongs to row i of its value file, also where
// values were projected; a key schema change closes the set whatever the
// value versions say; tombstones (behavior.on.null.values=write) keep going
// to their key files; the config check allows key and header files with
// compatibility and refuses Sluice's columns naming the key.
import avro from 'avsc';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import writeCompatFile from '../../src/sinks/s3-parquet/compat-file-task.js';
import type { Compatibility } from '../../src/sinks/s3-parquet/compatibility.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import writeParquetFile, { type FilePiece } from '../../src/sinks/s3-parquet/file-task.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import writeRecordFile from '../../src/sinks/s3-parquet/record-file-task.js';
import { PartitionRotation, type ChunkRef, type FileSet, type OpenFile } from '../../src/sinks/s3-parquet/rotation.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import { recordSchemaFromAvro, setRegistryVersion, type RecordSchema } from '../../src/workers/schema.js';

type Fmt = 'json' | 'avro' | 'parquet';

const V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }] };
// Projectable both ways: BACKWARD adds status with its default, FORWARD drops it.
const V2 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }, { name: 'status', type: 'string', default: 'NEW' }] };
const KEY = recordSchemaFromAvro('avro:21', { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }] } as never);
const KEY2 = recordSchemaFromAvro('avro:22', { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'region', type: 'string', default: 'eu' }] } as never);

function versions(topic: string): [RecordSchema, RecordSchema] {
  const s1 = recordSchemaFromAvro('avro:11', V1 as never);
  const s2 = recordSchemaFromAvro('avro:12', V2 as never);
  setRegistryVersion(s1, topic, 1);
  setRegistryVersion(s2, topic, 2);
  return [s1, s2];
}

interface Rec { v?: 1 | 2; id: number; keySchema?: RecordSchema }

const ctx = (topic: string, offset: number): RecordContext => ({
  topic, partition: 0, offset, timestamp: offset, key: null, keyBytes: null, headers: () => [{ name: 'h', value: Buffer.from(`h-${offset}`) }],
});

/** The records (no v: a tombstone) through the worker and the rotation; the closed sets. */
function sets(topic: string, compatibility: Compatibility, recs: Rec[], over: Partial<S3Plan> = {}): FileSet<string>[] {
  const [s1, s2] = versions(topic);
  const enc = new S3FormatEncoder();
  const plan: S3Plan = {
    key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'write', inferred: EMPTY_INFERRED,
    format: 'parquet', compatibility, keyFiles: 'avro', headerFiles: 'avro', tombstonePath: 'tombstone', ...over,
  };
  enc.begin(plan, topic, 0);
  recs.forEach((r, i) => {
    const key = { value: r.keySchema === KEY2 ? { id: r.id, region: `r-${r.id}` } : { id: r.id }, schema: r.keySchema ?? KEY };
    if (r.v === undefined) enc.tombstone(key, ctx(topic, i));
    else enc.add({ value: r.v === 1 ? { id: r.id, qty: r.id * 10 } : { id: r.id, qty: r.id * 10, status: 'PAID' }, schema: r.v === 1 ? s1 : s2 }, key, ctx(topic, i));
  });
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const closed: FileSet<string>[] = [];
  const rotation = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility }, {
    now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
  });
  const chunks: ChunkRef[] = meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: Math.max(1, g.byteLength / g.rows) }));
  rotation.addBatch('b', out.outputBytes, readRowTable(out.output!, meta.rows), chunks, 0, recs.length - 1);
  rotation.close('flush');
  return closed;
}

async function readAvro(bytes: Uint8Array): Promise<unknown[]> {
  const records: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    const dec = new avro.streams.BlockDecoder({ parseHook: (s: unknown) => avroType(s) } as never);
    dec.on('data', (x: unknown) => records.push(x));
    dec.on('end', resolve);
    dec.on('error', reject);
    Readable.from([Buffer.from(bytes)]).pipe(dec);
  });
  return records;
}

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));

async function rowsOf(bytes: Uint8Array, format: Fmt): Promise<unknown[]> {
  if (format === 'parquet') return tableFromIPC(readParquet(bytes).intoIPCStream()).toArray().map((r) => plain(r.toJSON()));
  if (format === 'avro') return (await readAvro(bytes)).map(plain);
  return Buffer.from(bytes).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

/** What the sink writes for a closed file (S3ParquetSink.onSetClosed): its value object unless it holds tombstones, and its key and header objects. */
async function objects(f: OpenFile, topic: string, compatibility: Compatibility, formats: { values: Fmt; keys: Fmt; headers: Fmt }) {
  const out: { value?: unknown[]; keys: unknown[]; headers: unknown[] } = { keys: [], headers: [] };
  if (!f.pieces[0]!.chunk.valueless) {
    const bytes = await writeCompatFile({
      format: formats.values, schema: f.schema!, topic, partition: 0, compatibility: compatibility.toUpperCase(), codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {},
      pieces: f.pieces.map((p) => ({
        buffer: p.chunk.buffer, byteOffset: p.chunk.byteOffset, byteLength: p.chunk.byteLength, rowStart: p.rowStart, rowEnd: p.rowEnd, rows: p.chunk.rows,
        schema: p.chunk.schema!, offsets: p.offsets!,
      })),
    });
    out.value = await rowsOf(bytes, formats.values);
  }
  for (const kind of ['keys', 'headers'] as const) {
    const format = formats[kind];
    const pieces: FilePiece[] = f.pieces.map((p) => {
      const part = p.chunk[kind]!;
      return { buffer: p.chunk.buffer, byteOffset: part.byteOffset, byteLength: part.byteLength, rowStart: p.rowStart, rowEnd: p.rowEnd, rows: p.chunk.rows };
    });
    const bytes = format === 'parquet'
      ? await writeParquetFile({ pieces, codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {} })
      : await writeRecordFile({ format, pieces, schema: f.pieces[0]!.chunk[kind]!.schema });
    out[kind] = await rowsOf(bytes, format);
  }
  return out;
}

/** The id a key row holds, in each format's view (Parquet: a record {key}). */
const keyId = (row: unknown, format: Fmt): number => (format === 'parquet' ? (row as { key: { id: number } }).key.id : (row as { id: number }).id);
/** The text of the one header of a header row (JSON and Parquet: a record {headers}). */
const headerText = (row: unknown, format: Fmt): string => (format === 'avro' ? (row as { value: string }[]) : (row as { headers: { value: string }[] }).headers)[0]!.value;

describe('key and header files with schema.compatibility', () => {
  for (const values of ['parquet', 'json', 'avro'] as const) {
    for (const keys of ['avro', 'json', 'parquet'] as const) {
      it(`${values} values, ${keys} key and header files: BACKWARD and FORWARD files hold the key and header rows of their (projected) value rows`, async () => {
        const headers = keys;
        for (const compatibility of ['backward', 'forward'] as const) {
          const topic = `kc-${values}-${keys}-${compatibility}`;
          const order: (1 | 2)[] = [1, 1, 2, 2, 1, 1];
          const closed = sets(topic, compatibility, order.map((v, id) => ({ v, id })), { format: values, keyFiles: keys, headerFiles: headers });
          const files = closed.flatMap((s) => [...s.files.values()]);
          // BACKWARD: v2 closes the v1 set, the later v1 records join the v2 file; FORWARD: v2 joins the v1 file.
          expect(files.map((f) => [f.firstOffset, f.rows])).toEqual(compatibility === 'backward' ? [[0, 2], [2, 4]] : [[0, 6]]);
          for (const f of files) {
            const o = await objects(f, topic, compatibility, { values, keys, headers });
            const ids = (o.value as { id: number }[]).map((r) => Number(r.id));
            expect(ids).toEqual(Array.from({ length: f.rows }, (_, i) => f.firstOffset + i));
            expect(o.keys.map((k) => keyId(k, keys))).toEqual(ids);
            expect(o.headers.map((h) => headerText(h, headers))).toEqual(ids.map((i) => `h-${i}`));
            // The values are projected to the file's version; the key rows are the keys as they were.
            const status = (o.value as { status?: string }[]).map((r) => r.status);
            if (compatibility === 'backward' && f.firstOffset === 2) expect(status).toEqual(['PAID', 'PAID', 'NEW', 'NEW']);
            else expect(status.every((s) => s === undefined)).toBe(true);
          }
        }
      });
    }
  }

  it('a key schema change closes the set even where the value\'s version would join the file, as each key file has one schema', async () => {
    for (const compatibility of ['backward', 'forward', 'full'] as const) {
      const topic = `kc-keychange-${compatibility}`;
      // Same value version throughout: only the key's schema changes at offset 2 (and back at 4).
      const recs: Rec[] = [{ v: 1, id: 0 }, { v: 1, id: 1 }, { v: 1, id: 2, keySchema: KEY2 }, { v: 1, id: 3, keySchema: KEY2 }, { v: 1, id: 4 }];
      const closed = sets(topic, compatibility, recs);
      expect(closed.map((s) => [s.start, s.end, s.reason])).toEqual([[0, 1, 'schema change'], [2, 3, 'schema change'], [4, 4, 'flush']]);
      const second = await objects([...closed[1]!.files.values()][0]!, topic, compatibility, { values: 'json', keys: 'avro', headers: 'avro' });
      expect(second.keys).toEqual([{ id: 2, region: 'r-2' }, { id: 3, region: 'r-3' }]);
      // A value version change that projects still shares the file when the key schema stays.
      const order: (1 | 2)[] = compatibility === 'forward' ? [1, 2, 1] : [2, 1, 2];
      const joined = sets(`${topic}-v`, compatibility, order.map((v, id) => ({ v, id })));
      expect(joined.map((s) => [s.start, s.end, s.reason])).toEqual([[0, 2, 'flush']]);
    }
    // Without key files the key's schema has no file to go to: it closes nothing.
    const noKeys = sets('kc-nokeys', 'backward', [{ v: 1, id: 0 }, { v: 1, id: 1, keySchema: KEY2 }], { keyFiles: undefined, headerFiles: undefined, nullValues: 'fail' });
    expect(noKeys.map((s) => [s.start, s.end])).toEqual([[0, 1]]);
  });

  it('behavior.on.null.values=write: tombstones go to tombstone/ key and header files without a value object; the value files around them are projected', async () => {
    for (const values of ['parquet', 'json', 'avro'] as const) {
      const topic = `kc-tomb-${values}`;
      const closed = sets(topic, 'backward', [{ v: 1, id: 0 }, { id: 1 }, { v: 2, id: 2 }, { id: 3 }, { v: 1, id: 4 }], { format: values, keyFiles: 'json', headerFiles: 'avro' });
      expect(closed.map((s) => [s.start, s.end, s.reason, [...s.files.keys()]])).toEqual([
        [0, 1, 'schema change', ['partition=0', 'tombstone']],
        [2, 4, 'flush', ['partition=0', 'tombstone']],
      ]);
      const [, set2] = closed;
      const v = await objects(set2!.files.get('partition=0')!, topic, 'backward', { values, keys: 'json', headers: 'avro' });
      expect((v.value as { id: number; status: string }[]).map((r) => [Number(r.id), r.status])).toEqual([[2, 'PAID'], [4, 'NEW']]);
      expect(v.keys).toEqual([{ id: 2 }, { id: 4 }]);
      const t = set2!.files.get('tombstone')!;
      expect(t.pieces[0]!.chunk.valueless).toBe(true);
      expect(t.version).toBeUndefined();
      const tomb = await objects(t, topic, 'backward', { values, keys: 'json', headers: 'avro' });
      expect(tomb.value).toBeUndefined();
      expect(tomb.keys).toEqual([{ id: 3 }]);
      expect(tomb.headers).toEqual([[{ key: 'h', value: 'h-3' }]]);
    }
  });
});

describe('config: schema.compatibility with key and header files or columns', () => {
  const base = {
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092', 's3.bucket.name': 'b',
    'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': 'http://r:8081',
    'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat', 'schema.compatibility': 'BACKWARD',
  };
  const problems = (config: Record<string, string>): readonly string[] => {
    try {
      loadConfig({ json: { name: 'c', config: { ...base, ...config } }, env: {} });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('takes Confluent\'s key and header files (store.kafka.keys/headers) and refuses Sluice\'s columns, naming each key', () => {
    expect(problems({ 'store.kafka.keys': 'true', 'store.kafka.headers': 'true', 'behavior.on.null.values': 'write' })).toEqual([]);
    expect(problems({ 'store.kafka.keys': 'true', 'keys.format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat', 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' })).toEqual([]);
    expect(problems({ 'store.kafka.key.column': 'true', 'store.kafka.headers.column': 'true' })).toEqual([
      expect.stringMatching(/^store.kafka.key.column: not with schema.compatibility=BACKWARD: .*set store.kafka.key.column=false \(store.kafka.keys \/ store.kafka.headers write key and header files/),
      expect.stringMatching(/^store.kafka.headers.column: not with schema.compatibility=BACKWARD/),
    ]);
  });
});
