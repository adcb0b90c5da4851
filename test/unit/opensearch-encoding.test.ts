// The worker half of the OpenSearch sink without Kafka or a cluster: records →
// NDJSON _bulk actions (read back line by line), ids and versions, tombstones,
// upserts and data streams, the mapping derived from a schema, and how the
// main thread reads each item of a _bulk response.
import { describe, expect, it } from 'vitest';
import { ConvertError } from '../../src/errors.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import { OpenSearchEncoder } from '../../src/sinks/opensearch/encoding.js';
import type { OpenSearchMeta, OpenSearchPlan } from '../../src/sinks/opensearch/protocol.js';
import { mappingOf } from '../../src/sinks/opensearch/documents.js';
import { classify, dataStreamNameOf, indexNameOf } from '../../src/sinks/opensearch/sink.js';
import { SCHEMALESS, recordSchemaFromAvro, recordSchemaFromConnect, type RecordSchema } from '../../src/workers/schema.js';

const plan = (over: Partial<OpenSearchPlan> = {}): OpenSearchPlan => ({
  keyIgnore: false, keyIgnoreTopics: [], schemaIgnore: false, schemaIgnoreTopics: [], compactMaps: true, nullValues: 'fail',
  writeMethod: 'insert', retryOnConflict: 5, timestampFields: [], dropInvalid: false, ...over,
});

function ctx(offset: number, over: Partial<RecordContext> = {}): RecordContext {
  return { topic: 'Orders', partition: 2, offset, timestamp: 1_700_000_000_000 + offset, key: null, keyBytes: null, headers: () => [], ...over };
}

const STRING_KEY: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };

type Rec = {
  value?: unknown; schema?: RecordSchema; key?: unknown; tombstone?: boolean;
  /** The record's topic after the transforms (ctx.topic). */
  topic?: string;
  headers?: { name: string; value: Uint8Array | null }[];
};

function run(p: OpenSearchPlan, recs: Rec[]) {
  const enc = new OpenSearchEncoder();
  enc.begin(p, 'Orders', 2);
  const failures: { offset: number; reason: string }[] = [];
  recs.forEach((r, i) => {
    const key = r.key === undefined ? undefined : { value: r.key, schema: STRING_KEY };
    const c = ctx(100 + i, { ...(r.headers ? { headers: () => r.headers! } : {}), ...(r.topic ? { topic: r.topic } : {}) });
    try {
      if (r.tombstone) enc.tombstone(key, c);
      else enc.add({ value: r.value, schema: r.schema ?? SCHEMALESS }, key, c);
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      enc.discardCurrent();
      failures.push({ offset: 100 + i, reason: err.message });
    }
  });
  const out = enc.finish();
  const meta = out.meta as OpenSearchMeta;
  const text = out.output ? Buffer.from(new Uint8Array(out.output, 0, out.outputBytes)).toString('utf8') : '';
  const actions = [...meta.starts].map((s, i) => Buffer.from(new Uint8Array(out.output!, s, (i + 1 < meta.starts.length ? meta.starts[i + 1]! : out.outputBytes) - s)).toString('utf8'));
  return { out, meta, text, actions, failures, lines: text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l)) };
}

const avro = recordSchemaFromAvro('avro:1', {
  type: 'record', name: 'R', fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'ratio', type: 'float', default: 1.5 },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'inner', type: ['null', { type: 'record', name: 'I', fields: [{ name: 'x', type: 'int' }, { name: 'ok', type: 'boolean' }] }] },
    { name: 'blob', type: 'bytes' },
  ],
} as never);

const row = { id: 7, name: 'a "q"', amount: Buffer.from([0x30, 0x39]), at: 1_700_000_000_123, day: 19_000, ratio: 0.25, tags: ['x'], attrs: { a: 1 }, inner: { x: 1, ok: true }, blob: Buffer.from([1, 2]) };

