// Single message transforms end to end: connector JSON with a Connect-style
// transform chain, the real broker, PostgreSQL and MinIO. Debezium change
// events (Connect JSON with schema, and Avro) through ExtractNewRecordState
// into PostgreSQL; RegexRouter choosing the table; a router with a record
// predicate choosing S3 paths per record; a record a transform cannot take
// stopping Sluice with its topic, partition and offset.
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce, readTopicRaw, type TestMessage } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, uniqueName, waitFor } from '../helpers/stack.js';
import { fullyCommitted } from '../helpers/kafka.js';
import { pgConnector, runExpectingFailure, runUntilCommitted } from './postgres-helpers.js';
import { ensurePythonReaders, listObjects, readParquet, s3Connector } from './s3-support.js';

const T = 'org.apache.kafka.connect.transforms.';

const rowFields = [
  { field: 'id', type: 'int32', optional: false },
  { field: 'name', type: 'string', optional: true },
  { field: 'secret', type: 'string', optional: true },
];
const rowSchema = { type: 'struct', optional: true, name: 'dbserver1.inventory.customers.Value', fields: rowFields };
const sourceSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.Source', field: 'source',
  fields: [{ field: 'table', type: 'string', optional: false }, { field: 'ts_ms', type: 'int64', optional: false }, { field: 'lsn', type: 'int64', optional: true }],
};
const envelopeSchema = {
  type: 'struct', optional: false, name: 'dbserver1.inventory.customers.Envelope',
  fields: [{ ...rowSchema, field: 'before' }, { ...rowSchema, field: 'after' }, sourceSchema, { field: 'op', type: 'string', optional: false }, { field: 'ts_ms', type: 'int64', optional: true }],
};
const keySchema = { type: 'struct', optional: false, name: 'dbserver1.inventory.customers.Key', fields: [{ field: 'id', type: 'int32', optional: false }] };

type Row = { id: number; name: string; secret: string };
type Change = { op: 'c' | 'u' | 'd'; before: Row | null; after: Row | null; lsn: number };

/** A seeded stream of creates, updates and deletes over `keys` ids, as Debezium emits them. */
function changes(count: number, keys: number): Change[] {
  const state = new Map<number, Row>();
  const out: Change[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < count; i++) {
    const id = Math.floor(next() * keys);
    const old = state.get(id) ?? null;
    if (old && next() < 0.25) {
      out.push({ op: 'd', before: old, after: null, lsn: i });
      state.delete(id);
    } else {
      const row = { id, name: `n${i}`, secret: `s${i}` };
      out.push({ op: old ? 'u' : 'c', before: old, after: row, lsn: i });
      state.set(id, row);
    }
  }
  return out;
}

function finalState(list: Change[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of list) {
    if (c.op === 'd') m.delete(c.before!.id);
    else m.set(c.after!.id, c.after!.name);
  }
  return m;
}

const source = (c: Change) => ({ table: 'customers', ts_ms: 1_700_000_000_000 + c.lsn, lsn: c.lsn });

