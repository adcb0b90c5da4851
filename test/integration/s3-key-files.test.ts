// Confluent's key and header files end to end: Kafka → Sluice → MinIO with
// store.kafka.keys, store.kafka.headers, keys/headers.format.class and
// behavior.on.null.values=write, read back by independent readers (fastavro
// and the standard library in s3-read-records.py, pyarrow in
// s3-read-parquet.py). Exact object names as Confluent's sink writes them
// (<name>.keys<ext>, <name>.headers<ext>, tombstones under tombstone/ with no
// value file), exact rows, and exactly-once of all three kinds of object
// across kill -9.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, produce, type TestMessage } from '../helpers/kafka.js';
import { startSluice, writeConnector, type RunningSluice } from '../helpers/sluice.js';
import { S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName, waitFor } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, readParquet, s3, s3Connector } from './s3-support.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ObjectRead {
  key: string;
  text?: string;
  schema?: unknown;
  records?: unknown[];
}

async function readObjects(prefix: string): Promise<Map<string, ObjectRead>> {
  const { stdout } = await run(path.join(ROOT, '.venv/bin/python'), [path.join(ROOT, 'test/integration/s3-read-records.py'), S3_URL, S3_BUCKET, prefix], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return new Map((JSON.parse(stdout) as { objects: ObjectRead[] }).objects.map((o) => [o.key, o]));
}

/** Rows of every object under the prefix: JSON lines as text, Avro records, Parquet rows (pyarrow). */
async function rowsByObject(prefix: string): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>();
  for (const [key, o] of await readObjects(prefix)) {
    if (o.text !== undefined) out.set(key, o.text.split('\n').filter((l) => l !== ''));
    else if (o.records) out.set(key, o.records);
  }
  for (const f of await readParquet(prefix)) out.set(f.key, f.data);
  return out;
}

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

const pad = (n: number) => String(n).padStart(10, '0');

const ITEM_SCHEMA = { type: 'struct', name: 'shop.Item', optional: false, fields: [{ field: 'id', type: 'int64', optional: false }, { field: 'name', type: 'string', optional: false }] };

/** Offsets 0-5, keyed k-<i>, each with headers; offset 3 is a tombstone of k-1. */
function messages(): TestMessage[] {
  return Array.from({ length: 6 }, (_, i): TestMessage => i === 3
    ? { key: 'k-1', value: null, headers: { trace: 't-3', op: 'delete' } }
    : { key: `k-${i}`, value: JSON.stringify({ schema: ITEM_SCHEMA, payload: { id: i, name: `n-${i}` } }), headers: { trace: `t-${i}`, src: 'ü-app' } });
}
const headersOf = (i: number) => (i === 3 ? [{ key: 'trace', value: 't-3' }, { key: 'op', value: 'delete' }] : [{ key: 'trace', value: `t-${i}` }, { key: 'src', value: 'ü-app' }]);

async function runToEnd(topic: string, dir: string, name: string, extra: Record<string, unknown>): Promise<void> {
  const file = writeConnector(s3Connector(topic, dir, extra), name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300)
      .catch((err: Error) => { throw new Error(`${err.message}\n${sluice.output().slice(-4000)}`); });
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
}

const CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
  'store.kafka.keys': 'true', 'store.kafka.headers': 'true', 'behavior.on.null.values': 'write', 'flush.size': '3',
};

const FORMAT = {
  json: 'io.confluent.connect.s3.format.json.JsonFormat',
  avro: 'io.confluent.connect.s3.format.avro.AvroFormat',
  parquet: 'io.confluent.connect.s3.format.parquet.ParquetFormat',
} as const;
type Fmt = keyof typeof FORMAT;
const EXT: Record<Fmt, string> = { json: '.json', avro: '.avro', parquet: '.snappy.parquet' };

/** A key row or a header row as each reader gives it back for the file format (Confluent's RecordViews). */
function keyRow(f: Fmt, i: number): unknown {
  return f === 'json' ? `"k-${i}"` : f === 'avro' ? `k-${i}` : { key: `k-${i}` };
}
function headerRow(f: Fmt, i: number): unknown {
  const h = headersOf(i);
  return f === 'json' ? JSON.stringify({ headers: h }) : f === 'avro' ? h : { headers: h };
}
function valueRow(f: Fmt, i: number): unknown {
  return f === 'json' ? `{"id":${i},"name":"n-${i}"}` : { id: i, name: `n-${i}` };
}

