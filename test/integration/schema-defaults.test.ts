// Schema defaults read as Kafka Connect reads them, end to end: Avro values
// whose null fields have bytes / decimal / record defaults (ISO-8859-1 text in
// the Avro schema, AvroData.defaultValueFromAvro) written by the S3 sink's
// JsonFormat as JsonConverter writes the defaults, and applied by an SMT's
// replace.null.with.default (Struct.get) before PostgreSQL.
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, readObjects, runS3ToEnd } from './s3-support.js';
import { pgConnector, runUntilCommitted } from './postgres-helpers.js';

const SCHEMA = {
  type: 'record', name: 'Reading', namespace: 'defaults',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'raw', type: ['bytes', 'null'], default: '\u0001\u00ff' },
    { name: 'amount', type: [{ type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 }, 'null'], default: '\u0030\u0039' },
    { name: 'where', type: [{ type: 'record', name: 'Place', fields: [{ name: 'code', type: 'bytes' }] }, 'null'], default: { code: 'A\u00e9' } },
  ],
};
const type = avroType(SCHEMA);
const frame = (id: number, v: Record<string, unknown>) => confluentFrame(id, type.toBuffer(v));
const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };

describe('schema defaults read as Connect reads them', () => {
  beforeAll(async () => {
    await ensurePythonReaders();
  }, 600_000);

  it('S3 JsonFormat writes a null field as its bytes / decimal / record default, exactly as JsonConverter does', async () => {
    const topic = uniqueName('s3_defaults');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const id = await registerSchema(`${topic}-value`, SCHEMA);
    await produce(topic, [
      { value: frame(id, { id: 1, raw: null, amount: null, where: null }) },
      { value: frame(id, { id: 2, raw: Buffer.from([7]), amount: Buffer.from([0xff, 0x85]), where: { code: Buffer.alloc(0) } }) },
    ]);
    await runS3ToEnd(topic, dir, {
      ...AVRO, 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'flush.size': '2', 'schema.compatibility': 'NONE',
    }, uniqueName('s3'));
    const objects = await readObjects(`${dir}/${topic}/`);
    expect(objects).toHaveLength(1);
    // 0x3039 = 12345 → 123.45, written as BASE64 of its unscaled bytes; 'Aé' is the bytes 0x41 0xE9.
    expect(objects[0]!.text).toBe(
      '{"id":1,"raw":"Af8=","amount":"MDk=","where":{"code":"Qek="}}\n' +
      '{"id":2,"raw":"Bw==","amount":"hQ==","where":{"code":""}}\n');
  });

  it('InsertField (replace.null.with.default=true) gives a null bytes field its default before PostgreSQL', async () => {
    const topic = uniqueName('pg_defaults');
    await createTopic(topic, 1);
    const id = await registerSchema(`${topic}-value`, SCHEMA);
    await produce(topic, [
      { key: 'a', value: frame(id, { id: 1, raw: null, amount: null, where: null }) },
      { key: 'b', value: frame(id, { id: 2, raw: Buffer.from([7]), amount: Buffer.from([0xff, 0x85]), where: null }) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      ...AVRO, 'auto.create': 'true', 'fields.whitelist': 'id,raw,amount,src',
      transforms: 'ins', 'transforms.ins.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.ins.static.field': 'src', 'transforms.ins.static.value': 'k',
    }), [topic]);
    expect(await sql(`SELECT id, raw, amount::text AS amount, src FROM "${topic}" ORDER BY id`)).toEqual([
      { id: 1, raw: Buffer.from([1, 255]), amount: '123.45', src: 'k' },
      { id: 2, raw: Buffer.from([7]), amount: '-1.23', src: 'k' },
    ]);
  });
});