describe('OpenSearch worker encoder', () => {
  it('writes index actions with the key as id and the offset as external version, documents pre-processed as Confluent\'s sink does', () => {
    const r = run(plan(), [{ value: row, schema: avro, key: 'k1' }, { value: { ...row, id: 8 }, schema: avro, key: 'k2' }]);
    expect(r.failures).toEqual([]);
    expect(r.out.rows).toBe(2);
    expect([...r.meta.offsets]).toEqual([100, 101]);
    expect([...r.meta.ops]).toEqual([0, 0]);
    expect(r.lines[0]).toEqual({ index: { _index: 'orders', _id: 'k1', version: 100, version_type: 'external' } });
    // decimal as its exact number, Date as epoch ms (a date field), bytes as base64
    expect(r.lines[1]).toEqual({ id: 7, name: 'a "q"', amount: 123.45, at: 1_700_000_000_123, day: 19_000 * 86_400_000, ratio: 0.25, tags: ['x'], attrs: { a: 1 }, inner: { x: 1, ok: true }, blob: 'AQI=' });
    expect(r.actions[1]).toContain('"amount":123.45');
    expect(r.text.endsWith('\n')).toBe(true);
    expect(r.meta.indices.map((i) => i.name)).toEqual(['orders']);
    expect(JSON.parse(r.meta.indices[0]!.mapping!)).toEqual(mappingOf(avro));
  });

  it('schema.ignore=true writes values as JsonConverter does (decimals as base64) and derives no mapping', () => {
    const r = run(plan({ schemaIgnore: true }), [{ value: row, schema: avro, key: 'k1' }]);
    expect(r.lines[1].amount).toBe('MDk=');
    expect(r.lines[1].day).toBe(19_000);
    expect(r.meta.indices).toEqual([{ name: 'orders' }]);
  });

  it('key.ignore ids are topic+partition+offset; keys that cannot be ids fail the record; drop.invalid.message skips it', () => {
    const ig = run(plan({ keyIgnore: true }), [{ value: { a: 1 } }]);
    expect(ig.lines[0].index._id).toBe('Orders+2+100');
    const bad = run(plan(), [{ value: { a: 1 }, key: 'ok' }, { value: { a: 2 } }, { value: { a: 3 }, key: '' }, { value: { a: 4 }, key: { x: 1 } as never }, { value: { a: 5 }, key: 42 }]);
    expect(bad.failures.map((f) => f.offset)).toEqual([101, 102, 103]);
    expect(bad.failures[0]!.reason).toMatch(/no key/);
    expect(bad.lines.filter((l) => l.index).map((l) => l.index._id)).toEqual(['ok', '42']);
    expect([...bad.meta.offsets]).toEqual([100, 104]);
    const dropped = run(plan({ dropInvalid: true }), [{ value: { a: 1 }, key: 'ok' }, { value: { a: 2 } }]);
    expect(dropped.failures).toEqual([]);
    expect(dropped.meta.dropped!.map((d) => d.offset)).toEqual([101]);
    expect(dropped.out.rows).toBe(1);
  });

  it('a value that is not an object fails the record', () => {
    const r = run(plan(), [{ value: 'plain', schema: STRING_KEY, key: 'k' }, { value: { a: 1 }, key: 'k2' }]);
    expect(r.failures[0]!.reason).toMatch(/not an object/);
    expect(r.out.rows).toBe(1);
  });

  it('tombstones: fail, ignore, delete by key with the offset as version (a keyless one skipped)', () => {
    const failed = run(plan(), [{ tombstone: true, key: 'k' }]);
    expect(failed.failures[0]!.reason).toMatch(/behavior.on.null.values=fail/);
    const ignored = run(plan({ nullValues: 'ignore' }), [{ tombstone: true, key: 'k' }]);
    expect(ignored.out.rows).toBe(0);
    expect(ignored.meta.skippedTombstones).toBe(1);
    const del = run(plan({ nullValues: 'delete' }), [{ value: { a: 1 }, key: 'k' }, { tombstone: true, key: 'k' }, { tombstone: true }]);
    expect(del.lines).toEqual([
      { index: { _index: 'orders', _id: 'k', version: 100, version_type: 'external' } }, { a: 1 },
      { delete: { _index: 'orders', _id: 'k', version: 101, version_type: 'external' } },
    ]);
    expect([...del.meta.ops]).toEqual([0, 3]);
    expect(del.meta.skippedTombstones).toBe(1);
  });

  it('upserts are update actions with doc_as_upsert; external.version.header sets the version', () => {
    const up = run(plan({ writeMethod: 'upsert' }), [{ value: { a: 1 }, key: 'k' }]);
    expect(up.lines).toEqual([{ update: { _index: 'orders', _id: 'k', retry_on_conflict: 5 } }, { doc: { a: 1 }, doc_as_upsert: true }]);
    const v = run(plan({ versionHeader: 'ver' }), [
      { value: { a: 1 }, key: 'k', headers: [{ name: 'ver', value: Buffer.from('77') }] },
      { value: { a: 2 }, key: 'k', headers: [{ name: 'ver', value: Buffer.from('x') }] },
    ]);
    expect(v.lines[0].index.version).toBe(77);
    expect(v.failures[0]!.reason).toMatch(/external.version.header/);
  });

  it('data streams: create actions with @timestamp from the record timestamp or a value field', () => {
    const ds = run(plan({ dataStream: { type: 'logs', dataset: 'app', namespace: '${topic}' } }), [{ value: { a: 1 }, key: 'k' }, { value: { '@timestamp': 'old', b: 2 }, key: 'k2' }]);
    expect(ds.lines[0]).toEqual({ create: { _index: 'logs-app-orders', _id: 'k' } });
    expect(ds.lines[1]).toEqual({ a: 1, '@timestamp': 1_700_000_000_100 });
    expect(ds.lines[3]).toEqual({ '@timestamp': 1_700_000_000_101, b: 2 });
    const field = run(plan({ dataStream: { type: 'logs', dataset: 'app', namespace: '${topic}' }, timestampFields: ['ts', 'at'] }), [{ value: { at: '2024-01-01T00:00:00Z' }, key: 'k' }, { value: { none: 1 }, key: 'k' }]);
    expect(field.lines[1]['@timestamp']).toBe('2024-01-01T00:00:00Z');
    expect(field.failures[0]!.reason).toMatch(/@timestamp/);
  });

  it('each record goes to the index of its topic after the transforms (TimestampRouter, RegexRouter), with that index\'s own mapping; topic.key.ignore and topic.schema.ignore name routed topics', () => {
    // As Confluent's sink: the index, the id and the per-topic settings all come from SinkRecord.topic() after the SMTs.
    const schemaB = recordSchemaFromAvro('avro:2', { type: 'record', name: 'B', fields: [{ name: 'b', type: 'string' }] } as never);
    const r = run(plan({ keyIgnoreTopics: ['Orders-2024-01-02'], schemaIgnoreTopics: ['Orders-2024-01-03'] }), [
      { value: row, schema: avro, key: 'k1', topic: 'Orders-2024-01-01' },
      { value: { b: 'x' }, schema: schemaB, key: 'k2', topic: 'Orders-2024-01-02' },
      { value: row, schema: avro, key: 'k3', topic: 'Orders-2024-01-01' },
      { value: { b: 'y' }, schema: schemaB, key: 'k4', topic: 'Orders-2024-01-03' },
    ]);
    expect(r.failures).toEqual([]);
    expect(r.lines.filter((_, i) => i % 2 === 0).map((l) => [l.index._index, l.index._id])).toEqual([
      ['orders-2024-01-01', 'k1'], ['orders-2024-01-02', 'Orders-2024-01-02+2+101'], ['orders-2024-01-01', 'k3'], ['orders-2024-01-03', 'k4'],
    ]);
    expect(r.meta.indices).toEqual([
      { name: 'orders-2024-01-01', mapping: JSON.stringify(mappingOf(avro)) },
      { name: 'orders-2024-01-02', mapping: JSON.stringify(mappingOf(schemaB)) },
      { name: 'orders-2024-01-03' },
    ]);
    // A tombstone's index is made too (Confluent's ensureIndexExists comes before the delete).
    const del = run(plan({ nullValues: 'delete' }), [{ tombstone: true, key: 'k', topic: 'gone' }]);
    expect(del.lines).toEqual([{ delete: { _index: 'gone', _id: 'k', version: 100, version_type: 'external' } }]);
    expect(del.meta.indices).toEqual([{ name: 'gone' }]);
  });

  it('derives the mapping of a schema as Confluent\'s sink does', () => {
    expect(mappingOf(avro)).toEqual({
      properties: {
        id: { type: 'long' },
        name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        amount: { type: 'double' },
        at: { type: 'date' },
        day: { type: 'date' },
        ratio: { type: 'float', null_value: 1.5 },
        tags: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        attrs: { properties: { key: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } }, value: { type: 'long' } } },
        inner: { properties: { x: { type: 'integer' }, ok: { type: 'boolean' } } },
        blob: { type: 'binary' },
      },
    });
    expect(mappingOf(SCHEMALESS)).toBeUndefined();
    expect(mappingOf(STRING_KEY)).toBeUndefined();
  });

  it('maps Connect INT8 / INT16 as byte / short, a map\'s key from its own schema, and Debezium\'s Date / Time as the integers they are (Mapping.java)', () => {
    const connect = recordSchemaFromConnect('c:1', {
      type: 'struct', name: 'dbserver1.inventory.orders.Value', optional: false, fields: [
        { field: 'tiny', type: 'int8', optional: false }, { field: 'small', type: 'int16', optional: true, default: 7 },
        { field: 'counts', type: 'map', keys: { type: 'int32', optional: false }, values: { type: 'string', optional: true }, optional: true },
        { field: 'order_date', type: 'int32', optional: false, name: 'io.debezium.time.Date' },
        { field: 'order_time', type: 'int32', optional: true, name: 'io.debezium.time.Time' },
        { field: 'day', type: 'int32', optional: true, name: 'org.apache.kafka.connect.data.Date' },
      ],
    } as never);
    expect(mappingOf(connect)).toEqual({
      properties: {
        tiny: { type: 'byte' }, small: { type: 'short', null_value: 7 },
        counts: { properties: { key: { type: 'integer' }, value: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } } } },
        order_date: { type: 'integer' }, order_time: { type: 'integer' }, day: { type: 'date' },
      },
    });
    // The documents agree: a Debezium Date is its day count (JsonConverter's), a Connect Date epoch milliseconds.
    const r = run(plan(), [{ value: { tiny: 1, small: 2, counts: [[5, 'x']], order_date: 19_000, order_time: 3_600_000, day: 19_000 }, schema: connect, key: 'k' }]);
    expect(r.failures).toEqual([]);
    expect(r.lines[1]).toEqual({ tiny: 1, small: 2, counts: [{ key: 5, value: 'x' }], order_date: 19_000, order_time: 3_600_000, day: 19_000 * 86_400_000 });
  });
});

