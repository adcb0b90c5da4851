// Inputs that used to land as something else: Avro long timestamps far from
// 1970, schema ids the registry does not know, values that are not objects,
// keys that do not decode. Each either lands exactly, stops Sluice naming the
// record, or is dead-lettered with the right stage (native-notes/input-kinds.md).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { createTopic, fullyCommitted, produce, readTopic } from '../helpers/kafka.js';
import { sql, withPg } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, uniqueName, waitFor } from '../helpers/stack.js';
import { pgConnector, runExpectingFailure, runUntilCommitted } from './postgres-helpers.js';
import { listObjects, readParquet, s3Connector } from './s3-support.js';

const AVRO = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY };
const JSON_PLAIN = { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' };
const dlqConfig = (dlq: string) => ({
  'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
  'errors.deadletterqueue.context.headers.enable': 'true', 'errors.log.enable': 'true',
});

/** The one "sluice: …" line a failed run prints. */
function stopLine(output: string): string | undefined {
  return output.split('\n').find((l) => l.startsWith('sluice: '));
}

const TS_SCHEMA = {
  type: 'record', name: 'Times', fields: [
    { name: 'id', type: 'long' },
    { name: 'us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ns', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'lus', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
  ],
};
// Written with plain longs (the same bytes): the writer side does not depend on the logical-type fix.
const tsType = avroType({ ...TS_SCHEMA, fields: TS_SCHEMA.fields.map((f) => ({ name: f.name, type: 'long' })) });
interface TimesRow { id: number; us: number | bigint; ms: number | bigint; ns: number | bigint; lus: number | bigint }
const TIMES: TimesRow[] = [
  // 1800-01-01 (avsc's long made it 2140-01-01), the 0001-01-01 sentinel in micros (below -2^53: avsc refused it)
  { id: 1, us: -5_364_662_400_000_000, ms: -5_364_662_400_000, ns: -5_364_662_400_000_000_000n, lus: -62_135_596_800_000_000n },
  // 9999-12-31T23:59:59.999999 and a plain recent instant with every digit
  { id: 2, us: 253_402_300_799_999_999n, ms: 253_402_300_799_999, ns: 1_700_000_000_123_456_000n, lus: 1_700_000_000_123_456 },
];
const EXPECTED = [
  { id: '1', us: '1800-01-01 00:00:00+00', ms: '1800-01-01 00:00:00+00', ns: '1800-01-01 00:00:00+00', lus: '0001-01-01 00:00:00+00' },
  { id: '2', us: '9999-12-31 23:59:59.999999+00', ms: '9999-12-31 23:59:59.999+00', ns: '2023-11-14 22:13:20.123456+00', lus: '2023-11-14 22:13:20.123456+00' },
];

describe('Avro long timestamps', () => {
  it('land in PostgreSQL as the exact instant, far past and far future included', async () => {
    const topic = uniqueName('avro_ts');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, us timestamptz, ms timestamptz, ns timestamptz, lus timestamptz)`);
    const id = await registerSchema(`${topic}-value`, TS_SCHEMA);
    await produce(topic, TIMES.map((r) => ({ value: confluentFrame(id, tsType.toBuffer(r)) })));
    await runUntilCommitted(pgConnector(topic, AVRO), [topic]);
    const rows = await withPg(async (c) => {
      await c.query("SET TIME ZONE 'UTC'");
      return (await c.query(`SELECT id::text, us::text, ms::text, ns::text, lus::text FROM ${topic} ORDER BY id`)).rows;
    });
    expect(rows).toEqual(EXPECTED);
  });

  it('a timestamp PostgreSQL cannot hold stops Sluice naming the record, never a different date', async () => {
    const topic = uniqueName('avro_ts_range');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, us timestamptz, ms timestamptz, ns timestamptz, lus timestamptz)`);
    const id = await registerSchema(`${topic}-value`, TS_SCHEMA);
    await produce(topic, [
      TIMES[1]!,
      { id: 3, us: 0, ms: -8_000_000_000_000_000, ns: 0, lus: 0 }, // year 255479 BC in millis: avsc wrote it as 255479 AD
    ].map((r) => ({ value: confluentFrame(id, tsType.toBuffer(r)) })));
    const out = await runExpectingFailure(pgConnector(topic, AVRO));
    expect(stopLine(out)).toBe(`sluice: convert failed at topic ${topic} partition 0 offset 1: column "ms" (timestamptz) cannot take timestamp-millis -8000000000000000: outside PostgreSQL's timestamp range (4713 BC to 294276 AD)`);
    expect(await sql(`SELECT id FROM ${topic} WHERE id = 3`)).toEqual([]);
  });

  it('land in S3 Parquet as exact UTC microseconds (local-timestamp-* as wall-clock TIMESTAMP(isAdjustedToUTC=false)); nanoseconds with sub-microsecond digits are dead-lettered, not rounded', async () => {
    const topic = uniqueName('avro_ts_s3');
    const dlq = uniqueName('avro_ts_s3_dlq');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const id = await registerSchema(`${topic}-value`, TS_SCHEMA);
    const bad = { id: 3, us: 0, ms: 0, ns: 1_700_000_000_123_456_789n, lus: 0 };
    await produce(topic, [TIMES[0]!, bad, TIMES[1]!].map((r) => ({ value: confluentFrame(id, tsType.toBuffer(r)) })));
    await runUntilCommitted(s3Connector(topic, dir, { ...AVRO, ...dlqConfig(dlq), 'flush.size': '2' }), [topic]);
    expect((await listObjects(`${dir}/`)).filter((o) => o.key.endsWith('.parquet')).length).toBe(1);
    const files = await readParquet(`${dir}/`);
    const data = files.flatMap((f) => f.data);
    expect(data).toEqual([
      { id: 1, us: { $timestamp: '1800-01-01T00:00:00.000000+00:00' }, ms: { $timestamp: '1800-01-01T00:00:00.000000+00:00' }, ns: { $timestamp: '1800-01-01T00:00:00.000000+00:00' }, lus: { $timestamp: '0001-01-01T00:00:00.000000' } },
      { id: 2, us: { $timestamp: '9999-12-31T23:59:59.999999+00:00' }, ms: { $timestamp: '9999-12-31T23:59:59.999000+00:00' }, ns: { $timestamp: '2023-11-14T22:13:20.123456+00:00' }, lus: { $timestamp: '2023-11-14T22:13:20.123456' } },
    ]);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.headers['__connect.errors.offset']).toBe('1');
    expect(dead!.headers['__connect.errors.stage']).toBe('TASK_PUT');
    expect(dead!.headers['__connect.errors.exception.message']).toBe('field ns cannot hold timestamp-nanos 1700000000123456789: it has sub-microsecond digits (…789 ns), and the destination holds microseconds (got bigint 1700000000123456789)');
  });
});

