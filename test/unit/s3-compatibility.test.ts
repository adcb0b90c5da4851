// schema.compatibility BACKWARD / FORWARD / FULL (and NONE) without Kafka or
// S3: the decision (StorageSchemaCompatibility), the projection (Kafka
// Connect's SchemaProjector on Avro-decoded values), the rotation of file sets
// by schema version, and whole files: Avro values of versions 1 and 2 →
// the worker's chunks → rotation → the compat file task → Parquet, JSON and
// Avro bytes read back by independent readers (parquet-wasm + Arrow, avsc).
import avro from 'avsc';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { connectSchemaOf, project, ProjectionError } from '../../src/sinks/s3-parquet/compatibility.js';
import { versionChange } from '../../src/sinks/s3-parquet/compat-check.js';
import writeCompatFile, { type CompatFileTask } from '../../src/sinks/s3-parquet/compat-file-task.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { PartitionRotation, type ChunkRef, type FileSet, type OpenFile, type RotationRules } from '../../src/sinks/s3-parquet/rotation.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import { recordSchemaFromAvro, schemaVersion, setRegistryVersion, type RecordSchema } from '../../src/workers/schema.js';

const rec = (fields: unknown[], name = 'Order') => ({ type: 'record', name, namespace: 'shop', fields });

describe('the compatibility decision by version (StorageSchemaCompatibility.checkVersions)', () => {
  it('BACKWARD and FULL rotate for a newer version and project an older or equal one; FORWARD the reverse', () => {
    // versionChange(compat, file's version, record's version)
    for (const c of ['backward', 'full'] as const) {
      expect(versionChange(c, 1, 2)).toBe(true);
      expect(versionChange(c, 2, 1)).toBe(false);
      expect(versionChange(c, 2, 2)).toBe(false);
    }
    expect(versionChange('forward', 1, 2)).toBe(false);
    expect(versionChange('forward', 2, 1)).toBe(true);
    expect(versionChange('forward', 2, 2)).toBe(false);
  });
});

