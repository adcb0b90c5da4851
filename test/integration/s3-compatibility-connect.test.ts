// schema.compatibility end to end with Protobuf and JSON Schema values
// (ProtobufConverter, JsonSchemaConverter): records of two schema versions
// registered in the stack's registry → Sluice → MinIO, read back by pyarrow.
// As Confluent's storage connectors: versions are the registry's under the
// subject value.subject.name.strategy names; with BACKWARD the older records
// after a newer one join the newer file, projected on the Kafka Connect
// schemas (an added optional field null, a default filled, numbers widened).
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMessageIndexes } from '../../src/workers/decode/protobuf.js';
import { confluentFrame } from '../helpers/registry.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, readParquet, runS3ToEnd } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const PROTOBUF = 'io.confluent.connect.protobuf.ProtobufConverter';
const JSON_SCHEMA = 'io.confluent.connect.json.JsonSchemaConverter';
const pad = (n: number) => String(n).padStart(10, '0');

async function register(subject: string, schemaType: 'PROTOBUF' | 'JSON', schema: string): Promise<number> {
  const res = await fetch(`${REGISTRY}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType, schema }),
  });
  if (!res.ok) throw new Error(`register ${subject}: HTTP ${res.status} ${await res.text()}`);
  // The next version differs in ways the registry's own compatibility rule may refuse (a field removed, retyped): this subject checks none.
  const cfg = await fetch(`${REGISTRY}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: 'NONE' }),
  });
  if (!cfg.ok) throw new Error(`config ${subject}: HTTP ${cfg.status} ${await cfg.text()}`);
  if (REGISTRY.includes('/apis/ccompat/')) {
    // Apicurio keeps its global rule for a subject set to NONE through ccompat; an artifact rule of NONE overrides it.
    const rule = await fetch(`${REGISTRY.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v3')}/groups/default/artifacts/${encodeURIComponent(subject)}/rules`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'NONE' }),
    });
    if (!rule.ok && rule.status !== 409) throw new Error(`rule ${subject}: HTTP ${rule.status} ${await rule.text()}`);
  }
  return ((await res.json()) as { id: number }).id;
}

/** Runs Sluice until every offset is committed, then stops it. */
async function runToEnd(topic: string, dir: string, converter: string, extra: Record<string, unknown>): Promise<void> {
  await runS3ToEnd(topic, dir, { 'value.converter': converter, 'value.converter.schema.registry.url': REGISTRY, ...extra });
}

const proto = (pkg: string, fields: string) => `syntax = "proto3";\npackage ${pkg};\n\nmessage Order {\n${fields}}\n`;

/** v1, v1, v2, v2, v1, v1 of shop-like Order messages, registered under `subject(pkg)`; returns the topic. */
async function produceProtobuf(topic: string, pkg: string, subject: string): Promise<void> {
  const v1 = proto(pkg, '  int64 id = 1;\n  int32 qty = 2;\n  string gone = 3;\n');
  const v2 = proto(pkg, '  int64 id = 1;\n  int64 qty = 2;\n  string note = 4;\n');
  await createTopic(topic, 1);
  const id1 = await register(subject, 'PROTOBUF', v1);
  const id2 = await register(subject, 'PROTOBUF', v2);
  const type = (text: string) => protobuf.parse(text, new protobuf.Root(), { keepCase: true }).root.lookupType(`${pkg}.Order`);
  const t1 = type(v1);
  const t2 = type(v2);
  const frame = (id: number, t: protobuf.Type, v: Record<string, unknown>) =>
    confluentFrame(id, Buffer.concat([writeMessageIndexes([0]), t.encode(t.fromObject(v)).finish()]));
  await produce(topic, [
    { value: frame(id1, t1, { id: 1, qty: 10, gone: 'a' }) },
    { value: frame(id1, t1, { id: 2, qty: 20, gone: 'b' }) },
    { value: frame(id2, t2, { id: 3, qty: 30, note: 'PAID' }) },
    { value: frame(id2, t2, { id: 4, qty: 40, note: 'SHIPPED' }) },
    { value: frame(id1, t1, { id: 5, qty: 50, gone: 'c' }) },
    { value: frame(id1, t1, { id: 6, qty: 60, gone: 'd' }) },
  ]);
}

const PROTO_V2_ROWS = [
  { id: 3, qty: 30, note: 'PAID' }, { id: 4, qty: 40, note: 'SHIPPED' },
  // ProtobufData makes every field optional and gives no defaults: a field the v1 record lacks is null.
  { id: 5, qty: 50, note: null }, { id: 6, qty: 60, note: null },
];

