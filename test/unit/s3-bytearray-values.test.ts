// format.class=ByteArrayFormat for values (Confluent's ByteArrayRecordWriterProvider):
// each value's raw bytes then format.bytearray.separator, object names
// <topic>+<partition>+<offset><format.bytearray.extension>[.gz]; the config
// rules; records → the worker's chunks → the file task's object bytes.
import pino from 'pino';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConvertError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { extensionOf, formatSettings, type FormatConfig } from '../../src/sinks/s3-parquet/formats.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { S3RecordEncoder } from '../../src/sinks/s3-parquet/record-encoding.js';
import writeRecordFile from '../../src/sinks/s3-parquet/record-file-task.js';
import { S3ParquetSink } from '../../src/sinks/s3-parquet/sink.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import type { RecordSchema } from '../../src/workers/schema.js';

const BYTES: RecordSchema = { id: 'bytes', fields: [{ name: 'value', type: { kind: 'bytes' }, optional: true }], scalar: true };
const STRING: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
const CLASS = 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat';

const plan = (over: Partial<S3Plan> = {}): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'ignore', inferred: EMPTY_INFERRED,
  format: 'bytearray', ...over,
});
const ctx = (offset: number): RecordContext =>
  ({ topic: 't', partition: 0, offset, timestamp: 1_700_000_000_000 + offset, key: null, keyBytes: null, headers: () => [] });

interface Rec { value: unknown; schema?: RecordSchema; key?: Uint8Array }

