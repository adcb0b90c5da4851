// schema.compatibility BACKWARD / FORWARD / FULL for values whose schema a
// single message transform made, without Kafka or S3. Kafka Connect's SMTs
// build their output schema from the input's: SchemaUtil.copySchemaBasics
// copies name, version, doc and parameters (Cast, Flatten, HeaderFrom,
// InsertField, ReplaceField, TimestampConverter on a field, Debezium's
// add.fields); HoistField and TimestampConverter on the whole value build one
// without a version; ExtractField and ExtractNewRecordState return the
// nested field's schema (no version: AvroData versions only the top level);
// SetSchemaMetadata sets name and version; MaskField keeps the schema. So
// Confluent's S3 sink sees versioned schemas after the copying SMTs and
// projects their records as untransformed ones: here, Avro values of versions
// 1 and 2 → the transform chain → the worker's chunks → rotation → the
// compat file task → Parquet / JSON read back.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { isConnectSchemaText, parseConnectSchemaText } from '../../src/sinks/s3-parquet/compat-connect.js';
import writeCompatFile from '../../src/sinks/s3-parquet/compat-file-task.js';
import { connectSchemaOf, type CSchema } from '../../src/sinks/s3-parquet/compatibility.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type ChunkMeta, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { PartitionRotation, type FileSet } from '../../src/sinks/s3-parquet/rotation.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import type { TRecord } from '../../src/transforms/record.js';
import { createDecoder } from '../../src/workers/decode/decoders.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import { recordSchemaFromAvro, setRegistryVersion, type RecordSchema } from '../../src/workers/schema.js';
import { chainOf } from './transform-chains.js';

const T = 'org.apache.kafka.connect.transforms.';
type Compat = 'backward' | 'forward' | 'full';
type Format = 'parquet' | 'json' | 'avro';

const ctx = (topic: string, offset: number): RecordContext => ({
  topic, partition: 0, offset, timestamp: 1_700_000_000_000, key: null, keyBytes: null, headers: () => [],
});
const plan = (format: Format, compatibility: Compat): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, format, compatibility,
});

/** Connector keys of one transform (alias t) or several (t1, t2 …). */
function smts(...steps: [string, Record<string, string>][]): Record<string, string> {
  const cfg: Record<string, string> = { transforms: steps.map((_, i) => `t${i}`).join(',') };
  steps.forEach(([type, opts], i) => {
    cfg[`transforms.t${i}.type`] = type;
    for (const [k, v] of Object.entries(opts)) cfg[`transforms.t${i}.${k}`] = v;
  });
  return cfg;
}

/** An Avro value schema registered under `${topic}-value` as `version`, as the decoder gives it under schema.compatibility. */
function registered(id: string, avro: unknown, topic: string, version: number): RecordSchema {
  const s = recordSchemaFromAvro(id, avro as Parameters<typeof recordSchemaFromAvro>[1]);
  setRegistryVersion(s, topic, version);
  return s;
}

/** Each value through the chain, then the worker: the chunks it makes (one record each). */
function encode(cfg: Record<string, string>, format: Format, compat: Compat, topic: string, values: [RecordSchema, unknown][]) {
  const chain = chainOf(cfg);
  const enc = new S3FormatEncoder();
  enc.begin(plan(format, compat), topic, 0);
  values.forEach(([schema, value], i) => {
    const c = ctx(topic, i);
    const r: TRecord = {
      topic, partition: 0, offset: i, timestamp: c.timestamp, key: null, keySchema: undefined,
      value, valueSchema: schema, headers: undefined, readHeaders: () => [],
    };
    if (!chain.apply(r)) throw new Error('dropped');
    enc.add({ value: r.value, schema: r.valueSchema! }, undefined, c);
  });
  return enc.finish();
}

/** The version and Connect schema the worker gives a value's chunk. */
function chunkOf(cfg: Record<string, string>, schema: RecordSchema, value: unknown, topic: string): { version: number | undefined; connect: CSchema } {
  const out = encode(cfg, 'parquet', 'backward', topic, [[schema, value]]);
  const g = (out.meta as S3BatchMeta).groups[0]!;
  // A schema no SMT changed (MaskField) stays the Avro writer schema it was.
  return { version: g.version, connect: isConnectSchemaText(g.schema!) ? parseConnectSchemaText(g.schema!).connect : connectSchemaOf(JSON.parse(g.schema!)) };
}

