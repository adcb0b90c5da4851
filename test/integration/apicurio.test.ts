// Apicurio Registry's AvroConverter, as a Debezium user configures it: schemas
// registered through the registry's native API, records framed as Apicurio's
// serializer frames them (ids in the headers by default; magic byte 0 and an
// 8-byte id in the payload otherwise), into PostgreSQL with the converter keys
// unchanged. An id the registry does not have stops Sluice naming the record.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { avroType } from '../../src/workers/decode/decoders.js';
import { pgConnector, runExpectingFailure, runUntilCommitted } from './postgres-helpers.js';
import { ensurePythonReaders, readObjects, runS3ToEnd } from './s3-support.js';

/** The stack's registry is Apicurio: its native API beside the Confluent-compatible one the other tests use. */
const APICURIO = REGISTRY.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v2');

async function registerArtifact(artifactId: string, schema: object): Promise<{ globalId: number; contentId: number }> {
  const res = await fetch(`${APICURIO}/groups/default/artifacts?ifExists=RETURN_OR_UPDATE`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Registry-ArtifactId': artifactId, 'X-Registry-ArtifactType': 'AVRO' },
    body: JSON.stringify(schema),
  });
  if (!res.ok) throw new Error(`register ${artifactId}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { globalId: number; contentId: number };
}

const long8 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};

const APICURIO_CONVERTERS = {
  'key.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
  'key.converter.apicurio.registry.url': APICURIO,
  'key.converter.apicurio.registry.auto-register': 'true',
  'key.converter.apicurio.registry.find-latest': 'true',
  'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
  'value.converter.apicurio.registry.url': APICURIO,
  'value.converter.apicurio.registry.auto-register': 'true',
  'value.converter.apicurio.registry.find-latest': 'true',
};

describe('Apicurio Registry AvroConverter into PostgreSQL', () => {
  it('ids in the headers (the default), content ids and payload ids land as the rows they encode', async () => {
    const topic = uniqueName('apicurio.orders');
    await createTopic(topic, 1);
    // Confluent's JDBC sink splits the dotted topic at its dot: the table orders_… in the schema apicurio.
    await sql('CREATE SCHEMA IF NOT EXISTS apicurio');
    const keySchema = { type: 'record', name: 'Key', namespace: 'shop', fields: [{ name: 'id', type: 'int' }] };
    const valueSchema = {
      type: 'record', name: 'Value', namespace: 'shop', 'connect.name': 'shop.Value',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'name', type: ['null', 'string'], default: null },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2, 'connect.name': 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '12' } } },
        { name: 'big', type: 'long' },
      ],
    };
    const key = await registerArtifact(`${topic}-key`, keySchema);
    const value = await registerArtifact(`${topic}-value`, valueSchema);
    const kType = avro.Type.forSchema(keySchema as avro.Schema);
    const vType = avro.Type.forSchema(valueSchema as avro.Schema);
    const body = (id: number, name: string | null, cents: number, big: number) =>
      vType.toBuffer({ id, name, amount: Buffer.from(BigInt(cents).toString(16).padStart(6, '0'), 'hex'), big });
    const headers = (valueHeader: string, valueId: number) => ({
      'apicurio.key.globalId': long8(key.globalId), [valueHeader]: long8(valueId), 'apicurio.value.encoding': 'BINARY',
    });
    const messages: TestMessage[] = [
      { key: kType.toBuffer({ id: 1 }), value: body(1, 'first', 12_345, 2 ** 52 + 1), headers: headers('apicurio.value.globalId', value.globalId) },
      { key: kType.toBuffer({ id: 2 }), value: body(2, null, 99, -42), headers: headers('apicurio.value.contentId', value.contentId) },
      // apicurio.registry.headers.enabled=false: magic byte 0 and the 8-byte global id before the Avro body.
      {
        key: Buffer.concat([Buffer.from([0]), long8(key.globalId), kType.toBuffer({ id: 3 })]),
        value: Buffer.concat([Buffer.from([0]), long8(value.globalId), body(3, 'payload id', 100, 7)]),
      },
      { key: kType.toBuffer({ id: 1 }), value: body(1, 'first, updated', 54_321, 2 ** 52 + 1), headers: headers('apicurio.value.globalId', value.globalId) },
    ];
    await produce(topic, messages);
    const out = await runUntilCommitted(pgConnector(topic, {
      ...APICURIO_CONVERTERS, 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'auto.create': 'true',
    }), [topic]);
    expect(out).toMatch(/value\.converter\.apicurio\.registry\.auto-register: accepted, no effect/);
    const table = `apicurio."${topic.slice('apicurio.'.length)}"`;
    expect(await sql(`SELECT id, name, amount::text AS amount, big::text AS big FROM ${table} ORDER BY id`)).toEqual([
      { id: 1, name: 'first, updated', amount: '543.21', big: String(2 ** 52 + 1) },
      { id: 2, name: null, amount: '0.99', big: '-42' },
      { id: 3, name: 'payload id', amount: '1.00', big: '7' },
    ]);
  });

  it('a global id the registry does not have stops Sluice naming the record and the id', async () => {
    const topic = uniqueName('apicurio.unknown');
    await createTopic(topic, 1);
    await sql('CREATE SCHEMA IF NOT EXISTS apicurio'); // the table unknown_… in the schema apicurio
    const schema = { type: 'record', name: 'V', fields: [{ name: 'id', type: 'int' }] };
    const { globalId } = await registerArtifact(`${topic}-value`, schema);
    const t = avro.Type.forSchema(schema as avro.Schema);
    await produce(topic, [
      { key: null, value: t.toBuffer({ id: 1 }), headers: { 'apicurio.value.globalId': long8(globalId) } },
      { key: null, value: t.toBuffer({ id: 2 }), headers: { 'apicurio.value.globalId': long8(987_654_321) } },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, {
      ...APICURIO_CONVERTERS, 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'auto.create': 'true',
    }));
    expect(out).toMatch(new RegExp(`topic ${topic.replace(/\./g, '\\.')} partition 0 offset 1`));
    expect(out).toMatch(/Apicurio globalId 987654321 is not in the schema registry/);
  });
});

describe('Apicurio Registry AvroConverter into S3', () => {
  it('writes the same JsonFormat lines as Confluent\'s AvroConverter for the same schema and records', async () => {
    await ensurePythonReaders();
    const schema = {
      type: 'record', name: 'Reading', namespace: 'iot',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis', 'connect.name': 'org.apache.kafka.connect.data.Timestamp' } },
        { name: 'v', type: ['null', 'double'], default: null },
        { name: 'tags', type: { type: 'map', values: 'string' } },
        { name: 'raw', type: 'bytes' },
      ],
    };
    // Sluice's own Avro type only to produce: a long beyond 2^53 as a BigInt.
    const type = avroType(schema);
    const rows = [
      { id: 2n ** 60n + 1n, at: 1_700_000_000_123, v: 1.5, tags: { a: 'x' }, raw: Buffer.from([0, 255]) },
      { id: -3, at: 0, v: null, tags: {}, raw: Buffer.alloc(0) },
    ];
    const confluentTopic = uniqueName('apicurio_s3_confluent');
    const apicurioTopic = uniqueName('apicurio_s3_apicurio');
    await createTopic(confluentTopic, 1);
    await createTopic(apicurioTopic, 1);
    const id = await registerSchema(`${confluentTopic}-value`, schema);
    const { globalId } = await registerArtifact(`${apicurioTopic}-value`, schema);
    await produce(confluentTopic, rows.map((r) => ({ value: confluentFrame(id, type.toBuffer(r)) })));
    await produce(apicurioTopic, rows.map((r) => ({ value: type.toBuffer(r), headers: { 'apicurio.value.globalId': long8(globalId) } })));
    const dir = uniqueName('it');
    const json = { 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'flush.size': '2' };
    await runS3ToEnd(confluentTopic, dir, { ...json, 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY });
    await runS3ToEnd(apicurioTopic, dir, {
      ...json, 'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter', 'value.converter.apicurio.registry.url': APICURIO,
      'value.converter.apicurio.registry.auto-register': 'true', 'value.converter.apicurio.registry.find-latest': 'true',
    });
    const [confluent] = await readObjects(`${dir}/${confluentTopic}/`);
    const [apicurio] = await readObjects(`${dir}/${apicurioTopic}/`);
    expect(confluent?.text).toBeTruthy();
    expect(confluent!.text).toContain(String(2n ** 60n + 1n));
    expect(apicurio?.text).toBe(confluent!.text);
  });
});