/** Debezium's messages for a change, as the JsonConverter writes them: a delete is followed by its tombstone. */
function jsonMessages(list: Change[], partitions: number): TestMessage[] {
  const out: TestMessage[] = [];
  for (const c of list) {
    const id = (c.after ?? c.before)!.id;
    const key = JSON.stringify({ schema: keySchema, payload: { id } });
    const partition = id % partitions;
    const payload = { before: c.before, after: c.after, source: source(c), op: c.op, ts_ms: 1_700_000_000_500 + c.lsn };
    out.push({ key, partition, value: JSON.stringify({ schema: envelopeSchema, payload }) });
    if (c.op === 'd') out.push({ key, partition, value: null });
  }
  return out;
}

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('transforms into PostgreSQL', () => {
  it('Debezium events (Connect JSON) unwrapped, a field dropped, one inserted, the table chosen by RegexRouter, deletes applied', async () => {
    const topic = uniqueName('smt_dbz');
    const table = `${topic}_customers`;
    await createTopic(topic, 3);
    const list = changes(1200, 60);
    await produce(topic, jsonMessages(list, 3));
    await runUntilCommitted(pgConnector(topic, {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
      'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id', 'delete.enabled': 'true', 'auto.create': 'true', 'batch.max.records': '97',
      transforms: 'unwrap,drop,static,route',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.drop.tombstones': 'true',
      'transforms.unwrap.delete.handling.mode': 'none',
      'transforms.drop.type': `${T}ReplaceField$Value`,
      'transforms.drop.exclude': 'secret',
      'transforms.static.type': `${T}InsertField$Value`,
      'transforms.static.static.field': 'origin',
      'transforms.static.static.value': 'dbz',
      'transforms.route.type': `${T}RegexRouter`,
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': '$1_customers',
    }), [topic]);
    const rows = await sql<{ id: number; name: string; origin: string }>(`SELECT id, name, origin FROM ${table} ORDER BY id`);
    expect(new Map(rows.map((r) => [r.id, r.name]))).toEqual(new Map([...finalState(list)].sort((a, b) => a[0] - b[0])));
    expect(new Set(rows.map((r) => r.origin))).toEqual(new Set(['dbz']));
    const cols = await sql<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'name', 'origin']);
    // Nothing went to a table named after the topic itself.
    expect(await sql(`SELECT to_regclass('${topic}') AS t`)).toEqual([{ t: null }]);
  });

  it('Debezium events in Avro, rewritten deletes with __deleted and add.fields, filtered by a predicate', async () => {
    const topic = uniqueName('smt_dbz_avro');
    await createTopic(topic, 1);
    const row = { type: 'record', name: 'Value', namespace: 'dbserver1.inventory.customers', fields: [{ name: 'id', type: 'int' }, { name: 'name', type: ['null', 'string'], default: null }, { name: 'secret', type: ['null', 'string'], default: null }] };
    const envAvro = {
      type: 'record', name: 'Envelope', namespace: 'dbserver1.inventory.customers',
      fields: [
        { name: 'before', type: ['null', row], default: null },
        { name: 'after', type: ['null', 'dbserver1.inventory.customers.Value'], default: null },
        { name: 'source', type: { type: 'record', name: 'Source', namespace: 'io.debezium.connector.postgresql', fields: [{ name: 'table', type: 'string' }, { name: 'ts_ms', type: 'long' }, { name: 'lsn', type: ['null', 'long'], default: null }] } },
        { name: 'op', type: 'string' },
        { name: 'ts_ms', type: ['null', 'long'], default: null },
      ],
    };
    const id = await registerSchema(`${topic}-value`, envAvro);
    const type = avro.Type.forSchema(envAvro as avro.Schema, { wrapUnions: false });
    const list = changes(300, 20);
    const messages: TestMessage[] = list.map((c, i) => ({
      value: confluentFrame(id, type.toBuffer({ before: c.before, after: c.after, source: source(c), op: c.op, ts_ms: null })),
      // Every 10th event carries a header the Filter's predicate drops it by.
      ...(i % 10 === 9 ? { headers: { skip: 'yes' } } : {}),
    }));
    await produce(topic, messages);
    await sql(`CREATE TABLE ${topic} (id integer NOT NULL, name text, secret text, __op text, __source_ts_ms bigint, __deleted text)`);
    await runUntilCommitted(pgConnector(topic, {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      transforms: 'skip,unwrap',
      'transforms.skip.type': `${T}Filter`, 'transforms.skip.predicate': 'hasSkip',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.handling.mode': 'rewrite',
      'transforms.unwrap.add.fields': 'op,source.ts_ms',
      predicates: 'hasSkip', 'predicates.hasSkip.type': `${T}predicates.HasHeaderKey`, 'predicates.hasSkip.name': 'skip',
    }), [topic]);
    const rows = await sql<{ id: number; name: string; secret: string; __op: string; __source_ts_ms: string; __deleted: string }>(`SELECT * FROM ${topic} ORDER BY __source_ts_ms`);
    const kept = list.filter((_c, i) => i % 10 !== 9);
    expect(rows.map((r) => [r.id, r.name, r.__op, Number(r.__source_ts_ms), r.__deleted])).toEqual(
      kept.map((c) => {
        const r = (c.after ?? c.before)!;
        return [r.id, r.name, c.op, 1_700_000_000_000 + c.lsn, c.op === 'd' ? 'true' : 'false'];
      }),
    );
  });

  it('a record a transform cannot take stops Sluice naming its topic, partition and offset', async () => {
    const topic = uniqueName('smt_bad');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (qty integer)`);
    const env = (qty: string) => JSON.stringify({ schema: { type: 'struct', optional: false, fields: [{ field: 'qty', type: 'string', optional: false }] }, payload: { qty } });
    await produce(topic, [env('1'), env('2'), env('abc'), env('4')].map((value) => ({ value })));
    const out = await runExpectingFailure(pgConnector(topic, {
      transforms: 'cast', 'transforms.cast.type': `${T}Cast$Value`, 'transforms.cast.spec': 'qty:int32',
    }));
    expect(out).toMatch(new RegExp(`convert failed at topic ${topic} partition 0 offset 2: transform "cast" \\(${T.replace(/\./g, '\\.')}Cast\\$Value\\) failed on the record's value: Value \\(abc\\) was out of range for requested data type int32`));
    expect((await sql<{ qty: number }>(`SELECT qty FROM ${topic} ORDER BY qty`)).map((r) => r.qty)).toEqual([1, 2]);
  });
  it('with errors.tolerance=all the record goes to the dead-letter topic at stage TRANSFORMATION, the rest land', async () => {
    const topic = uniqueName('smt_dlq');
    const dlq = `${topic}_dlq`;
    await createTopic(topic, 1);
    await createTopic(dlq, 1);
    await sql(`CREATE TABLE ${topic} (qty integer)`);
    const env = (qty: string) => JSON.stringify({ schema: { type: 'struct', optional: false, fields: [{ field: 'qty', type: 'string', optional: false }] }, payload: { qty } });
    await produce(topic, ['1', 'x', '3'].map((q) => ({ value: env(q) })));
    await runUntilCommitted(pgConnector(topic, {
      transforms: 'cast', 'transforms.cast.type': `${T}Cast$Value`, 'transforms.cast.spec': 'qty:int32',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    }), [topic]);
    expect((await sql<{ qty: number }>(`SELECT qty FROM ${topic} ORDER BY qty`)).map((r) => r.qty)).toEqual([1, 3]);
    const [letter] = await readTopicRaw(dlq, 1);
    const headers = new Map(letter!.headers);
    expect(letter!.value!.toString()).toBe(env('x'));
    expect(headers.get('__connect.errors.stage')).toBe('TRANSFORMATION');
    expect(headers.get('__connect.errors.class.name')).toBe(`${T}Cast$Value`);
    expect(headers.get('__connect.errors.offset')).toBe('1');
    expect(headers.get('__connect.errors.exception.message')).toMatch(/Value \(x\) was out of range for requested data type int32/);
  });
});