describe('projection (Kafka Connect SchemaProjector)', () => {
  const p = (src: unknown, value: unknown, tgt: unknown) => project(connectSchemaOf(src), value, connectSchemaOf(tgt));

  it('fills a missing field with its default, an optional one without default with null, and drops fields the target lacks', () => {
    const v1 = rec([{ name: 'id', type: 'long' }, { name: 'gone', type: 'string' }]);
    const v2 = rec([
      { name: 'id', type: 'long' },
      { name: 'status', type: 'string', default: 'new' },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'qty', type: ['int', 'null'], default: 3 },
      { name: 'raw', type: 'bytes', default: '\u00ff\u0001' },
      { name: 'tags', type: { type: 'array', items: 'string' }, default: ['a'] },
    ]);
    // AvroData gives an optional (["T", "null"]) field no default, whatever the Avro default: null.
    expect(p(v1, { id: 7, gone: 'x' }, v2)).toEqual({ id: 7, status: 'new', note: null, qty: null, raw: Buffer.from([0xff, 1]), tags: ['a'] });
  });

  it('compares parameters as AvroData makes them, less the docs Confluent\'s SchemaProjector leaves out: a default added to an existing field is a mismatch, a doc is not', () => {
    const v1 = rec([{ name: 'a', type: 'int' }]);
    expect(() => p(v1, { a: 1 }, rec([{ name: 'a', type: 'int', default: 0 }]))).toThrow(/field a: .*name or parameters/);
    // filterMetadataParameters: io.confluent.connect.avro.field.doc.* and connect.record.doc do not count.
    expect(p(v1, { a: 1 }, rec([{ name: 'a', type: 'int', doc: 'the a' }]))).toEqual({ a: 1 });
    expect(p(v1, { a: 1 }, { ...rec([{ name: 'a', type: 'int' }]), doc: 'an order' })).toEqual({ a: 1 });
    expect(() => p(rec([{ name: 'a', type: { type: 'string', 'avro.java.string': 'String' } }]), { a: 'x' }, rec([{ name: 'a', type: 'string' }]))).toThrow(/avro.java.string/);
    // Equal docs and defaults are equal parameters.
    const d = rec([{ name: 'a', type: 'int', default: 0, doc: 'the a' }]);
    expect(p(d, { a: 1 }, rec([{ name: 'a', type: 'int', default: 0, doc: 'the a' }, { name: 'b', type: 'int', default: 2 }]))).toEqual({ a: 1, b: 2 });
  });

  it('fails for a required field without default that the record lacks, naming it', () => {
    const v1 = rec([{ name: 'id', type: 'long' }]);
    const v2 = rec([{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }]);
    expect(() => p(v1, { id: 1 }, v2)).toThrow(ProjectionError);
    expect(() => p(v1, { id: 1 }, v2)).toThrow(/field sku is required by the file's schema, has no default/);
  });

  it('promotes numbers int → long → float → double, and never to a different value', () => {
    const src = rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }, { name: 'c', type: 'float' }, { name: 'd', type: 'long' }]);
    const tgt = rec([{ name: 'a', type: 'long' }, { name: 'b', type: 'double' }, { name: 'c', type: 'double' }, { name: 'd', type: 'float' }]);
    expect(p(src, { a: 5, b: -3, c: 1.5, d: 16_777_216 }, tgt)).toEqual({ a: 5, b: -3, c: 1.5, d: 16_777_216 });
    // 2^24 + 1 has no float32; a long beyond 2^53 no double: errors, not rounded values.
    expect(() => p(src, { a: 5, b: -3, c: 1.5, d: 16_777_217 }, tgt)).toThrow(/field d: 16777217 \(int64\) has no exact float32 value/);
    const wide = rec([{ name: 'd', type: 'long' }]);
    const dbl = rec([{ name: 'd', type: 'double' }]);
    expect(() => p(wide, { d: 2n ** 60n + 1n }, dbl)).toThrow(/no exact float64/);
    expect(p(wide, { d: 2n ** 60n }, dbl)).toEqual({ d: 2 ** 60 });
    // No narrowing, and no string ↔ number.
    expect(() => p(tgt, { a: 5, b: 1, c: 1, d: 1 }, src)).toThrow(/type int64 cannot be projected to int32/);
    expect(() => p(rec([{ name: 'a', type: 'string' }]), { a: '1' }, rec([{ name: 'a', type: 'int' }]))).toThrow(/type string cannot be projected to int32/);
  });

  it('gives a null of an optional field the target\'s default when the target requires it, and fails without one', () => {
    const src = rec([{ name: 'a', type: ['null', 'int'], default: null }]);
    // A Connect default without AvroData's field-default flag: connect.default on the type.
    const withDefault = rec([{ name: 'a', type: { type: 'int', 'connect.default': 9 } }]);
    expect(p(src, { a: null }, withDefault)).toEqual({ a: 9 });
    expect(p(src, { a: 4 }, withDefault)).toEqual({ a: 4 });
    expect(() => p(src, { a: 4 }, rec([{ name: 'a', type: 'int' }]))).toThrow(/optional, the file's schema requires it and gives no default/);
    // An Avro field default marks the field's parameters (io.confluent.connect.avro.field.default): then the parameters differ first.
    expect(() => p(src, { a: null }, rec([{ name: 'a', type: 'int', default: 9 }]))).toThrow(/field.default/);
  });

  it('projects nested records, arrays and maps; names and parameters (enum symbols, decimal scale) must match', () => {
    const line1 = { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] };
    const line2 = { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int', default: 1 }] };
    const src = rec([{ name: 'lines', type: { type: 'array', items: line1 } }, { name: 'm', type: { type: 'map', values: 'int' } }]);
    const tgt = rec([{ name: 'lines', type: { type: 'array', items: line2 } }, { name: 'm', type: { type: 'map', values: 'long' } }]);
    expect(p(src, { lines: [{ sku: 'a' }, { sku: 'b' }], m: { x: 1 } }, tgt)).toEqual({ lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }], m: { x: 1 } });
    expect(() => p(rec([], 'A'), {}, rec([], 'B'))).toThrow(/name or parameters/);
    const e1 = rec([{ name: 's', type: { type: 'enum', name: 'S', symbols: ['A', 'B'] } }]);
    const e2 = rec([{ name: 's', type: { type: 'enum', name: 'S', symbols: ['A', 'B', 'C'] } }]);
    // An enum's parameters need only be among the file's (Confluent's SchemaProjector.isEnumSchema): fewer symbols project, more do not.
    expect(p(e1, { s: 'A' }, e2)).toEqual({ s: 'A' });
    expect(() => p(e2, { s: 'C' }, e1)).toThrow(/field s: .*name or parameters/);
    const d1 = rec([{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } }]);
    const d2 = rec([{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 } }]);
    expect(() => p(d1, { x: Buffer.from([1]) }, d2)).toThrow(/field x: .*org.apache.kafka.connect.data.Decimal/);
    expect(p(d1, { x: Buffer.from([1]) }, d1)).toEqual({ x: Buffer.from([1]) });
  });
});

