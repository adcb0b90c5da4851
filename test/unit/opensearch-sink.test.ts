// The main-thread half of the OpenSearch sink against a stand-in cluster (an
// HTTP server on 127.0.0.1 answering _bulk as scripted): requests split by
// batch.size, only the items answered 429/5xx sent again, refused documents
// handed to the dead-letter callback before the batch resolves, and a batch
// that never resolves before every item is settled.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EncodedBatch, RejectedRecord } from '../../src/sinks/common/sink.js';
import { loadConfig } from '../../src/sinks/index.js';
import { OpenSearchEncoder } from '../../src/sinks/opensearch/encoding.js';
import type { OpenSearchMeta, OpenSearchPlan } from '../../src/sinks/opensearch/protocol.js';
import { OpenSearchSink } from '../../src/sinks/opensearch/sink.js';
import { SCHEMALESS, recordSchemaFromAvro } from '../../src/workers/schema.js';
import { RecordError } from '../../src/errors.js';

type Item = { status: number; error?: { type: string; reason: string } };
/** Answers each _bulk with the items `answer` gives for the actions it got; records every request's action ids. */
function cluster(answer: (ids: string[], call: number) => Item[]) {
  const bulks: string[][] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'HEAD') return res.writeHead(200).end();
      if (req.url !== '/_bulk') return res.writeHead(200).end('{}');
      const lines = body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, { _id?: string }>);
      const ids = lines.filter((l) => l.index).map((l) => l.index!._id!);
      bulks.push(ids);
      const items = answer(ids, bulks.length).map((it) => ({ index: it }));
      res.writeHead(200).end(JSON.stringify({ errors: items.some((i) => i.index.status >= 300), items }));
    });
  });
  return { server, bulks, listen: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))) };
}

let servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

async function setup(answer: (ids: string[], call: number) => Item[], extra: Record<string, string> = {}) {
  const c = cluster(answer);
  servers.push(c.server);
  const url = await c.listen();
  const config = loadConfig({
    json: { name: 't', config: {
      'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092',
      'connection.url': url, 'schema.ignore': 'true', 'retry.backoff.ms': '1', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', ...extra,
    } },
    env: {},
  });
  const sink = new OpenSearchSink(config, pino({ level: 'silent' }));
  return { sink, bulks: c.bulks };
}

async function batchOf(sink: OpenSearchSink, n: number, deadLetter?: (r: readonly RejectedRecord[]) => Promise<void>): Promise<EncodedBatch> {
  const { plan } = (await sink.plan('orders')) as { plan: OpenSearchPlan };
  const enc = new OpenSearchEncoder();
  enc.begin(plan, 'orders', 0);
  for (let i = 0; i < n; i++) {
    enc.add({ value: { n: i }, schema: SCHEMALESS }, { value: `k${i}`, schema: SCHEMALESS }, { topic: 'orders', partition: 0, offset: i, timestamp: 0, key: null, keyBytes: null, headers: () => [] });
  }
  const out = enc.finish();
  return {
    topic: 'orders', partition: 0, firstOffset: 0, lastOffset: n - 1, records: n, rows: out.rows, tombstones: 0,
    output: out.output, outputBytes: out.outputBytes, meta: out.meta as OpenSearchMeta, ...(deadLetter ? { deadLetter } : {}),
  };
}

