// schema.compatibility BACKWARD / FORWARD / FULL for Protobuf and JSON Schema
// values (ProtobufConverter, JsonSchemaConverter), without Kafka or S3: the
// Kafka Connect schemas Sluice derives as ProtobufData / JsonSchemaData do,
// the version lookup under the subject value.subject.name.strategy names (a
// fake registry), and whole files: records of two registered versions →
// decoder → the worker's chunks → rotation → the compat file task → Parquet
// and JSON read back.
import avro from 'avsc';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { connectToC } from '../../src/sinks/s3-parquet/compat-connect.js';
import writeCompatFile, { type CompatFileTask } from '../../src/sinks/s3-parquet/compat-file-task.js';
import { project } from '../../src/sinks/s3-parquet/compatibility.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { PartitionRotation, type FileSet, type OpenFile } from '../../src/sinks/s3-parquet/rotation.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { connectViewOf } from '../../src/workers/connect-view.js';
import { avroType, createDecoder, type Decoded } from '../../src/workers/decode/decoders.js';
import { jsonSchemaConnectSchema } from '../../src/workers/decode/json-schema-connect.js';
import { mapSchemaName, protobufConnectSchema } from '../../src/workers/decode/protobuf-connect.js';
import { compileProto } from '../../src/workers/decode/protobuf.js';
import { subjectStrategyOf, type SubjectStrategy } from '../../src/workers/decode/subjects.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import type { ConnectSchema } from '../../src/workers/schema.js';

// ---------- a registry: schemas by id, versions by (subject, schema) ----------

interface Registered { schema: string; schemaType: string }
const byId = new Map<number, Registered>();
/** "<subject>\0<schema text>" → version, as POST /subjects/<subject> answers. */
const versions = new Map<string, number>();
const asked: { subject: string; body: Record<string, unknown> }[] = [];

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /\/schemas\/ids\/(\d+)$/.exec(url)?.[1];
      const subj = req.method === 'POST' ? /\/subjects\/([^/?]+)$/.exec(url)?.[1] : undefined;
      let found: unknown;
      if (id !== undefined) found = byId.get(Number(id));
      else if (subj !== undefined) {
        const subject = decodeURIComponent(subj);
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { schema: string };
        asked.push({ subject, body });
        const v = versions.get(`${subject}\u0000${body.schema}`);
        if (v !== undefined) found = { subject, version: v, id: 0, schema: body.schema };
      }
      res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found ?? { error_code: id !== undefined ? 40403 : 40401, message: 'not found' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function register(id: number, schemaType: string, schema: string, ...subjects: [string, number][]): void {
  byId.set(id, { schema, schemaType });
  for (const [subject, v] of subjects) versions.set(`${subject}\u0000${schema}`, v);
}

function frame(id: number, body: Uint8Array, indexes = true): Buffer {
  return Buffer.concat([Buffer.from([0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), indexes ? Buffer.from([0]) : Buffer.alloc(0), body]);
}

/** The records of one batch through a decoder that looks versions up as schema.compatibility makes it. */
async function decodeAll(format: 'protobuf' | 'json-schema', topic: string, values: Buffer[], strategy?: SubjectStrategy, wrapperForNullables = false): Promise<(Decoded | Error)[]> {
  const d = createDecoder(format, { registryUrl: base, schemaVersions: true, wrapperForNullables, ...(strategy ? { subjectStrategy: strategy } : {}) });
  await d.prepare(values, topic);
  return values.map((v) => {
    try {
      return d.decode(v);
    } catch (err) {
      return err as Error;
    }
  });
}

// ---------- files, as the sink makes them ----------

const ctx = (topic: string, offset: number): RecordContext => ({ topic, partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });

const plan = (format: 'parquet' | 'json' | 'avro', compatibility: 'backward' | 'forward' | 'full'): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, format, compatibility,
});

