// Confluent's key and header files (store.kafka.keys, store.kafka.headers,
// behavior.on.null.values=write) without Kafka or S3: records → the worker's
// chunks with their key and header rows → the file tasks' objects, read back
// (avsc's container reader, parquet-wasm, JSON lines) and compared with what
// Confluent's RecordViews write; the config rules and object names.
import avro from 'avsc';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import pino from 'pino';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConvertError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import { HEADERS_AVRO_SCHEMA } from '../../src/sinks/s3-parquet/companions.js';
import { S3ParquetEncoder, type S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import writeParquetFile, { type FilePiece } from '../../src/sinks/s3-parquet/file-task.js';
import { companionExtension, formatSettings, type FormatConfig } from '../../src/sinks/s3-parquet/formats.js';
import { readRowTable, type ChunkMeta, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { S3RecordEncoder } from '../../src/sinks/s3-parquet/record-encoding.js';
import writeRecordFile from '../../src/sinks/s3-parquet/record-file-task.js';
import { S3ParquetSink } from '../../src/sinks/s3-parquet/sink.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import type { RecordContext, WorkerEncoder } from '../../src/workers/encoder.js';
import { recordSchemaFromAvro, SCHEMALESS, type RecordSchema } from '../../src/workers/schema.js';

const plan = (over: Partial<S3Plan> = {}): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, ...over,
});
const STRING_KEY: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
const STRUCT_KEY = recordSchemaFromAvro('avro:7', { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'region', type: 'string' }] } as never);
const VALUE = recordSchemaFromAvro('avro:8', { type: 'record', name: 'V', fields: [{ name: 'n', type: 'long' }] } as never);

type H = { name: string; value: Uint8Array | null }[];
const hdr = (pairs: [string, string | null][]): H => pairs.map(([name, v]) => ({ name, value: v === null ? null : Buffer.from(v) }));
const ctx = (offset: number, headers: H = []): RecordContext =>
  ({ topic: 't', partition: 0, offset, timestamp: 1_700_000_000_000 + offset, key: null, keyBytes: null, headers: () => headers });

interface Rec { value: unknown; schema?: RecordSchema; key?: unknown; keySchema?: RecordSchema; headers?: H }

/** Encodes the records (null value: a tombstone); each failure as "offset: message". */
function encode(enc: WorkerEncoder<S3Plan>, p: S3Plan, recs: Rec[]) {
  enc.begin(p, 't', 0);
  const failures: string[] = [];
  recs.forEach((r, i) => {
    const key = r.key === undefined ? undefined : { value: r.key, schema: r.keySchema ?? SCHEMALESS };
    try {
      if (r.value === null) enc.tombstone(key, ctx(i, r.headers));
      else enc.add({ value: r.value, schema: r.schema ?? VALUE }, key, ctx(i, r.headers));
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      enc.discardCurrent();
      failures.push(`${i}: ${err.message}`);
    }
  });
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  return { out, meta, failures, table: out.output ? readRowTable(out.output, meta.rows) : undefined };
}

function piece(buffer: SharedArrayBuffer, g: ChunkMeta, part: 'value' | 'keys' | 'headers'): FilePiece {
  const at = part === 'value' ? g : g[part]!;
  return { buffer, byteOffset: at.byteOffset, byteLength: at.byteLength, rowStart: 0, rowEnd: g.rows, rows: g.rows };
}

async function readAvro(bytes: Uint8Array): Promise<{ schema: unknown; records: unknown[] }> {
  const records: unknown[] = [];
  let schema: unknown;
  await new Promise<void>((resolve, reject) => {
    const dec = new avro.streams.BlockDecoder({ parseHook: (s: unknown) => avroType(s) } as never);
    dec.on('metadata', (_t: unknown, _c: string, header: { meta: Record<string, Buffer> }) => {
      schema = JSON.parse(header.meta['avro.schema']!.toString());
    });
    dec.on('data', (r: unknown) => records.push(r));
    dec.on('end', resolve);
    dec.on('error', reject);
    Readable.from([Buffer.from(bytes)]).pipe(dec);
  });
  return { schema, records };
}

