// JsonFormat and AvroFormat without Kafka or S3: records → the worker's
// chunks → the file task's object bytes, checked byte for byte against what
// Confluent's S3 sink writes (JsonConverter with schemas.enable=false, Java's
// number printing) and read back by avsc's container-file decoder; and the
// config checks (format.class, storage.class, avro.codec, SSE, credentials).
import avro from 'avsc';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RecordContext } from '../../src/workers/encoder.js';
import { ConvertError, ConfigError, RetriableError } from '../../src/errors.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { credentialSource, extensionOf, formatSettings, objectTags, writeParams, type FormatConfig } from '../../src/sinks/s3-parquet/formats.js';
import { bigDecimalText, javaFloatText, jsonString } from '../../src/sinks/common/connect-json.js';
import type { S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { S3RecordEncoder } from '../../src/sinks/s3-parquet/record-encoding.js';
import writeRecordFile, { type RecordFileTask } from '../../src/sinks/s3-parquet/record-file-task.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { classifyS3Error, credentialProvider, S3Service } from '../../src/sinks/s3-parquet/service.js';
import pino from 'pino';
import { loadConfig } from '../../src/sinks/index.js';
import { isAccessDenied, S3ParquetSink } from '../../src/sinks/s3-parquet/sink.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, SCHEMALESS, type FieldType, type RecordSchema } from '../../src/workers/schema.js';
import { avroType } from '../../src/workers/decode/decoders.js';

const plan = (over: Partial<S3Plan> = {}): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, format: 'json', ...over,
});

const ctx = (offset: number): RecordContext => ({ topic: 't', partition: 0, offset, timestamp: 1_700_000_000_000, key: null, keyBytes: null, headers: () => [] });

/** Encodes the records, then writes each chunk as one whole file. */
async function files(p: S3Plan, records: { value: unknown; schema: RecordSchema }[], task: Partial<RecordFileTask> = {}) {
  const enc = new S3RecordEncoder();
  enc.begin(p, 't', 0);
  const failures: string[] = [];
  records.forEach((r, i) => {
    try {
      enc.add(r, undefined, ctx(i));
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      enc.discardCurrent();
      failures.push(`${i}: ${err.message}`);
    }
  });
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const bodies = await Promise.all(meta.groups.map((g) => writeRecordFile({
    format: p.format as 'json' | 'avro', schema: g.schema, ...task,
    pieces: [{ buffer: out.output!, byteOffset: g.byteOffset, byteLength: g.byteLength, rowStart: 0, rowEnd: g.rows, rows: g.rows }],
  })));
  return { meta, bodies, failures };
}

async function readAvro(bytes: Uint8Array): Promise<{ schema: unknown; codec: string; records: unknown[] }> {
  const records: unknown[] = [];
  let schema: unknown;
  let codec = '';
  const snappy = (await import('snappyjs')).default;
  await new Promise<void>((resolve, reject) => {
    const dec = new avro.streams.BlockDecoder({
      parseHook: (s: unknown) => avroType(s),
      codecs: {
        null: (buf: Buffer, cb: (e: Error | null, b?: Buffer) => void) => cb(null, buf),
        deflate: (buf: Buffer, cb: (e: Error | null, b?: Buffer) => void) => import('node:zlib').then((z) => cb(null, z.inflateRawSync(buf))),
        // Avro's snappy blocks end with the CRC-32 of the uncompressed bytes.
        snappy: (buf: Buffer, cb: (e: Error | null, b?: Buffer) => void) => cb(null, Buffer.from(snappy.uncompress(buf.subarray(0, buf.length - 4)))),
      },
    } as never);
    dec.on('metadata', (_t: unknown, c: string, header: { meta: Record<string, Buffer> }) => {
      codec = c;
      schema = JSON.parse(header.meta['avro.schema']!.toString());
    });
    dec.on('data', (r: unknown) => records.push(r));
    dec.on('end', resolve);
    dec.on('error', reject);
    Readable.from([Buffer.from(bytes)]).pipe(dec);
  });
  return { schema, codec, records };
}

