// A null field whose schema has a default lands as Kafka Connect lands it
// (native-notes/null-defaults.md): AvroConverter keeps the null and the
// sink decides (Confluent's JDBC sink: valueStruct.get unless its
// replace.null.with.default=false; Debezium's: getWithoutDefault for an
// optional field; S3 Parquet: AvroData.fromConnectData reads struct.get);
// JsonConverter puts the default in at decode unless its
// replace.null.with.default=false.
import { describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { ensurePythonReaders, readParquet, runS3ToEnd } from './s3-support.js';

const SCHEMA = {
  type: 'record', name: 'Item', namespace: 'nulldef',
  fields: [
    { name: 'id', type: 'int' },
    // AvroData: an optional string whose Connect default is "x".
    { name: 'sn', type: ['string', 'null'], default: 'x' },
    // Default null: no Connect default.
    { name: 'ns', type: ['null', 'string'], default: null },
  ],
};
const type = avroType(SCHEMA);
const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };
const DBZ = 'io.debezium.connector.jdbc.JdbcSinkConnector';

async function avroTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await createTopic(topic, 1);
  const id = await registerSchema(`${topic}-value`, SCHEMA);
  await produce(topic, [
    { key: 'a', value: confluentFrame(id, type.toBuffer({ id: 1, sn: null, ns: null })) },
    { key: 'b', value: confluentFrame(id, type.toBuffer({ id: 2, sn: 'y', ns: 'z' })) },
  ]);
  return topic;
}

async function rows(topic: string, cols: string): Promise<unknown[]> {
  return sql(`SELECT ${cols} FROM "${topic}" ORDER BY id`);
}

describe('a null field with a schema default, as Kafka Connect lands it', () => {
  it("PostgreSQL, AvroConverter: Confluent's class writes the default (valueStruct.get), and null with replace.null.with.default=false; Debezium's class writes null", async () => {
    const cases = [
      { cls: 'io.confluent.connect.jdbc.JdbcSinkConnector', extra: { 'auto.create': 'true' }, sn: 'x' },
      { cls: 'io.confluent.connect.jdbc.JdbcSinkConnector', extra: { 'auto.create': 'true', 'replace.null.with.default': 'false' }, sn: null },
      { cls: DBZ, extra: { 'schema.evolution': 'basic' }, sn: null },
    ];
    for (const c of cases) {
      const topic = await avroTopic('pg_nulldef_avro');
      await runUntilCommitted(pgConnector(topic, { 'connector.class': c.cls, ...AVRO, 'insert.mode': 'insert', ...c.extra }), [topic]);
      expect(await rows(topic, 'id, sn, ns'), JSON.stringify(c)).toEqual([{ id: 1, sn: c.sn, ns: null }, { id: 2, sn: 'y', ns: 'z' }]);
    }
  }, 300_000);

  it('PostgreSQL, JsonConverter: the converter puts the default in unless value.converter.replace.null.with.default=false; then only Confluent\'s Struct.get does', async () => {
    const ID: ConnectField = { field: 'id', type: 'int32', optional: false };
    const S = { field: 's', type: 'string', optional: true, default: 'd' } as ConnectField;
    const cases = [
      { cls: 'io.confluent.connect.jdbc.JdbcSinkConnector', extra: { 'auto.create': 'true' }, s: 'd' },
      { cls: 'io.confluent.connect.jdbc.JdbcSinkConnector', extra: { 'auto.create': 'true', 'value.converter.replace.null.with.default': 'false' }, s: 'd' },
      {
        cls: 'io.confluent.connect.jdbc.JdbcSinkConnector',
        extra: { 'auto.create': 'true', 'value.converter.replace.null.with.default': 'false', 'replace.null.with.default': 'false' }, s: null,
      },
      { cls: DBZ, extra: { 'schema.evolution': 'basic' }, s: 'd' },
      { cls: DBZ, extra: { 'schema.evolution': 'basic', 'value.converter.replace.null.with.default': 'false' }, s: null },
    ];
    for (const c of cases) {
      const topic = uniqueName('pg_nulldef_json');
      await createTopic(topic, 1);
      // A null and a missing field alike: JsonConverter reads both as null.
      await produce(topic, [
        { key: 'a', value: envelope([ID, S], { id: 1, s: null }) },
        { key: 'b', value: envelope([ID, S], { id: 2 }) },
        { key: 'c', value: envelope([ID, S], { id: 3, s: 'v' }) },
      ]);
      await runUntilCommitted(pgConnector(topic, { 'connector.class': c.cls, 'insert.mode': 'insert', ...c.extra }), [topic]);
      expect(await rows(topic, 'id, s'), JSON.stringify(c)).toEqual([{ id: 1, s: c.s }, { id: 2, s: c.s }, { id: 3, s: 'v' }]);
    }
  }, 300_000);

  it('S3 ParquetFormat, AvroConverter: the default is written (AvroData.fromConnectData reads struct.get)', async () => {
    await ensurePythonReaders();
    const topic = await avroTopic('s3_nulldef');
    const dir = uniqueName('it');
    await runS3ToEnd(topic, dir, { ...AVRO, 'flush.size': '2' }, uniqueName('s3'));
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.flatMap((f) => f.data)).toEqual([{ id: 1, sn: 'x', ns: null }, { id: 2, sn: 'y', ns: 'z' }]);
  }, 600_000);
});
