// Apicurio Registry behind OAuth, as its serdes reach it: client credentials
// (apicurio.auth.client.id / client.secret) sent to the token endpoint
// (apicurio.auth.service.token.endpoint, or <auth.service.url>/realms/<realm>/
// protocol/openid-connect/token), the access token sent as a Bearer token and
// asked again when it expires. A tiny local token endpoint and registry
// check each request; the configured values travel the way a worker gets them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError, SluiceError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import { workerSetup } from '../../src/pipeline/compose.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';

const SCHEMA = '{"type":"record","name":"V","fields":[{"name":"id","type":"int"}]}';
let server: http.Server;
let base = '';
/** Token requests (their form), and the Authorization of each registry request. */
const tokenRequests: Record<string, string>[] = [];
const registryAuth: (string | undefined)[] = [];
let expiresIn = 300;
let issued = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method === 'POST' && (url === '/token' || url === '/auth/realms/registry/protocol/openid-connect/token')) {
        const form = Object.fromEntries(new URLSearchParams(body));
        tokenRequests.push({ path: url, type: String(req.headers['content-type']), ...form });
        if (form.client_id === 'down') return send(503, { error: 'temporarily_unavailable' });
        if (form.grant_type !== 'client_credentials' || form.client_id !== 'sluice' || form.client_secret !== 'client-s3cret') {
          return send(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' });
        }
        issued++;
        return send(200, { access_token: `token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' });
      }
      if (url.startsWith('/apis/registry/v2/ids/globalIds/')) {
        registryAuth.push(req.headers.authorization);
        if (!/^Bearer token-\d+$/.test(req.headers.authorization ?? '')) return send(401, { message: 'no token', error_code: 401 });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(SCHEMA);
      }
      send(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  tokenRequests.length = 0;
  registryAuth.length = 0;
  expiresIn = 300;
});

function config(extra: Record<string, string>): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', topics: 'orders', 'bootstrap.servers': '127.0.0.1:9092',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
    'key.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    'value.converter.apicurio.registry.url': `${base}/apis/registry/v2`,
    ...extra,
  };
}

/** The registry client a worker builds from the setup it is sent (structured clone, as to a worker thread). */
function workerClient(extra: Record<string, string>, role: 'key' | 'value' = 'value'): SchemaRegistryClient {
  const setup = structuredClone(workerSetup(loadConfig({ json: { name: 'apicurio-oauth', config: config(extra) }, env: {} })));
  return new SchemaRegistryClient(role === 'key' ? setup.keyRegistryUrl! : setup.valueRegistryUrl!, role === 'key' ? setup.keyRegistryAuth : setup.valueRegistryAuth);
}

function problems(extra: Record<string, string>): string[] {
  try {
    loadConfig({ json: { name: 'apicurio-oauth', config: config(extra) }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const CREDS = { 'value.converter.apicurio.auth.client.id': 'sluice', 'value.converter.apicurio.auth.client.secret': 'client-s3cret' };

describe('Apicurio Registry with OAuth client credentials', () => {
  it('gets a token from the token endpoint and sends it as a Bearer token, one token while it is valid', async () => {
    const client = workerClient({ ...CREDS, 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token`, 'value.converter.apicurio.auth.client.scope': 'registry:read' });
    await Promise.all([client.apicurioContent('globalId', 1), client.apicurioContent('globalId', 2)]);
    await client.apicurioContent('globalId', 3);
    expect(tokenRequests).toEqual([{
      path: '/token', type: 'application/x-www-form-urlencoded', grant_type: 'client_credentials', client_id: 'sluice', client_secret: 'client-s3cret', scope: 'registry:read',
    }]);
    expect(registryAuth).toHaveLength(3);
    expect(new Set(registryAuth)).toEqual(new Set([registryAuth[0]]));
    expect(registryAuth[0]).toMatch(/^Bearer token-\d+$/);
  });

  it('asks again once the token has expired; the key converter uses the value converter\'s settings', async () => {
    expiresIn = 0;
    const client = workerClient({ ...CREDS, 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token` }, 'key');
    await client.apicurioContent('globalId', 1);
    await client.apicurioContent('globalId', 2);
    expect(tokenRequests).toHaveLength(2);
    expect(registryAuth[0]).not.toBe(registryAuth[1]);
  });

  it('builds the Keycloak token endpoint from auth.service.url and auth.realm, and OAuth wins over basic authentication', async () => {
    const client = workerClient({
      ...CREDS, 'value.converter.apicurio.auth.service.url': `${base}/auth/`, 'value.converter.apicurio.auth.realm': 'registry',
      'value.converter.apicurio.auth.username': 'u', 'value.converter.apicurio.auth.password': 'p',
    });
    expect((await client.apicurioContent('globalId', 1)).schema).toBe(SCHEMA);
    expect(tokenRequests.map((t) => t.path)).toEqual(['/auth/realms/registry/protocol/openid-connect/token']);
    expect(registryAuth[0]).toMatch(/^Bearer /);
  });

  it('a refused client stops Sluice naming the endpoint and client, never the secret; an endpoint outage is retried', async () => {
    const refused = workerClient({ ...CREDS, 'value.converter.apicurio.auth.client.secret': 'wrong-secret', 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token` });
    const err = await refused.apicurioContent('globalId', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).not.toBeInstanceOf(RetriableError);
    expect((err as Error).message).toMatch(/^the OAuth token endpoint http:\/\/127\.0\.0\.1:\d+\/token \(client sluice\) answered HTTP 401: .*unauthorized_client/);
    expect((err as Error).message).not.toContain('wrong-secret');
    expect(registryAuth).toEqual([]);
    const down = workerClient({ ...CREDS, 'value.converter.apicurio.auth.client.id': 'down', 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token` });
    await expect(down.apicurioContent('globalId', 1)).rejects.toBeInstanceOf(RetriableError);
    const unreachable = workerClient({ ...CREDS, 'value.converter.apicurio.auth.service.token.endpoint': 'http://127.0.0.1:1/token' });
    await expect(unreachable.apicurioContent('globalId', 1)).rejects.toBeInstanceOf(RetriableError);
  });

  it('config: the secret is redacted; missing settings name their keys', () => {
    const c = loadConfig({ json: { name: 'apicurio-oauth', config: config({ ...CREDS, 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token` }) }, env: {} });
    expect(c.secrets).toContain('client-s3cret');
    expect(c.registry.value?.oauth).toEqual({ tokenEndpoint: `${base}/token`, clientId: 'sluice', clientSecret: 'client-s3cret' });
    expect(c.registry.value?.authorization).toBeUndefined();
    expect(problems({ ...CREDS, 'value.converter.apicurio.auth.service.url': 'https://sso.example' }))
      .toEqual(['value.converter.apicurio.auth.realm: required with value.converter.apicurio.auth.service.url (the Keycloak realm whose token endpoint Sluice asks)']);
    expect(problems({ 'value.converter.apicurio.auth.service.token.endpoint': `${base}/token`, 'value.converter.apicurio.auth.client.id': 'sluice' }))
      .toEqual(['value.converter.apicurio.auth.client.secret: required with value.converter.apicurio.auth.service.token.endpoint (OAuth client credentials)']);
    expect(problems({ ...CREDS, 'value.converter.apicurio.auth.service.token.endpoint': 'sso/token' }))
      .toEqual(['value.converter.apicurio.auth.service.token.endpoint: "sso/token" is not an http(s) URL']);
  });
});
