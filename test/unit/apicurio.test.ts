// Apicurio Registry 2.x's AvroConverter: its framing (id in the headers or
// after a magic byte, 8 or 4 bytes, global or content id), its native API, and
// its Connect keys. Values must equal what Confluent's framing of the same
// Avro schema decodes to.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError } from '../../src/errors.js';
import { AvroDecoder, avroType, createDecoder } from '../../src/workers/decode/decoders.js';
import { ApicurioAvroDecoder, type ApicurioWire } from '../../src/workers/decode/apicurio.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import type { KafkaHeader } from '../../src/core/batch-layout.js';
import { loadConfig } from '../../src/sinks/index.js';
import { workerSetup } from '../../src/pipeline/compose.js';

const SCHEMA = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'big', type: 'long' },
    { name: 'name', type: ['null', 'string'], default: null },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};
const type = avroType(SCHEMA);
const VALUE = { id: 7, big: -(2n ** 62n), name: 'ä', amount: Buffer.from([0x30, 0x39]), at: 1_700_000_000_000 };
const BODY = type.toBuffer(VALUE);

// globalId 11 and contentId 21: SCHEMA; globalId 12: unknown; globalId 13: 500; contentId 22: not Avro; /schemas/ids/11: Confluent API, same schema.
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
    if (url === '/apis/registry/v2/ids/globalIds/11' || url === '/apis/registry/v2/ids/contentIds/21') send(200, SCHEMA);
    else if (url === '/apis/registry/v2/ids/globalIds/12') send(404, { message: "No version with global ID '12' found.", error_code: 404, name: 'VersionNotFoundException' });
    else if (url === '/apis/registry/v2/ids/globalIds/13') send(500, { message: 'store down' });
    else if (url === '/apis/registry/v2/ids/contentIds/22') send(200, 'syntax = "proto3";');
    else if (url === '/schemas/ids/11') send(200, { schema: JSON.stringify(SCHEMA) });
    else send(404, '<html>Not Found</html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const DEFAULT: ApicurioWire = { idSize: 8, useId: 'globalId' };
const long8 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const header = (name: string, value: Uint8Array | null): KafkaHeader => ({ name, value });

function decoder(role: 'key' | 'value' = 'value', wire = DEFAULT): ApicurioAvroDecoder {
  return new ApicurioAvroDecoder(new SchemaRegistryClient(`${base}/apis/registry/v2`), role, wire, avroType);
}

async function decodeAll(d: ApicurioAvroDecoder, records: { bytes: Uint8Array; headers: KafkaHeader[] }[]): Promise<string[] | unknown[]> {
  await d.prepare(records.map((r) => r.bytes), 'orders', (i) => records[i]!.headers);
  return records.map((r) => {
    try {
      return d.decode(r.bytes, () => r.headers).value;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  });
}

describe('Apicurio AvroConverter framing', () => {
  it('reads the global id from the headers (the default) and decodes exactly as Confluent\'s framing of the same schema', async () => {
    const confluent = new AvroDecoder(new SchemaRegistryClient(base));
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 11]), BODY]);
    await confluent.prepare([framed]);
    const expected = confluent.decode(framed);

    const d = decoder();
    const [got] = await decodeAll(d, [{ bytes: BODY, headers: [header('apicurio.value.globalId', long8(11)), header('apicurio.value.encoding', Buffer.from('BINARY'))] }]);
    expect(got).toEqual(expected.value);
    expect((got as { big: bigint }).big).toBe(-(2n ** 62n));
    const withSchema = d.decode(BODY, () => [header('apicurio.value.globalId', long8(11))]);
    expect(withSchema.schema.fields).toEqual(expected.schema.fields);
  });

  it('reads key ids from the key headers, content ids, and the last header of a name', async () => {
    const got = await decodeAll(decoder('key'), [
      { bytes: BODY, headers: [header('apicurio.key.globalId', long8(11))] },
      { bytes: BODY, headers: [header('apicurio.key.contentId', long8(21))] },
      // A value's header does not name the key's schema: the key falls back to its payload, which has no magic byte.
      { bytes: BODY, headers: [header('apicurio.value.globalId', long8(11))] },
      { bytes: BODY, headers: [header('apicurio.key.globalId', long8(12)), header('apicurio.key.globalId', long8(11))] },
    ]);
    expect(got[0]).toEqual(got[1]);
    expect(got[0]).toMatchObject({ id: 7, name: 'ä' });
    expect(got[2]).toMatch(/^error: no apicurio\.key\.globalId or apicurio\.key\.contentId header, and the key does not start with the magic byte 0/);
    expect(got[3]).toEqual(got[0]);
  });

  it('reads ids in the payload: magic byte 0 and an 8-byte id (DefaultIdHandler), a 4-byte one (Legacy4ByteIdHandler), a content id (use-id)', async () => {
    const [a] = await decodeAll(decoder(), [{ bytes: Buffer.concat([Buffer.from([0]), long8(11), BODY]), headers: [] }]);
    const legacy = Buffer.concat([Buffer.from([0, 0, 0, 0, 11]), BODY]);
    const [b] = await decodeAll(decoder('value', { idSize: 4, useId: 'globalId' }), [{ bytes: legacy, headers: [] }]);
    const [c] = await decodeAll(decoder('value', { idSize: 8, useId: 'contentId' }), [{ bytes: Buffer.concat([Buffer.from([0]), long8(21), BODY]), headers: [] }]);
    expect(a).toMatchObject({ id: 7, name: 'ä' });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('fails bad records one by one, naming the header, the id and the registry', async () => {
    const got = await decodeAll(decoder(), [
      { bytes: BODY, headers: [header('apicurio.value.globalId', Buffer.from([0, 0, 0, 11]))] },
      { bytes: BODY, headers: [header('apicurio.value.globalId', null)] },
      { bytes: BODY, headers: [header('apicurio.value.globalId', long8(12))] },
      { bytes: BODY, headers: [header('apicurio.value.contentId', long8(22))] },
      { bytes: BODY, headers: [header('apicurio.value.globalId', long8(11)), header('apicurio.value.encoding', Buffer.from('JSON'))] },
      { bytes: BODY, headers: [header('apicurio.value.artifactId', Buffer.from('orders-value'))] },
      { bytes: Buffer.from([0, 0, 0]), headers: [] },
      { bytes: Buffer.concat([BODY, Buffer.from([1])]), headers: [header('apicurio.value.globalId', long8(11))] },
      { bytes: BODY.subarray(0, 5), headers: [header('apicurio.value.globalId', long8(11))] },
      { bytes: BODY, headers: [header('apicurio.value.globalId', long8(-1))] },
    ]);
    expect(got).toEqual([
      'error: header apicurio.value.globalId holds 4 bytes, not an 8-byte id',
      'error: header apicurio.value.globalId holds no value, not an 8-byte id',
      `error: Apicurio globalId 12 is not in the schema registry at ${base}/apis/registry/v2 (HTTP 404, error_code 404)`,
      expect.stringMatching(/^error: Apicurio contentId 22 is not an Avro schema Sluice can read/),
      expect.stringMatching(/^error: header apicurio\.value\.encoding says JSON/),
      expect.stringMatching(/^error: the schema is named by the headers apicurio\.value\.groupId\/artifactId\/version rather than an id/),
      'error: no apicurio.value.globalId or apicurio.value.contentId header, and the value is 3 bytes, too short for Apicurio\'s framing in the payload (magic byte 0, 8-byte globalId, Avro binary)',
      'error: Avro body has 1 trailing bytes after Apicurio globalId 11\'s record',
      'error: Avro body does not match Apicurio globalId 11\'s schema (truncated or corrupt)',
      'error: header apicurio.value.globalId holds -1, not a registry id',
    ]);
  });

  it('an outage fails the batch as retriable, and no record is failed for it', async () => {
    const d = decoder();
    await expect(d.prepare([BODY], 'orders', () => [header('apicurio.value.globalId', long8(13))])).rejects.toBeInstanceOf(RetriableError);
  });

  it('fetches each id once', async () => {
    const d = decoder();
    asked.length = 0;
    const records = Array.from({ length: 50 }, () => ({ bytes: BODY, headers: [header('apicurio.value.globalId', long8(11))] }));
    await decodeAll(d, records);
    await decodeAll(d, records);
    expect(asked.filter((u) => u.endsWith('/globalIds/11')).length).toBeLessThanOrEqual(1);
  });
});

