// Worker warm-up: before the first batch, every thread loads the connector's
// decoders, the sink's encoder and the sink's own task files, so their imports
// and first compilation do not stall the first batches.
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { S3ParquetSink } from '../../src/sinks/s3-parquet/sink.js';
import encodeBatch from '../../src/workers/worker.js';
import { engineConfig, FakePool, startEngine, until, type Harness } from './engine/fakes.js';

const log = pino({ level: 'silent' });
const s3Sink = (extra: Record<string, string>) => new S3ParquetSink(loadConfig({
  json: {
    name: 'warm', config: {
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092',
      's3.bucket.name': 'b', 's3.region': 'eu-west-1', 'flush.size': '1000',
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': 'http://127.0.0.1:1',
      ...extra,
    },
  },
  env: {},
}), log);
const names = (files: readonly string[]) => files.map((f) => path.basename(f)).sort();

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.stop();
  harness = undefined;
});

describe('worker warm-up', () => {
  it('the engine asks the pool to load its sink kind and the sink\'s task files before the source delivers anything', async () => {
    const pool = new FakePool();
    harness = await startEngine({ pool });
    await until(() => pool.warmed.length === 1, 'the warm-up');
    expect(pool.warmed[0]!.sink).toBe(engineConfig().sink);
    expect(pool.tasks).toEqual([]);
  });

  it('the S3 sink names exactly the task files its formats need', () => {
    expect(names(s3Sink({}).workerTaskFiles())).toEqual(['file-task.js']);
    expect(names(s3Sink({ 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' }).workerTaskFiles())).toEqual(['record-file-task.js']);
    expect(names(s3Sink({ 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat', 'store.kafka.keys': 'true', 'keys.format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat' }).workerTaskFiles()))
      .toEqual(['file-task.js', 'record-file-task.js']);
    expect(names(s3Sink({ 'schema.compatibility': 'BACKWARD' }).workerTaskFiles())).toEqual(['compat-file-task.js', 'file-task.js']);
  });

  it('a warm task builds the sink encoder and loads the task files in the thread; a bad module path rejects', async () => {
    const connector = { id: 'warm-test', version: 1, setup: { keyFormat: 'string' as const, valueFormat: 'json' as const } };
    const fileTask = path.resolve('src/sinks/s3-parquet/file-task.ts');
    await expect(encodeBatch({ warm: { sink: 's3', modules: [fileTask] }, connector })).resolves.toBeUndefined();
    await expect(encodeBatch({ warm: { sink: 's3', modules: ['/nonexistent/task.js'] }, connector })).rejects.toThrow(/nonexistent/);
    await expect(encodeBatch({ warm: { sink: 'no-such-sink', modules: [] }, connector })).rejects.toThrow(/no sink "no-such-sink"/);
  });
});