describe('OpenSearch sink (main thread) against a stand-in cluster', () => {
  it('splits a batch into batch.size requests and sends again only the items answered 429 or 503', async () => {
    // k1 is answered 429 and k4 503 the first time each comes.
    const sent = new Map<string, number>();
    const { sink, bulks } = await setup((ids) => ids.map((id) => {
      sent.set(id, (sent.get(id) ?? 0) + 1);
      if (sent.get(id) === 1 && id === 'k1') return { status: 429 };
      if (sent.get(id) === 1 && id === 'k4') return { status: 503 };
      return { status: 201 };
    }), { 'batch.size': '3' });
    await sink.submit(await batchOf(sink, 6));
    await sink.close();
    // [k0 k1 k2] → k1 again; [k3 k4 k5] → k4 again.
    expect(bulks[0]).toEqual(['k0', 'k1', 'k2']);
    expect(bulks[1]).toEqual(['k1']);
    expect(bulks[2]).toEqual(['k3', 'k4', 'k5']);
    expect(bulks[3]).toEqual(['k4']);
    expect(bulks.length).toBe(4);
  });

  it('hands refused documents to the dead-letter callback before the batch resolves; a replay\'s 409 is done', async () => {
    const { sink } = await setup((ids) => ids.map((id) => (id === 'k2' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [n]' } } : id === 'k0' ? { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'older' } } : { status: 201 })));
    const dead: RejectedRecord[] = [];
    let resolved = false;
    const submitted = sink.submit(await batchOf(sink, 4, async (r) => {
      await new Promise((res) => setTimeout(res, 50));
      expect(resolved).toBe(false);
      dead.push(...r);
    })).then(() => (resolved = true));
    await submitted;
    await sink.close();
    expect(dead).toEqual([{ offset: 2, reason: 'the cluster refused the document: mapper_parsing_exception: failed to parse field [n]' }]);
  });

  it('without a dead-letter topic a refused document rejects the batch naming topic, partition and offset', async () => {
    const { sink } = await setup((ids) => ids.map((id) => (id === 'k1' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } : { status: 201 })));
    const err = await sink.submit(await batchOf(sink, 3)).catch((e: unknown) => e);
    await sink.close();
    expect(err).toBeInstanceOf(RecordError);
    expect((err as Error).message).toBe('write failed at topic orders partition 0 offset 1: the cluster refused the document: mapper_parsing_exception: bad');
  });

  it('behavior.on.malformed.documents=ignore skips a refused document', async () => {
    const { sink } = await setup((ids) => ids.map((id) => (id === 'k1' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } : { status: 201 })), { 'behavior.on.malformed.documents': 'ignore' });
    await sink.submit(await batchOf(sink, 3));
    await sink.close();
  });

  it('items still answered 429 when the retries are spent fail the batch (nothing committed)', async () => {
    const { sink, bulks } = await setup((ids) => ids.map(() => ({ status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } })), { 'max.retries': '2' });
    const err = await sink.submit(await batchOf(sink, 2)).catch((e: unknown) => e);
    await sink.close();
    expect((err as Error).message).toMatch(/2 of 2 documents not taken yet \(es_rejected_execution_exception: queue full\).*gave up after 3 attempts/);
    expect(bulks.length).toBe(3);
  });
});

describe('OpenSearch sink: making an index', () => {
  /** A cluster where the index is missing, is made empty, and then holds `afterCreate` as its mapping (an index template's). */
  async function run(afterCreate: Record<string, unknown>) {
    const calls: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls.push(`${req.method} ${req.url}${body && req.url !== '/_bulk' ? ` ${body}` : ''}`);
        res.setHeader('content-type', 'application/json');
        if (req.method === 'HEAD') return res.writeHead(404).end();
        if (req.method === 'GET' && req.url === '/orders/_mapping') return res.writeHead(200).end(JSON.stringify({ orders: { mappings: afterCreate } }));
        if (req.url === '/_bulk') return res.writeHead(200).end(JSON.stringify({ errors: false, items: [{ index: { status: 201 } }] }));
        return res.writeHead(200).end('{"acknowledged":true}');
      });
    });
    servers.push(server);
    const url = await new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
    const config = loadConfig({
      json: { name: 't', config: {
        'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092',
        'connection.url': url, 'key.ignore': 'true', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      } },
      env: {},
    });
    const sink = new OpenSearchSink(config, pino({ level: 'silent' }));
    const { plan } = (await sink.plan('orders')) as { plan: OpenSearchPlan };
    const enc = new OpenSearchEncoder();
    enc.begin(plan, 'orders', 0);
    const schema = recordSchemaFromAvro('a:1', { type: 'record', name: 'R', fields: [{ name: 'n', type: 'long' }] } as never);
    enc.add({ value: { n: 1 }, schema }, undefined, { topic: 'orders', partition: 0, offset: 0, timestamp: 0, key: null, keyBytes: null, headers: () => [] });
    const out = enc.finish();
    await sink.submit({
      topic: 'orders', partition: 0, firstOffset: 0, lastOffset: 0, records: 1, rows: 1, tombstones: 0,
      output: out.output, outputBytes: out.outputBytes, meta: out.meta as OpenSearchMeta,
    });
    await sink.close();
    return calls;
  }

  it('makes the index empty, then puts the schema\'s mapping only when the index has none (an index template\'s dynamic templates are kept), as Confluent\'s hasMapping decides', async () => {
    expect(await run({})).toEqual([
      'HEAD /orders', 'PUT /orders {}', 'GET /orders/_mapping', 'PUT /orders/_mapping {"properties":{"n":{"type":"long"}}}', 'POST /_bulk',
    ]);
    expect(await run({ dynamic_templates: [{ dates: { match: '*_TS', mapping: { type: 'date' } } }] })).toEqual(['HEAD /orders', 'PUT /orders {}', 'GET /orders/_mapping', 'POST /_bulk']);
  });
});