const ORDER = recordSchemaFromAvro('avro:7', {
  type: 'record', name: 'Order', namespace: 'shop', fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'ratio', type: 'float' },
    { name: 'score', type: 'double' },
    { name: 'raw', type: 'bytes' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'inner', type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }], default: null },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
  ],
} as never);

const order = (i: number) => ({
  id: i === 1 ? 2n ** 62n : i, name: `n"${i}\u0001é`, amount: Buffer.from([0xff, 0x85]), at: 1_700_000_000_123 + i, day: 19_000,
  ratio: 0.1, score: i === 1 ? 1e21 : 100, raw: Buffer.from([0, 1, 254]), tags: i === 1 ? [] : ['a', 'b'], attrs: { k: i },
  inner: i === 1 ? null : { x: -i }, color: i === 1 ? 'GREEN' : 'RED',
});

describe('Java number and text printing', () => {
  it('prints doubles and floats as Double.toString / Float.toString, NaN and infinities as strings', () => {
    expect(javaFloatText(100, false)).toBe('100.0');
    expect(javaFloatText(1.5, false)).toBe('1.5');
    expect(javaFloatText(1e7, false)).toBe('1.0E7');
    expect(javaFloatText(9999999.5, false)).toBe('9999999.5');
    expect(javaFloatText(0.001, false)).toBe('0.001');
    expect(javaFloatText(0.0001, false)).toBe('1.0E-4');
    expect(javaFloatText(-1.2345e-10, false)).toBe('-1.2345E-10');
    expect(javaFloatText(1e21, false)).toBe('1.0E21');
    expect(javaFloatText(0, false)).toBe('0.0');
    expect(javaFloatText(-0, false)).toBe('-0.0');
    expect(javaFloatText(Math.fround(0.1), true)).toBe('0.1');
    expect(javaFloatText(Math.fround(1.1), true)).toBe('1.1');
    expect(javaFloatText(Math.fround(16777216), true)).toBe('1.6777216E7');
    expect(javaFloatText(Number.NaN, false)).toBe('"NaN"');
    expect(javaFloatText(-Infinity, true)).toBe('"-Infinity"');
  });

  it('matches what OpenJDK prints and orders (the strings below were printed by Java 25\'s Double/Float.toString and HashMap)', async () => {
    const { javaHashMapOrder } = await import('../../src/sinks/common/connect-json.js');
    const sets: [string[], string][] = [
      [['id', 'name', 'status', 'amount', 'created_at', 'customer'], 'amount,name,created_at,id,status,customer'],
      [['zeta', 'alpha', 'mike', 'bravo', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10', 'x11', 'x12', 'x13'], 'zeta,x8,x9,mike,bravo,x10,alpha,x12,x1,x11,x2,x3,x13,x4,x5,x6,x7'],
      [['Aa', 'BB', 'C#', 'Bb'], 'Aa,BB,C#,Bb'],
      [['user_id', 'event_type', 'ts', 'payload', 'ü', '日本'], 'event_type,user_id,payload,日本,ü,ts'],
    ];
    for (const [keys, java] of sets) expect(javaHashMapOrder(keys).map((i) => keys[i]).join(',')).toBe(java);
    // new HashMap<>(size), as AvroData builds the maps of Avro records.
    const sized: [string[], string][] = [
      [['id', 'name', 'status', 'amount', 'created_at', 'customer'], 'name,created_at,amount,id,status,customer'],
      [['b', 'a'], 'a,b'],
      [['k1', 'k2', 'k3', 'k17', 'k33'], 'k3,k17,k33,k1,k2'],
    ];
    for (const [keys, java] of sized) expect(javaHashMapOrder(keys, true).map((i) => keys[i]).join(',')).toBe(java);
    const doubles = [
      100, 1.5, 1e7, 9999999.5, 0.001, 0.0001, -1.2345e-10, 1e21, 1e23, 0.1 + 0.2, 123456789.123, 2e-3, 5e-324, 1.7976931348623157e308, 5e-324 * 3,
      1234567.0, 12345678.9,
    ];
    expect(doubles.map((d) => javaFloatText(d, false)).join(' '))
      .toBe('100.0 1.5 1.0E7 9999999.5 0.001 1.0E-4 -1.2345E-10 1.0E21 1.0E23 0.30000000000000004 1.23456789123E8 0.002 4.9E-324 1.7976931348623157E308 1.5E-323 1234567.0 1.23456789E7');
    const floats = [0.1, 1.1, 16777216, 3.4028235e38, 1.4e-45, 0.3, 1e10, 123.456, 1.0e-5, 33.333332].map(Math.fround);
    expect(floats.map((f) => javaFloatText(f, true)).join(' ')).toBe('0.1 1.1 1.6777216E7 3.4028235E38 1.4E-45 0.3 1.0E10 123.456 1.0E-5 33.333332');
  });

  it('prints decimals as BigDecimal.toString', () => {
    expect(bigDecimalText(12345n, 2)).toBe('123.45');
    expect(bigDecimalText(-123n, 2)).toBe('-1.23');
    expect(bigDecimalText(5n, 3)).toBe('0.005');
    expect(bigDecimalText(1n, 7)).toBe('1E-7');
    expect(bigDecimalText(0n, 8)).toBe('0E-8');
    expect(bigDecimalText(42n, 0)).toBe('42');
    expect(bigDecimalText(123n, -2)).toBe('1.23E+4');
  });

  it('writes decimal bytes minimal, as BigInteger.toByteArray', async () => {
    const { minimalBytes, twosComplement } = await import('../../src/sinks/common/connect-json.js');
    const cases = [
      [[0, 0, 0x7f], [0x7f]], [[0, 0x80], [0, 0x80]], [[0xff, 0xff, 0x80], [0x80]], [[0xff, 0x7f], [0xff, 0x7f]],
      [[], [0]], [[0, 0], [0]], [[0xff, 0xff], [0xff]],
    ] as const;
    for (const [input, want] of cases) {
      expect([...minimalBytes(Uint8Array.from(input))]).toEqual(want);
      let x = 0n;
      for (const b of input) x = (x << 8n) | BigInt(b);
      if (input.length > 0 && input[0]! & 0x80) x -= 1n << BigInt(8 * input.length);
      expect([...twosComplement(x)]).toEqual(want);
    }
  });

  it('escapes strings as Jackson does (upper-case hex for control characters)', () => {
    expect(jsonString('a"b\\c\n\u0001\u001fé/')).toBe('"a\\"b\\\\c\\n\\u0001\\u001Fé/"');
  });
});

describe('JsonFormat', () => {
  it('writes each Avro record as JsonConverter does: schema order, base64 bytes and minimal decimals, epoch numbers, nulls', async () => {
    // amount is 0xff85 (-123 unscaled): Decimal.fromLogical writes BigInteger.toByteArray, the one byte 0x85.
    const { bodies, meta } = await files(plan(), [0, 1].map((i) => ({ value: order(i), schema: ORDER })));
    expect(meta.groups).toHaveLength(1);
    expect(Buffer.from(bodies[0]!).toString('utf8')).toBe(
      '{"id":0,"name":"n\\"0\\u0001é","amount":"hQ==","at":1700000000123,"day":19000,"ratio":0.1,"score":100.0,"raw":"AAH+","tags":["a","b"],"attrs":{"k":0},"inner":{"x":0},"color":"RED"}\n' +
      '{"id":4611686018427387904,"name":"n\\"1\\u0001é","amount":"hQ==","at":1700000000124,"day":19000,"ratio":0.1,"score":1.0E21,"raw":"AAH+","tags":[],"attrs":{"k":1},"inner":null,"color":"GREEN"}\n',
    );
  });

  it('json.decimal.format=NUMERIC writes decimals as numbers; minimal base64 otherwise; gzip gives the same lines', async () => {
    const schema = recordSchemaFromConnect('connect:1', {
      type: 'struct', fields: [
        { field: 'd', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3' } },
        { field: 'f', type: 'float', optional: true },
        { field: 't', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
        { field: 'm', type: 'map', keys: { type: 'int32' }, values: { type: 'string' }, optional: true },
      ],
    });
    // 16 bytes of -1 (fixed-width input) are the unscaled -1: written minimal, as BigInteger.toByteArray.
    const values = [
      { d: Buffer.alloc(16, 0xff).toString('base64'), f: 1.5, t: 1_700_000_000_000, m: [[1, 'a'], [2, null]] },
      { d: 'AQ==', f: null, t: 0, m: null },
    ];
    const numeric = await files(plan({ decimalFormat: 'numeric' }), values.map((value) => ({ value, schema })));
    expect(Buffer.from(numeric.bodies[0]!).toString()).toBe('{"d":-0.001,"f":1.5,"t":1700000000000,"m":[[1,"a"],[2,null]]}\n{"d":0.001,"f":null,"t":0,"m":null}\n');
    const b64 = await files(plan(), values.map((value) => ({ value, schema })), { gzip: true });
    expect(gunzipSync(b64.bodies[0]!).toString()).toBe('{"d":"/w==","f":1.5,"t":1700000000000,"m":[[1,"a"],[2,null]]}\n{"d":"AQ==","f":null,"t":0,"m":null}\n');
  });

  it('writes schemaless values as Jackson does, and one group per schema and path', async () => {
    const { bodies, meta } = await files(plan(), [
      { value: { a: 1, b: [1.5, null, 'x'], c: { d: true } }, schema: SCHEMALESS },
      { value: 'plain', schema: SCHEMALESS },
      { value: { big: 12345678901234567890n }, schema: SCHEMALESS },
    ]);
    expect(meta.groups.map((g) => g.schemaKey)).toEqual(['schemaless']);
    expect(Buffer.from(bodies[0]!).toString()).toBe('{"a":1,"b":[1.5,null,"x"],"c":{"d":true}}\n"plain"\n{"big":12345678901234567890}\n');
  });

  it('writes a value without a struct schema as Jackson writes the Java object: strings quoted, bytes base64, a top-level decimal a number, a date epoch ms', async () => {
    const scalar = (type: FieldType, optional = false): RecordSchema =>
      ({ id: `s:${JSON.stringify(type)}`, fields: [{ name: 'value', type, optional }], scalar: true });
    const { bodies } = await files(plan(), [
      { value: 'plain "text"', schema: scalar({ kind: 'string' }, true) },
      { value: Buffer.from([1, 2, 3]), schema: scalar({ kind: 'bytes' }, true) },
      { value: Buffer.from([0x30, 0x39]), schema: scalar({ kind: 'decimal', precision: 10, scale: 2 }) },
      { value: 3, schema: scalar({ kind: 'date' }) },
      { value: 42n ** 12n, schema: scalar({ kind: 'int64' }) },
    ]);
    expect(bodies.map((b) => Buffer.from(b).toString())).toEqual(['"plain \\"text\\""\n', '"AQID"\n', '123.45\n', '259200000\n', `${42n ** 12n}\n`]);
  });

  it('fails a record that does not fit its schema, naming the field, and keeps the others', async () => {
    const { bodies, failures } = await files(plan(), [
      { value: order(0), schema: ORDER },
      { value: { ...order(2), tags: ['a', 7] }, schema: ORDER },
      { value: { ...order(3), name: null }, schema: ORDER },
    ]);
    expect(failures).toEqual(['1: field tags[] should be a string (got the number 7)', '2: field name is null but the schema says it is required']);
    expect(Buffer.from(bodies[0]!).toString().split('\n')).toHaveLength(2);
  });

  it('a tombstone fails unless behavior.on.null.values=ignore', () => {
    const enc = new S3RecordEncoder();
    enc.begin(plan(), 't', 0);
    expect(() => enc.tombstone(undefined, ctx(0))).toThrow(/behavior.on.null.values=ignore/);
    enc.begin(plan({ nullValues: 'ignore' }), 't', 0);
    enc.tombstone(undefined, ctx(0));
    expect(enc.finish().rows).toBe(0);
  });
});

describe('AvroFormat', () => {
  it('writes Avro records again with their writer schema, in container files any reader takes (null, deflate, snappy)', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => order(i));
    for (const codec of ['null', 'deflate', 'snappy'] as const) {
      const { bodies, meta } = await files(plan({ format: 'avro' }), values.map((value) => ({ value, schema: ORDER })), { avroCodec: codec });
      expect(meta.groups).toHaveLength(1);
      const back = await readAvro(bodies[0]!);
      expect(back.codec).toBe(codec);
      expect(back.schema).toMatchObject({ name: 'Order', namespace: 'shop' });
      expect(back.records).toHaveLength(3000);
      // Several blocks of about 64 KB, as Avro's Java writer makes them.
      const file = Buffer.from(bodies[0]!);
      const sync = file.subarray(file.length - 16);
      let syncs = 0;
      for (let at = file.indexOf(sync); at >= 0; at = file.indexOf(sync, at + 16)) syncs++;
      if (codec === 'null') expect(syncs - 1).toBeGreaterThanOrEqual(Math.floor(file.length / 64_000));
      const r1 = back.records[1] as Record<string, unknown>;
      expect(r1.id).toBe(2n ** 62n);
      expect(r1.amount).toEqual(Buffer.from([0xff, 0x85]));
      expect(r1.inner).toBeNull();
      expect(r1.color).toBe('GREEN');
      expect((back.records[2999] as Record<string, unknown>).inner).toEqual({ x: -2999 });
    }
  });

  it('writes primitive values (StringConverter) as a top-level Avro union ["null","string"]', async () => {
    const schema: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
    const { bodies } = await files(plan({ format: 'avro' }), [{ value: 'a', schema }, { value: 'ü', schema }]);
    const back = await readAvro(bodies[0]!);
    expect(back.schema).toEqual(['null', 'string']);
    expect(back.records).toEqual(['a', 'ü']);
  });

  it('gives Connect schemas the Avro schema AvroData makes; decimals exact; schemaless values fail', async () => {
    const schema = recordSchemaFromConnect('connect:2', {
      type: 'struct', fields: [
        { field: 'id', type: 'int64' },
        { field: 'd', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } },
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date', optional: true },
        { field: 'inner', type: 'struct', optional: true, fields: [{ field: 'x', type: 'string' }] },
        { field: 'tier', type: 'string', optional: true, default: 'basic' },
      ],
    });
    const { bodies, failures } = await files(plan({ format: 'avro' }), [
      { value: { id: 1, d: 'MDk=', day: 19000, inner: { x: 'a' }, tier: null }, schema },
      { value: { id: 2, d: 12.5, day: null, inner: null }, schema },
      { value: { a: 1 }, schema: SCHEMALESS },
    ]);
    expect(failures).toEqual(['2: the value has no schema (schemaless JSON or msgpack); AvroFormat needs values with a schema (Avro, or JSON with schemas.enable=true)']);
    const back = await readAvro(bodies[0]!);
    expect(back.schema).toMatchObject({
      type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
        { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }], default: null },
        { name: 'inner', type: ['null', { type: 'record', name: 'ConnectDefault2', namespace: 'io.confluent.connect.avro' }], default: null },
        { name: 'tier', type: ['string', 'null'], default: 'basic' },
      ],
    });
    expect(back.records).toEqual([
      { id: 1, d: Buffer.from([0x30, 0x39]), day: 19000, inner: { x: 'a' }, tier: 'basic' },
      { id: 2, d: Buffer.from([0x04, 0xe2]), day: null, inner: null, tier: 'basic' },
    ]);
  });

  it('writes Connect INT8 / INT16 as AvroData does: an Avro int with connect.type', async () => {
    const schema = recordSchemaFromConnect('connect:i16', {
      type: 'struct', fields: [{ field: 's', type: 'int16' }, { field: 'b', type: 'int8', optional: true }, { field: 'i', type: 'int32' }],
    });
    const { bodies } = await files(plan({ format: 'avro' }), [{ value: { s: -32768, b: 7, i: 1 }, schema }]);
    const back = await readAvro(bodies[0]!);
    expect((back.schema as { fields: unknown[] }).fields).toEqual([
      { name: 's', type: { type: 'int', 'connect.type': 'int16' } },
      { name: 'b', type: ['null', { type: 'int', 'connect.type': 'int8' }], default: null },
      { name: 'i', type: 'int' },
    ]);
    expect(back.records).toEqual([{ s: -32768, b: 7, i: 1 }]);
  });

  it('writes a map whose keys are not strings as AvroData does: an array of MapEntry key/value records, keys of their type', async () => {
    const schema = recordSchemaFromConnect('connect:3', {
      type: 'struct', fields: [
        { field: 'byId', type: 'map', keys: { type: 'int32' }, values: { type: 'string' } },
        { field: 'flags', type: 'map', keys: { type: 'boolean' }, values: { type: 'int64' }, optional: true },
        { field: 'names', type: 'map', keys: { type: 'string' }, values: { type: 'int32' }, optional: true },
      ],
    });
    const { bodies, failures } = await files(plan({ format: 'avro' }), [
      { value: { byId: [[1, 'a'], [-2, 'b']], flags: { true: 5 }, names: { x: 1 } }, schema },
      { value: { byId: { nine: 'no int32' } }, schema },
    ]);
    expect(failures).toEqual(['1: field byId has the key "nine", which is no int32']);
    const back = await readAvro(bodies[0]!);
    expect(back.schema).toMatchObject({
      fields: [
        { name: 'byId', type: { type: 'array', items: { type: 'record', name: 'MapEntry', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: 'int' }, { name: 'value' }] } } },
        { name: 'flags', type: ['null', { type: 'array', items: { type: 'record', name: 'MapEntry2', fields: [{ name: 'key', type: 'boolean' }, { name: 'value' }] } }] },
        { name: 'names', type: ['null', { type: 'map' }] },
      ],
    });
    expect(back.records).toEqual([{ byId: [{ key: 1, value: 'a' }, { key: -2, value: 'b' }], flags: [{ key: true, value: 5 }], names: { x: 1 } }]);
  });
});

