// schema.compatibility end to end with Kafka Connect JSON values (JsonConverter,
// schemas.enable=true): envelopes of two schema versions → Sluice → MinIO,
// read back by pyarrow. As Confluent's storage connectors: the version is the
// envelope schema's "version"; with BACKWARD the older records after a newer
// one join the newer file, projected by Kafka Connect's SchemaProjector (an
// int32 widened, a default filled, a new optional field null, a removed field
// dropped; Decimal and Timestamp kept); a schema change where a schema has no
// version stops Sluice as Confluent's task fails ("Schema version required").
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, readParquet, runS3ToEnd, s3Connector } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const pad = (n: number) => String(n).padStart(10, '0');
const DECIMAL = { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2' }, optional: false };
const TIMESTAMP = { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1, optional: false };

// As JsonConverter.asJsonSchema writes a Connect struct schema.
const V1 = {
  type: 'struct', name: 'shop.Order', version: 1, optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'qty', type: 'int32', optional: false },
    { field: 'amount', ...DECIMAL },
    { field: 'at', ...TIMESTAMP },
    { field: 'gone', type: 'string', optional: true },
  ],
};
const V2 = {
  type: 'struct', name: 'shop.Order', version: 2, optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'qty', type: 'int64', optional: false },
    { field: 'amount', ...DECIMAL },
    { field: 'at', ...TIMESTAMP },
    { field: 'status', type: 'string', optional: false, default: 'NEW' },
    { field: 'note', type: 'string', optional: true },
  ],
};

const value = (schema: unknown, payload: unknown) => ({ value: JSON.stringify({ schema, payload }) });
// 12.34 and 1.00: the unscaled value's two's complement bytes, base64 (JsonConverter's decimal.format BASE64).
const AMOUNT = { 1234: 'BNI=', 100: 'ZA==' } as const;
const v1 = (id: number) => value(V1, { id, qty: id * 10, amount: AMOUNT[1234], at: 1_700_000_000_000 + id, gone: `g${id}` });
const v2 = (id: number, status: string, note: string | null) => value(V2, { id, qty: id * 10, amount: AMOUNT[100], at: 1_700_000_000_000 + id, status, note });
const ts = (id: number) => ({ $timestamp: new Date(1_700_000_000_000 + id).toISOString().replace(/(\.\d{3})Z$/, '$1000+00:00') });

describe('S3 sink schema.compatibility with Kafka Connect JSON values', () => {
  it('BACKWARD, Parquet: v1, v2, v1 → two files; the later v1 records are in the v2 file, projected to v2', async () => {
    const topic = uniqueName('s3_compat_cj');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [v1(1), v1(2), v2(3, 'PAID', 'n'), v2(4, 'SHIPPED', null), v1(5), v1(6)]);
    // flush.size 4: the v2 set closes on its fourth record (offset 5), so nothing waits on the clock.
    await runS3ToEnd(topic, dir, { 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'true', 'schema.compatibility': 'BACKWARD', 'flush.size': '4' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['qty', 'int32'], ['amount', 'decimal128(38, 2)'], ['at', 'timestamp[us, tz=UTC]'], ['gone', 'string']]);
    expect(files[0]!.data).toEqual([1, 2].map((id) => ({ id, qty: id * 10, amount: { $decimal: '12.34' }, at: ts(id), gone: `g${id}` })));
    expect(files[1]!.schema).toEqual([['id', 'int64'], ['qty', 'int64'], ['amount', 'decimal128(38, 2)'], ['at', 'timestamp[us, tz=UTC]'], ['status', 'string'], ['note', 'string']]);
    expect(files[1]!.data).toEqual([
      { id: 3, qty: 30, amount: { $decimal: '1.00' }, at: ts(3), status: 'PAID', note: 'n' },
      { id: 4, qty: 40, amount: { $decimal: '1.00' }, at: ts(4), status: 'SHIPPED', note: null },
      { id: 5, qty: 50, amount: { $decimal: '12.34' }, at: ts(5), status: 'NEW', note: null },
      { id: 6, qty: 60, amount: { $decimal: '12.34' }, at: ts(6), status: 'NEW', note: null },
    ]);
  });

  it('FULL, Parquet: schemaless envelopes ("schema": null) are never compared, as in Confluent; a schema-based value after them closes the file set', async () => {
    const topic = uniqueName('s3_compat_cjz');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [value(null, { id: 1, n: 1 }), value(null, { id: 2, n: 2.5, extra: 'x' }), v2(3, 'PAID', null), v2(4, 'SHIPPED', 'n'), v2(5, 'A', null), v2(6, 'B', null)]);
    // flush.size 4: the schemaless set closes on the switch (offset 2), the v2 set on its fourth record.
    await runS3ToEnd(topic, dir, { 'value.converter': JSON_CONVERTER, 'schema.compatibility': 'FULL', 'flush.size': '4' });
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual([0, 2].map((s) => `${dir}/${topic}/partition=0/${topic}+0+${pad(s)}.snappy.parquet`));
    expect(files[0]!.schema).toEqual([['id', 'int64'], ['n', 'double'], ['extra', 'string']]);
    expect(files[0]!.data).toEqual([{ id: 1, n: 1, extra: null }, { id: 2, n: 2.5, extra: 'x' }]);
    expect(files[1]!.data.map((r) => r.status)).toEqual(['PAID', 'SHIPPED', 'A', 'B']);
  });

  it('BACKWARD: envelope schemas without "version" run while they stay the same; another schema in the file stops Sluice naming its offset', async () => {
    const topic = uniqueName('s3_compat_cjn');
    const dir = uniqueName('it');
    const a = { ...V1, version: undefined };
    const b = { ...V2, version: undefined };
    await createTopic(topic, 1);
    await produce(topic, [
      value(a, { id: 1, qty: 1, amount: AMOUNT[100], at: 1, gone: null }),
      value(a, { id: 2, qty: 2, amount: AMOUNT[100], at: 2, gone: null }),
      value(b, { id: 3, qty: 3, amount: AMOUNT[100], at: 3, status: 'x', note: null }),
    ]);
    const file = writeConnector(s3Connector(topic, dir, { 'value.converter': JSON_CONVERTER, 'schema.compatibility': 'BACKWARD', 'flush.size': '100' }), uniqueName('s3'));
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    const exit = await Promise.race([sluice.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${sluice.output().slice(-3000)}`)), 90_000))])
      .finally(() => sluice.stop('SIGKILL').catch(() => {}));
    expect(exit.code).not.toBe(0);
    expect(sluice.output()).toMatch(new RegExp(`topic ${topic} partition 0 offset 2: schema.compatibility=BACKWARD .*this record's value schema has no version.*Schema version required for BACKWARD compatibility`));
  });
});
