// Debezium's semantic types into Parquet (S3 sink): records as Debezium writes
// them after ExtractNewRecordState (Connect JSON with schemas), read back with
// pyarrow. ZonedTimestamp lands as the UTC instant, NanoTime as microseconds,
// VariableScaleDecimal and Bits as their exact text; a NanoTimestamp with
// nanoseconds a Parquet TIMESTAMP(MICROS) cannot hold stops Sluice naming it.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, produce, type TestMessage } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { ensurePythonReaders, readParquet, s3Connector } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const FIELDS = [
  { field: 'id', type: 'int32' },
  { field: 'd', type: 'int32', optional: true, name: 'io.debezium.time.Date' },
  { field: 't_ns', type: 'int64', optional: true, name: 'io.debezium.time.NanoTime' },
  { field: 'ts_us', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp' },
  { field: 'ts_ns', type: 'int64', optional: true, name: 'io.debezium.time.NanoTimestamp' },
  { field: 'tstz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp' },
  { field: 'ttz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTime' },
  { field: 'vdec', type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal', fields: [{ field: 'scale', type: 'int32' }, { field: 'value', type: 'bytes' }] },
  { field: 'js', type: 'string', optional: true, name: 'io.debezium.data.Json' },
  { field: 'bits', type: 'bytes', optional: true, name: 'io.debezium.data.Bits', parameters: { length: '10' } },
];
const record = (payload: Record<string, unknown>): TestMessage => ({
  value: JSON.stringify({ schema: { type: 'struct', name: 'srv.public.t.Value', fields: FIELDS }, payload }).replace(/"@@(\d+)@@"/g, '$1'),
});

async function run(topic: string, dir: string, messages: TestMessage[], expectFailure = false): Promise<string> {
  await createTopic(topic, 1);
  await produce(topic, messages);
  const name = uniqueName('dbz_s3');
  const file = writeConnector(s3Connector(topic, dir, {
    'flush.size': String(messages.length), 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
  }), name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  if (expectFailure) {
    const exit = await sluice.exited;
    expect(exit.code, sluice.output().slice(-3000)).toBe(1);
    return sluice.output();
  }
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
  } finally {
    expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

describe('Debezium semantic types into Parquet', () => {
  it('land as the matching Parquet types with their exact values', async () => {
    const topic = uniqueName('dbz_s3_types');
    const dir = uniqueName('it');
    await run(topic, dir, [
      record({
        id: 1, d: 19_723, t_ns: 45_296_789_012_000, ts_us: 1_704_112_496_789_012, ts_ns: '@@1704112496789012000@@', tstz: '2024-01-01T14:34:56.789012+02:00',
        ttz: '12:34:56.789Z', vdec: { scale: 5, value: Buffer.from('029d42b64e76714244cb', 'hex').toString('base64') }, js: '{"a": [1, 2.50]}',
        bits: Buffer.from([0b101, 0b10]).toString('base64'),
      }),
      record({ id: 2 }),
    ]);
    const files = await readParquet(`${dir}/${topic}/`);
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(Object.fromEntries(f.schema)).toEqual({
      id: 'int32', d: 'date32[day]', t_ns: 'time64[us]', ts_us: 'timestamp[us]', ts_ns: 'timestamp[us]', tstz: 'timestamp[us, tz=UTC]',
      ttz: 'string', vdec: 'string', js: 'string', bits: 'string',
    });
    expect(f.data).toEqual([
      {
        id: 1, d: { $date: '2024-01-01' }, t_ns: { $time: '12:34:56.789012' }, ts_us: { $timestamp: '2024-01-01T12:34:56.789012' },
        ts_ns: { $timestamp: '2024-01-01T12:34:56.789012' }, tstz: { $timestamp: '2024-01-01T12:34:56.789012+00:00' }, ttz: '12:34:56.789Z',
        vdec: '123456789012345678.90123', js: '{"a": [1, 2.50]}', bits: '1000000101',
      },
      { id: 2, d: null, t_ns: null, ts_us: null, ts_ns: null, tstz: null, ttz: null, vdec: null, js: null, bits: null },
    ]);
  });

  it('a ZonedTimestamp with nanoseconds stops Sluice naming the field and the record', async () => {
    const topic = uniqueName('dbz_s3_bad');
    const out = await run(topic, uniqueName('it'), [record({ id: 1 }), record({ id: 2, tstz: '2024-01-01T00:00:00.123456789Z' })], true);
    expect(out).toMatch(new RegExp(`topic ${topic} partition 0 offset 1`));
    expect(out).toMatch(/tstz/);
    expect(out).toMatch(/sub-microsecond/);
  });
});