const debezium = {
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
  'key.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
  'key.converter.apicurio.registry.url': 'http://registry:8080/apis/registry/v2',
  'key.converter.apicurio.registry.auto-register': 'true',
  'key.converter.apicurio.registry.find-latest': 'true',
  'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
  'value.converter.apicurio.registry.url': 'http://registry:8080/apis/registry/v2/',
  'value.converter.apicurio.registry.auto-register': 'true',
  'value.converter.apicurio.registry.find-latest': 'true',
};

function problems(config: Record<string, string>): string[] {
  try {
    loadConfig({ json: { name: 'apicurio-sink', config }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('Apicurio converter config', () => {
  it('accepts the keys a Debezium user writes; serializer-only ones with a notice', () => {
    const c = loadConfig({ json: { name: 'apicurio-sink', config: debezium }, env: {} });
    expect(c.valueFormat).toBe('avro');
    expect(c.apicurio).toEqual({ key: DEFAULT, value: DEFAULT });
    expect(c.registry.value?.url).toBe('http://registry:8080/apis/registry/v2');
    expect(c.notices.some((n) => n.startsWith('value.converter.apicurio.registry.auto-register'))).toBe(true);
    expect(c.notices.some((n) => n.startsWith('key.converter.apicurio.registry.find-latest'))).toBe(true);
    const setup = workerSetup(c);
    expect(setup.valueApicurio).toEqual(DEFAULT);
    expect(setup.keyApicurio).toEqual(DEFAULT);
    expect(createDecoder('avro', { registryUrl: setup.valueRegistryUrl, apicurio: { role: 'value', wire: setup.valueApicurio! } })).toBeInstanceOf(ApicurioAvroDecoder);
  });

  it('reads the payload framing settings, and a key converter without a URL takes the value converter\'s', () => {
    const { 'key.converter.apicurio.registry.url': _u, ...noKeyUrl } = debezium;
    const c = loadConfig({
      json: { name: 'apicurio-sink', config: { ...noKeyUrl, 'value.converter.apicurio.registry.as-confluent': 'true', 'value.converter.apicurio.registry.use-id': 'contentId', 'key.converter.apicurio.registry.id-handler': 'io.apicurio.registry.serde.Legacy4ByteIdHandler', 'value.converter.apicurio.auth.username': 'u', 'value.converter.apicurio.auth.password': 's3cret-pw' } },
      env: {},
    });
    expect(c.apicurio).toEqual({ key: { idSize: 4, useId: 'globalId' }, value: { idSize: 4, useId: 'contentId' } });
    expect(c.registry.key?.url).toBe('http://registry:8080/apis/registry/v2');
    expect(c.registry.value?.authorization).toBe('Basic ' + Buffer.from('u:s3cret-pw').toString('base64'));
    expect(c.secrets).toContain('s3cret-pw');
  });

  it('refuses what it cannot read, naming the key', () => {
    const { 'value.converter.apicurio.registry.url': _v, 'key.converter.apicurio.registry.url': _k, ...noUrl } = debezium;
    expect(problems(noUrl)).toEqual(expect.arrayContaining([expect.stringMatching(/^value\.converter\.apicurio\.registry\.url: required/)]));
    expect(problems({ ...debezium, 'value.converter.apicurio.registry.url': 'http://registry:8080/apis/ccompat/v7' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.url: .* is the Confluent-compatible API/)]);
    expect(problems({ ...debezium, 'value.converter.apicurio.registry.id-handler': 'com.acme.MyIdHandler' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.id-handler: "com\.acme\.MyIdHandler" is not an id handler/)]);
    expect(problems({ ...debezium, 'value.converter.apicurio.registry.avro.encoding': 'JSON' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.avro\.encoding: JSON/)]);
    // OAuth is read (apicurio-oauth.test.ts); a token endpoint without the client credentials is not enough.
    expect(problems({ ...debezium, 'value.converter.apicurio.auth.service.token.endpoint': 'http://sso/token' })).toEqual([
      'value.converter.apicurio.auth.client.id: required with value.converter.apicurio.auth.service.token.endpoint (OAuth client credentials)',
      'value.converter.apicurio.auth.client.secret: required with value.converter.apicurio.auth.service.token.endpoint (OAuth client credentials)',
    ]);
    // ExtJsonConverter is read (apicurio-ext-json.test.ts); these are not.
    expect(problems({ ...debezium, 'value.converter': 'io.apicurio.registry.utils.converter.SerdeBasedConverter' }))
      .toEqual([expect.stringMatching(/^value\.converter: "io\.apicurio\.registry\.utils\.converter\.SerdeBasedConverter" hands a connector .* without a Connect schema/)]);
    expect(problems({ ...debezium, 'value.converter': 'io.apicurio.registry.utils.converter.ProtobufConverter' }))
      .toEqual([expect.stringMatching(/^value\.converter: "io\.apicurio\.registry\.utils\.converter\.ProtobufConverter" is in no released Apicurio Registry version/)]);
    expect(problems({ ...debezium, 'key.converter': 'io.apicurio.registry.utils.converter.JsonSchemaConverter' }))
      .toEqual([expect.stringMatching(/^key\.converter: "io\.apicurio\.registry\.utils\.converter\.JsonSchemaConverter" is an Apicurio Registry converter Sluice does not read/)]);
    expect(problems({ ...debezium, 'value.converter.apicurio.registry.global-id': 'io.apicurio.registry.utils.serde.strategy.AutoRegisterIdStrategy' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.global-id: .*Apicurio Registry 1\.x/)]);
    expect(problems({ ...debezium, 'value.converter.apicurio.registry.use-id': 'artifactId' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.use-id/)]);
  });

  it('leaves Confluent\'s AvroConverter as it was', () => {
    const c = loadConfig({ json: { name: 's', config: { ...debezium, 'key.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': 'http://sr:8081' } }, env: {} });
    expect(c.apicurio).toBeUndefined();
    expect(c.registry.value?.url).toBe('http://sr:8081');
    expect(workerSetup(c).valueApicurio).toBeUndefined();
  });
});