function compatPieces(f: OpenFile): CompatFileTask['pieces'] {
  return f.pieces.map((pc) => ({
    buffer: pc.chunk.buffer, byteOffset: pc.chunk.byteOffset, byteLength: pc.chunk.byteLength, rowStart: pc.rowStart, rowEnd: pc.rowEnd, rows: pc.chunk.rows,
    schema: pc.chunk.schema!, offsets: pc.offsets!,
  }));
}

/** Decoded records (offsets 0…) → worker → rotation → each closed file's first offset, version and bytes. */
async function files(format: 'parquet' | 'json' | 'avro', compatibility: 'backward' | 'forward' | 'full', topic: string, decoded: Decoded[]) {
  const enc = new S3FormatEncoder();
  enc.begin(plan(format, compatibility), topic, 0);
  decoded.forEach((d, i) => enc.add(d, undefined, ctx(topic, i)));
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const closed: FileSet<string>[] = [];
  const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility }, {
    now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
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

async function readAvro(bytes: Uint8Array): Promise<{ schema: unknown; records: unknown[] }> {
  const records: unknown[] = [];
  let schema: unknown;
  await new Promise<void>((resolve, reject) => {
    const dec = new avro.streams.BlockDecoder({ parseHook: (x: unknown) => avroType(x) } as never);
    dec.on('metadata', (_t: unknown, _c: string, header: { meta: Record<string, Buffer> }) => (schema = JSON.parse(header.meta['avro.schema']!.toString())));
    dec.on('data', (x: unknown) => records.push(JSON.parse(JSON.stringify(x))));
    dec.on('end', resolve);
    dec.on('error', reject);
    Readable.from([Buffer.from(bytes)]).pipe(dec);
  });
  return { schema, records };
}

// ---------- Protobuf ----------

const PROTO_V1 = `syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  int32 qty = 2;
  string gone = 3;
  repeated Line lines = 4;
  message Line { string sku = 1; int32 n = 2; }
}
`;
const PROTO_V2 = `syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  int64 qty = 2;
  repeated Line lines = 4;
  string note = 5;
  message Line { string sku = 1; int32 n = 2; double w = 3; }
}
`;

function protoBytes(text: string, value: Record<string, unknown>): Uint8Array {
  const t = compileProto(text, new Map()).root.lookupType('shop.Order');
  return t.encode(t.fromObject(value)).finish();
}

describe('Protobuf values: the Kafka Connect schema (ProtobufData)', () => {
  const { root } = compileProto(`syntax = "proto3";
package p.q;
import "google/protobuf/wrappers.proto";
message M {
  sint32 a = 3;
  uint32 b = 4;
  Color c = 5;
  map<string, int32> tags_count = 6;
  map<int64, string> byId = 7;
  oneof pay { string card = 8; int64 cash = 9; }
  google.protobuf.StringValue note = 10;
  repeated sint64 hist = 11;
  optional int32 maybe = 12;
  enum Color { RED = 0; BLUE = 5; }
}
`, new Map());
  const m = root.lookupType('p.q.M');

  it('names, parameters and optionality as ProtobufData gives them with the converter\'s defaults', () => {
    const cs = protobufConnectSchema(m, false);
    expect(cs.name).toBe('M');
    const f = Object.fromEntries(cs.fields!.map((x) => [x.field, x]));
    expect(cs.fields!.map((x) => x.field)).toEqual(['pay_0', 'a', 'b', 'c', 'tags_count', 'byId', 'note', 'hist', 'maybe']);
    expect(f.a).toMatchObject({ type: 'int32', optional: true, parameters: { 'io.confluent.connect.protobuf.Type': 'sint32', 'io.confluent.connect.protobuf.Tag': '3' } });
    expect(f.b).toMatchObject({ type: 'int64', parameters: { 'io.confluent.connect.protobuf.Type': 'uint32', 'io.confluent.connect.protobuf.Tag': '4' } });
    expect(f.c).toMatchObject({
      type: 'string', name: 'Color', optional: true,
      parameters: { 'io.confluent.connect.protobuf.Enum': 'Color', 'io.confluent.connect.protobuf.Enum.RED': '0', 'io.confluent.connect.protobuf.Enum.BLUE': '5', 'io.confluent.connect.protobuf.Tag': '5' },
    });
    expect(f.tags_count).toMatchObject({ type: 'map', name: 'tags_count', keys: { type: 'string', parameters: { 'io.confluent.connect.protobuf.Tag': '1' } }, values: { type: 'int32' } });
    // ProtobufSchema.toMapEntry("byId") = "byIdEntry"; toMapField gives "by_id".
    expect(f.byId).toMatchObject({ type: 'map', name: 'by_id', keys: { type: 'int64' } });
    expect(f.pay_0).toMatchObject({ type: 'struct', name: 'io.confluent.connect.protobuf.Union.pay', optional: true });
    expect(f.pay_0!.parameters).toBeUndefined();
    expect(f.pay_0!.fields!.map((x: ConnectSchema) => [x.field, x.optional, x.parameters?.['io.confluent.connect.protobuf.Tag']])).toEqual([['card', true, '8'], ['cash', true, '9']]);
    expect(f.note).toMatchObject({ type: 'struct', name: 'StringValue', fields: [{ field: 'value', type: 'string' }] });
    expect(f.hist).toMatchObject({ type: 'array', optional: true, items: { type: 'int64', optional: true, parameters: { 'io.confluent.connect.protobuf.Type': 'sint64' } } });
    expect(mapSchemaName('ABCEntry'.slice(0, -5))).toBe('a_b_c');
  });

  it('wrapper.for.nullables: wrappers are their optional value, plain scalars required', () => {
    const cs = protobufConnectSchema(m, true);
    const f = Object.fromEntries(cs.fields!.map((x) => [x.field, x]));
    expect(f.note).toMatchObject({ type: 'string', optional: true });
    expect(f.a!.optional).toBe(false);
    // No optional.for.nullables: a proto3 optional scalar is required too.
    expect(f.maybe!.optional).toBe(false);
    expect(f.c!.optional).toBe(true);
  });

  it('a message that contains itself is refused, naming it', () => {
    const r = protobuf.parse('syntax = "proto3"; message Node { string name = 1; repeated Node kids = 2; }', new protobuf.Root()).root;
    r.resolveAll();
    expect(() => protobufConnectSchema(r.lookupType('Node'), false)).toThrow(/message Node contains itself/);
  });
});

describe('Protobuf values: versions and files', () => {
  register(101, 'PROTOBUF', PROTO_V1, ['pb-orders-value', 1], ['shop.Order', 4], ['pb-rn-shop.Order', 7]);
  register(102, 'PROTOBUF', PROTO_V2, ['pb-orders-value', 2], ['shop.Order', 5], ['pb-rn-shop.Order', 8]);

  const batch = () => [
    frame(101, protoBytes(PROTO_V1, { id: 1, qty: 10, gone: 'x', lines: [{ sku: 'a', n: 1 }] })),
    frame(102, protoBytes(PROTO_V2, { id: 2, qty: 20, note: 'hi', lines: [{ sku: 'b', n: 2, w: 0.5 }] })),
    frame(101, protoBytes(PROTO_V1, { id: 3, qty: 30, lines: [] })),
  ];

  it('looks each schema\'s version up under the subject the strategy names, with its type', async () => {
    for (const [strategy, topic, subject, v] of [['topic', 'pb-orders', 'pb-orders-value', [1, 2]], ['record', 'any', 'shop.Order', [4, 5]], ['topic-record', 'pb-rn', 'pb-rn-shop.Order', [7, 8]]] as const) {
      asked.length = 0;
      const d = (await decodeAll('protobuf', topic, batch(), strategy)) as Decoded[];
      expect(asked.map((a) => a.subject)).toEqual([subject, subject]);
      expect(asked[0]!.body.schemaType).toBe('PROTOBUF');
      const enc = await files('json', 'backward', topic, d);
      expect(enc.map((f) => f.version)).toEqual([...v]);
    }
  });

  it('a schema its subject does not hold fails its records only, naming the subject', async () => {
    const d = await decodeAll('protobuf', 'elsewhere', batch());
    expect(d.every((x) => x instanceof Error && /schema id 10[12] is not registered under the subject elsewhere-value/.test(x.message))).toBe(true);
  });

  it('BACKWARD: a v1 record after v2 joins the v2 file, qty widened, gone dropped, note and w null (optional, no default)', async () => {
    const d = (await decodeAll('protobuf', 'pb-orders', batch())) as Decoded[];
    const pq = await files('parquet', 'backward', 'pb-orders', d);
    expect(pq.map((f) => [f.first, f.version])).toEqual([[0, 1], [1, 2]]);
    const v2 = rowsOf(pq[1]!.bytes);
    expect(v2.columns.slice(0, 2)).toEqual(['id:Int64', 'qty:Int64']);
    expect(v2.rows).toEqual([
      { id: 2, qty: 20, lines: [{ sku: 'b', n: 2, w: 0.5 }], note: 'hi' },
      { id: 3, qty: 30, lines: [], note: null },
    ]);
    const json = await files('json', 'full', 'pb-orders', d);
    expect(Buffer.from(json[1]!.bytes).toString()).toBe(
      '{"id":2,"qty":20,"lines":[{"sku":"b","n":2,"w":0.5}],"note":"hi"}\n{"id":3,"qty":30,"lines":[],"note":null}\n',
    );
    expect(Buffer.from(json[0]!.bytes).toString()).toBe('{"id":1,"qty":10,"gone":"x","lines":[{"sku":"a","n":1}]}\n');
  });

  it('AvroFormat: the v2 file\'s header is the Avro schema Sluice gives v2 values, and the projected v1 records read as v2', async () => {
    const d = (await decodeAll('protobuf', 'pb-orders', batch())) as Decoded[];
    const avroFiles = await files('avro', 'backward', 'pb-orders', d);
    const back = await readAvro(avroFiles[1]!.bytes);
    expect((back.schema as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['id', 'qty', 'lines', 'note']);
    expect(back.records).toEqual([
      { id: 2, qty: 20, lines: [{ sku: 'b', n: 2, w: 0.5 }], note: 'hi' },
      { id: 3, qty: 30, lines: [], note: null },
    ]);
  });

  it('FORWARD: a v2 whose int64 qty has no int32 projection does not join the v1 file: it opens a set of its own (CC-38689, DIFFERENT_TYPE)', async () => {
    const d = (await decodeAll('protobuf', 'pb-orders', batch())) as Decoded[];
    expect((await files('json', 'forward', 'pb-orders', d)).map((f) => [f.first, f.version])).toEqual([[0, 1], [1, 2], [2, 1]]);
  });

  it('a field renumbered (another tag) or retyped is a parameter or type mismatch, never a different value', () => {
    const s = (text: string) => {
      const r = protobuf.parse(text, new protobuf.Root(), { keepCase: true }).root;
      r.resolveAll();
      return protobufConnectSchema(r.lookupType('shop.Order'), false);
    };
    const rs = (fields: string[]) => ({ id: 'x', fields: fields.map((name) => ({ name, type: { kind: 'int64' as const }, optional: true })) });
    const a = connectToC(s('syntax = "proto3"; package shop; message Order { int64 id = 1; }'), rs(['id']));
    const b = connectToC(s('syntax = "proto3"; package shop; message Order { int64 id = 2; }'), rs(['id']));
    const c = connectToC(s('syntax = "proto3"; package shop; message Order { sint64 id = 1; }'), rs(['id']));
    expect(project(a, { id: 5 }, a)).toEqual({ id: 5 });
    expect(() => project(a, { id: 5 }, b)).toThrow(/field id: .*io.confluent.connect.protobuf.Tag/);
    expect(() => project(a, { id: 5 }, c)).toThrow(/field id: .*io.confluent.connect.protobuf.Type/);
  });

  it('wrapper.for.nullables: a new required scalar has no default, so an older record does not join the newer file (MISSING_REQUIRED_FIELD rotates)', async () => {
    const w1 = 'syntax = "proto3";\npackage shop;\nmessage Order { int64 id = 1; }\n';
    const w2 = 'syntax = "proto3";\npackage shop;\nmessage Order { int64 id = 1; int32 qty = 2; }\n';
    register(111, 'PROTOBUF', w1, ['pbw-value', 1]);
    register(112, 'PROTOBUF', w2, ['pbw-value', 2]);
    const d = (await decodeAll('protobuf', 'pbw', [frame(112, protoBytes(w2, { id: 1, qty: 2 })), frame(111, protoBytes(w1, { id: 2 }))], undefined, true)) as Decoded[];
    const out = await files('parquet', 'backward', 'pbw', d);
    expect(out.map((f) => [f.first, f.version])).toEqual([[0, 2], [1, 1]]);
    expect(rowsOf(out[1]!.bytes).rows).toEqual([{ id: 2 }]);
  });

  it('enums, oneofs, maps with int64 keys, wrappers, timestamps and repeated enums have the decoder\'s shape and project', async () => {
    const rich = (extra: string) => `syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message Order {
  Color color = 1;
  oneof pay { string card = 2; int64 cash = 3; }
  map<int64, string> names = 4;
  google.protobuf.StringValue note = 5;
  google.protobuf.Timestamp at = 6;
  repeated Color history = 7;
${extra}  enum Color { RED = 0; BLUE = 1; }
}
`;
    const r1 = rich('');
    const r2 = rich('  sint32 rank = 8;\n');
    register(131, 'PROTOBUF', r1, ['pbx-value', 1]);
    register(132, 'PROTOBUF', r2, ['pbx-value', 2]);
    const v = { color: 1, cash: 7, names: { 5: 'five' }, note: { value: 'n' }, at: { seconds: 1, nanos: 500 }, history: [0, 1] };
    const d = (await decodeAll('protobuf', 'pbx', [frame(132, protoBytes(r2, { ...v, rank: -3 })), frame(131, protoBytes(r1, v))])) as Decoded[];
    const json = await files('json', 'backward', 'pbx', d);
    expect(json.map((f) => [f.first, f.version])).toEqual([[0, 2]]);
    const lines = Buffer.from(json[0]!.bytes).toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[1]).toEqual({ ...lines[0], rank: null });
    expect(lines[0]).toMatchObject({ color: 'BLUE', pay_0: { card: null, cash: 7 }, note: { value: 'n' }, history: ['RED', 'BLUE'], rank: -3 });
  });

  it('a value whose Connect schema Sluice cannot match stops at the record, naming it', async () => {
    const rec = 'syntax = "proto3";\npackage shop;\nmessage Order { int64 id = 1; Order parent = 2; }\n';
    register(121, 'PROTOBUF', rec, ['pbr-value', 1]);
    const d = (await decodeAll('protobuf', 'pbr', [frame(121, protoBytes(rec, { id: 1 }))])) as Decoded[];
    const enc = new S3FormatEncoder();
    enc.begin(plan('parquet', 'backward'), 'pbr', 0);
    let err: unknown;
    try {
      enc.add(d[0]!, undefined, ctx('pbr', 9));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as Error).message).toMatch(/^topic pbr partition 0 offset 9: schema.compatibility=BACKWARD .*message shop.Order contains itself/);
  });
});