// ---------- rotation by version ----------

const sab = new SharedArrayBuffer(8);
/** Versions that project both ways: v2 adds a field with a default. */
const VERSIONED: Record<number, string> = {
  1: JSON.stringify(rec([{ name: 'id', type: 'long' }])),
  2: JSON.stringify(rec([{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }])),
};
const chunk = (path: string, rows: number, version: number, schema = VERSIONED[version]!): ChunkRef => ({
  path, schemaKey: `v${version}:${schema}`, version, schema, byteOffset: 0, byteLength: rows * 10, rows, buffer: sab, bytesPerRow: 10,
});

function rotation(rules: Partial<RotationRules>) {
  const closed: FileSet<string>[] = [];
  const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, ...rules }, {
    now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
  });
  return { r, closed };
}

/** Versions 1, 2, 1 at offsets 0-5 (two records each), in one batch. */
function v121(rules: Partial<RotationRules>) {
  const t = rotation(rules);
  const offsets = [0, 1, 2, 3, 4, 5];
  const table = { rows: 6, offsets: Float64Array.from(offsets), times: Float64Array.from(offsets), groups: Uint32Array.from([0, 0, 1, 1, 0, 0]) };
  t.r.addBatch('b', 60, table, [chunk('p', 4, 1), chunk('p', 2, 2)], 0, 5);
  t.r.close('flush');
  return t.closed.map((s) => [...s.files.values()].map((f) => ({
    first: f.firstOffset, version: f.version, pieces: f.pieces.map((p) => [p.chunk.version, p.rowStart, p.rowEnd, p.offsets]),
  })));
}

describe('rotation with schema.compatibility', () => {
  it('BACKWARD / FULL: a newer version closes the set; the older records after it join the newer file (offsets kept for errors)', () => {
    for (const compatibility of ['backward', 'full'] as const) {
      expect(v121({ compatibility })).toEqual([
        [{ first: 0, version: 1, pieces: [[1, 0, 2, [0, 1]]] }],
        [{ first: 2, version: 2, pieces: [[2, 0, 2, [2, 3]], [1, 2, 4, [4, 5]]] }],
      ]);
    }
  });

  it('FORWARD: the newer version joins the older file; an older one after a newer file closes it', () => {
    expect(v121({ compatibility: 'forward' })).toEqual([
      [{ first: 0, version: 1, pieces: [[1, 0, 2, [0, 1]], [2, 0, 2, [2, 3]], [1, 2, 4, [4, 5]]] }],
    ]);
    const t = rotation({ compatibility: 'forward' });
    const table = { rows: 3, offsets: Float64Array.from([0, 1, 2]), times: Float64Array.from([0, 0, 0]), groups: Uint32Array.from([0, 1, 0]) };
    t.r.addBatch('b', 30, table, [chunk('p', 2, 2), chunk('p', 1, 1)], 0, 2);
    t.r.close('flush');
    expect(t.closed.map((s) => [s.start, s.end, s.reason, [...s.files.values()].map((f) => f.version)])).toEqual([
      [0, 0, 'schema change', [2]], [1, 2, 'flush', [1]],
    ]);
  });

  it('NONE: every schema change closes the set', () => {
    const out = v121({});
    expect(out.map((s) => s.map((f) => [f.first, f.pieces.map((p) => p[0])]))).toEqual([[[0, [1]]], [[2, [2]]], [[4, [1]]]]);
  });

  it('after a set closes (flush.size), the next file takes its first record\'s schema, as Confluent clears its current schemas', () => {
    const t = rotation({ compatibility: 'backward', flushSize: 2 });
    const table = { rows: 4, offsets: Float64Array.from([0, 1, 2, 3]), times: Float64Array.from([0, 0, 0, 0]), groups: Uint32Array.from([0, 0, 1, 1]) };
    t.r.addBatch('b', 40, table, [chunk('p', 2, 2), chunk('p', 2, 1)], 0, 3);
    expect(t.closed.map((s) => [...s.files.values()].map((f) => [f.firstOffset, f.version]))).toEqual([[[0, 2]], [[2, 1]]]);
  });
});