describe('S3 format and request settings', () => {
  const base: FormatConfig = {
    'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
    's3.compression.type': 'gzip', 's3.compression.level': -1, 'avro.codec': 'null', 'json.decimal.format': 'base64',
    'store.kafka.keys': false, 'store.kafka.headers': false, 'store.kafka.metadata': false, 'behavior.on.null.values': 'fail',
  };
  const problems = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('names objects with Confluent\'s extensions', () => {
    expect(extensionOf(formatSettings(base))).toBe('.json.gz');
    expect(extensionOf(formatSettings({ ...base, 's3.compression.type': 'none' }))).toBe('.json');
    expect(extensionOf(formatSettings({ ...base, 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat' }))).toBe('.avro');
    expect(formatSettings({ ...base, 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat' }).gzip).toBe(false);
    // ParquetFormat: CompressionCodecName's extension before .parquet (the S3 sink's parquet.codec default is snappy).
    const parquet = formatSettings({ ...base, 'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat' });
    expect(extensionOf(parquet)).toBe('.snappy.parquet');
    expect(['snappy', 'gzip', 'zstd', 'brotli', 'lz4', 'lz4_raw', 'none', 'uncompressed'].map((c) => extensionOf(parquet, c)))
      .toEqual(['.snappy.parquet', '.gz.parquet', '.zstd.parquet', '.br.parquet', '.lz4hadoop.parquet', '.lz4raw.parquet', '.parquet', '.parquet']);
  });

  it('refuses what it cannot write, naming the key', () => {
    expect(problems(() => formatSettings({ ...base, 'format.class': 'io.confluent.connect.s3.format.csv.CsvFormat', 'storage.class': 'x.HdfsStorage' }))).toEqual([
      expect.stringMatching(/^format.class: "io.confluent.connect.s3.format.csv.CsvFormat" is not a format Sluice writes/),
      expect.stringMatching(/^storage.class: "x.HdfsStorage" is not a storage Sluice writes to/),
    ]);
    expect(problems(() => formatSettings({ ...base, 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat', 'avro.codec': 'zstandard', 'store.kafka.key.column': true }))).toEqual([
      'avro.codec: "zstandard" is not written by Sluice; use null, deflate or snappy',
      'store.kafka.key.column: Sluice adds Kafka key, header and metadata columns only to Parquet files; not with AvroFormat (store.kafka.keys / store.kafka.headers write key and header files)',
    ]);
    expect(problems(() => formatSettings({ ...base, 'behavior.on.null.values': 'write' }))[0]).toMatch(/^behavior.on.null.values: "write" writes tombstones into key files only: it needs store.kafka.keys=true/);
  });

  it('maps s3.ssea.name, the SSE keys and the canned ACL onto the request, as Confluent\'s S3OutputStream does', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(writeParams({ 's3.ssea.name': 'aes256' })).toEqual({ ServerSideEncryption: 'AES256' });
    expect(writeParams({ 's3.ssea.name': 'aes256', 's3.sse.customer.key': key, 's3.acl.canned': 'bucket-owner-full-control' }))
      .toEqual({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key, ACL: 'bucket-owner-full-control' });
    expect(writeParams({ 's3.ssea.name': 'aws:kms', 's3.sse.kms.key.id': 'arn:aws:kms:k' })).toEqual({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:k' });
    expect(writeParams({ 's3.ssea.name': '' })).toEqual({});
    const bad = problems(() => writeParams({ 's3.ssea.name': 'aes256', 's3.sse.customer.key': 'c2hvcnQtc2VjcmV0' }));
    expect(bad).toEqual(['s3.sse.customer.key: must be the base64 text of a 256-bit (32-byte) key']);
    expect(bad.join()).not.toContain('c2hvcnQtc2VjcmV0');
    expect(writeParams({ 's3.ssea.name': 'aws:kms:dsse' })).toEqual({ ServerSideEncryption: 'aws:kms:dsse' });
    expect(problems(() => writeParams({ 's3.ssea.name': '', 's3.sse.kms.key.id': 'k' }))).toEqual(['s3.sse.kms.key.id: needs s3.ssea.name=aws:kms (or aws:kms:dsse)']);
  });

  it('puts the encryption, ACL and tag headers on every upload, and SSE-C headers on reads; a store without the feature stops Sluice', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const svc = new S3Service({
      bucket: 'b', region: 'us-east-1', pathStyle: true, partSize: 5 * 1024 * 1024, partConcurrency: 1, log: pino({ level: 'silent' }),
      retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 1, log: pino({ level: 'silent' }) },
      write: writeParams({ 's3.ssea.name': 'aes256', 's3.sse.customer.key': key, 's3.acl.canned': 'private' }),
    });
    expect(svc.putParams('startOffset=1')).toEqual({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key, ACL: 'private', Tagging: 'startOffset=1' });
    // A tagged PUT refused for its tags (no s3:PutObjectTagging) is told apart from other failures, wrapped or not.
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(isAccessDenied(classifyS3Error(denied, 'uploading x'))).toBe(true);
    expect(isAccessDenied(classifyS3Error(notImplementedError(), 'uploading x'))).toBe(false);
    // A Confluent config without s3.region (there us-west-2) still reaches a bucket in another region.
    expect(svc.clientConfig().followRegionRedirects).toBe(true);
    const notImplemented = notImplementedError();
    expect(classifyS3Error(notImplemented, 'uploading x')).not.toBeInstanceOf(RetriableError);
    expect(classifyS3Error(Object.assign(new Error('busy'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }), 'x')).toBeInstanceOf(RetriableError);
  });

  it('tags objects with startOffset, endOffset, recordCount and the extra pairs', () => {
    expect(objectTags(['team:data eng', 'env:prod'], 100, 199, 100)).toBe('startOffset=100&endOffset=199&recordCount=100&team=data%20eng&env=prod');
  });

  it('maps s3.credentials.provider.class to the SDK\'s providers; keys win; an unknown class is an error naming the key', async () => {
    expect(credentialSource(undefined, false)).toEqual({ kind: 'default' });
    expect(credentialSource('com.amazonaws.auth.DefaultAWSCredentialsProviderChain', false)).toEqual({ kind: 'default' });
    expect(credentialSource('software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider', false)).toEqual({ kind: 'default' });
    expect(credentialSource('com.amazonaws.auth.EnvironmentVariableCredentialsProvider', false)).toEqual({ kind: 'env' });
    expect(credentialSource('com.amazonaws.auth.profile.ProfileCredentialsProvider', false).kind).toBe('profile');
    expect(credentialSource('com.amazonaws.auth.InstanceProfileCredentialsProvider', false)).toEqual({ kind: 'instance' });
    expect(credentialSource('software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider', false)).toEqual({ kind: 'container' });
    expect(credentialSource('com.example.MyProvider', true)).toEqual({ kind: 'static' });
    // Each mapped provider loads (the SDK packages are there) and is a credential provider function; none is called here.
    for (const kind of ['env', 'profile', 'instance', 'container', 'web-identity'] as const) expect(typeof (await credentialProvider({ kind }))).toBe('function');
    expect(await credentialProvider({ kind: 'default' })).toBeUndefined();
    expect(problems(() => credentialSource('io.confluent.connect.s3.auth.AwsDoubleAssumeRoleCredentialsProvider', false))[0]).toMatch(/^s3.credentials.provider.class: "io.confluent.connect.s3.auth.AwsDoubleAssumeRoleCredentialsProvider" has no equivalent in Sluice/);
  });

  it('takes a Confluent JsonFormat config unchanged (empty SSE keys, provider class, storage class) and names the key of what it refuses', () => {
    const connector = (extra: Record<string, string>) => ({
      name: 'orders-s3', config: {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092',
        's3.bucket.name': 'b', 's3.region': 'eu-west-1', 'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
        'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 's3.compression.type': 'gzip', 'flush.size': '1000',
        'schema.compatibility': 'NONE', 'behavior.on.null.values': 'ignore', 's3.ssea.name': '', 's3.sse.kms.key.id': '', 's3.sse.customer.key': '',
        's3.credentials.provider.class': 'com.amazonaws.auth.DefaultAWSCredentialsProviderChain', 'json.decimal.format': 'NUMERIC',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
        ...extra,
      },
    });
    const log = pino({ level: 'silent' });
    const sink = new S3ParquetSink(loadConfig({ json: connector({}), env: {} }), log);
    expect(sink.objectKey('orders', 3, 'partition=3', 42)).toBe('topics/orders/partition=3/orders+3+0000000042.json.gz');
    const secret = Buffer.alloc(31, 1).toString('base64');
    const refused = problems(() => new S3ParquetSink(loadConfig({ json: connector({ 's3.ssea.name': 'AES256', 's3.sse.customer.key': secret }), env: {} }), log));
    expect(refused).toEqual(['s3.sse.customer.key: must be the base64 text of a 256-bit (32-byte) key']);
    expect(problems(() => new S3ParquetSink(loadConfig({ json: connector({ 's3.credentials.provider.class': 'com.example.Vault' }), env: {} }), log))[0])
      .toMatch(/^s3.credentials.provider.class: "com.example.Vault" has no equivalent/);
    expect(problems(() => loadConfig({ json: connector({ 'avro.codec': 'lz4' }), env: {} }))[0]).toMatch(/^avro.codec: expected one of null \| deflate/);
  });
});

function notImplementedError(): Error {
  return Object.assign(new Error('Server side encryption specified but KMS is not configured'), { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
}