describe('transforms into S3', () => {
  it('a router with a record predicate sends each record under its own topic path and file name', async () => {
    const topic = uniqueName('smt_s3');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const messages: TestMessage[] = [];
    for (let i = 0; i < 200; i++) messages.push({ value: JSON.stringify({ id: i, label: `l${i}` }), ...(i % 4 === 0 ? { headers: { vip: '1' } } : {}) });
    await produce(topic, messages);
    const name = uniqueName('s3smt');
    const file = writeConnector(s3Connector(topic, dir, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'flush.size': '200',
      transforms: 'vip,tag',
      'transforms.vip.type': `${T}RegexRouter`, 'transforms.vip.regex': '(.*)', 'transforms.vip.replacement': '$1_vip', 'transforms.vip.predicate': 'isVip',
      'transforms.tag.type': `${T}InsertField$Value`, 'transforms.tag.topic.field': 'routed_to',
      predicates: 'isVip', 'predicates.isVip.type': `${T}predicates.HasHeaderKey`, 'predicates.isVip.name': 'vip',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
    } finally {
      const exit = await sluice.stop('SIGTERM');
      expect(exit.code, sluice.output().slice(-3000)).toBe(0);
    }
    const keys = (await listObjects(`${dir}/`)).map((o) => o.key).filter((k) => k.endsWith('.parquet')).sort();
    // Each file is named by the first offset it holds: record 0 was a VIP one.
    expect(keys).toEqual([
      `${dir}/${topic}/partition=0/${topic}+0+0000000001.snappy.parquet`,
      `${dir}/${topic}_vip/partition=0/${topic}_vip+0+0000000000.snappy.parquet`,
    ].sort());
    const plain = (await readParquet(`${dir}/${topic}/`))[0]!;
    const vip = (await readParquet(`${dir}/${topic}_vip/`))[0]!;
    expect(vip.data.map((r) => r.id)).toEqual([...Array(50).keys()].map((i) => i * 4));
    expect(new Set(vip.data.map((r) => r.routed_to))).toEqual(new Set([`${topic}_vip`]));
    expect(plain.data).toHaveLength(150);
    expect(new Set(plain.data.map((r) => r.routed_to))).toEqual(new Set([topic]));
  });
});