// ---------- whole files ----------

const V1 = rec([{ name: 'id', type: 'long' }, { name: 'amount', type: 'int' }]);
const V2 = rec([{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'status', type: 'string', default: 'NEW' }]);

function schemas(topic: string): [RecordSchema, RecordSchema] {
  const s1 = recordSchemaFromAvro('avro:1', V1);
  const s2 = recordSchemaFromAvro('avro:2', V2);
  setRegistryVersion(s1, topic, 1);
  setRegistryVersion(s2, topic, 2);
  return [s1, s2];
}

const ctx = (topic: string, offset: number): RecordContext => ({ topic, partition: 3, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });

const plan = (format: 'parquet' | 'json' | 'avro', compatibility?: 'backward' | 'forward' | 'full'): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED,
  format, ...(compatibility ? { compatibility } : {}),
});

/** What the sink hands the compat file task for an open file's pieces. */
function compatPieces(f: OpenFile): CompatFileTask['pieces'] {
  return f.pieces.map((pc) => ({
    buffer: pc.chunk.buffer, byteOffset: pc.chunk.byteOffset, byteLength: pc.chunk.byteLength, rowStart: pc.rowStart, rowEnd: pc.rowEnd, rows: pc.chunk.rows,
    schema: pc.chunk.schema!, offsets: pc.offsets!,
  }));
}

/** v1 (offsets 0-1), v2 (2-3), v1 (4-5) → the worker → rotation → one object per file, written by the compat file task. */
async function objects(format: 'parquet' | 'json' | 'avro', compatibility: 'backward' | 'forward') {
  const topic = `orders-${format}-${compatibility}`;
  const [s1, s2] = schemas(topic);
  const enc = new S3FormatEncoder();
  const p = plan(format, compatibility);
  enc.begin(p, topic, 3);
  const values = [{ id: 1, amount: 10 }, { id: 2, amount: 20 }, { id: 3, amount: 30.5, status: 'PAID' }, { id: 4, amount: 40.25, status: 'SHIPPED' }, { id: 5, amount: 50 }, { id: 6, amount: 60 }];
  values.forEach((value, i) => enc.add({ value, schema: i === 2 || i === 3 ? s2 : s1 }, undefined, ctx(topic, i)));
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const { r, closed } = rotation({ compatibility });
  const chunks: ChunkRef[] = meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: g.byteLength / g.rows }));
  r.addBatch('b', out.outputBytes, readRowTable(out.output!, meta.rows), chunks, 0, 5);
  r.close('flush');
  const files = closed.flatMap((s) => [...s.files.values()]);
  return Promise.all(files.map(async (f) => {
    const task: CompatFileTask = {
      format, schema: f.schema!, topic, partition: 3, compatibility: compatibility.toUpperCase(), codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {},
      pieces: compatPieces(f),
    };
    return { first: f.firstOffset, bytes: await writeCompatFile(task) };
  }));
}

