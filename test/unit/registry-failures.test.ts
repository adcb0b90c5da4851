// The schema registry's answers, told apart: an id it does not know is bad
// data (each record carrying it fails by itself), an outage is retriable (the
// batch is retried, no record fails), anything else stops Sluice.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetriableError, SluiceError } from '../../src/errors.js';
import { connectStage } from '../../src/pipeline/dead-letter.js';
import { AvroDecoder, avroType } from '../../src/workers/decode/decoders.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import { errorFromWorker, retriableFromWorker, workerRejection } from '../../src/workers/protocol.js';

const SCHEMA = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
const type = avroType(SCHEMA);
const frame = (id: number, body: Buffer) => Buffer.concat([Buffer.from([0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), body]);

// id 1: a schema; 2: unknown (40403); 3: 500; 4: a 404 that is not the registry's own; 5: PROTOBUF; 6: not a valid Avro schema; 7: 401
let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const id = Number(/\/schemas\/ids\/(\d+)$/.exec(req.url ?? '')?.[1]);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (id === 1) send(200, { schema: JSON.stringify(SCHEMA) });
    else if (id === 2) send(404, { error_code: 40403, message: 'Schema 2 not found' });
    else if (id === 3) send(500, { error_code: 50001, message: 'store down' });
    else if (id === 4) send(404, '<html>Not Found</html>');
    else if (id === 5) send(200, { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' });
    else if (id === 6) send(200, { schema: '{"type": "nonsense"}' });
    else send(401, { error_code: 401, message: 'Unauthorized' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function prepared(ids: number[], url = base) {
  const d = new AvroDecoder(new SchemaRegistryClient(url));
  const values = ids.map((id) => frame(id, type.toBuffer({ a: id })));
  await d.prepare(values);
  return { d, values };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'decoded';
}

describe('schema ids the registry does not have', () => {
  it('fail only the records that carry them, with a reason naming the id and the registry', async () => {
    const { d, values } = await prepared([1, 2, 5, 6, 1]);
    expect(values.map((v) => reasonOf(() => d.decode(v)))).toEqual([
      'decoded',
      `schema id 2 is not in the schema registry at ${base} (HTTP 404, error_code 40403)`,
      'schema id 5 is a PROTOBUF schema, not Avro',
      expect.stringMatching(/^schema id 6 is not an Avro schema Sluice can read: /),
      'decoded',
    ]);
  });
});

describe('a registry that is down, or refuses Sluice', () => {
  it('an outage (5xx, unreachable) fails the batch as retriable: no record is blamed', async () => {
    const err500 = await prepared([1, 3]).catch((e: unknown) => e);
    expect(err500).toBeInstanceOf(RetriableError);
    expect((err500 as Error).message).toBe(`schema registry at ${base} answered HTTP 500 for schema id 3: {"error_code":50001,"message":"store down"}`);
    const down = await prepared([1], 'http://127.0.0.1:1').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(RetriableError);
    expect((down as Error).message).toMatch(/^schema registry unreachable at http:\/\/127\.0\.0\.1:1 \(/);
  });

  it('a 404 that is not the registry\'s "schema not found", or 401, stops Sluice (not retriable, not a record failure)', async () => {
    for (const id of [4, 7]) {
      const err = await prepared([id]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SluiceError);
      expect((err as SluiceError).retriable).toBe(false);
    }
    const err = await prepared([4]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/answered HTTP 404 for schema id 4: <html>Not Found<\/html> \(not the registry's "schema not found", error_code 40403: is the schema registry URL right\?\)/);
  });

  it('crosses the worker boundary as a marked message the engine turns back into a RetriableError', () => {
    const thrown = workerRejection(new RetriableError('schema registry unreachable at http://r (fetch failed)'));
    // What Piscina hands the main thread: a plain Error carrying only the message.
    const cloned = structuredClone(thrown);
    expect(cloned.message).toBe('[sluice RetriableError retry] schema registry unreachable at http://r (fetch failed)');
    const back = retriableFromWorker(cloned);
    expect(back).toBeInstanceOf(RetriableError);
    expect(back!.message).toBe('schema registry unreachable at http://r (fetch failed)');
    expect(retriableFromWorker(new Error('decode failed'))).toBeUndefined();
    expect(errorFromWorker(new Error('decode failed'))).toBeUndefined();
  });
});

describe("dead letters' __connect.errors.stage", () => {
  it('names the converter that failed, as Kafka Connect does', () => {
    expect(connectStage({ stage: 'decode', part: 'key' })).toBe('KEY_CONVERTER');
    expect(connectStage({ stage: 'decode', part: 'value' })).toBe('VALUE_CONVERTER');
    expect(connectStage({ stage: 'decode', part: 'header' })).toBe('HEADER_CONVERTER');
    expect(connectStage({ stage: 'decode' })).toBe('VALUE_CONVERTER');
    expect(connectStage({ stage: 'convert' })).toBe('TASK_PUT');
    expect(connectStage({ stage: 'write' })).toBe('TASK_PUT');
  });
});
