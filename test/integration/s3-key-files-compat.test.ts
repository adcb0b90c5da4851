// Key and header files (store.kafka.keys / store.kafka.headers) with
// schema.compatibility end to end: Avro values of registered versions 1 and 2
// with their keys, headers and a tombstone → Sluice → MinIO, read back by
// independent readers (pyarrow, fastavro, the standard library). With
// BACKWARD the v1 records after v2 are projected into the v2 file and its key
// and header files hold their rows in the same order; the tombstone goes to
// tombstone/ key and header files with no value file; a key schema change
// (Avro keys from the registry) closes the set although the value's version
// would have let the record join the file.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { avroType } from '../../src/workers/decode/decoders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName, waitFor } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, readParquet, s3Connector } from './s3-support.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }] };
const V2 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }, { name: 'status', type: 'string', default: 'NEW' }] };

const pad = (n: number) => String(n).padStart(10, '0');

interface ObjectRead { key: string; text?: string; schema?: unknown; records?: unknown[] }

async function readObjects(prefix: string): Promise<Map<string, ObjectRead>> {
  const { stdout } = await run(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'test/integration/s3-read-records.py'), S3_URL, S3_BUCKET, prefix], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return new Map((JSON.parse(stdout) as { objects: ObjectRead[] }).objects.map((o) => [o.key, o]));
}

/** Rows of every object under the prefix: JSON lines as parsed JSON, Avro records, Parquet rows (pyarrow). */
async function rowsByObject(prefix: string): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>();
  for (const [key, o] of await readObjects(prefix)) {
    if (o.text !== undefined) out.set(key, o.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown));
    else if (o.records) out.set(key, o.records);
  }
  for (const f of await readParquet(prefix)) out.set(f.key, f.data);
  return out;
}

async function runToEnd(topic: string, dir: string, extra: Record<string, unknown>): Promise<void> {
  const name = uniqueName('s3');
  const file = writeConnector(s3Connector(topic, dir, {
    'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
    'store.kafka.keys': 'true', 'store.kafka.headers': 'true', 'schema.compatibility': 'BACKWARD', ...extra,
  }), name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300)
      .catch((err: Error) => { throw new Error(`${err.message}\n${sluice.output().slice(-4000)}`); });
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
}

const FORMAT = {
  json: 'io.confluent.connect.s3.format.json.JsonFormat',
  avro: 'io.confluent.connect.s3.format.avro.AvroFormat',
  parquet: 'io.confluent.connect.s3.format.parquet.ParquetFormat',
} as const;
const EXT = { json: '.json', avro: '.avro', parquet: '.snappy.parquet' } as const;