async function readAvro(bytes: Uint8Array): Promise<{ schema: unknown; records: unknown[] }> {
  const records: unknown[] = [];
  let schema: unknown;
  await new Promise<void>((resolve, reject) => {
    const dec = new avro.streams.BlockDecoder({ parseHook: (s: unknown) => avroType(s) } as never);
    dec.on('metadata', (_t: unknown, _c: string, header: { meta: Record<string, Buffer> }) => (schema = JSON.parse(header.meta['avro.schema']!.toString())));
    dec.on('data', (x: unknown) => records.push({ ...(x as object) }));
    dec.on('end', resolve);
    dec.on('error', reject);
    Readable.from([Buffer.from(bytes)]).pipe(dec);
  });
  return { schema, records };
}

describe('files written with schema.compatibility', () => {
  it('BACKWARD, Parquet: the v1 records after v2 are in the v2 file, amount widened to double and status defaulted', async () => {
    const files = await objects('parquet', 'backward');
    expect(files.map((f) => f.first)).toEqual([0, 2]);
    const rows = files.map((f) => tableFromIPC(readParquet(f.bytes).intoIPCStream()));
    expect(rows[0]!.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Int64', 'amount:Int32']);
    expect(rows[0]!.toArray().map((x) => x.toJSON())).toEqual([{ id: 1n, amount: 10 }, { id: 2n, amount: 20 }]);
    expect(rows[1]!.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Int64', 'amount:Float64', 'status:Utf8']);
    expect(rows[1]!.toArray().map((x) => x.toJSON())).toEqual([
      { id: 3n, amount: 30.5, status: 'PAID' }, { id: 4n, amount: 40.25, status: 'SHIPPED' }, { id: 5n, amount: 50, status: 'NEW' }, { id: 6n, amount: 60, status: 'NEW' },
    ]);
  });

  it('BACKWARD, JSON: lines as JsonConverter writes a v2 value (a double as 50.0)', async () => {
    const files = await objects('json', 'backward');
    expect(files.map((f) => f.first)).toEqual([0, 2]);
    expect(Buffer.from(files[1]!.bytes).toString()).toBe(
      '{"id":3,"amount":30.5,"status":"PAID"}\n{"id":4,"amount":40.25,"status":"SHIPPED"}\n{"id":5,"amount":50.0,"status":"NEW"}\n{"id":6,"amount":60.0,"status":"NEW"}\n',
    );
    expect(Buffer.from(files[0]!.bytes).toString()).toBe('{"id":1,"amount":10}\n{"id":2,"amount":20}\n');
  });

  it('BACKWARD, Avro: the v2 file\'s header is v2 and every record reads as v2', async () => {
    const files = await objects('avro', 'backward');
    const back = await readAvro(files[1]!.bytes);
    expect(back.schema).toEqual(V2);
    expect(back.records).toEqual([
      { id: 3, amount: 30.5, status: 'PAID' }, { id: 4, amount: 40.25, status: 'SHIPPED' }, { id: 5, amount: 50, status: 'NEW' }, { id: 6, amount: 60, status: 'NEW' },
    ]);
    expect((await readAvro(files[0]!.bytes)).schema).toEqual(V1);
  });

  it('FORWARD: a v2 record whose amount (double) has no int projection opens a set of its own (CC-38689); projected anyway, it is an error naming its offset', async () => {
    const topic = 'orders-fwd';
    const [s1, s2] = schemas(topic);
    const enc = new S3FormatEncoder();
    enc.begin(plan('avro', 'forward'), topic, 3);
    enc.add({ value: { id: 1, amount: 10 }, schema: s1 }, undefined, ctx(topic, 0));
    enc.add({ value: { id: 2, amount: 20, status: 'X' }, schema: s2 }, undefined, ctx(topic, 1));
    const out = enc.finish();
    const meta = out.meta as S3BatchMeta;
    const { r, closed } = rotation({ compatibility: 'forward' });
    r.addBatch('b', 1, readRowTable(out.output!, 2), meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: 1 })), 0, 1);
    r.close('flush');
    expect(closed.map((x) => [x.start, x.end, x.reason, [...x.files.values()].map((f) => f.version)])).toEqual([[0, 0, 'schema change', [1]], [1, 1, 'flush', [2]]]);
    const [f1, f2] = closed.map((x) => [...x.files.values()][0]!);
    // The file task still refuses what cannot be projected: the v2 rows given to the v1 file.
    const task: CompatFileTask = {
      format: 'json', schema: f1!.schema!, topic, partition: 3, compatibility: 'FORWARD',
      pieces: [...compatPieces(f1!), ...compatPieces(f2!)],
    };
    // double → int is no promotion: Connect's SchemaProjector refuses it.
    await expect(writeCompatFile(task)).rejects.toThrow(/topic orders-fwd partition 3 offset 1: .*schema.compatibility=FORWARD.*field amount: type float64 cannot be projected to int32/);
  });
});