const UNKNOWN_ID = 987_654_321;
const ROW_SCHEMA = { type: 'record', name: 'Row', fields: [{ name: 'id', type: 'long' }, { name: 'v', type: 'string' }] };
const rowType = avroType(ROW_SCHEMA);

async function avroTopicWithUnknownId(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await createTopic(topic, 1);
  await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, v text)`);
  const id = await registerSchema(`${topic}-value`, ROW_SCHEMA);
  await produce(topic, [
    { value: confluentFrame(id, rowType.toBuffer({ id: 1, v: 'a' })) },
    { value: confluentFrame(UNKNOWN_ID, rowType.toBuffer({ id: 2, v: 'b' })), key: 'k-unknown' },
    { value: confluentFrame(id, rowType.toBuffer({ id: 3, v: 'c' })) },
  ]);
  return topic;
}

describe('a schema id the registry does not know', () => {
  it('is bad data: with a dead-letter topic the record is dead-lettered and the rest land', async () => {
    const topic = await avroTopicWithUnknownId('unknown_id_dlq');
    const dlq = uniqueName('unknown_id_dlq_dlq');
    const out = await runUntilCommitted(pgConnector(topic, { ...AVRO, ...dlqConfig(dlq) }), [topic]);
    expect(out).toMatch(/decode failed, record sent to/);
    expect((await sql<{ id: string }>(`SELECT id::text FROM ${topic} ORDER BY id`)).map((r) => r.id)).toEqual(['1', '3']);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.key).toBe('k-unknown');
    expect(dead!.headers['__connect.errors.offset']).toBe('1');
    expect(dead!.headers['__connect.errors.stage']).toBe('VALUE_CONVERTER');
    expect(dead!.headers['__connect.errors.exception.message']).toBe(`schema id ${UNKNOWN_ID} is not in the schema registry at ${REGISTRY} (HTTP 404, error_code 40403)`);
  });

  it('without one, Sluice stops naming topic, partition and offset', async () => {
    const topic = await avroTopicWithUnknownId('unknown_id_stop');
    const out = await runExpectingFailure(pgConnector(topic, AVRO));
    expect(stopLine(out)).toBe(`sluice: decode failed at topic ${topic} partition 0 offset 1: schema id ${UNKNOWN_ID} is not in the schema registry at ${REGISTRY} (HTTP 404, error_code 40403)`);
  });

  it.each(['none', 'all'] as const)('an unreachable registry is an outage, not bad data (errors.tolerance=%s): retried with the partition paused, then every record lands', async (tolerance) => {
    const topic = uniqueName(`registry_down_${tolerance}`);
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, v text)`);
    const id = await registerSchema(`${topic}-value`, ROW_SCHEMA);
    await produce(topic, [1, 2, 3].map((n) => ({ value: confluentFrame(id, rowType.toBuffer({ id: n, v: String(n) })) })));
    // The registry is reached through a port that refuses connections until the proxy opens it.
    const proxy = await closedProxy(new URL(REGISTRY));
    const dlq = uniqueName('registry_down_dlq');
    const registryUrl = `http://127.0.0.1:${proxy.port}${new URL(REGISTRY).pathname}`;
    const name = uniqueName('registry_down');
    const config = pgConnector(topic, { ...AVRO, 'value.converter.schema.registry.url': registryUrl, ...(tolerance === 'all' ? dlqConfig(dlq) : {}) });
    const sluice = startSluice(['run', '--config', writeConnector(config, name)], { SLUICE_ERRORS_RETRY_DELAY_MAX_MS: '1000', SLUICE_ERRORS_RETRY_TIMEOUT: '120000' });
    try {
      await sluice.waitForLine(/"attempt":3,.*retrying: decoding a batch/, 60_000);
      expect(sluice.child.exitCode).toBeNull();
      expect(await sql(`SELECT id FROM ${topic}`)).toEqual([]);
      await proxy.open();
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 60_000);
    } finally {
      const exit = await sluice.stop();
      await proxy.close();
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    expect((await sql<{ id: string }>(`SELECT id::text FROM ${topic} ORDER BY id`)).map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(sluice.output()).not.toMatch(/record sent to/);
  });
});