/** Whole files: the values → chain → worker → rotation → compat file task. */
async function files(cfg: Record<string, string>, format: Format, compat: Compat, topic: string, values: [RecordSchema, unknown][]) {
  const out = encode(cfg, format, compat, topic, values);
  const meta = out.meta as S3BatchMeta;
  const closed: FileSet<string>[] = [];
  const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility: compat }, {
    where: `topic ${topic} partition 0`, now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
  });
  r.addBatch('b', out.outputBytes, readRowTable(out.output!, meta.rows), meta.groups.map((g: ChunkMeta) => ({ ...g, buffer: out.output!, bytesPerRow: g.byteLength / g.rows })), 0, values.length - 1);
  r.close('flush');
  const list = closed.flatMap((s) => [...s.files.values()]);
  return Promise.all(list.map(async (f) => ({
    first: f.firstOffset,
    version: f.version,
    bytes: await writeCompatFile({
      format, schema: f.schema!, topic, partition: 0, compatibility: compat.toUpperCase(), codec: 'snappy', rowGroupBytes: 1 << 20, metadata: {},
      pieces: f.pieces.map((pc) => ({
        buffer: pc.chunk.buffer, byteOffset: pc.chunk.byteOffset, byteLength: pc.chunk.byteLength,
        rowStart: pc.rowStart, rowEnd: pc.rowEnd, rows: pc.chunk.rows,
        schema: pc.chunk.schema!, offsets: pc.offsets!,
      })),
    }),
  })));
}

const rowsOf = (bytes: Uint8Array) => {
  const t = tableFromIPC(readParquet(bytes).intoIPCStream());
  return { columns: t.schema.fields.map((f) => `${f.name}:${f.type}`), rows: t.toArray().map((x) => JSON.parse(JSON.stringify(x.toJSON(), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))) };
};

