// schema.compatibility BACKWARD / FORWARD / FULL for Kafka Connect JSON values
// (JsonConverter, schemas.enable=true), without Kafka or S3: the envelope's
// schema as the Connect schema (JsonConverter.asConnectSchema), its "version"
// as the schema version, Confluent's "Schema version required" where a
// versionless schema meets another in a file, and whole files: envelopes of
// two versions → decoder → the worker's chunks → rotation → the compat file
// task → Parquet and JSON read back.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { envelopeToC } from '../../src/sinks/s3-parquet/compat-connect-json.js';
import writeCompatFile, { type CompatFileTask } from '../../src/sinks/s3-parquet/compat-file-task.js';
import { project, ProjectionError } from '../../src/sinks/s3-parquet/compatibility.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { PartitionRotation, type FileSet, type OpenFile } from '../../src/sinks/s3-parquet/rotation.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { connectViewOf, declaredVersionOf, isEnvelopeView } from '../../src/workers/connect-view.js';
import { envelopeVersion } from '../../src/workers/decode/connect-json-view.js';
import { createDecoder, type Decoded } from '../../src/workers/decode/decoders.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import type { ConnectSchema } from '../../src/workers/schema.js';

type Compat = 'backward' | 'forward' | 'full';
type Format = 'parquet' | 'json' | 'avro';

const envelope = (schema: unknown, payload: unknown) => Buffer.from(JSON.stringify({ schema, payload }));

function decodeAll(values: Buffer[]): Decoded[] {
  const d = createDecoder('connect-json', {});
  return values.map((v) => d.decode(v));
}

const ctx = (topic: string, offset: number): RecordContext => ({ topic, partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });

const plan = (format: Format, compatibility: Compat): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, format, compatibility,
});

function compatPieces(f: OpenFile): CompatFileTask['pieces'] {
  return f.pieces.map((pc) => ({
    buffer: pc.chunk.buffer, byteOffset: pc.chunk.byteOffset, byteLength: pc.chunk.byteLength, rowStart: pc.rowStart, rowEnd: pc.rowEnd, rows: pc.chunk.rows,
    schema: pc.chunk.schema!, offsets: pc.offsets!,
  }));
}

/** Envelopes (offsets 0…) → decoder → worker → rotation (as the sink names partitions) → each closed file's first offset, version and bytes. */
async function files(format: Format, compatibility: Compat, topic: string, values: Buffer[], flushSize = 1e9) {
  const decoded = decodeAll(values);
  const enc = new S3FormatEncoder();
  enc.begin(plan(format, compatibility), topic, 0);
  decoded.forEach((d, i) => enc.add(d, undefined, ctx(topic, i)));
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const closed: FileSet<string>[] = [];
  const r = new PartitionRotation<string>({ flushSize, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility }, {
    where: `topic ${topic} partition 0`, now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
  });
  r.addBatch('b', out.outputBytes, readRowTable(out.output!, meta.rows), meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: g.byteLength / g.rows })), 0, decoded.length - 1);
  r.close('flush');
  const list = closed.flatMap((s) => [...s.files.values()]);
  return Promise.all(list.map(async (f) => ({
    first: f.firstOffset,
    version: f.version,
    bytes: await writeCompatFile({ format, schema: f.schema!, topic, partition: 0, compatibility: compatibility.toUpperCase(), codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {}, pieces: compatPieces(f) }),
  })));
}

const rowsOf = (bytes: Uint8Array) => {
  const t = tableFromIPC(readParquet(bytes).intoIPCStream());
  return { columns: t.schema.fields.map((f) => `${f.name}:${f.type}`), rows: t.toArray().map((x) => JSON.parse(JSON.stringify(x.toJSON(), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))) };
};
const linesOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8').trimEnd().split('\n');

