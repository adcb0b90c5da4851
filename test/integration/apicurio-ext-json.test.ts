// Apicurio Registry 2.x's ExtJsonConverter into PostgreSQL: the Connect
// schemas registered in the stack's Apicurio as KCONNECT artifacts through
// its native API, records framed as the converter writes them
// ({"schemaId": <global id>, "payload": …}). The rows must be those that
// JsonConverter's {"schema", "payload"} envelopes of the same schemas and
// payloads give. An id the registry does not have stops Sluice naming the record.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { pgConnector, runExpectingFailure, runUntilCommitted } from './postgres-helpers.js';

/** The stack's registry is Apicurio: its native API beside the Confluent-compatible one the other tests use. */
const APICURIO = REGISTRY.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v2');

/** Registers a Connect schema as ExtJsonConverter does (artifact type KCONNECT); its global id. */
async function registerConnectSchema(artifactId: string, schema: object): Promise<number> {
  const res = await fetch(`${APICURIO}/groups/default/artifacts?ifExists=RETURN_OR_UPDATE`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Registry-ArtifactId': artifactId, 'X-Registry-ArtifactType': 'KCONNECT' },
    body: JSON.stringify(schema),
  });
  if (!res.ok) throw new Error(`register ${artifactId}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { globalId: number }).globalId;
}

const KEY_SCHEMA = { type: 'struct', name: 'shop.Key', optional: false, fields: [{ field: 'id', type: 'int32', optional: false }] };
const VALUE_SCHEMA = {
  type: 'struct', name: 'shop.Value', optional: false,
  fields: [
    { field: 'id', type: 'int32', optional: false },
    { field: 'name', type: 'string', optional: true },
    { field: 'amount', type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' } },
    { field: 'big', type: 'int64', optional: false },
    { field: 'day', type: 'int32', optional: true, name: 'org.apache.kafka.connect.data.Date', version: 1 },
    { field: 'at', type: 'int64', optional: true, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
    { field: 'ok', type: 'boolean', optional: true },
  ],
};
// Payloads as JsonConverter (schemas.enable=false inside ExtJsonConverter) writes them: decimals base64, longs exact.
const RECORDS = [
  { key: '{"id":1}', value: '{"id":1,"name":"first","amount":"MDk=","big":4503599627370497,"day":19000,"at":1700000000123,"ok":true}' },
  { key: '{"id":2}', value: '{"id":2,"name":null,"amount":"Yw==","big":-9223372036854775808,"day":null,"at":null,"ok":null}' },
  { key: '{"id":3}', value: '{"id":3,"name":"ä \\"quoted\\"","amount":"AJ/2","big":7,"day":0,"at":0,"ok":false}' },
  { key: '{"id":1}', value: '{"id":1,"name":"first, updated","amount":"ANQx","big":4503599627370497,"day":19001,"at":1700000000124,"ok":false}' },
];

const ROWS = 'SELECT id, name, amount::text AS amount, big::text AS big, day::text AS day, at::text AS at, ok FROM';

describe('Apicurio Registry ExtJsonConverter into PostgreSQL', () => {
  it('lands the rows JsonConverter envelopes of the same schemas and payloads give', async () => {
    const apicurioTopic = uniqueName('apicurio_extjson');
    const connectTopic = uniqueName('apicurio_extjson_envelope');
    await createTopic(apicurioTopic, 1);
    await createTopic(connectTopic, 1);
    const keyId = await registerConnectSchema(`${apicurioTopic}-key`, KEY_SCHEMA);
    const valueId = await registerConnectSchema(`${apicurioTopic}-value`, VALUE_SCHEMA);
    await produce(apicurioTopic, RECORDS.map((r) => ({
      key: Buffer.from(`{"schemaId":${keyId},"payload":${r.key}}`),
      value: Buffer.from(`{"schemaId":${valueId},"payload":${r.value}}`),
    })));
    await produce(connectTopic, RECORDS.map((r) => ({
      key: Buffer.from(`{"schema":${JSON.stringify(KEY_SCHEMA)},"payload":${r.key}}`),
      value: Buffer.from(`{"schema":${JSON.stringify(VALUE_SCHEMA)},"payload":${r.value}}`),
    })));
    const upsert = { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'auto.create': 'true' };
    const out = await runUntilCommitted(pgConnector(apicurioTopic, {
      ...upsert,
      'key.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
      'key.converter.apicurio.registry.url': APICURIO,
      'value.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
      'value.converter.apicurio.registry.url': APICURIO,
      'value.converter.apicurio.registry.auto-register': 'true',
    }), [apicurioTopic]);
    expect(out).toMatch(/value\.converter\.apicurio\.registry\.auto-register: accepted, no effect/);
    await runUntilCommitted(pgConnector(connectTopic, {
      ...upsert,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
    }), [connectTopic]);
    const apicurio = await sql(`${ROWS} "${apicurioTopic}" ORDER BY id`);
    expect(apicurio).toEqual(await sql(`${ROWS} "${connectTopic}" ORDER BY id`));
    expect(apicurio).toEqual([
      { id: 1, name: 'first, updated', amount: '543.21', big: '4503599627370497', day: '2022-01-09', at: expect.stringMatching(/^2023-11-14 22:13:20\.124/), ok: false },
      { id: 2, name: null, amount: '0.99', big: '-9223372036854775808', day: null, at: null, ok: null },
      { id: 3, name: 'ä "quoted"', amount: '409.50', big: '7', day: '1970-01-01', at: expect.stringMatching(/^1970-01-01 00:00:00/), ok: false },
    ]);
    // Same column types too: the table each converter created.
    const columns = (t: string) => sql(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${t}' ORDER BY ordinal_position`);
    expect(await columns(apicurioTopic)).toEqual(await columns(connectTopic));
  });

  it('a global id the registry does not have stops Sluice naming the record and the id', async () => {
    const topic = uniqueName('apicurio_extjson_unknown');
    await createTopic(topic, 1);
    const valueId = await registerConnectSchema(`${topic}-value`, VALUE_SCHEMA);
    await produce(topic, [
      { key: null, value: Buffer.from(`{"schemaId":${valueId},"payload":${RECORDS[0]!.value}}`) },
      { key: null, value: Buffer.from(`{"schemaId":987654321,"payload":${RECORDS[1]!.value}}`) },
    ]);
    const out = await runExpectingFailure(pgConnector(topic, {
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'auto.create': 'true',
      'value.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter', 'value.converter.apicurio.registry.url': APICURIO,
    }));
    expect(out).toMatch(new RegExp(`topic ${topic} partition 0 offset 1`));
    expect(out).toMatch(/Apicurio globalId 987654321 is not in the schema registry/);
  });

  it('reaches a registry that wants a client certificate (PKCS12 stores) and an OAuth token, from the worker threads', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-apicurio-it-tls-'));
    const file = (n: string) => path.join(dir, n);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=sluice it CA');
    fs.writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    for (const name of ['server', 'client']) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=sluice-${name}`);
      openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '2',
        ...(name === 'server' ? ['-extfile', file('ext.cnf')] : []));
    }
    openssl('pkcs12', '-export', '-nokeys', '-in', file('ca.pem'), '-out', file('trust.p12'), '-passout', 'pass:trust-pw');
    openssl('pkcs12', '-export', '-inkey', file('client.key'), '-in', file('client.pem'), '-out', file('client.p12'), '-passout', 'pass:store-pw');
    // The token endpoint, and the stack's registry behind an HTTPS front that wants the client certificate and the token.
    let tokens = 0;
    const seen: string[] = [];
    const sso = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const ok = form.get('grant_type') === 'client_credentials' && form.get('client_id') === 'sluice' && form.get('client_secret') === 'oauth-s3cret';
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { access_token: `it-token-${++tokens}`, expires_in: 300 } : { error: 'unauthorized_client' }));
      });
    });
    const front = https.createServer(
      { key: fs.readFileSync(file('server.key')), cert: fs.readFileSync(file('server.pem')), ca: fs.readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        seen.push(`${String((req.socket as TLSSocket).getPeerCertificate().subject?.CN)} ${req.headers.authorization ?? ''}`);
        if (!/^Bearer it-token-\d+$/.test(req.headers.authorization ?? '')) return void res.writeHead(401).end();
        void fetch(`${APICURIO}${(req.url ?? '').replace(/^\/apis\/registry\/v2/, '')}`).then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        });
      },
    );
    await Promise.all([sso, front].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    try {
      const topic = uniqueName('apicurio_extjson_tls');
      await createTopic(topic, 1);
      const keyId = await registerConnectSchema(`${topic}-key`, KEY_SCHEMA);
      const valueId = await registerConnectSchema(`${topic}-value`, VALUE_SCHEMA);
      await produce(topic, RECORDS.map((r) => ({
        key: Buffer.from(`{"schemaId":${keyId},"payload":${r.key}}`), value: Buffer.from(`{"schemaId":${valueId},"payload":${r.value}}`),
      })));
      const P = 'value.converter.apicurio';
      const out = await runUntilCommitted(pgConnector(topic, {
        'insert.mode': 'upsert', 'pk.mode': 'record_key', 'auto.create': 'true',
        'key.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
        'value.converter': 'io.apicurio.registry.utils.converter.ExtJsonConverter',
        [`${P}.registry.url`]: `https://127.0.0.1:${(front.address() as AddressInfo).port}/apis/registry/v2`,
        [`${P}.registry.request.ssl.truststore.location`]: file('trust.p12'), [`${P}.registry.request.ssl.truststore.type`]: 'PKCS12',
        [`${P}.registry.request.ssl.truststore.password`]: 'trust-pw',
        [`${P}.registry.request.ssl.keystore.location`]: file('client.p12'), [`${P}.registry.request.ssl.keystore.type`]: 'PKCS12',
        [`${P}.registry.request.ssl.keystore.password`]: 'store-pw',
        [`${P}.auth.service.token.endpoint`]: `http://127.0.0.1:${(sso.address() as AddressInfo).port}/token`,
        [`${P}.auth.client.id`]: 'sluice', [`${P}.auth.client.secret`]: 'oauth-s3cret',
      }), [topic]);
      for (const secret of ['trust-pw', 'store-pw', 'oauth-s3cret']) expect(out).not.toContain(secret);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.every((s) => /^sluice-client Bearer it-token-\d+$/.test(s))).toBe(true);
      expect(await sql(`SELECT id, name, amount::text AS amount FROM "${topic}" ORDER BY id`)).toEqual([
        { id: 1, name: 'first, updated', amount: '543.21' },
        { id: 2, name: null, amount: '0.99' },
        { id: 3, name: 'ä "quoted"', amount: '409.50' },
      ]);
    } finally {
      await Promise.all([sso, front].map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  });
});