// An order, versions 1 and 2: v2 widens amount, adds status with a default, drops note.
const ORDER1 = {
  type: 'record', name: 'Order', namespace: 'shop', doc: 'an order',
  fields: [
    { name: 'id', type: 'long' }, { name: 'amount', type: 'int' }, { name: 'secret', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ship', type: { type: 'record', name: 'Ship', fields: [{ name: 'city', type: 'string' }] } },
  ],
};
const ORDER2 = {
  type: 'record', name: 'Order', namespace: 'shop', doc: 'an order',
  fields: [
    { name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'secret', type: 'string' },
    { name: 'status', type: 'string', default: 'NEW' }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ship', type: { type: 'record', name: 'Ship', fields: [{ name: 'city', type: 'string' }] } },
  ],
};
const o1 = (id: number) => ({ id, amount: id * 10, secret: 's', note: null, at: 86_400_000 * id, ship: { city: `c${id}` } });
const o2 = (id: number, status: string) => ({ id, amount: id + 0.5, secret: 's', status, at: 86_400_000 * id, ship: { city: `c${id}` } });
// AvroData keeps the record's doc as a parameter (under a key storage-common versions name differently).
const DOC_PARAM = '"an order"]';

describe('the version a transform-made schema carries (as Kafka Connect\'s SMTs)', () => {
  const topic = 'vers';
  const s = registered('avro:o1', ORDER1, topic, 3);

  it('copySchemaBasics SMTs keep the input\'s version, name and parameters', () => {
    const cases: [string, Record<string, string>][] = [
      [`${T}ReplaceField$Value`, { exclude: 'secret', renames: 'amount:total' }],
      [`${T}InsertField$Value`, { 'topic.field': 'topic', 'offset.field': 'off!', 'timestamp.field': 'ts' }],
      [`${T}Cast$Value`, { spec: 'amount:int16,id:string' }],
      [`${T}Flatten$Value`, { delimiter: '_' }],
      [`${T}TimestampConverter$Value`, { field: 'at', 'target.type': 'string', format: 'yyyy-MM-dd' }],
      [`${T}HeaderFrom$Value`, { fields: 'secret', headers: 'h', operation: 'move' }],
      [`${T}MaskField$Value`, { fields: 'secret' }],
    ];
    for (const [type, opts] of cases) {
      const c = chunkOf(smts([type, opts]), s, o1(1), topic);
      expect(c.version, type).toBe(3);
      expect(c.connect.name, type).toBe('shop.Order');
      expect(c.connect.params, type).toContain(DOC_PARAM);
    }
  });

  it('each SMT\'s output fields are the Connect schemas it builds', () => {
    const names = (c: CSchema) => c.fields!.map((f) => `${f.name}:${f.schema.type}${f.schema.optional ? '?' : ''}${f.schema.name ? `(${f.schema.name})` : ''}`);
    expect(names(chunkOf(smts([`${T}ReplaceField$Value`, { exclude: 'secret', renames: 'amount:total' }]), s, o1(1), topic).connect))
      .toEqual(['id:int64', 'total:int32', 'note:string?', 'at:int64(org.apache.kafka.connect.data.Timestamp)', 'ship:struct(shop.Ship)']);
    expect(names(chunkOf(smts([`${T}InsertField$Value`, { 'topic.field': 'topic', 'offset.field': 'off!', 'timestamp.field': 'ts' }]), s, o1(1), topic).connect).slice(6))
      .toEqual(['topic:string?', 'off:int64', 'ts:int64?(org.apache.kafka.connect.data.Timestamp)']);
    // Cast: a fresh schema of the target type (int16 stays int16 to the projector).
    expect(names(chunkOf(smts([`${T}Cast$Value`, { spec: 'amount:int16,id:string' }]), s, o1(1), topic).connect).slice(0, 2)).toEqual(['id:string', 'amount:int16']);
    expect(names(chunkOf(smts([`${T}Flatten$Value`, { delimiter: '_' }]), s, o1(1), topic).connect).slice(-1)).toEqual(['ship_city:string']);
    expect(names(chunkOf(smts([`${T}TimestampConverter$Value`, { field: 'at', 'target.type': 'Date' }]), s, o1(1), topic).connect)[4])
      .toBe('at:int32(org.apache.kafka.connect.data.Date)');
    expect(names(chunkOf(smts([`${T}HeaderFrom$Value`, { fields: 'secret', headers: 'h', operation: 'move' }]), s, o1(1), topic).connect)).not.toContain('secret:string');
  });

  it('HoistField, ExtractField, TimestampConverter of the whole value and ExtractNewRecordState give a schema without version', () => {
    const hoisted = chunkOf(smts([`${T}HoistField$Value`, { field: 'order' }]), s, o1(1), topic);
    expect(hoisted.version).toBeUndefined();
    expect(hoisted.connect.name).toBeUndefined();
    expect(hoisted.connect.fields!.map((f) => [f.name, f.schema.name])).toEqual([['order', 'shop.Order']]);
    const extracted = chunkOf(smts([`${T}ExtractField$Value`, { field: 'ship' }]), s, o1(1), topic);
    expect([extracted.version, extracted.connect.name]).toEqual([undefined, 'shop.Ship']);
    const at = chunkOf(smts([`${T}ExtractField$Value`, { field: 'at' }], [`${T}TimestampConverter$Value`, { 'target.type': 'unix' }]), s, o1(1), topic);
    expect([at.version, at.connect.type, at.connect.name]).toEqual([undefined, 'int64', undefined]);

    const value = { type: 'record', name: 'Value', namespace: 'db.shop.orders', fields: [{ name: 'id', type: 'long' }] };
    const env = registered('avro:env', {
      type: 'record', name: 'Envelope', namespace: 'db.shop.orders', 'connect.version': 2,
      fields: [
        { name: 'before', type: ['null', value], default: null }, { name: 'after', type: ['null', 'db.shop.orders.Value'], default: null },
        { name: 'op', type: 'string' }, { name: 'ts_ms', type: ['null', 'long'], default: null },
      ],
    }, topic, 4);
    const unwrapped = chunkOf(smts(['io.debezium.transforms.ExtractNewRecordState', {}]), env, { before: null, after: { id: 1 }, op: 'c', ts_ms: 5 }, topic);
    expect([unwrapped.version, unwrapped.connect.name, unwrapped.connect.fields!.map((f) => f.name)]).toEqual([undefined, 'db.shop.orders.Value', ['id']]);
    const added = chunkOf(smts(['io.debezium.transforms.ExtractNewRecordState', { 'add.fields': 'op,ts_ms', 'delete.handling.mode': 'rewrite' }]), env, { before: null, after: { id: 1 }, op: 'c', ts_ms: 5 }, topic);
    expect(added.version).toBeUndefined();
    expect(added.connect.fields!.map((f) => `${f.name}:${f.schema.type}${f.schema.optional ? '?' : ''}`)).toEqual(['id:int64', '__deleted:string?', '__op:string', '__ts_ms:int64?']);
  });

  it('SetSchemaMetadata sets the version (and name), also on a schema an SMT built without one; without schema.version it keeps the input\'s', () => {
    const set = chunkOf(smts([`${T}HoistField$Value`, { field: 'order' }], [`${T}SetSchemaMetadata$Value`, { 'schema.name': 'shop.Wrapped', 'schema.version': '9' }]), s, o1(1), topic);
    expect([set.version, set.connect.name]).toEqual([9, 'shop.Wrapped']);
    const named = chunkOf(smts([`${T}SetSchemaMetadata$Value`, { 'schema.name': 'shop.Renamed' }], [`${T}ReplaceField$Value`, { exclude: 'secret' }]), s, o1(1), topic);
    expect([named.version, named.connect.name]).toEqual([3, 'shop.Renamed']);
  });

  it('a copying SMT on a schema the value subject lacks stops with the version message, as without a transform', () => {
    const unregistered = recordSchemaFromAvro('avro:o-unreg', ORDER1 as Parameters<typeof recordSchemaFromAvro>[1]);
    let err: unknown;
    try {
      encode(smts([`${T}ReplaceField$Value`, { exclude: 'secret' }]), 'parquet', 'backward', 'unreg', [[unregistered, o1(1)]]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as Error).message).toMatch(/^topic unreg partition 0 offset 0: schema.compatibility=BACKWARD needs the value schema's version.*unreg-value/);
  });

  it('an SMT whose Connect schema Sluice cannot match (Flatten of a map) stops with the option named', () => {
    const m = registered('avro:map', { type: 'record', name: 'M', fields: [{ name: 'm', type: { type: 'map', values: 'int' } }] }, 'maps', 1);
    expect(() => encode(smts([`${T}Flatten$Value`, {}]), 'parquet', 'backward', 'maps', [[m, { m: { a: 1 } }]]))
      .toThrow(/^topic maps partition 0 offset 0: schema.compatibility=BACKWARD projects values on their Kafka Connect schemas.*Flatten: Flatten transformation does not support MAP.*schema.compatibility=NONE/);
  });
});

describe('files of transformed values (as Confluent\'s S3 sink writes them)', () => {
  const chain = smts(
    [`${T}ReplaceField$Value`, { exclude: 'secret', renames: 'amount:total' }],
    [`${T}InsertField$Value`, { 'offset.field': 'kafka_offset' }],
  );

  it('BACKWARD: a v2 record closes the v1 file; the v1 records after it are projected into the v2 file (total widened, status defaulted)', async () => {
    const topic = 'xb';
    const s1 = registered('avro:xb1', ORDER1, topic, 1);
    const s2 = registered('avro:xb2', ORDER2, topic, 2);
    const out = await files(chain, 'parquet', 'backward', topic, [[s1, o1(1)], [s2, o2(2, 'PAID')], [s1, o1(3)], [s2, o2(4, 'SHIPPED')]]);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 1], [1, 2]]);
    const first = rowsOf(out[0]!.bytes);
    expect(first.columns).toEqual(['id:Int64', 'total:Int32', 'note:Utf8', 'at:Timestamp<MICROSECOND, UTC>', 'ship:Struct<{city:Utf8}>', 'kafka_offset:Int64']);
    expect(first.rows).toEqual([{ id: 1, total: 10, note: null, at: 86_400_000, ship: { city: 'c1' }, kafka_offset: 0 }]);
    const second = rowsOf(out[1]!.bytes);
    expect(second.columns).toEqual(['id:Int64', 'total:Float64', 'status:Utf8', 'at:Timestamp<MICROSECOND, UTC>', 'ship:Struct<{city:Utf8}>', 'kafka_offset:Int64']);
    expect(second.rows).toEqual([
      { id: 2, total: 2.5, status: 'PAID', at: 2 * 86_400_000, ship: { city: 'c2' }, kafka_offset: 1 },
      { id: 3, total: 30, status: 'NEW', at: 3 * 86_400_000, ship: { city: 'c3' }, kafka_offset: 2 },
      { id: 4, total: 4.5, status: 'SHIPPED', at: 4 * 86_400_000, ship: { city: 'c4' }, kafka_offset: 3 },
    ]);
  });

  it('FORWARD, JSON: an older record closes the newer file; a newer one joins the older file, projected (status dropped, note null)', async () => {
    const topic = 'xf';
    // v2 with amount still an int: the only differences are the added status and the dropped optional note.
    const ORDER2I = { ...ORDER2, fields: ORDER2.fields.map((f) => (f.name === 'amount' ? { name: 'amount', type: 'int' } : f)) };
    const s1 = registered('avro:xf1', ORDER1, topic, 1);
    const s2 = registered('avro:xf2', ORDER2I, topic, 2);
    const out = await files(chain, 'json', 'forward', topic, [[s2, { ...o2(1, 'PAID'), amount: 1 }], [s1, o1(2)], [s2, { ...o2(3, 'SHIPPED'), amount: 3 }]]);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 2], [1, 1]]);
    expect(out.map((f) => Buffer.from(f.bytes).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown))).toEqual([
      [{ id: 1, total: 1, status: 'PAID', at: 86_400_000, ship: { city: 'c1' }, kafka_offset: 0 }],
      [
        { id: 2, total: 20, note: null, at: 2 * 86_400_000, ship: { city: 'c2' }, kafka_offset: 1 },
        { id: 3, total: 3, note: null, at: 3 * 86_400_000, ship: { city: 'c3' }, kafka_offset: 2 },
      ],
    ]);
  });

  it('the same chain on one version writes one file, as Confluent does, and its rows are those NONE writes', async () => {
    const topic = 'xs';
    const s2 = registered('avro:xs2', ORDER2, topic, 2);
    const values: [RecordSchema, unknown][] = [[s2, o2(1, 'A')], [s2, o2(2, 'B')]];
    const out = await files(chain, 'parquet', 'full', topic, values);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 2]]);
    expect(rowsOf(out[0]!.bytes).rows.map((r: { id: number; kafka_offset: number }) => [r.id, r.kafka_offset])).toEqual([[1, 0], [2, 1]]);
  });

  it('a schema built without a version (HoistField) runs alone; meeting another schema in a file it stops as Confluent\'s "Schema version required"', async () => {
    const topic = 'xh';
    const s1 = registered('avro:xh1', ORDER1, topic, 1);
    const s2 = registered('avro:xh2', ORDER2, topic, 2);
    const hoist = smts([`${T}HoistField$Value`, { field: 'order' }]);
    const alone = await files(hoist, 'json', 'backward', topic, [[s1, o1(1)], [s1, o1(2)]]);
    expect(alone.map((f) => [f.first, f.version])).toEqual([[0, undefined]]);
    await expect(files(hoist, 'json', 'backward', topic, [[s1, o1(1)], [s2, o2(2, 'X')]]))
      .rejects.toThrow(/^topic xh partition 0 offset 1: schema.compatibility=BACKWARD .*has no version .*Schema version required for BACKWARD compatibility/);
    // SetSchemaMetadata's schema.version gives both the same version: projected (the file's schema is the first record's).
    const versioned = await files(smts([`${T}HoistField$Value`, { field: 'order' }], [`${T}SetSchemaMetadata$Value`, { 'schema.version': '1' }]), 'json', 'backward', topic, [[s2, o2(1, 'X')], [s1, o1(2)]]);
    expect(versioned.map((f) => [f.first, f.version])).toEqual([[0, 1]]);
    expect(Buffer.from(versioned[0]!.bytes).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as { order: { status: string } }).order.status)).toEqual(['X', 'NEW']);
  });

  it('Kafka Connect JSON envelopes: the envelope\'s "version" carries through ReplaceField + Cast, and v1 rows join the v2 file projected', async () => {
    const C1 = { type: 'struct', name: 'shop.Order', version: 1, fields: [{ field: 'id', type: 'int64' }, { field: 'qty', type: 'int8' }, { field: 'x', type: 'string' }] };
    const C2 = {
      type: 'struct', name: 'shop.Order', version: 2,
      fields: [{ field: 'id', type: 'int64' }, { field: 'qty', type: 'int16' }, { field: 'x', type: 'string' }, { field: 'status', type: 'string', default: 'NEW' }],
    };
    const d = createDecoder('connect-json', {});
    const dec = (schema: unknown, payload: unknown) => {
      const v = d.decode(Buffer.from(JSON.stringify({ schema, payload })));
      return [v.schema, v.value] as [RecordSchema, unknown];
    };
    // Cast id to int32 (a fresh schema, the same in both versions); ReplaceField drops x; qty widens int8 → int16.
    const cfg = smts([`${T}ReplaceField$Value`, { exclude: 'x' }], [`${T}Cast$Value`, { spec: 'id:int32' }]);
    const out = await files(cfg, 'json', 'backward', 'xj', [dec(C1, { id: 1, qty: 1, x: 'a' }), dec(C2, { id: 2, qty: 300, x: 'b', status: 'PAID' }), dec(C1, { id: 3, qty: 3, x: 'c' })]);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 1], [1, 2]]);
    expect(Buffer.from(out[1]!.bytes).toString()).toBe('{"id":2,"qty":300,"status":"PAID"}\n{"id":3,"qty":3,"status":"NEW"}\n');
  });
});