// ---------- JSON Schema ----------

const JS_V1 = JSON.stringify({
  title: 'shop.Order', type: 'object',
  properties: { id: { type: 'integer' }, qty: { type: 'integer', 'connect.type': 'int32' }, gone: { type: 'string' } },
});
const JS_V2 = JSON.stringify({
  title: 'shop.Order', type: 'object',
  properties: {
    id: { type: 'integer' }, qty: { type: 'number' }, status: { type: 'string', default: 'NEW' },
    note: { oneOf: [{ type: 'null' }, { type: 'string' }] },
  },
});

describe('JSON Schema values: the Kafka Connect schema (JsonSchemaData)', () => {
  it('titles as names, connect.type, connect.parameters, enums, defaults, nullable unions as optional', () => {
    const cs = jsonSchemaConnectSchema({
      title: 'T', type: 'object', 'connect.version': 3,
      properties: {
        a: { type: 'integer', 'connect.type': 'int16' },
        b: { type: 'number', 'connect.type': 'float32', default: 1.5 },
        c: { enum: ['x', 'y', null] },
        d: { type: ['string', 'null'] },
        e: { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.type': 'bytes', 'connect.parameters': { scale: '2' } },
        f: { type: 'object', 'connect.type': 'map', additionalProperties: { type: 'integer' } },
        g: { type: 'array', items: { type: 'string' } },
      },
    });
    expect(cs.name).toBe('T');
    const f = Object.fromEntries(cs.fields!.map((x) => [x.field, x]));
    expect(f.a).toMatchObject({ type: 'int16', optional: false });
    expect(f.b).toMatchObject({ type: 'float', default: 1.5 });
    expect(f.c).toMatchObject({ type: 'string', parameters: { 'io.confluent.connect.json.Enum': '', 'io.confluent.connect.json.Enum.x': 'x', 'io.confluent.connect.json.Enum.y': 'y', 'io.confluent.connect.json.Enum.<NULL>': '<NULL>' } });
    expect(f.d).toMatchObject({ type: 'string', optional: true });
    expect(f.e).toMatchObject({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } });
    expect(f.f).toMatchObject({ type: 'map', keys: { type: 'string' }, values: { type: 'int64' } });
    expect(f.g).toMatchObject({ type: 'array', items: { type: 'string', optional: false } });
  });

  it('refuses what it cannot match exactly: unions of several types, allOf, a schema allowing anything, a $ref used twice or recursively', () => {
    const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra }) as never;
    expect(() => jsonSchemaConnectSchema(obj({ a: { oneOf: [{ type: 'string' }, { type: 'integer' }] } }))).toThrow(/^a: a union of several types/);
    expect(() => jsonSchemaConnectSchema(obj({ a: { allOf: [{ type: 'string' }] } }))).toThrow(/^a: allOf/);
    expect(() => jsonSchemaConnectSchema(obj({ a: {} }))).toThrow(/^a: a schema that allows any value/);
    expect(() => jsonSchemaConnectSchema(obj({ a: { $ref: '#/definitions/X' }, b: { $ref: '#/definitions/X' } }, { definitions: { X: { type: 'string' } } }))).toThrow(/^b: a schema referenced more than once/);
    expect(() => jsonSchemaConnectSchema(obj({ kids: { type: 'array', items: { $ref: '#' } } }))).toThrow(/contains itself/);
    expect(() => jsonSchemaConnectSchema(obj({ a: { type: 'object' } }))).toThrow(/^a: an object that declares no properties/);
    // JsonSchemaData takes the number over the enum of an {integer, enum} schema, where Sluice's decoder reads a string.
    expect(() => jsonSchemaConnectSchema(obj({ a: { type: 'integer', enum: [1, 2] } }))).toThrow(/^a: an enum or const with "type" "integer"/);
    // A const next to "type": "string" is a plain string in Connect.
    expect(jsonSchemaConnectSchema(obj({ a: { type: 'string', const: 'x' } })).fields![0]).toEqual({ type: 'string', optional: false, field: 'a' });
  });
});

