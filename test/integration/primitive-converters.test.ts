// Apache Kafka's primitive converters end to end: keys written by Kafka's
// LongSerializer / IntegerSerializer (ksqlDB-keyed topics) upserted and
// deleted by pk.mode=record_key, a primitive value format, and a key of the
// wrong length stopping the connector with its location, and S3 key files
// (store.kafka.keys) of LongConverter keys read back by fastavro.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readObjects, runS3ToEnd } from './s3-support.js';
import { envelope, pgConnector, runExpectingFailure, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const CONV = 'org.apache.kafka.connect.converters.';
const VALUE: ConnectField[] = [{ field: 'name', type: 'string' }, { field: 'qty', type: 'int32', optional: true }];

const long = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const int = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe("Apache Kafka's primitive converters", () => {
  it('LongConverter keys: upsert and delete by pk.mode=record_key into the column pk.fields names, exact beyond 2^53', async () => {
    const topic = uniqueName('pg_long_keys');
    await createTopic(topic, 2);
    const big = 2n ** 62n + 12345n;
    await produce(topic, [
      { key: long(1n), partition: 0, value: envelope(VALUE, { name: 'a', qty: 1 }) },
      { key: long(-7n), partition: 1, value: envelope(VALUE, { name: 'b', qty: 2 }) },
      { key: long(big), partition: 0, value: envelope(VALUE, { name: 'c', qty: 3 }) },
      { key: long(1n), partition: 0, value: envelope(VALUE, { name: 'a2', qty: 10 }) },
      { key: long(-7n), partition: 1, value: null },
      { key: long(-(2n ** 63n)), partition: 1, value: envelope(VALUE, { name: 'min', qty: null }) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': `${CONV}LongConverter`, 'auto.create': 'true',
      'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id', 'delete.enabled': 'true', 'batch.max.records': '2',
    }), [topic]);
    const type = await sql<{ t: string }>('SELECT data_type AS t FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [topic, 'id']);
    expect(type).toEqual([{ t: 'bigint' }]);
    expect(await sql(`SELECT id::text AS id, name, qty FROM ${topic} ORDER BY id`)).toEqual([
      { id: (-(2n ** 63n)).toString(), name: 'min', qty: null },
      { id: '1', name: 'a2', qty: 10 },
      { id: big.toString(), name: 'c', qty: 3 },
    ]);
  });

  it('through transforms: HoistField$Key makes the LongConverter key a struct whose field is the key column', async () => {
    const topic = uniqueName('pg_long_hoist');
    await createTopic(topic, 1);
    await produce(topic, [
      { key: long(10n), value: envelope(VALUE, { name: 'a', qty: 1 }) },
      { key: long(11n), value: envelope(VALUE, { name: 'b', qty: 2 }) },
      { key: long(10n), value: envelope(VALUE, { name: 'a2', qty: 3 }) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': `${CONV}LongConverter`, 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key',
      transforms: 'hoist', 'transforms.hoist.type': 'org.apache.kafka.connect.transforms.HoistField$Key', 'transforms.hoist.field': 'order_id',
    }), [topic]);
    expect(await sql(`SELECT order_id::int AS k, name FROM ${topic} ORDER BY 1`)).toEqual([{ k: 10, name: 'a2' }, { k: 11, name: 'b' }]);
  });

  it('IntegerConverter keys into an existing table, with its default key column __connect_key', async () => {
    const topic = uniqueName('pg_int_keys');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (__connect_key integer PRIMARY KEY, name text, qty integer)`);
    await produce(topic, [
      { key: int(2147483647), value: envelope(VALUE, { name: 'max', qty: 1 }) },
      { key: int(-5), value: envelope(VALUE, { name: 'neg', qty: 2 }) },
      { key: int(-5), value: envelope(VALUE, { name: 'neg2', qty: 3 }) },
    ]);
    await runUntilCommitted(pgConnector(topic, { 'key.converter': `${CONV}IntegerConverter`, 'insert.mode': 'upsert', 'pk.mode': 'record_key' }), [topic]);
    expect(await sql(`SELECT __connect_key AS k, name FROM ${topic} ORDER BY 1`)).toEqual([{ k: -5, name: 'neg2' }, { k: 2147483647, name: 'max' }]);
  });

  it('ShortConverter keys and Connect INT8 / INT16 fields: auto.create makes smallint columns (as the JDBC sink does), values exact', async () => {
    const topic = uniqueName('pg_short_keys');
    await createTopic(topic, 1);
    const short = (n: number) => {
      const b = Buffer.alloc(2);
      b.writeInt16BE(n);
      return b;
    };
    const fields: ConnectField[] = [{ field: 'small', type: 'int16' }, { field: 'tiny', type: 'int8', optional: true }, { field: 'n', type: 'int32' }];
    await produce(topic, [
      { key: short(-32768), value: envelope(fields, { small: 32767, tiny: -128, n: 1 }) },
      { key: short(5), value: envelope(fields, { small: -2, tiny: null, n: 2 }) },
      { key: short(5), value: envelope(fields, { small: 3, tiny: 127, n: 3 }) },
    ]);
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': `${CONV}ShortConverter`, 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id',
    }), [topic]);
    const types = await sql<{ c: string; t: string }>('SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [topic]);
    expect(types).toEqual([{ c: 'id', t: 'smallint' }, { c: 'small', t: 'smallint' }, { c: 'tiny', t: 'smallint' }, { c: 'n', t: 'integer' }]);
    expect(await sql(`SELECT id, small, tiny, n FROM ${topic} ORDER BY id`)).toEqual([
      { id: -32768, small: 32767, tiny: -128, n: 1 },
      { id: 5, small: 3, tiny: 127, n: 3 },
    ]);
  });

  it('a key of the wrong length stops the connector, naming the key, its converter and its location', async () => {
    const topic = uniqueName('pg_long_bad');
    await createTopic(topic, 1);
    await produce(topic, [
      { key: long(1n), value: envelope(VALUE, { name: 'a', qty: 1 }) },
      { key: int(2), value: envelope(VALUE, { name: 'b', qty: 2 }) },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, {
      'key.converter': `${CONV}LongConverter`, 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id',
    }));
    expect(out).toContain(`topic ${topic} partition 0 offset 1`);
    expect(out).toContain('key: LongConverter: 4 bytes, but its serializer writes exactly 8 (Size of data received by LongDeserializer is not 8)');
    expect(await sql(`SELECT id::int AS id FROM ${topic}`)).toEqual([{ id: 1 }]);
  });

  it('DoubleConverter values land in the column "value" as the exact double', async () => {
    const topic = uniqueName('pg_double_values');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, value double precision)`);
    const d = (x: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(x);
      return b;
    };
    await produce(topic, [{ key: 'a', value: d(0.1) }, { key: 'b', value: d(-1.5e300) }]);
    await runUntilCommitted(pgConnector(topic, { 'value.converter': `${CONV}DoubleConverter`, 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }), [topic]);
    expect(await sql(`SELECT k, value FROM ${topic} ORDER BY k`)).toEqual([{ k: 'a', value: 0.1 }, { k: 'b', value: -1.5e300 }]);
  });
});

describe('S3 key files of LongConverter keys', () => {
  beforeAll(async () => {
    await ensurePythonReaders();
  }, 600_000);

  it.each([
    ['AvroFormat', 'io.confluent.connect.s3.format.avro.AvroFormat', '.avro'],
    ['JsonFormat', 'io.confluent.connect.s3.format.json.JsonFormat', '.json'],
  ])('keys.format.class=%s: the keys as Connect INT64, beside the values', async (_n, cls, ext) => {
    const topic = uniqueName('s3_long_keys');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [1n, -7n, 2n ** 62n + 1n].map((k, i) => ({ key: long(k), value: JSON.stringify({ i }) })));
    await runS3ToEnd(topic, dir, {
      'key.converter': `${CONV}LongConverter`, 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'store.kafka.keys': 'true', 'keys.format.class': cls, 'flush.size': '3',
    });
    const name = `${dir}/${topic}/partition=0/${topic}+0+0000000000`;
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual([`${name}.json`, `${name}.keys${ext}`].sort());
    const o = (await readObjects(`${dir}/${topic}/`)).find((x) => x.key === `${name}.keys${ext}`)!;
    if (ext === '.avro') {
      // AvroData's schema of Connect's optional INT64, and the exact longs (the reader prints big ones as {"$int": digits}).
      expect(o.schema).toEqual(['null', 'long']);
      expect(o.records).toEqual([1, -7, { $int: (2n ** 62n + 1n).toString() }]);
    } else {
      expect(o.text!.split('\n').filter((l) => l !== '')).toEqual(['1', '-7', (2n ** 62n + 1n).toString()]);
    }
  });
});