describe('S3 sink key and header files (store.kafka.keys / store.kafka.headers), read back by Python', () => {
  const cases: { values: Fmt; keys?: Fmt; headers: Fmt }[] = [
    // keys.format.class unset: AvroFormat, whatever format.class is.
    { values: 'json', headers: 'json' },
    { values: 'avro', keys: 'json', headers: 'avro' },
    { values: 'parquet', keys: 'parquet', headers: 'parquet' },
  ];
  for (const c of cases) {
    const keys = c.keys ?? 'avro';
    it(`${c.values} values, ${keys} keys, ${c.headers} headers: Confluent's object names and rows; a tombstone under tombstone/ without a value file`, async () => {
      const topic = uniqueName(`s3_keyfiles_${c.values}`);
      const dir = uniqueName('it');
      await createTopic(topic, 1);
      await produce(topic, messages());
      await runToEnd(topic, dir, uniqueName('s3'), {
        ...CONVERTERS, 'format.class': FORMAT[c.values], 'headers.format.class': FORMAT[c.headers],
        ...(c.keys ? { 'keys.format.class': FORMAT[c.keys] } : {}),
      });
      const base = (p: string, o: number) => `${dir}/${topic}/${p}/${topic}+0+${pad(o)}`;
      const files: [string, number[]][] = [
        [`${base('partition=0', 0)}${EXT[c.values]}`, [0, 1, 2]],
        [`${base('partition=0', 0)}.keys${EXT[keys]}`, [0, 1, 2]],
        [`${base('partition=0', 0)}.headers${EXT[c.headers]}`, [0, 1, 2]],
        [`${base('partition=0', 4)}${EXT[c.values]}`, [4, 5]],
        [`${base('partition=0', 4)}.keys${EXT[keys]}`, [4, 5]],
        [`${base('partition=0', 4)}.headers${EXT[c.headers]}`, [4, 5]],
        [`${base('tombstone', 3)}.keys${EXT[keys]}`, [3]],
        [`${base('tombstone', 3)}.headers${EXT[c.headers]}`, [3]],
      ];
      expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(files.map(([k]) => k).sort());
      const rows = await rowsByObject(`${dir}/${topic}/`);
      for (const [key, offsets] of files) {
        const f = key.includes('.keys.') ? keys : key.includes('.headers.') ? c.headers : c.values;
        const expected = offsets.map((i) => (key.includes('.keys.') ? keyRow(f, i === 3 ? 1 : i) : key.includes('.headers.') ? headerRow(f, i) : valueRow(f, i)));
        expect(rows.get(key), key).toEqual(expected);
      }
      if (keys === 'avro') {
        // A StringConverter key: Connect's optional string schema, as AvroData writes it.
        expect((await readObjects(`${dir}/${topic}/`)).get(`${base('partition=0', 0)}.keys.avro`)!.schema).toEqual(['null', 'string']);
      }
      // Every object of the last set is in its marker: exactly-once covers key and header files.
      const marker = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}/_sluice/${topic}/0.json` }))).Body!.transformToString()) as { start: number; keys: string[] };
      expect(marker.start).toBe(3);
      expect([...marker.keys].sort()).toEqual(files.filter(([k]) => /\+0{6}000[34]\./.test(k)).map(([k]) => k).sort());
      await deletePrefix(`${dir}/`);
    });
  }

  it('ByteArrayFormat keys (ByteArrayConverter): <name>.keys.bin.gz holds each raw key and the separator, gzipped with s3.compression.type', async () => {
    const topic = uniqueName('s3_keyfiles_bin');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, messages().map((m, i) => ({ ...m, key: Buffer.from([i, 0xff, 0x0a]) })));
    await runToEnd(topic, dir, uniqueName('s3'), {
      ...CONVERTERS, 'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'format.class': FORMAT.json, 's3.compression.type': 'gzip', 'keys.format.class': 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat',
      'format.bytearray.separator': '<EOR>', 'headers.format.class': FORMAT.json,
    });
    const base = (p: string, o: number) => `${dir}/${topic}/${p}/${topic}+0+${pad(o)}`;
    const keys = [`${base('partition=0', 0)}.keys.bin.gz`, `${base('partition=0', 4)}.keys.bin.gz`, `${base('tombstone', 3)}.keys.bin.gz`];
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual([
      `${base('partition=0', 0)}.headers.json.gz`, keys[0], `${base('partition=0', 0)}.json.gz`,
      `${base('partition=0', 4)}.headers.json.gz`, keys[1], `${base('partition=0', 4)}.json.gz`,
      `${base('tombstone', 3)}.headers.json.gz`, keys[2],
    ].sort());
    const raw = async (key: string) => {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }))).Body!.transformToByteArray();
      return gunzipSync(Buffer.from(body));
    };
    const row = (i: number) => Buffer.concat([Buffer.from([i, 0xff, 0x0a]), Buffer.from('<EOR>')]);
    expect(await raw(keys[0]!)).toEqual(Buffer.concat([0, 1, 2].map(row)));
    expect(await raw(keys[1]!)).toEqual(Buffer.concat([4, 5].map(row)));
    expect(await raw(keys[2]!)).toEqual(row(3));
    await deletePrefix(`${dir}/`);
  });

  it('a set whose key file never went up is deleted and written again on restart; then a record without a key is an error naming its offset', async () => {
    const topic = uniqueName('s3_keyfiles_cut');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, messages());
    const name = uniqueName('s3');
    const config = { ...CONVERTERS, 'format.class': FORMAT.json, 'keys.format.class': FORMAT.json, 'headers.format.class': FORMAT.avro };
    await runToEnd(topic, dir, name, config);
    const before = await rowsByObject(`${dir}/${topic}/`);
    const keyFile = `${dir}/${topic}/partition=0/${topic}+0+${pad(4)}.keys.json`;
    expect(before.get(keyFile)).toEqual(['"k-4"', '"k-5"']);
    // What a crash between the set's uploads leaves: the marker, the value file, not its key file.
    await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: keyFile }));

    const file = writeConnector(s3Connector(topic, dir, config), name);
    const again = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1' });
    try {
      const line = await again.waitForLine(/was not fully uploaded/, 60_000);
      expect(line).toContain('deleted its 4 object(s), writing it again from offset 3');
      await waitFor('the set written again', async () => (await listObjects(`${dir}/${topic}/`)).length === before.size, 60_000, 300);
      // Records after it: one without a key cannot have a key row (Confluent fails the task); errors.tolerance=none stops Sluice naming it.
      await produce(topic, [{ key: null, value: JSON.stringify({ schema: ITEM_SCHEMA, payload: { id: 6, name: 'n-6' } }), headers: { trace: 't-6' } }]);
      const err = await again.waitForLine(/the record key is null/, 60_000);
      expect(err).toContain(`${topic}`);
      expect(err).toMatch(/offset 6/);
    } finally {
      await again.stop('SIGKILL');
    }
    expect(await rowsByObject(`${dir}/${topic}/`)).toEqual(before);
    await deletePrefix(`${dir}/`);
  });

  it('kill -9 during uploads, restart, repeat: every value, key and header row once, each key and header file row for row with its value file', async () => {
    const topic = uniqueName('s3_keyfiles_eos');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const N = 12_000;
    const tombstone = (i: number) => i % 97 === 5;
    const kinds = ['a', 'b', 'c'];
    await produce(topic, Array.from({ length: N }, (_, i) => ({
      key: `k-${i}`, value: tombstone(i) ? null : JSON.stringify({ id: i, kind: kinds[i % 3] }), headers: { id: String(i) },
    })));
    const name = uniqueName('s3');
    const file = writeConnector(s3Connector(topic, dir, {
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'format.class': FORMAT.json, 'keys.format.class': FORMAT.json, 'headers.format.class': FORMAT.avro,
      'store.kafka.keys': 'true', 'store.kafka.headers': 'true', 'behavior.on.null.values': 'write',
      // Several paths per set, so a kill can land between a set's objects.
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner', 'partition.field.name': 'kind',
      'flush.size': '400', 'batch.max.records': '300', 'kafka.session.timeout.ms': '6000',
    }), name);
    const env = { SLUICE_WORKER_THREADS: '2', SLUICE_LOG_LEVEL: 'debug' };
    let sluice: RunningSluice | undefined;
    const outputs: string[] = [];
    try {
      for (let k = 0; k < 3; k++) {
        sluice = startSluice(['run', '--config', file], env);
        await sluice.waitForLine(/file set uploaded/, 120_000);
        const seen = sluice.output().split('\n').filter((l) => /set marker written/.test(l)).length;
        await waitFor('another set marker', async () => sluice!.output().split('\n').filter((l) => /set marker written/.test(l)).length > seen, 60_000, 1);
        // At the marker, a little later, later still: before, among and after the set's objects.
        await new Promise((r) => setTimeout(r, [0, 5, 20][k]));
        sluice.child.kill('SIGKILL');
        await sluice.exited;
        outputs.push(sluice.output());
      }
      sluice = startSluice(['run', '--config', file], env);
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
      const exit = await sluice.stop('SIGTERM');
      outputs.push(sluice.output());
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    } finally {
      if (sluice && sluice.child.exitCode === null && sluice.child.signalCode === null) await sluice.stop('SIGKILL');
    }
    expect(outputs.join('\n')).toMatch(/resuming .* at offset \d+, after the last set in S3|was not fully uploaded/);

    const rows = await rowsByObject(`${dir}/${topic}/`);
    const valueIds: number[] = [];
    const tombstoneIds: number[] = [];
    const bases = new Set([...rows.keys()].map((k) => k.replace(/(\.keys|\.headers)?\.(json|avro)$/, '')));
    for (const b of bases) {
      const keyRows = rows.get(`${b}.keys.json`);
      const headerRows = rows.get(`${b}.headers.avro`) as { key: string; value: string }[][] | undefined;
      expect(keyRows, `${b}.keys.json`).toBeDefined();
      expect(headerRows, `${b}.headers.avro`).toBeDefined();
      const ids = headerRows!.map((h) => Number(h[0]!.value));
      expect(keyRows, b).toEqual(ids.map((i) => `"k-${i}"`));
      if (b.includes('/tombstone/')) {
        expect(rows.has(`${b}.json`), b).toBe(false);
        tombstoneIds.push(...ids);
      } else {
        const values = (rows.get(`${b}.json`) as string[]).map((l) => (JSON.parse(l) as { id: number }).id);
        expect(values, b).toEqual(ids);
        valueIds.push(...values);
      }
    }
    const all = Array.from({ length: N }, (_, i) => i);
    expect(valueIds.sort((a, b) => a - b)).toEqual(all.filter((i) => !tombstone(i)));
    expect(tombstoneIds.sort((a, b) => a - b)).toEqual(all.filter(tombstone));
    await deletePrefix(`${dir}/`);
  });
});