describe('an outage that outlasts its retries', () => {
  it('stops with the outage named, never an unhandled rejection, when many small batches fail at once (batch.max.records=1)', async () => {
    const topic = uniqueName('registry_gone');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, v text)`);
    const id = await registerSchema(`${topic}-value`, ROW_SCHEMA);
    await produce(topic, [1, 2, 3, 4, 5, 6].map((n) => ({ value: confluentFrame(id, rowType.toBuffer({ id: n, v: String(n) })) })));
    const proxy = await closedProxy(new URL(REGISTRY));
    const out = await runExpectingFailure(pgConnector(topic, {
      ...AVRO, 'value.converter.schema.registry.url': `http://127.0.0.1:${proxy.port}/apis/ccompat/v7`,
      'batch.max.records': '1', 'errors.retry.timeout': '0', 'errors.retry.delay.max.ms': '20',
    }));
    // Every batch's decode failed; the later ones before the engine reached them.
    expect(stopLine(out)).toMatch(/^sluice: schema registry unreachable at http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7 \(fetch failed\) \(gave up after \d+ attempts/);
    expect(out).not.toMatch(/Unhandled|triggerUncaughtException|^\s+at /m);
    expect(await sql(`SELECT id FROM ${topic}`)).toEqual([]);
  });
});

/** A TCP proxy to `target` on a port that refuses connections until open(). */
async function closedProxy(target: URL): Promise<{ port: number; open(): Promise<void>; close(): Promise<void> }> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    port,
    open: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    }),
  };
}

