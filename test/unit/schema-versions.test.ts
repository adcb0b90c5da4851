// Schema versions for schema.compatibility: the Avro decoder asks the
// registry for each schema's version under "<topic>-value" (as AvroConverter
// does: POST /subjects/<subject>) only when asked to, once per schema and
// topic; a schema the subject does not hold fails its records, an outage
// fails the batch as retriable.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetriableError } from '../../src/errors.js';
import { AvroDecoder, avroType } from '../../src/workers/decode/decoders.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import { schemaVersion } from '../../src/workers/schema.js';

const V1 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
const V2 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 0 }] };
const frame = (id: number, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), body]);

// ids 1 and 2 are versions 3 and 4 of "orders-value"; id 2 is not under "other-value"; "down-value" answers 503.
const lookups: { subject: string; schema: string }[] = [];
let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const id = /\/schemas\/ids\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && id) return send(200, { schema: JSON.stringify(id === '1' ? V1 : V2) });
    const subject = decodeURIComponent(/^\/subjects\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '');
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const schema = (JSON.parse(body) as { schema: string }).schema;
      lookups.push({ subject, schema });
      if (subject === 'down-value') return send(503, { error_code: 50003, message: 'down' });
      const version = schema === JSON.stringify(V1) ? 3 : subject === 'orders-value' ? 4 : undefined;
      if (version === undefined) return send(404, { error_code: 40403, message: 'Schema not found' });
      send(200, { subject, id: version - 2, version, schema });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const values = [frame(1, avroType(V1).toBuffer({ a: 1 })), frame(2, avroType(V2).toBuffer({ a: 2, b: 3 })), frame(1, avroType(V1).toBuffer({ a: 4 }))];

describe('schema versions from the registry', () => {
  it('are looked up under <topic>-value once per schema and topic, and only when asked for', async () => {
    lookups.length = 0;
    const plain = new AvroDecoder(new SchemaRegistryClient(base));
    await plain.prepare(values, 'orders');
    expect(lookups).toEqual([]);
    expect(schemaVersion(plain.decode(values[0]!).schema, 'orders')).toBeUndefined();

    const d = new AvroDecoder(new SchemaRegistryClient(base), true);
    await d.prepare(values, 'orders');
    await d.prepare(values, 'orders');
    expect(lookups).toEqual([{ subject: 'orders-value', schema: JSON.stringify(V1) }, { subject: 'orders-value', schema: JSON.stringify(V2) }]);
    expect(values.map((v) => schemaVersion(d.decode(v).schema, 'orders'))).toEqual([3, 4, 3]);
  });

  it('a schema the subject does not hold fails the records that carry it (not cached: asked again next batch); an outage is retriable', async () => {
    lookups.length = 0;
    const d = new AvroDecoder(new SchemaRegistryClient(base), true);
    await d.prepare(values, 'other');
    expect(d.decode(values[0]!).value).toEqual({ a: 1 });
    expect(() => d.decode(values[1]!)).toThrow('schema id 2 is not registered under the subject other-value, so it has no version there');
    await d.prepare(values, 'other');
    expect(lookups.filter((l) => l.schema === JSON.stringify(V2))).toHaveLength(2);
    // Another batch of a topic whose subject holds it decodes it.
    await d.prepare(values, 'orders');
    expect(schemaVersion(d.decode(values[1]!).schema, 'orders')).toBe(4);
    await expect(new AvroDecoder(new SchemaRegistryClient(base), true).prepare(values, 'down')).rejects.toBeInstanceOf(RetriableError);
  });

  it('value.subject.name.strategy: RecordNameStrategy asks under the record\'s full name, TopicRecordNameStrategy under <topic>-<name>', async () => {
    lookups.length = 0;
    const rn = new AvroDecoder(new SchemaRegistryClient(base), true, 'record');
    await rn.prepare(values, 'orders');
    expect(lookups.map((l) => l.subject)).toEqual(['R', 'R']);
    // "R" holds V1 (version 3) and not V2.
    expect(schemaVersion(rn.decode(values[0]!).schema, 'orders')).toBe(3);
    expect(() => rn.decode(values[1]!)).toThrow('schema id 2 is not registered under the subject R');
    lookups.length = 0;
    await new AvroDecoder(new SchemaRegistryClient(base), true, 'topic-record').prepare(values, 'orders2');
    expect(lookups.map((l) => l.subject)).toEqual(['orders2-R', 'orders2-R']);
  });
});
