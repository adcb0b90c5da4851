// One conformance suite, run against every sink: the guarantees a user relies
// on whatever the destination. Each sink supplies how to prepare a topic, the
// connector JSON, and how to read back the ids that landed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../helpers/orders.js';
import { createTopic, fullyCommitted, groupProgress, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { runSluice, startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, uniqueName, waitFor } from '../helpers/stack.js';
import { pgConnector } from './postgres-helpers.js';
import { ensurePythonReaders, readParquet, s3Connector } from './s3-support.js';
import { allDocs, ELASTICSEARCH, OPENSEARCH, opensearchConnector } from './opensearch-support.js';

interface SinkUnderTest {
  name: string;
  prepare(topic: string): Promise<void>;
  connector(topic: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Every id that landed, duplicates included. */
  ids(topic: string): Promise<number[]>;
  /** Duplicates after a crash are allowed (at-least-once) or not. */
  duplicatesAfterCrash: boolean;
}

const sinks: SinkUnderTest[] = [
  {
    name: 'postgres',
    prepare: async (topic) => void (await sql(ORDERS_TABLE_DDL(topic))),
    connector: (topic, extra = {}) => pgConnector(topic, { ...converterConfig('json'), ...extra }),
    ids: async (topic) => (await sql<{ id: string }>(`SELECT id::text FROM ${topic}`)).map((r) => Number(r.id)),
    duplicatesAfterCrash: true,
  },
  {
    name: 's3-parquet',
    prepare: async () => ensurePythonReaders(),
    connector: (topic, extra = {}) => s3Connector(topic, `conformance/${topic}`, {
      ...converterConfig('json'), 'flush.size': '4000', 'rotate.schedule.interval.ms': '1000', ...extra,
    }),
    ids: async (topic) => (await readParquet(`conformance/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => Number(r.id))),
    duplicatesAfterCrash: false,
  },
  {
    name: 'file',
    prepare: async (topic) => void fs.rmSync(fileSinkPath(topic), { force: true }),
    connector: (topic, extra = {}) => ({
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', topics: topic, 'bootstrap.servers': KAFKA,
      file: fileSinkPath(topic), ...converterConfig('json'), ...extra,
    }),
    // Schemaless JSON objects are written as Java's HashMap.toString: {…, id=7, …}.
    ids: async (topic) => {
      const text = fs.existsSync(fileSinkPath(topic)) ? fs.readFileSync(fileSinkPath(topic), 'utf8') : '';
      return text.split('\n').filter(Boolean).map((line) => Number(/(?:^\{|, )id=(\d+)/.exec(line)![1]));
    },
    duplicatesAfterCrash: false,
  },
  ...[{ name: 'opensearch', url: OPENSEARCH }, { name: 'elasticsearch', url: ELASTICSEARCH }].map(({ name, url }) => ({
    name,
    prepare: async () => {},
    // Ids topic+partition+offset (the records of the bad-record case have no key).
    connector: (topic: string, extra: Record<string, unknown> = {}) =>
      opensearchConnector(topic, { ...converterConfig('json'), 'key.ignore': 'true', 'schema.ignore': 'true', ...extra }, url),
    ids: async (topic: string) => [...(await allDocs(topic, url)).values()].map((d) => Number(d.source.id)),
    duplicatesAfterCrash: false,
  })),
];

function fileSinkPath(topic: string): string {
  const dir = path.join(os.tmpdir(), 'sluice-conformance-file');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${topic}.txt`);
}

describe.each(sinks)('conformance: $name sink', (sink) => {
  it('lands every record exactly once and commits the end offsets', async () => {
    const N = 20_000;
    const topic = uniqueName(`conf_${sink.name.replace('-', '_')}`);
    await createTopic(topic, 4);
    await sink.prepare(topic);
    await produce(topic, [...orders(N, 21)].map((o) => ({ key: String(o.id), value: encodeOrder('json', o), partition: o.id % 4 })));
    const name = uniqueName('conf');
    const sluice = startSluice(['run', '--config', writeConnector(sink.connector(topic), name)]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 300);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-2000)).toBe(0);
    }
    const ids = await sink.ids(topic);
    expect(ids.length).toBe(N);
    expect(new Set(ids).size).toBe(N);
  });

  it('loses nothing across kill -9 and restart', async () => {
    const N = 40_000;
    const topic = uniqueName(`conf_kill_${sink.name.replace('-', '_')}`);
    await createTopic(topic, 4);
    await sink.prepare(topic);
    await produce(topic, [...orders(N, 22)].map((o) => ({ key: String(o.id), value: encodeOrder('json', o), partition: o.id % 4 })));
    const name = uniqueName('conf');
    const file = writeConnector(sink.connector(topic, { 'batch.max.records': '1000', 'kafka.session.timeout.ms': '6000' }), name);
    const first = startSluice(['run', '--config', file]);
    await waitFor('some offsets committed', async () => (await groupProgress(`connect-${name}`, topic)).some((p) => p.committed > 0), 120_000, 50);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 300);
    } finally {
      expect((await second.stop()).code, second.output().slice(-2000)).toBe(0);
    }
    const ids = await sink.ids(topic);
    expect(new Set(ids).size).toBe(N);
    if (!sink.duplicatesAfterCrash) expect(ids.length).toBe(N);
  });

  it('stops on a record it cannot decode, naming where it is; the records before it land and are committed, nothing after', async () => {
    const topic = uniqueName(`conf_bad_${sink.name.replace('-', '_')}`);
    await createTopic(topic, 1);
    await sink.prepare(topic);
    await produce(topic, [
      ...[...orders(10, 23)].map((o) => ({ value: encodeOrder('json', o) })),
      { value: Buffer.from('{"id": 11, "customer": ') },
      ...[...orders(10, 24, 12)].map((o) => ({ value: encodeOrder('json', o) })),
    ]);
    const name = uniqueName('conf');
    const r = await runSluice(['run', '--config', writeConnector(sink.connector(topic), name)], {}, 120_000);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`sluice: decode failed at topic ${topic} partition 0 offset 10: `);
    const [p] = await groupProgress(`connect-${name}`, topic);
    // The ten good records share the bad one's batch: they are written first, so a restart resumes exactly at it.
    expect(p!.committed).toBe(10);
    expect((await sink.ids(topic)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