describe('a value that is not an object', () => {
  const BAD = ['[5,"bad",5]', '"just a string"', '42', 'true'];
  const reason = (v: string) => `the record value is ${{ '[5,"bad",5]': 'an array ([5,"bad",5])', '"just a string"': 'the string "just a string"', '42': 'the number 42', true: 'the boolean true' }[v]}, not an object`;

  it('stops Sluice naming the record (errors.tolerance=none), instead of writing a row of NULLs', async () => {
    const topic = uniqueName('not_object');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint, v text)`);
    await produce(topic, [{ value: '{"id":1,"v":"a"}' }, { value: '[5,"bad",5]' }]);
    const out = await runExpectingFailure(pgConnector(topic, JSON_PLAIN));
    expect(stopLine(out)).toBe(`sluice: convert failed at topic ${topic} partition 0 offset 1: the record value is an array ([5,"bad",5]), not an object: a table row needs an object (a struct) value`);
    expect(await sql(`SELECT id FROM ${topic} WHERE id IS NULL`)).toEqual([]);
  });

  it('PostgreSQL: arrays and scalars are dead-lettered (TASK_PUT), JSON null is a tombstone, objects land', async () => {
    const topic = uniqueName('not_object_dlq');
    const dlq = uniqueName('not_object_dlq_dlq');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint, v text)`);
    await produce(topic, [{ value: '{"id":1,"v":"a"}' }, ...BAD.map((value) => ({ value, key: value })), { value: 'null' }, { value: '{"id":2,"v":"b"}' }]);
    await runUntilCommitted(pgConnector(topic, { ...JSON_PLAIN, ...dlqConfig(dlq) }), [topic]);
    expect(await sql(`SELECT id::text, v FROM ${topic} ORDER BY id`)).toEqual([{ id: '1', v: 'a' }, { id: '2', v: 'b' }]);
    const dead = (await readTopic(dlq, BAD.length)).sort((a, b) => Number(a.headers['__connect.errors.offset']) - Number(b.headers['__connect.errors.offset']));
    expect(dead.map((d) => d.value)).toEqual(BAD);
    for (const d of dead) {
      expect(d.headers['__connect.errors.stage']).toBe('TASK_PUT');
      expect(d.headers['__connect.errors.exception.message']).toBe(`${reason(d.value!)}: a table row needs an object (a struct) value`);
    }
  });

  it('S3 Parquet: arrays and scalars are dead-lettered, not a column "value" beside NULLs', async () => {
    const topic = uniqueName('not_object_s3');
    const dlq = uniqueName('not_object_s3_dlq');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [{ value: '{"id":1,"v":"a"}' }, ...BAD.map((value) => ({ value })), { value: '{"id":2,"v":"b"}' }]);
    await runUntilCommitted(s3Connector(topic, dir, { ...JSON_PLAIN, ...dlqConfig(dlq), 'flush.size': '2' }), [topic]);
    const files = await readParquet(`${dir}/`);
    expect(files.flatMap((f) => f.data)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    expect(files.flatMap((f) => f.schema.map(([name]) => name))).not.toContain('value');
    const dead = await readTopic(dlq, BAD.length);
    expect(dead.map((d) => d.headers['__connect.errors.exception.message']).sort()).toEqual(BAD.map((v) => `${reason(v)}: Parquet columns need an object (a struct) value`).sort());
  });
});

describe('a value nested deeper than the converter follows', () => {
  it('S3 Parquet: is dead-lettered as a convert failure instead of crashing the process; the rest land', async () => {
    const topic = uniqueName('deep_s3');
    const dlq = uniqueName('deep_s3_dlq');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const deep = `{"id":2,"j":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    await produce(topic, [{ value: '{"id":1,"j":1}' }, { value: deep }, { value: '{"id":3,"j":3}' }]);
    await runUntilCommitted(s3Connector(topic, dir, { ...JSON_PLAIN, ...dlqConfig(dlq), 'flush.size': '2' }), [topic]);
    const files = await readParquet(`${dir}/`);
    expect(files.flatMap((f) => f.data)).toEqual([{ id: 1, j: 1 }, { id: 3, j: 3 }]);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.value).toBe(deep);
    expect(dead!.headers['__connect.errors.exception.message']).toMatch(/^the value is nested too deeply to convert \(Maximum call stack size exceeded\)$/);
  });
});

describe('a key that does not decode', () => {
  const KEYED = {
    ...JSON_PLAIN, 'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'false',
    'pk.mode': 'record_key', 'pk.fields': 'id',
  };
  async function keyedTopic(prefix: string): Promise<string> {
    const topic = uniqueName(prefix);
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id bigint PRIMARY KEY, v text)`);
    await produce(topic, [{ key: '1', value: '{"v":"a"}' }, { key: '{bad', value: '{"v":"b"}' }, { key: '3', value: '{"v":"c"}' }]);
    return topic;
  }

  it('stops Sluice saying it was the key', async () => {
    const topic = await keyedTopic('bad_key');
    const out = await runExpectingFailure(pgConnector(topic, KEYED));
    expect(stopLine(out)).toMatch(new RegExp(`^sluice: decode failed at topic ${topic} partition 0 offset 1: key: Expected property name`));
  });

  it('is dead-lettered with stage KEY_CONVERTER', async () => {
    const topic = await keyedTopic('bad_key_dlq');
    const dlq = uniqueName('bad_key_dlq_dlq');
    await runUntilCommitted(pgConnector(topic, { ...KEYED, ...dlqConfig(dlq) }), [topic]);
    expect(await sql(`SELECT id::text, v FROM ${topic} ORDER BY id`)).toEqual([{ id: '1', v: 'a' }, { id: '3', v: 'c' }]);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.key).toBe('{bad');
    expect(dead!.headers['__connect.errors.stage']).toBe('KEY_CONVERTER');
    expect(dead!.headers['__connect.errors.exception.message']).toMatch(/^key: Expected property name/);
  });
});