describe('S3 sink schema.compatibility with Protobuf and JSON Schema values from the registry', () => {
  it('Protobuf, BACKWARD, Parquet: v1, v2, v1 → two files; the later v1 records are in the v2 file, qty widened to int64, gone dropped, note null', async () => {
    const topic = uniqueName('s3_compat_pb');
    const dir = uniqueName('it');
    await produceProtobuf(topic, uniqueName('pb'), `${topic}-value`);
    // flush.size 4: the v2 set closes on its fourth record (offset 5), so nothing waits on the clock.
    await runToEnd(topic, dir, PROTOBUF, { 'schema.compatibility': 'BACKWARD', 'flush.size': '4' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['qty', 'int32'], ['gone', 'string']]);
    expect(files[0]!.data).toEqual([{ id: 1, qty: 10, gone: 'a' }, { id: 2, qty: 20, gone: 'b' }]);
    expect(files[1]!.schema).toEqual([['id', 'int64'], ['qty', 'int64'], ['note', 'string']]);
    expect(files[1]!.data).toEqual(PROTO_V2_ROWS);
  });

  it('Protobuf, RecordNameStrategy: the versions are those under the message\'s full name, not <topic>-value', async () => {
    const topic = uniqueName('s3_compat_pbrn');
    const dir = uniqueName('it');
    const pkg = uniqueName('rn');
    await produceProtobuf(topic, pkg, `${pkg}.Order`);
    await runToEnd(topic, dir, PROTOBUF, {
      'schema.compatibility': 'FULL', 'flush.size': '4', 'value.converter.value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
    });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[1]!.data).toEqual(PROTO_V2_ROWS);
  });

  it('Protobuf, BACKWARD: a v1 record after a v2 that renumbered a field cannot be projected (Connect compares the tag parameter): it opens a new set (Confluent CC-38689, DIFFERENT_PARAMS)', async () => {
    const topic = uniqueName('s3_compat_pberr');
    const dir = uniqueName('it');
    const pkg = uniqueName('pe');
    const v1 = proto(pkg, '  int64 id = 1;\n  string sku = 2;\n');
    const v2 = proto(pkg, '  int64 id = 1;\n  string sku = 3;\n');
    await createTopic(topic, 1);
    const id1 = await register(`${topic}-value`, 'PROTOBUF', v1);
    const id2 = await register(`${topic}-value`, 'PROTOBUF', v2);
    const type = (text: string) => protobuf.parse(text, new protobuf.Root(), { keepCase: true }).root.lookupType(`${pkg}.Order`);
    const frame = (id: number, t: protobuf.Type, v: Record<string, unknown>) =>
      confluentFrame(id, Buffer.concat([writeMessageIndexes([0]), t.encode(t.fromObject(v)).finish()]));
    await produce(topic, [
      { value: frame(id1, type(v1), { id: 1, sku: 'a' }) },
      { value: frame(id2, type(v2), { id: 2, sku: 'b' }) },
      { value: frame(id1, type(v1), { id: 3, sku: 'c' }) },
      { value: frame(id1, type(v1), { id: 4, sku: 'd' }) },
    ]);
    await runToEnd(topic, dir, PROTOBUF, { 'schema.compatibility': 'BACKWARD', 'flush.size': '2' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 1, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files.map((f) => f.data.map((r) => r.sku))).toEqual([['a'], ['b'], ['c', 'd']]);
  });

  it('JSON Schema, BACKWARD, Parquet: the v1 records after v2 take v2\'s default, a null for the new nullable field, and qty as a double', async () => {
    const topic = uniqueName('s3_compat_js');
    const dir = uniqueName('it');
    const v1 = { title: 'Order', type: 'object', properties: { id: { type: 'integer' }, qty: { type: 'integer', 'connect.type': 'int32' } } };
    const v2 = {
      title: 'Order', type: 'object',
      properties: { id: { type: 'integer' }, qty: { type: 'number' }, status: { type: 'string', default: 'NEW' }, note: { oneOf: [{ type: 'null' }, { type: 'string' }] } },
    };
    await createTopic(topic, 1);
    const id1 = await register(`${topic}-value`, 'JSON', JSON.stringify(v1));
    const id2 = await register(`${topic}-value`, 'JSON', JSON.stringify(v2));
    const frame = (id: number, v: unknown) => confluentFrame(id, Buffer.from(JSON.stringify(v)));
    await produce(topic, [
      { value: frame(id1, { id: 1, qty: 10 }) },
      { value: frame(id1, { id: 2, qty: 20 }) },
      { value: frame(id2, { id: 3, qty: 30.5, status: 'PAID', note: 'n' }) },
      { value: frame(id2, { id: 4, qty: 40.25, status: 'SHIPPED', note: null }) },
      { value: frame(id1, { id: 5, qty: 50 }) },
      { value: frame(id1, { id: 6, qty: 60 }) },
    ]);
    await runToEnd(topic, dir, JSON_SCHEMA, { 'schema.compatibility': 'BACKWARD', 'flush.size': '4' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['qty', 'int32']]);
    expect(files[1]!.schema).toEqual([['id', 'int64'], ['qty', 'double'], ['status', 'string'], ['note', 'string']]);
    expect(files[1]!.data).toEqual([
      { id: 3, qty: 30.5, status: 'PAID', note: 'n' }, { id: 4, qty: 40.25, status: 'SHIPPED', note: null },
      { id: 5, qty: 50, status: 'NEW', note: null }, { id: 6, qty: 60, status: 'NEW', note: null },
    ]);
  });
});