describe('S3 key and header files with schema.compatibility, read back by Python', () => {
  for (const values of ['parquet', 'json', 'avro'] as const) {
    it(`BACKWARD, ${values} values: key and header files beside the projected file, row for row; the tombstone under tombstone/`, async () => {
      const topic = uniqueName(`s3_kc_${values}`);
      const dir = uniqueName('it');
      await createTopic(topic, 1);
      const id1 = await registerSchema(`${topic}-value`, V1);
      const id2 = await registerSchema(`${topic}-value`, V2);
      const [t1, t2] = [avroType(V1), avroType(V2)];
      // v1, v2 (closes the v1 set), v1 (projected into the v2 file), a tombstone, v1 again; flush.size 4 closes the second set at offset 4.
      await produce(topic, [
        { key: 'k-0', value: confluentFrame(id1, t1.toBuffer({ id: 0, qty: 0 })), headers: { trace: 't-0' } },
        { key: 'k-1', value: confluentFrame(id2, t2.toBuffer({ id: 1, qty: 10, status: 'PAID' })), headers: { trace: 't-1' } },
        { key: 'k-2', value: confluentFrame(id1, t1.toBuffer({ id: 2, qty: 20 })), headers: { trace: 't-2' } },
        { key: 'k-3', value: null, headers: { trace: 't-3' } },
        { key: 'k-4', value: confluentFrame(id1, t1.toBuffer({ id: 4, qty: 40 })), headers: { trace: 't-4' } },
      ]);
      await runToEnd(topic, dir, {
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'format.class': FORMAT[values],
        'headers.format.class': FORMAT.json, 'behavior.on.null.values': 'write', 'flush.size': '4',
      });
      const base = (p: string, o: number) => `${dir}/${topic}/${p}/${topic}+0+${pad(o)}`;
      const expected: [string, unknown[]][] = [
        [`${base('partition=0', 0)}${EXT[values]}`, [{ id: 0, qty: 0 }]],
        [`${base('partition=0', 0)}.keys.avro`, ['k-0']],
        [`${base('partition=0', 0)}.headers.json`, [{ headers: [{ key: 'trace', value: 't-0' }] }]],
        [`${base('partition=0', 1)}${EXT[values]}`, [{ id: 1, qty: 10, status: 'PAID' }, { id: 2, qty: 20, status: 'NEW' }, { id: 4, qty: 40, status: 'NEW' }]],
        [`${base('partition=0', 1)}.keys.avro`, ['k-1', 'k-2', 'k-4']],
        [`${base('partition=0', 1)}.headers.json`, [1, 2, 4].map((i) => ({ headers: [{ key: 'trace', value: `t-${i}` }] }))],
        [`${base('tombstone', 3)}.keys.avro`, ['k-3']],
        [`${base('tombstone', 3)}.headers.json`, [{ headers: [{ key: 'trace', value: 't-3' }] }]],
      ];
      expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(expected.map(([k]) => k).sort());
      const rows = await rowsByObject(`${dir}/${topic}/`);
      for (const [key, want] of expected) expect(rows.get(key), key).toEqual(want);
      await deletePrefix(`${dir}/`);
    });
  }

  it('BACKWARD: a key schema change closes the set although the value\'s version is the same; each key file has its key schema (fastavro)', async () => {
    const topic = uniqueName('s3_kc_keychange');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const K1 = { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }] };
    const K2 = { type: 'record', name: 'K', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'region', type: 'string', default: 'eu' }] };
    const v = await registerSchema(`${topic}-value`, V1);
    const k1 = await registerSchema(`${topic}-key`, K1);
    const k2 = await registerSchema(`${topic}-key`, K2);
    const tv = avroType(V1);
    await produce(topic, Array.from({ length: 6 }, (_, i) => ({
      key: i < 2 ? confluentFrame(k1, avroType(K1).toBuffer({ id: i })) : confluentFrame(k2, avroType(K2).toBuffer({ id: i, region: `r-${i}` })),
      value: confluentFrame(v, tv.toBuffer({ id: i, qty: i })),
      headers: { trace: `t-${i}` },
    })));
    // flush.size 4: without the key schema change all six would share the first set, cut at offset 3.
    await runToEnd(topic, dir, {
      'key.converter': 'io.confluent.connect.avro.AvroConverter', 'key.converter.schema.registry.url': REGISTRY, 'flush.size': '4',
    });
    const base = (o: number) => `${dir}/${topic}/partition=0/${topic}+0+${pad(o)}`;
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(
      [0, 2].flatMap((o) => [`${base(o)}.headers.avro`, `${base(o)}.keys.avro`, `${base(o)}.snappy.parquet`]),
    );
    const objects = await readObjects(`${dir}/${topic}/`);
    const first = objects.get(`${base(0)}.keys.avro`)!;
    const second = objects.get(`${base(2)}.keys.avro`)!;
    expect((first.schema as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['id']);
    expect(first.records).toEqual([{ id: 0 }, { id: 1 }]);
    expect((second.schema as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['id', 'region']);
    expect(second.records).toEqual([2, 3, 4, 5].map((i) => ({ id: i, region: `r-${i}` })));
    const parquet = await readParquet(`${dir}/${topic}/`);
    expect(parquet.map((f) => f.data.map((r) => (r as { id: number }).id))).toEqual([[0, 1], [2, 3, 4, 5]]);
    expect((objects.get(`${base(2)}.headers.avro`)!.records as { value: string }[][]).map((h) => h[0]!.value)).toEqual(['t-2', 't-3', 't-4', 't-5']);
    await deletePrefix(`${dir}/`);
  });
});
