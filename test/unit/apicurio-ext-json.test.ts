// Apicurio Registry 2.x's ExtJsonConverter: the Connect schema registered in
// the registry (a KCONNECT artifact, fetched by global id) and each record
// framed as {"schemaId": <global id>, "payload": …}. A record must decode to
// exactly what JsonConverter's {"schema", "payload"} envelope of the same
// schema decodes to, and bad records fail one by one, naming the reason.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError } from '../../src/errors.js';
import { ConnectJsonDecoder, createDecoder } from '../../src/workers/decode/decoders.js';
import { ApicurioExtJsonDecoder, extJsonSchemaId } from '../../src/workers/decode/apicurio-ext-json.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import { loadConfig } from '../../src/sinks/index.js';
import { workerSetup } from '../../src/pipeline/compose.js';

// What JsonConverter.asJsonSchema writes for a Debezium-like value, as ExtJsonConverter registers it.
const SCHEMA = {
  type: 'struct', name: 'shop.Value', optional: false, version: 3,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'name', type: 'string', optional: true },
    { field: 'amount', type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' } },
    { field: 'day', type: 'int32', optional: true, name: 'org.apache.kafka.connect.data.Date', version: 1 },
    { field: 'tags', type: 'array', optional: true, items: { type: 'string', optional: false } },
    { field: 'attrs', type: 'map', optional: true, keys: { type: 'string', optional: false }, values: { type: 'int32', optional: true } },
    { field: 'inner', type: 'struct', optional: true, fields: [{ field: 'ok', type: 'boolean', optional: false }] },
  ],
};
const PAYLOAD = '{"id":9007199254740993,"name":"ä","amount":"MDk=","day":19000,"tags":["a","b"],"attrs":{"x":1,"y":null},"inner":{"ok":true}}';

// What Apicurio 2.6.2's ExtJsonConverter registered (KCONNECT) and wrote for a Struct of this schema, captured from the
// real converter (fromConnectData against an Apicurio registry): the schema as stored, the record bytes as produced.
const REAL_SCHEMA = '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},' +
  '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"amount"},' +
  '{"type":"int64","optional":false,"field":"big"},{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"day"},' +
  '{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"at"},' +
  '{"type":"array","items":{"type":"string","optional":false},"optional":true,"field":"tags"}],"optional":false,"name":"shop.Value","version":3}';
const REAL_RECORDS = [
  'eyJzY2hlbWFJZCI6MTQ2LCJwYXlsb2FkIjp7ImlkIjoxLCJuYW1lIjoiZmlyc3QiLCJhbW91bnQiOiJNRGs9IiwiYmlnIjo0NTAzNTk5NjI3MzcwNDk3LCJkYXkiOjE5MDAwLCJhdCI6MTcwMDAwMDAwMDEyMywidGFncyI6WyJhIiwiYiJdfX0=',
  'eyJzY2hlbWFJZCI6MTQ2LCJwYXlsb2FkIjp7ImlkIjoyLCJuYW1lIjpudWxsLCJhbW91bnQiOiJZdz09IiwiYmlnIjotOTIyMzM3MjAzNjg1NDc3NTgwOCwiZGF5IjpudWxsLCJhdCI6bnVsbCwidGFncyI6bnVsbH19',
].map((b) => Buffer.from(b, 'base64'));