describe('JSON Schema values: versions and files', () => {
  register(201, 'JSON', JS_V1, ['js-orders-value', 1], ['shop.Order', 3]);
  register(202, 'JSON', JS_V2, ['js-orders-value', 2], ['shop.Order', 6]);
  const batch = () => [
    frame(201, Buffer.from('{"id":1,"qty":10,"gone":"x"}'), false),
    frame(202, Buffer.from('{"id":2,"qty":2.5,"status":"PAID","note":"n"}'), false),
    frame(201, Buffer.from('{"id":3,"qty":30,"gone":"y"}'), false),
  ];

  it('BACKWARD: v1 after v2 joins the v2 file: qty int32 → float64, status defaulted, note null, gone dropped', async () => {
    const d = (await decodeAll('json-schema', 'js-orders', batch())) as Decoded[];
    const json = await files('json', 'backward', 'js-orders', d);
    expect(json.map((f) => [f.first, f.version])).toEqual([[0, 1], [1, 2]]);
    expect(Buffer.from(json[1]!.bytes).toString()).toBe('{"id":2,"qty":2.5,"status":"PAID","note":"n"}\n{"id":3,"qty":30.0,"status":"NEW","note":null}\n');
    const pq = await files('parquet', 'backward', 'js-orders', d);
    expect(rowsOf(pq[1]!.bytes)).toEqual({
      columns: ['id:Int64', 'qty:Float64', 'status:Utf8', 'note:Utf8'],
      rows: [{ id: 2, qty: 2.5, status: 'PAID', note: 'n' }, { id: 3, qty: 30, status: 'NEW', note: null }],
    });
  });

  it('RecordNameStrategy: versions under the title; FORWARD: the float64 qty of v2 has no int32 projection, so v2 opens a set of its own', async () => {
    asked.length = 0;
    const d = (await decodeAll('json-schema', 'js-any', batch(), subjectStrategyOf('io.confluent.kafka.serializers.subject.RecordNameStrategy'))) as Decoded[];
    expect(new Set(asked.map((a) => a.subject))).toEqual(new Set(['shop.Order']));
    expect(asked[0]!.body.schemaType).toBe('JSON');
    expect((await files('json', 'forward', 'js-any', d)).map((f) => [f.first, f.version])).toEqual([[0, 3], [1, 6], [2, 3]]);
  });

  it('a top-level connect.version wins over the registry\'s, as JsonSchemaData makes it', async () => {
    const withVersion = JSON.stringify({ ...JSON.parse(JS_V1), 'connect.version': 9 });
    register(203, 'JSON', withVersion, ['js-cv-value', 1]);
    const d = (await decodeAll('json-schema', 'js-cv', [frame(203, Buffer.from('{"id":1,"qty":1,"gone":"g"}'), false)])) as Decoded[];
    expect((await files('json', 'backward', 'js-cv', d)).map((f) => f.version)).toEqual([9]);
  });

  it('the Connect view has the decoder\'s shape: field names and defaults as the decoder reads them', async () => {
    const d = (await decodeAll('json-schema', 'js-orders', batch())) as Decoded[];
    const cs = connectToC(connectViewOf(d[1]!.schema)!(), d[1]!.schema);
    expect(cs.fields!.map((f) => [f.name, f.schema.type, f.schema.optional, f.schema.default])).toEqual([
      ['id', 'int64', false, undefined], ['qty', 'float64', false, undefined], ['status', 'string', false, 'NEW'], ['note', 'string', true, undefined],
    ]);
  });
});

describe('value.subject.name.strategy', () => {
  it('reads Confluent\'s class names and simple names; any other class is none of them', () => {
    expect(subjectStrategyOf('io.confluent.kafka.serializers.subject.TopicNameStrategy')).toBe('topic');
    expect(subjectStrategyOf('RecordNameStrategy')).toBe('record');
    expect(subjectStrategyOf(' io.confluent.kafka.serializers.subject.TopicRecordNameStrategy ')).toBe('topic-record');
    expect(subjectStrategyOf('com.example.MyStrategy')).toBeUndefined();
    expect(subjectStrategyOf('com.example.RecordNameStrategy')).toBeUndefined();
  });

  it('a schema without a record name under RecordNameStrategy fails its records, as Confluent\'s strategy refuses it', async () => {
    register(301, 'JSON', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' } } }));
    const [d] = await decodeAll('json-schema', 'js-untitled', [frame(301, Buffer.from('{"id":1}'), false)], 'record');
    expect(d).toBeInstanceOf(Error);
    expect((d as Error).message).toMatch(/schema id 301: with value.subject.name.strategy=RecordNameStrategy the value's schema must be a named record/);
  });
});