async function partFile(buffer: SharedArrayBuffer, g: ChunkMeta, part: 'keys' | 'headers', format: 'json' | 'avro' | 'parquet'): Promise<unknown[]> {
  const pieces = [piece(buffer, g, part)];
  if (format === 'parquet') {
    const bytes = await writeParquetFile({ pieces, codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {} });
    return tableFromIPC(readParquet(bytes).intoIPCStream()).toArray().map((r) => JSON.parse(JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? Number(v) : v))));
  }
  const bytes = await writeRecordFile({ format, pieces, schema: g[part]!.schema });
  if (format === 'avro') return (await readAvro(bytes)).records;
  return Buffer.from(bytes).toString('utf8').split('\n').filter((l) => l !== '').map((l) => l);
}

const encoders = { json: () => new S3RecordEncoder(), avro: () => new S3RecordEncoder(), parquet: () => new S3ParquetEncoder() };

describe('S3 key and header files: rows', () => {
  for (const valueFormat of ['json', 'avro', 'parquet'] as const) {
    it(`${valueFormat} values: key rows as the key schema gives them, header rows as HeaderRecordView lays them out, in every file format`, async () => {
      const recs: Rec[] = [
        { value: { n: 1 }, key: { id: 1, region: 'eu' }, keySchema: STRUCT_KEY, headers: hdr([['trace', 't-1'], ['ü', 'wert ✓']]) },
        { value: { n: 2 }, key: { id: 2, region: 'us' }, keySchema: STRUCT_KEY, headers: hdr([['trace', 't-2']]) },
      ];
      for (const kf of ['json', 'avro', 'parquet'] as const) {
        const p = plan({ format: valueFormat, keyFiles: kf, headerFiles: kf });
        const { out, meta, failures } = encode(encoders[valueFormat](), p, recs);
        expect(failures).toEqual([]);
        expect(meta.groups).toHaveLength(1);
        const g = meta.groups[0]!;
        const keys = await partFile(out.output!, g, 'keys', kf);
        const headers = await partFile(out.output!, g, 'headers', kf);
        if (kf === 'json') {
          // KeyRecordView bare through JsonConverter; HeaderRecordView enveloped in {headers}.
          expect(keys).toEqual(['{"id":1,"region":"eu"}', '{"id":2,"region":"us"}']);
          expect(headers).toEqual(['{"headers":[{"key":"trace","value":"t-1"},{"key":"ü","value":"wert ✓"}]}', '{"headers":[{"key":"trace","value":"t-2"}]}']);
        } else if (kf === 'avro') {
          expect(keys.map((k) => ({ ...(k as object) }))).toEqual([{ id: 1, region: 'eu' }, { id: 2, region: 'us' }]);
          expect(headers.map((h) => (h as object[]).map((x) => ({ ...x })))).toEqual([[{ key: 'trace', value: 't-1' }, { key: 'ü', value: 'wert ✓' }], [{ key: 'trace', value: 't-2' }]]);
        } else {
          // ParquetFormat envelops both: a record {key}, a record {headers}.
          expect(keys).toEqual([{ key: { id: 1, region: 'eu' } }, { key: { id: 2, region: 'us' } }]);
          expect(headers).toEqual([{ headers: [{ key: 'trace', value: 't-1' }, { key: 'ü', value: 'wert ✓' }] }, { headers: [{ key: 'trace', value: 't-2' }] }]);
        }
      }
    });
  }

  it('writes the Avro schemas AvroData gives: a StringConverter key as ["null","string"], an Avro key with its writer schema, headers as an array of ConnectDefault', async () => {
    const { out, meta } = encode(new S3RecordEncoder(), plan({ format: 'json', keyFiles: 'avro', headerFiles: 'avro' }), [
      { value: { n: 1 }, key: 'k-1', keySchema: STRING_KEY, headers: hdr([['a', '1']]) },
    ]);
    const g = meta.groups[0]!;
    expect(JSON.parse(g.keys!.schema!)).toEqual(['null', 'string']);
    expect(JSON.parse(g.headers!.schema!)).toEqual({
      type: 'array', items: { type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: 'string' }, { name: 'value', type: 'string' }] },
    });
    expect(g.headers!.schema).toBe(HEADERS_AVRO_SCHEMA);
    expect(await partFile(out.output!, g, 'keys', 'avro')).toEqual(['k-1']);
    const struct = encode(new S3RecordEncoder(), plan({ format: 'json', keyFiles: 'avro' }), [{ value: { n: 1 }, key: { id: 5, region: 'x' }, keySchema: STRUCT_KEY }]);
    expect(JSON.parse(struct.meta.groups[0]!.keys!.schema!)).toMatchObject({ type: 'record', name: 'K', namespace: 'shop' });
  });

  it('a record with a null key, no headers or a header that is not text is an error naming it, and the files stay aligned', async () => {
    for (const vf of ['json', 'parquet'] as const) {
      const { out, meta, failures, table } = encode(encoders[vf](), plan({ format: vf, keyFiles: 'json', headerFiles: 'json' }), [
        { value: { n: 0 }, key: 'a', keySchema: STRING_KEY, headers: hdr([['h', '0']]) },
        { value: { n: 1 }, headers: hdr([['h', '1']]) },
        { value: { n: 2 }, key: 'c', keySchema: STRING_KEY, headers: [] },
        { value: { n: 3 }, key: 'd', keySchema: STRING_KEY, headers: hdr([['h', null]]) },
        { value: { n: 4 }, key: 'e', keySchema: STRING_KEY, headers: [{ name: 'h', value: Buffer.from([0xff, 0xfe]) }] },
        { value: { n: 'not a long' }, key: 'f', keySchema: STRING_KEY, headers: hdr([['h', '5']]) },
        { value: { n: 6 }, key: 'g', keySchema: STRING_KEY, headers: hdr([['h', '6']]) },
      ]);
      expect(failures).toEqual([
        expect.stringMatching(/^1: the record key is null; store.kafka.keys writes/),
        expect.stringMatching(/^2: the record has no headers; store.kafka.headers writes/),
        expect.stringMatching(/^3: header "h" has a null value; store.kafka.headers/),
        expect.stringMatching(/^4: header "h" is not UTF-8 text; store.kafka.headers/),
        expect.stringMatching(/^5: /),
      ]);
      expect([...table!.offsets]).toEqual([0, 6]);
      const g = meta.groups[0]!;
      expect(g.rows).toBe(2);
      expect(await partFile(out.output!, g, 'keys', 'json')).toEqual(['"a"', '"g"']);
      expect(await partFile(out.output!, g, 'headers', 'json')).toEqual(['{"headers":[{"key":"h","value":"0"}]}', '{"headers":[{"key":"h","value":"6"}]}']);
    }
  });

  it('schemaless Parquet values: a batch whose schema widens mid-way keeps its key and header rows row for row', async () => {
    const { out, meta, failures } = encode(new S3ParquetEncoder(), plan({ format: 'parquet', keyFiles: 'parquet', headerFiles: 'avro' }), [
      { value: { a: 1 }, schema: SCHEMALESS, key: 'k0', keySchema: STRING_KEY, headers: hdr([['h', '0']]) },
      { value: { a: 2, b: 'x' }, schema: SCHEMALESS, key: 'k1', keySchema: STRING_KEY, headers: hdr([['h', '1']]) },
      { value: { a: 'not a number any more', b: { c: 1 } }, schema: SCHEMALESS, key: 'k2', keySchema: STRING_KEY, headers: hdr([['h', '2']]) },
      { value: { a: 3 }, schema: SCHEMALESS, headers: hdr([['h', '3']]) },
      { value: { a: 4 }, schema: SCHEMALESS, key: 'k4', keySchema: STRING_KEY, headers: hdr([['h', '4']]) },
    ]);
    expect(failures).toEqual([expect.stringMatching(/^3: the record key is null/)]);
    expect(meta.widened).toBeDefined();
    const g = meta.groups[0]!;
    expect(g.rows).toBe(4);
    const values = tableFromIPC(new Uint8Array(out.output!, g.byteOffset, g.byteLength)).toArray().map((r) => r.toJSON().a);
    expect(values).toEqual(['1', '2', 'not a number any more', '4']);
    expect(await partFile(out.output!, g, 'keys', 'parquet')).toEqual([{ key: 'k0' }, { key: 'k1' }, { key: 'k2' }, { key: 'k4' }]);
    expect((await partFile(out.output!, g, 'headers', 'avro')).map((h) => (h as { value: string }[])[0]!.value)).toEqual(['0', '1', '2', '4']);
  });

  it('ByteArrayFormat keys: the raw key bytes and the separator per row; a key that is not bytes is an error', async () => {
    const BYTES_KEY: RecordSchema = { id: 'bytes', fields: [{ name: 'value', type: { kind: 'bytes' }, optional: true }], scalar: true };
    for (const vf of ['json', 'parquet'] as const) {
      const { out, meta, failures } = encode(encoders[vf](), plan({ format: vf, keyFiles: 'bytearray', byteArraySeparator: '|\n' }), [
        { value: { n: 1 }, key: Buffer.from([0, 0xff, 0x41]), keySchema: BYTES_KEY },
        { value: { n: 2 }, key: 'text', keySchema: STRING_KEY },
        { value: { n: 3 }, key: Buffer.from('z'), keySchema: BYTES_KEY },
      ]);
      expect(failures).toEqual([expect.stringMatching(/^1: the record key is not bytes; keys.format.class=ByteArrayFormat/)]);
      const g = meta.groups[0]!;
      const body = await writeRecordFile({ format: 'json', pieces: [piece(out.output!, g, 'keys')] });
      expect(Buffer.from(body)).toEqual(Buffer.from([0, 0xff, 0x41, 0x7c, 0x0a, 0x7a, 0x7c, 0x0a]));
    }
  });

  it('a key schema change starts another file; a schemaless key needs JsonFormat key files', () => {
    const other = recordSchemaFromAvro('avro:9', { type: 'record', name: 'K2', fields: [{ name: 'id', type: 'string' }] } as never);
    for (const vf of ['avro', 'parquet'] as const) {
      const { meta, failures } = encode(encoders[vf](), plan({ format: vf, keyFiles: 'avro' }), [
        { value: { n: 1 }, key: { id: 1, region: 'eu' }, keySchema: STRUCT_KEY },
        { value: { n: 2 }, key: { id: 'x' }, keySchema: other },
        { value: { n: 3 }, key: { id: 1 } },
      ]);
      expect(meta.groups.map((g) => g.rows)).toEqual([1, 1]);
      expect(meta.groups[0]!.schemaKey).not.toBe(meta.groups[1]!.schemaKey);
      expect(failures).toEqual([expect.stringMatching(/^2: the record key has no schema .*keys.format.class=AvroFormat needs keys with a schema/)]);
    }
  });

  it('behavior.on.null.values=write: tombstones go under tombstone.encoded.partition with key and header rows and no value', async () => {
    for (const vf of ['json', 'avro', 'parquet'] as const) {
      const p = plan({ format: vf, keyFiles: 'avro', headerFiles: 'json', nullValues: 'write', tombstonePath: 'tombstone' });
      const { out, meta, table, failures } = encode(encoders[vf](), p, [
        { value: { n: 1 }, key: 'k1', keySchema: STRING_KEY, headers: hdr([['h', '1']]) },
        { value: null, key: 'k1', keySchema: STRING_KEY, headers: hdr([['h', 'gone']]) },
        { value: null, headers: hdr([['h', 'no key']]) },
      ]);
      expect(failures).toEqual([expect.stringMatching(/^2: the record key is null/)]);
      expect(meta.groups.map((g) => [g.path, g.rows, g.valueless ?? false])).toEqual([['partition=0', 1, false], ['tombstone', 1, true]]);
      expect([...table!.groups]).toEqual([0, 1]);
      const t = meta.groups[1]!;
      expect(t.byteLength).toBe(vf === 'parquet' ? 0 : 8);
      expect(await partFile(out.output!, t, 'keys', 'avro')).toEqual(['k1']);
      expect(await partFile(out.output!, t, 'headers', 'json')).toEqual(['{"headers":[{"key":"h","value":"gone"}]}']);
    }
  });
});