// globalId 31: SCHEMA; 32: unknown; 33: 500; 34: an Avro schema (not Connect); 146: REAL_SCHEMA.
let server: http.Server;
let base = '';
const asked: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    asked.push(url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url === '/apis/registry/v2/ids/globalIds/31') send(200, SCHEMA);
    else if (url === '/apis/registry/v2/ids/globalIds/146') send(200, REAL_SCHEMA);
    else if (url === '/apis/registry/v2/ids/globalIds/32') send(404, { message: "No version with global ID '32' found.", error_code: 404, name: 'VersionNotFoundException' });
    else if (url === '/apis/registry/v2/ids/globalIds/33') send(500, { message: 'store down' });
    else if (url === '/apis/registry/v2/ids/globalIds/34') send(200, { type: 'record', name: 'V', fields: [{ name: 'id', type: 'int' }] });
    else send(404, '<html>Not Found</html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const framed = (id: number | string, payload: string) => Buffer.from(`{"schemaId":${typeof id === 'string' ? JSON.stringify(id) : id},"payload":${payload}}`);

function decoder(): ApicurioExtJsonDecoder {
  return new ApicurioExtJsonDecoder(new SchemaRegistryClient(`${base}/apis/registry/v2`), 'value');
}

async function decodeAll(d: ApicurioExtJsonDecoder, records: Uint8Array[]): Promise<unknown[]> {
  await d.prepare(records);
  return records.map((r) => {
    try {
      return d.decode(r).value;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  });
}

describe('Apicurio ExtJsonConverter framing', () => {
  it('decodes exactly as JsonConverter\'s envelope of the same schema: values, schema, declared version', async () => {
    const d = decoder();
    const bytes = framed(31, PAYLOAD);
    await d.prepare([bytes]);
    const got = d.decode(bytes);
    const want = new ConnectJsonDecoder().decode(Buffer.from(`{"schema":${JSON.stringify(SCHEMA)},"payload":${PAYLOAD}}`));
    expect(got.value).toEqual(want.value);
    expect((got.value as { id: unknown }).id).toBe(9007199254740993n);
    expect(got.schema.fields).toEqual(want.schema.fields);
    expect(got.schema.name).toBe('shop.Value');
    // Whitespace and key order do not matter (Jackson reads a tree); a string id is read as asLong() reads it.
    await d.prepare([Buffer.from(` { "payload" : ${PAYLOAD} , "schemaId" : "31" } `)]);
    expect(d.decode(Buffer.from(` { "payload" : ${PAYLOAD} , "schemaId" : "31" } `)).value).toEqual(want.value);
    // A null payload is a null value, as JsonConverter reads it.
    expect(d.decode(framed(31, 'null')).value).toBeNull();
  });

  it('reads what the real converter wrote as the envelope of its registered schema reads', async () => {
    const d = decoder();
    const got = await decodeAll(d, REAL_RECORDS);
    const envelope = new ConnectJsonDecoder();
    const want = REAL_RECORDS.map((r) => {
      const payload = r.toString('utf8').replace(/^\{"schemaId":146,"payload":/, '').replace(/\}$/, '');
      return envelope.decode(Buffer.from(`{"schema":${REAL_SCHEMA},"payload":${payload}}`)).value;
    });
    expect(got).toEqual(want);
    expect(got[0]).toMatchObject({ id: 1, name: 'first', amount: 'MDk=', big: 4503599627370497, day: 19000, at: 1700000000123, tags: ['a', 'b'] });
    expect(got[1]).toMatchObject({ id: 2, name: null, big: -9223372036854775808n, tags: null });
    expect(d.decode(REAL_RECORDS[0]!).schema.name).toBe('shop.Value');
  });

  it('fails bad records one by one, naming the id and the reason', async () => {
    const d = decoder();
    const out = await decodeAll(d, [
      framed(31, PAYLOAD),
      framed(32, '{}'),
      framed(34, '{"id":1}'),
      framed(31, '{"name":"x","amount":"MDk="}'),
      Buffer.from('{"payload":{}}'),
      Buffer.from('not json'),
      framed(-1, '{}'),
      framed(31, '{"id":1,"amount":"MDk=","tags":[null]}'),
    ]);
    expect(out[0]).toMatchObject({ name: 'ä' });
    expect(out[1]).toMatch(/^error: Apicurio globalId 32 is not in the schema registry/);
    expect(out[2]).toMatch(/^error: Apicurio globalId 34 is not a Kafka Connect schema Sluice can read .*unknown Kafka Connect schema type "record"/);
    expect(out[3]).toMatch(/^error: field id is missing but its schema says it is required/);
    expect(out[4]).toMatch(/^error: the value is not ExtJsonConverter's \{"schemaId": <global id>, "payload": …\} JSON/);
    expect(out[5]).toMatch(/^error: /);
    expect(out[6]).toMatch(/^error: the value's "schemaId" -1 is not a registry global id/);
    expect(out[7]).toMatch(/^error: field tags\[0\] is null but its schema says it is required/);
  });

  it('an outage fails the batch as retriable; each id is fetched once', async () => {
    await expect(decoder().prepare([framed(33, '{}')])).rejects.toBeInstanceOf(RetriableError);
    const d = decoder();
    asked.length = 0;
    const records = Array.from({ length: 20 }, () => framed(31, PAYLOAD));
    await decodeAll(d, records);
    await decodeAll(d, records);
    expect(asked.filter((u) => u.endsWith('/globalIds/31'))).toHaveLength(1);
  });

  it('reads schemaId as Jackson\'s asLong(): integers and digit strings', () => {
    expect(extJsonSchemaId(5)).toBe(5);
    expect(extJsonSchemaId(' 12 ')).toBe(12);
    expect(extJsonSchemaId(2n ** 60n)).toEqual({ error: expect.stringMatching(/not a registry global id/) });
    expect(extJsonSchemaId(1.5)).toEqual({ error: expect.stringMatching(/not a global id/) });
    expect(extJsonSchemaId(undefined)).toEqual({ error: expect.stringMatching(/not a global id/) });
  });
});

const extJson = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
  'key.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
  'key.converter.apicurio.registry.url': 'http://registry:8080/apis/registry/v2',
  'key.converter.apicurio.registry.auto-register': 'true',
  'value.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
  'value.converter.apicurio.registry.url': 'http://registry:8080/apis/registry/v2',
  'value.converter.apicurio.registry.auto-register': 'true',
  'value.converter.apicurio.registry.find-latest': 'true',
};

describe('Apicurio ExtJsonConverter config', () => {
  it('reads as Connect JSON with its schema from the native API, by global id', () => {
    const c = loadConfig({ json: { name: 'ext-json-sink', config: extJson }, env: {} });
    expect(c.valueFormat).toBe('connect-json');
    expect(c.keyFormat).toBe('connect-json');
    const wire = { converter: 'ExtJsonConverter', idSize: 8, useId: 'globalId' };
    expect(c.apicurio).toEqual({ key: wire, value: wire });
    expect(c.registry.value?.url).toBe('http://registry:8080/apis/registry/v2');
    const setup = workerSetup(c);
    expect(createDecoder('connect-json', { registryUrl: setup.valueRegistryUrl, apicurio: { role: 'value', wire: setup.valueApicurio! } })).toBeInstanceOf(ApicurioExtJsonDecoder);
    // Without the Apicurio wire, connect-json stays JsonConverter's envelope.
    expect(createDecoder('connect-json', {})).toBeInstanceOf(ConnectJsonDecoder);
  });

  it('needs the registry URL; Avro-only settings do not apply', () => {
    const { 'value.converter.apicurio.registry.url': _v, 'key.converter.apicurio.registry.url': _k, ...noUrl } = extJson;
    let problems: readonly string[] = [];
    try {
      loadConfig({ json: { name: 'ext-json-sink', config: noUrl }, env: {} });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^value\.converter\.apicurio\.registry\.url: required .*ExtJsonConverter/)]));
    // ExtJsonConverter frames every record the one way: the payload id settings are the Avro converter's.
    const c = loadConfig({ json: { name: 'ext-json-sink', config: { ...extJson, 'value.converter.apicurio.registry.use-id': 'contentId', 'value.converter.apicurio.registry.as-confluent': 'true' } }, env: {} });
    expect(c.apicurio?.value).toEqual({ converter: 'ExtJsonConverter', idSize: 8, useId: 'globalId' });
  });
});