describe('FORWARD files', () => {
  it('the newer records join the older file with their extra field dropped (Parquet and JSON); an older record after them opens a file of its own', async () => {
    const O1 = rec([{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }]);
    const O2 = rec([{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }, { name: 'status', type: 'string', default: 'NEW' }]);
    for (const format of ['parquet', 'json'] as const) {
      const topic = `fwd-${format}`;
      const s1 = recordSchemaFromAvro('avro:21', O1);
      const s2 = recordSchemaFromAvro('avro:22', O2);
      setRegistryVersion(s1, topic, 1);
      setRegistryVersion(s2, topic, 2);
      const enc = new S3FormatEncoder();
      enc.begin(plan(format, 'forward'), topic, 3);
      // offsets 0: v2, 1: v1 (older: closes the v2 file), 2: v2 (newer: projected into the v1 file), 3: v1
      [[s2, { id: 0, qty: 0, status: 'A' }], [s1, { id: 1, qty: 1 }], [s2, { id: 2, qty: 2, status: 'B' }], [s1, { id: 3, qty: 3 }]].forEach(([schema, value], i) =>
        enc.add({ value, schema: schema as RecordSchema }, undefined, ctx(topic, i)));
      const out = enc.finish();
      const meta = out.meta as S3BatchMeta;
      const { r, closed } = rotation({ compatibility: 'forward' });
      r.addBatch('b', 1, readRowTable(out.output!, 4), meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: 1 })), 0, 3);
      r.close('flush');
      const files = closed.flatMap((x) => [...x.files.values()]);
      expect(files.map((f) => [f.firstOffset, f.version])).toEqual([[0, 2], [1, 1]]);
      const bodies = await Promise.all(files.map((f) => writeCompatFile({ format, schema: f.schema!, topic, partition: 3, compatibility: 'FORWARD', pieces: compatPieces(f) })));
      if (format === 'json') {
        expect(bodies.map((b) => Buffer.from(b).toString())).toEqual(['{"id":0,"qty":0,"status":"A"}\n', '{"id":1,"qty":1}\n{"id":2,"qty":2}\n{"id":3,"qty":3}\n']);
      } else {
        const t = tableFromIPC(readParquet(bodies[1]!).intoIPCStream());
        expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'qty']);
        expect(t.toArray().map((x) => x.toJSON())).toEqual([{ id: 1n, qty: 1n }, { id: 2n, qty: 2n }, { id: 3n, qty: 3n }]);
      }
    }
  });
});

describe('schema versions in the worker', () => {
  it('a value without a version stops with its topic, partition, offset and the config key', () => {
    const s = recordSchemaFromAvro('avro:9', V1);
    const enc = new S3FormatEncoder();
    enc.begin(plan('parquet', 'backward'), 'no-version', 3);
    let err: unknown;
    try {
      enc.add({ value: { id: 1, amount: 1 }, schema: s }, undefined, ctx('no-version', 42));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as Error).message).toMatch(/^topic no-version partition 3 offset 42: schema.compatibility=BACKWARD needs the value schema's version.*no-version-value/);
  });

  it('connect.version in the writer schema wins over the registry version', () => {
    const s = recordSchemaFromAvro('avro:10', { ...V1, 'connect.version': 5 });
    setRegistryVersion(s, 't', 2);
    expect(schemaVersion(s, 't')).toBe(5);
    const plain = recordSchemaFromAvro('avro:11', V1);
    setRegistryVersion(plain, 't', 2);
    expect([schemaVersion(plain, 't'), schemaVersion(plain, 'other')]).toEqual([2, undefined]);
  });
});