function encode(p: S3Plan, recs: Rec[]) {
  const enc = new S3RecordEncoder();
  enc.begin(p, 't', 0);
  const failures: string[] = [];
  recs.forEach((r, i) => {
    const key = r.key === undefined ? undefined : { value: r.key, schema: BYTES };
    try {
      if (r.value === null) enc.tombstone(key, ctx(i));
      else enc.add({ value: r.value, schema: r.schema ?? BYTES }, key, ctx(i));
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

/** The object a group's rows make, as the sink asks the record file task for it. */
async function fileOf(buffer: SharedArrayBuffer, meta: S3BatchMeta, group: number, part: 'value' | 'keys' = 'value', gzip = false): Promise<Buffer> {
  const g = meta.groups[group]!;
  const at = part === 'value' ? g : g.keys!;
  return Buffer.from(await writeRecordFile({ format: 'json', gzip, pieces: [{ buffer, byteOffset: at.byteOffset, byteLength: at.byteLength, rowStart: 0, rowEnd: g.rows, rows: g.rows }] }));
}

describe('S3 ByteArrayFormat values: file bytes', () => {
  it('writes each value\'s exact bytes then the separator, a value holding the separator and an empty value included', async () => {
    const values = [Buffer.from([0x00, 0xff, 0x0a, 0x41]), Buffer.alloc(0), Buffer.from('a\nb\n'), Buffer.from([0xc3, 0x28])];
    const { out, meta, failures, table } = encode(plan(), values.map((value) => ({ value })));
    expect(failures).toEqual([]);
    expect(meta.groups).toHaveLength(1);
    expect(meta.groups[0]).toMatchObject({ path: 'partition=0', rows: 4 });
    expect(Array.from(table!.offsets)).toEqual([0, 1, 2, 3]);
    const sep = Buffer.from('\n');
    expect(await fileOf(out.output!, meta, 0)).toEqual(Buffer.concat(values.flatMap((v) => [v, sep])));
  });

  it('format.bytearray.separator as written (several bytes, UTF-8, or none); gzip wraps the same bytes', async () => {
    const values = [Buffer.from('x'), Buffer.from('yy'), Buffer.alloc(0)];
    for (const separator of ['\r\n', '', '|é|', ' ']) {
      const { out, meta } = encode(plan({ byteArraySeparator: separator }), values.map((value) => ({ value })));
      const want = Buffer.concat(values.flatMap((v) => [v, Buffer.from(separator, 'utf8')]));
      expect(await fileOf(out.output!, meta, 0)).toEqual(want);
      expect(gunzipSync(await fileOf(out.output!, meta, 0, 'value', true))).toEqual(want);
    }
  });

  it('a value that is not bytes (StringConverter, a struct) fails its record, naming the converter; the others are written', async () => {
    const { out, meta, failures } = encode(plan(), [
      { value: Buffer.from('ok1') },
      { value: 'text', schema: STRING },
      { value: { n: 1 }, schema: { id: 'schemaless' } as RecordSchema },
      { value: Buffer.from('ok2') },
    ]);
    expect(failures).toEqual([
      '1: the record value is not bytes; format.class=ByteArrayFormat writes raw value bytes (value.converter=org.apache.kafka.connect.converters.ByteArrayConverter)',
      expect.stringMatching(/^2: the record value is not bytes; format.class=ByteArrayFormat/),
    ]);
    expect(await fileOf(out.output!, meta, 0)).toEqual(Buffer.from('ok1\nok2\n'));
  });

  it('tombstones: skipped with behavior.on.null.values=ignore, a record error with fail, key files only with write', async () => {
    const recs: Rec[] = [{ value: Buffer.from('a'), key: Buffer.from('k0') }, { value: null, key: Buffer.from('k1') }, { value: Buffer.from('b'), key: Buffer.from('k2') }];
    const ignored = encode(plan({ nullValues: 'ignore' }), recs);
    expect(ignored.failures).toEqual([]);
    expect(ignored.meta.rows).toBe(2);
    expect(await fileOf(ignored.out.output!, ignored.meta, 0)).toEqual(Buffer.from('a\nb\n'));
    expect(encode(plan({ nullValues: 'fail' }), recs).failures).toEqual([expect.stringMatching(/^1: the value is null \(a tombstone\)/)]);
    const written = encode(plan({ nullValues: 'write', keyFiles: 'bytearray', tombstonePath: 'tombstone', byteArraySeparator: ';' }), recs);
    expect(written.meta.groups.map((g) => [g.path, g.rows, g.valueless ?? false])).toEqual([['partition=0', 2, false], ['tombstone', 1, true]]);
    expect(await fileOf(written.out.output!, written.meta, 0)).toEqual(Buffer.from('a;b;'));
    expect(await fileOf(written.out.output!, written.meta, 0, 'keys')).toEqual(Buffer.from('k0;k2;'));
    expect(await fileOf(written.out.output!, written.meta, 1, 'keys')).toEqual(Buffer.from('k1;'));
  });
});

describe('S3 ByteArrayFormat values: config and names', () => {
  const base: FormatConfig = {
    'format.class': CLASS, 'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
    's3.compression.type': 'none', 's3.compression.level': -1, 'avro.codec': 'null', 'json.decimal.format': 'base64',
    'store.kafka.keys': false, 'store.kafka.headers': false, 'store.kafka.metadata': false, 'behavior.on.null.values': 'fail',
  };

  it('takes Confluent\'s class (or its short name) with its defaults, and names objects as ByteArrayRecordWriterProvider does', () => {
    const s = formatSettings(base);
    expect(s).toMatchObject({ format: 'bytearray', gzip: false, byteArray: { separator: '\n', extension: '.bin' } });
    expect(extensionOf(s)).toBe('.bin');
    const gz = formatSettings({ ...base, 'format.class': 'ByteArrayFormat', 's3.compression.type': 'gzip', 'format.bytearray.extension': '.raw', 'format.bytearray.separator': '' });
    expect(gz).toMatchObject({ format: 'bytearray', gzip: true, byteArray: { separator: '', extension: '.raw' } });
    expect(extensionOf(gz)).toBe('.raw.gz');
    expect(() => formatSettings({ ...base, 'store.kafka.metadata': true })).toThrow(/store.kafka.metadata: .* not with ByteArrayFormat/);
  });

  const connector = (over: Record<string, string>) => loadConfig({
    json: {
      name: 'raw-s3', config: {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'raw', 'bootstrap.servers': 'k:9092', 's3.bucket.name': 'b', 'format.class': CLASS, ...over,
      },
    },
    env: {},
  });
  const problemsOf = (f: () => unknown): readonly string[] => {
    try {
      f();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('a value converter that never gives bytes is refused at startup, naming format.class', () => {
    for (const conv of ['org.apache.kafka.connect.storage.StringConverter', 'org.apache.kafka.connect.converters.LongConverter']) {
      expect(problemsOf(() => connector({ 'value.converter': conv }))).toEqual([
        expect.stringMatching(new RegExp(`^format.class: ByteArrayFormat writes raw value bytes and value.converter ${conv.replace(/\./g, '\\.')} never gives bytes`)),
      ]);
    }
    expect(problemsOf(() => connector({ 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' }))).toHaveLength(1);
    expect(problemsOf(() => connector({ 'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter' }))).toEqual([]);
    // A registry converter can carry bytes values (an Avro "bytes" schema): each value is checked instead.
    expect(problemsOf(() => connector({ 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': 'http://r:8081' }))).toEqual([]);
  });

  it('the sink plans ByteArrayFormat rows with the separator and names objects .bin / .bin.gz', async () => {
    const sink = new S3ParquetSink(connector({
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter', 's3.compression.type': 'gzip', 'format.bytearray.separator': '\r\n', 'schema.compatibility': 'BACKWARD',
    }), pino({ level: 'silent' }));
    const { plan: p } = (await sink.plan('raw')) as { plan: S3Plan };
    expect(p).toMatchObject({ format: 'bytearray', byteArraySeparator: '\r\n' });
    expect(p.compatibility).toBeUndefined();
    expect(sink.objectKey('raw', 2, 'partition=2', 7)).toBe('topics/raw/partition=2/raw+2+0000000007.bin.gz');
  });
});