describe('S3 key and header files: config and names', () => {
  const base: FormatConfig = {
    'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
    's3.compression.type': 'none', 's3.compression.level': -1, 'avro.codec': 'null', 'json.decimal.format': 'base64',
    'store.kafka.keys': false, 'store.kafka.headers': false, 'store.kafka.metadata': false, 'behavior.on.null.values': 'fail',
  };
  const problems = (f: () => unknown): readonly string[] => {
    try {
      f();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('keys and headers default to AvroFormat files whatever format.class is; the formats Confluent allows are taken', () => {
    expect(formatSettings({ ...base, 'store.kafka.keys': true, 'store.kafka.headers': true })).toMatchObject({ format: 'json', keyFiles: 'avro', headerFiles: 'avro' });
    expect(formatSettings({ ...base, 'store.kafka.keys': true, 'keys.format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat', 'store.kafka.headers': true, 'headers.format.class': 'io.confluent.connect.s3.format.json.JsonFormat' }))
      .toMatchObject({ keyFiles: 'parquet', headerFiles: 'json' });
    expect(formatSettings(base).keyFiles).toBeUndefined();
    // ByteArrayFormat: for keys (as Confluent allows), not for headers.
    const bytes = formatSettings({ ...base, 'store.kafka.keys': true, 'keys.format.class': 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat', 's3.compression.type': 'gzip' });
    expect(bytes).toMatchObject({ keyFiles: 'bytearray', byteArray: { separator: '\n', extension: '.bin' } });
    expect(companionExtension(bytes, 'bytearray', true, 'snappy')).toBe('.bin.gz');
    expect(companionExtension(bytes, 'json', true, 'snappy')).toBe('.json.gz');
    expect(companionExtension(bytes, 'avro', true, 'snappy')).toBe('.avro');
    expect(companionExtension(bytes, 'parquet', true, 'zstd')).toBe('.zstd.parquet');
    expect(formatSettings({ ...base, 'store.kafka.keys': true, 'keys.format.class': 'ByteArrayFormat', 'format.bytearray.separator': '', 'format.bytearray.extension': '.raw' }).byteArray)
      .toEqual({ separator: '', extension: '.raw' });
    expect(problems(() => formatSettings({ ...base, 'store.kafka.headers': true, 'headers.format.class': 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat' })))
      .toEqual([expect.stringMatching(/^headers.format.class: "io.confluent.connect.s3.format.bytearray.ByteArrayFormat" is not a format Sluice writes header files in/)]);
    expect(problems(() => formatSettings({ ...base, 'store.kafka.keys': true, 'avro.codec': 'xz' }))).toEqual(['avro.codec: "xz" is not written by Sluice; use null, deflate or snappy']);
  });

  it('behavior.on.null.values=write needs store.kafka.keys; the Sluice key and header columns are Parquet only', () => {
    expect(problems(() => formatSettings({ ...base, 'behavior.on.null.values': 'write' }))).toEqual(['behavior.on.null.values: "write" writes tombstones into key files only: it needs store.kafka.keys=true']);
    expect(formatSettings({ ...base, 'behavior.on.null.values': 'write', 'store.kafka.keys': true }).tombstonePath).toBe('tombstone');
    expect(formatSettings({ ...base, 'behavior.on.null.values': 'write', 'store.kafka.keys': true, 'tombstone.encoded.partition': 'deleted' }).tombstonePath).toBe('deleted');
    expect(problems(() => formatSettings({ ...base, 'store.kafka.key.column': true }))).toEqual([expect.stringMatching(/^store.kafka.key.column: Sluice adds Kafka key, header and metadata columns only to Parquet files; not with JsonFormat/)]);
  });

  it('a Connect config with store.kafka.keys/headers plans key and header files, not columns', async () => {
    const sink = new S3ParquetSink(loadConfig({
      json: {
        name: 'orders-s3', config: {
          'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092', 's3.bucket.name': 'b',
          'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat', 'store.kafka.keys': 'true', 'store.kafka.headers': 'true',
          'keys.format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 's3.compression.type': 'gzip', 'behavior.on.null.values': 'write',
        },
      },
      env: {},
    }), pino({ level: 'silent' }));
    const { plan: p } = (await sink.plan('orders')) as { plan: S3Plan };
    expect(p).toMatchObject({ storeKey: false, storeHeaders: false, keyFiles: 'json', headerFiles: 'avro', nullValues: 'write', tombstonePath: 'tombstone' });
    expect(sink.objectKey('orders', 3, 'tombstone', 42, '.keys.json.gz')).toBe('topics/orders/tombstone/orders+3+0000000042.keys.json.gz');
    await sink.close();
  });
});