describe('OpenSearch sink names and bulk item results', () => {
  it('names indices and data streams as Confluent\'s sink does', () => {
    expect(indexNameOf('Orders')).toBe('orders');
    expect(indexNameOf('_x')).toBe('x');
    expect(indexNameOf('..')).toBe('dotdot');
    expect(dataStreamNameOf('logs', 'app', 'My.Topic')).toBe('logs-app-my.topic');
  });

  it('reads each item: written, a replay\'s 409, a missing delete are done; 429/5xx retried; the rest refused', () => {
    expect(classify({ index: { status: 201 } }, 0).outcome).toBe('done');
    expect(classify({ index: { status: 409, error: { type: 'version_conflict_engine_exception' } } }, 0).outcome).toBe('done');
    expect(classify({ create: { status: 409 } }, 1).outcome).toBe('done');
    expect(classify({ update: { status: 409 } }, 2).outcome).toBe('retry');
    expect(classify({ delete: { status: 404 } }, 3).outcome).toBe('done');
    expect(classify({ index: { status: 429, error: { type: 'es_rejected_execution_exception' } } }, 0).outcome).toBe('retry');
    expect(classify({ index: { status: 503 } }, 0).outcome).toBe('retry');
    const refused = classify({ index: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [n]', caused_by: { reason: 'For input string' } } } }, 0);
    expect(refused).toEqual({ outcome: 'refused', reason: 'mapper_parsing_exception: failed to parse field [n] (For input string)' });
  });
});