// An order as a Kafka Connect producer's JsonConverter writes it: v1, then v2 with qty widened,
// "gone" removed, a required "status" with a default and an optional "note" added.
const V1 = {
  type: 'struct', name: 'shop.Order', version: 1, optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'qty', type: 'int32', optional: false },
    { field: 'gone', type: 'string', optional: true },
  ],
};
const V2 = {
  type: 'struct', name: 'shop.Order', version: 2, optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'qty', type: 'int64', optional: false },
    { field: 'status', type: 'string', optional: false, default: 'NEW' },
    { field: 'note', type: 'string', optional: true },
  ],
};
const v1 = (id: number) => envelope(V1, { id, qty: id * 10, gone: `g${id}` });
const v2 = (id: number, status: string, note: string | null) => envelope(V2, { id, qty: id * 10, status, note });

describe('the Connect view of a JsonConverter envelope schema', () => {
  it('is the envelope schema itself, attached by the decoder with its version', () => {
    const [a, b] = decodeAll([v1(1), envelope({ ...V2, version: undefined }, { id: 1, qty: 2, status: 's', note: null })]);
    expect(isEnvelopeView(a!.schema)).toBe(true);
    expect(connectViewOf(a!.schema)!()).toMatchObject({ type: 'struct', name: 'shop.Order', version: 1 });
    expect(declaredVersionOf(a!.schema)).toBe(1);
    expect(declaredVersionOf(b!.schema)).toBeUndefined();
  });

  it('takes "version" only when it is an integral JSON number, as Java\'s intValue()', () => {
    const v = (version: unknown) => envelopeVersion({ type: 'int32', version } as ConnectSchema);
    expect(v(3)).toBe(3);
    expect(v(0)).toBe(0);
    expect(v('3')).toBeUndefined();
    expect(v(2.5)).toBeUndefined();
    expect(v(true)).toBeUndefined();
    expect(v(undefined)).toBeUndefined();
    expect(v(2 ** 32 + 7)).toBe(7);
    expect(v(2n ** 63n - 1n)).toBe(-1);
  });

  it('keeps types, optional (only the boolean true), names, parameters, defaults and logical types by name', () => {
    const c = envelopeToC({
      type: 'struct', name: 'n', optional: false, parameters: { b: '2', a: '1' },
      fields: [
        { field: 'i8', type: 'int8' }, { field: 'i16', type: 'int16', optional: true }, { field: 'f', type: 'float', default: 1.5 },
        { field: 'd', type: 'double' }, { field: 'flag', type: 'boolean', optional: 'yes' as unknown as boolean },
        { field: 'amount', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } },
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date', optional: true },
        { field: 'tags', type: 'array', items: { type: 'string' } },
        { field: 'byId', type: 'map', keys: { type: 'int32' }, values: { type: 'string', optional: true } },
      ],
    });
    expect(c).toMatchObject({ type: 'struct', name: 'n', optional: false, params: '[["a","1"],["b","2"]]' });
    const f = Object.fromEntries(c.fields!.map((x) => [x.name, x.schema]));
    expect(f.i8).toMatchObject({ type: 'int8', optional: false });
    expect(f.i16).toMatchObject({ type: 'int16', optional: true });
    expect(f.f).toMatchObject({ type: 'float32', default: 1.5 });
    expect(f.d!.type).toBe('float64');
    expect(f.flag).toMatchObject({ type: 'boolean', optional: false });
    expect(f.amount).toMatchObject({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', params: '[["scale","2"]]' });
    expect(f.day).toMatchObject({ type: 'int32', name: 'org.apache.kafka.connect.data.Date', optional: true });
    expect(f.tags!.items).toMatchObject({ type: 'string' });
    expect(f.byId).toMatchObject({ type: 'map', keys: { type: 'int32' }, values: { type: 'string', optional: true } });
    expect(() => envelopeToC({ type: 'uuid' })).toThrow(/"uuid" is not one JsonConverter knows/);
  });
});

describe('projection of Connect JSON payloads (SchemaProjector)', () => {
  const s = (cs: ConnectSchema) => envelopeToC(cs);

  it('widens numbers, fills defaults and nulls, drops what the target lacks', () => {
    const from = s({ type: 'struct', fields: [{ field: 'a', type: 'int8' }, { field: 'b', type: 'int32' }, { field: 'x', type: 'string' }] });
    const to = s({ type: 'struct', fields: [{ field: 'a', type: 'int64' }, { field: 'b', type: 'double' }, { field: 'c', type: 'string', default: 'd' }, { field: 'e', type: 'int32', optional: true }] });
    expect(project(from, { a: 5, b: 7, x: 'gone' }, to)).toEqual({ a: 5, b: 7, c: 'd', e: null });
  });

  it('widens a float32 as Java does: from its float value', () => {
    expect(project(s({ type: 'float' }), 0.1, s({ type: 'double' }))).toBe(Math.fround(0.1));
    expect(() => project(s({ type: 'int32' }), 16777217, s({ type: 'float' }))).toThrow(/16777217 \(int32\) has no exact float32 value/);
    expect(() => project(s({ type: 'int64' }), 2n ** 60n + 1n, s({ type: 'double' }))).toThrow(ProjectionError);
  });

  it('projects a map whose keys are not strings ([key, value] pairs) key by key', () => {
    const from = s({ type: 'map', keys: { type: 'int32' }, values: { type: 'int32' } });
    const to = s({ type: 'map', keys: { type: 'int64' }, values: { type: 'double' } });
    expect(project(from, [[1, 2], [3, 4]], to)).toEqual([[1, 2], [3, 4]]);
    expect(() => project(from, [[1, 2]], s({ type: 'map', keys: { type: 'string' }, values: { type: 'int32' } }))).toThrow(/type int32 cannot be projected to string/);
    const strings = s({ type: 'map', keys: { type: 'string' }, values: { type: 'int32', optional: true } });
    expect(project(strings, { a: 1, b: null }, s({ type: 'map', keys: { type: 'string' }, values: { type: 'int64', optional: true } }))).toEqual({ a: 1, b: null });
  });

  it('refuses another name, other parameters (a Decimal scale) or type, an optional value into a required field without default', () => {
    const dec = (scale: string) => s({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale } });
    expect(() => project(dec('2'), 'AQ==', dec('3'))).toThrow(/differs from the file's .* in name or parameters/);
    expect(() => project(s({ type: 'struct', name: 'a', fields: [] }), {}, s({ type: 'struct', name: 'b', fields: [] }))).toThrow(/name or parameters/);
    expect(() => project(s({ type: 'string' }), 'x', s({ type: 'int32' }))).toThrow(/type string cannot be projected to int32/);
    const f = (optional: boolean, dflt?: number) => s({ type: 'struct', fields: [{ field: 'q', type: 'int32', optional, ...(dflt !== undefined ? { default: dflt } : {}) }] });
    expect(() => project(f(true), { q: null }, f(false))).toThrow(/field q: .*optional.*no default/);
    expect(project(f(true), { q: null }, f(false, 9))).toEqual({ q: 9 });
    expect(() => project(s({ type: 'struct', fields: [] }), {}, f(false))).toThrow(/field q is required by the file's schema, has no default/);
  });
});

describe('files of Connect JSON values with schema.compatibility', () => {
  const ROWS = [v1(1), v1(2), v2(3, 'PAID', 'n'), v2(4, 'SHIPPED', null), v1(5), v1(6)];

  it('BACKWARD, Parquet: v1, v2, v1 → two files; the later v1 records are in the v2 file, qty widened, status defaulted, note null, gone dropped', async () => {
    const out = await files('parquet', 'backward', 'cj', ROWS);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 1], [2, 2]]);
    const a = rowsOf(out[0]!.bytes);
    expect(a.columns).toEqual(['id:Int64', 'qty:Int32', 'gone:Utf8']);
    expect(a.rows).toEqual([{ id: 1, qty: 10, gone: 'g1' }, { id: 2, qty: 20, gone: 'g2' }]);
    const b = rowsOf(out[1]!.bytes);
    expect(b.columns).toEqual(['id:Int64', 'qty:Int64', 'status:Utf8', 'note:Utf8']);
    expect(b.rows).toEqual([
      { id: 3, qty: 30, status: 'PAID', note: 'n' }, { id: 4, qty: 40, status: 'SHIPPED', note: null },
      { id: 5, qty: 50, status: 'NEW', note: null }, { id: 6, qty: 60, status: 'NEW', note: null },
    ]);
  });

  it('FULL, JSON: the projected lines are written as JsonConverter writes v2 values', async () => {
    const out = await files('json', 'full', 'cj', ROWS);
    expect(out.map((f) => f.first)).toEqual([0, 2]);
    expect(linesOf(out[1]!.bytes)).toEqual([
      '{"id":3,"qty":30,"status":"PAID","note":"n"}', '{"id":4,"qty":40,"status":"SHIPPED","note":null}',
      '{"id":5,"qty":50,"status":"NEW","note":null}', '{"id":6,"qty":60,"status":"NEW","note":null}',
    ]);
  });

  it('FORWARD: an older version closes the set; a newer one that cannot be projected back (int64 → int32) opens a set of its own (CC-38689)', async () => {
    const out = await files('json', 'forward', 'cj', [v2(1, 'A', null), v1(2), v1(3)]);
    expect(out.map((f) => f.first)).toEqual([0, 1]);
    const fwd = await files('json', 'forward', 'cjf', [v1(1), v2(2, 'A', null)]);
    expect(fwd.map((f) => f.first)).toEqual([0, 1]);
    expect(linesOf(fwd[1]!.bytes)).toEqual(['{"id":2,"qty":20,"status":"A","note":null}']);
  });

  it('AvroFormat: projected rows are written with the file\'s schema as AvroData gives it', async () => {
    const out = await files('avro', 'backward', 'cj', ROWS);
    expect(out).toHaveLength(2);
    expect(Buffer.from(out[1]!.bytes.subarray(0, 4)).toString('latin1')).toBe('Obj\u0001');
    expect(Buffer.from(out[1]!.bytes).toString('latin1')).toContain('"status"');
  });

  it('without "version": one schema runs (Confluent compares the cached schema first, whatever the text\'s spacing); another schema in the file stops Sluice as Confluent\'s "Schema version required"', async () => {
    const noVersion = { ...V1, version: undefined };
    const spaced = Buffer.from(`{ "schema" : ${JSON.stringify(noVersion, null, 2)}, "payload": {"id": 3, "qty": 30, "gone": null} }`);
    const out = await files('parquet', 'backward', 'cjn', [envelope(noVersion, { id: 1, qty: 10, gone: 'a' }), envelope(noVersion, { id: 2, qty: 20, gone: 'b' }), spaced]);
    expect(out).toHaveLength(1);
    expect(rowsOf(out[0]!.bytes).rows).toEqual([{ id: 1, qty: 10, gone: 'a' }, { id: 2, qty: 20, gone: 'b' }, { id: 3, qty: 30, gone: null }]);

    const err = await files('parquet', 'backward', 'cjn', [envelope(noVersion, { id: 1, qty: 10, gone: 'a' }), v2(2, 'A', null)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as Error).message).toMatch(/^topic cjn partition 0 offset 1: schema.compatibility=BACKWARD .*the file's value schema \(its first record's\) has no version .*"Schema version required for BACKWARD compatibility"/);
    await expect(files('json', 'full', 'cjn', [v2(1, 'A', null), envelope({ ...V2, version: undefined }, { id: 2, qty: 1, status: 's', note: null })]))
      .rejects.toThrow(/^topic cjn partition 0 offset 1: schema.compatibility=FULL .*this record's value schema has no version/);
  });

  it('a versionless schema in a file set of its own is no error: each file set starts with its first record\'s schema', async () => {
    const out = await files('json', 'backward', 'cjs', [envelope({ ...V1, version: undefined }, { id: 1, qty: 1, gone: null }), v2(2, 'A', null)], 1);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, undefined], [1, 2]]);
  });

  it('schemaless envelopes ("schema": null) are never compared, as in Confluent: one file, the inferred schema widened over the whole file', async () => {
    const rows = [envelope(null, { id: 1, n: 1 }), envelope(null, { id: 2, n: 2.5 }), envelope(null, { id: 3, extra: 'x' })];
    const pq = await files('parquet', 'backward', 'cjz', rows);
    expect(pq).toHaveLength(1);
    expect(rowsOf(pq[0]!.bytes)).toEqual({
      columns: ['id:Int64', 'n:Float64', 'extra:Utf8'],
      rows: [{ id: 1, n: 1, extra: null }, { id: 2, n: 2.5, extra: null }, { id: 3, n: null, extra: 'x' }],
    });
    const js = await files('json', 'full', 'cjz', rows);
    expect(js).toHaveLength(1);
    expect(linesOf(js[0]!.bytes)).toEqual(['{"id":1,"n":1}', '{"id":2,"n":2.5}', '{"extra":"x","id":3}']);
  });

  it('a switch between schemaless and schema-based values closes the file set (Confluent\'s TopicPartitionWriter rotates on it)', async () => {
    const out = await files('json', 'backward', 'cjz', [envelope(null, { id: 1 }), v2(2, 'A', null), v2(3, 'B', null), envelope(null, { id: 4 }), v1(5)]);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, undefined], [1, 2], [3, undefined], [4, 1]]);
    expect(out.map((f) => linesOf(f.bytes).length)).toEqual([1, 2, 1, 1]);
  });

  it('a schemaless value or null payload that Parquet or Avro cannot take is a record error in the worker, as without compatibility', () => {
    const [d] = decodeAll([envelope(null, [1, 2])]);
    const enc = new S3FormatEncoder();
    enc.begin(plan('parquet', 'backward'), 'cjz', 0);
    expect(() => enc.add(d!, undefined, ctx('cjz', 0))).toThrow(expect.objectContaining({ name: 'ConvertError', message: expect.stringMatching(/not an object: Parquet columns need an object/) }));
    const [nul] = decodeAll([envelope({ ...V1, optional: true }, null)]);
    expect(() => enc.add(nul!, undefined, ctx('cjz', 1))).toThrow(expect.objectContaining({ name: 'ConvertError', message: expect.stringMatching(/got null|is null/) }));
    expect(enc.finish().rows).toBe(0);
    const [o] = decodeAll([envelope(null, { id: 1 })]);
    const avro = new S3FormatEncoder();
    avro.begin(plan('avro', 'backward'), 'cjz', 0);
    expect(() => avro.add(o!, undefined, ctx('cjz', 0))).toThrow(expect.objectContaining({ name: 'ConvertError', message: expect.stringMatching(/AvroFormat needs values with a schema/) }));
  });
});

describe('Connect JSON payloads of the wrong type with schema.compatibility', () => {
  it('are record errors in the worker (ConvertError: errors.tolerance and the dead letter queue apply), as without compatibility', () => {
    const [d] = decodeAll([envelope(V1, { id: 'abc', qty: 1, gone: null })]);
    for (const compatibility of ['backward', 'forward', 'full'] as const) {
      const enc = new S3FormatEncoder();
      enc.begin(plan('parquet', compatibility), 'cjt', 0);
      expect(() => enc.add(d!, undefined, ctx('cjt', 0))).toThrow(expect.objectContaining({ name: 'ConvertError', message: 'field id should be an integer (got the string "abc")' }));
      expect(enc.finish().rows).toBe(0);
    }
  });
});

describe('a Connect JSON value Parquet cannot hold, with schema.compatibility', () => {
  it('stops Sluice when its file is written, naming the record and the reason', async () => {
    await expect(files('parquet', 'backward', 'cjr', [v1(1), envelope(V1, { id: 2, qty: 2 ** 40, gone: null })]))
      .rejects.toThrow(/^topic cjr partition 0 offset 1: the value cannot be written to Parquet \(schema.compatibility=BACKWARD .*field qty should be a 32-bit integer/);
  });
});
