// A Schema Registry behind TLS with a private CA: the CA named by
// value.converter.schema.registry.ssl.truststore.location (PEM) verifies it,
// with the credentials resolved from the config; without it the registry is
// unreachable (an outage, retried), never trusted blindly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { RetriableError } from '../../src/errors.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-registry-tls-'));
const file = (n: string) => path.join(dir, n);
let server: https.Server;
let url: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=sluice test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('ext.cnf'));
  openssl('pkcs12', '-export', '-nokeys', '-in', file('ca.pem'), '-out', file('trust.p12'), '-passout', 'pass:changeit');
  server = https.createServer({ key: fs.readFileSync(file('server.key')), cert: fs.readFileSync(file('server.pem')) }, (req, res) => {
    seen.push(req.headers.authorization);
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    res.end(JSON.stringify({ schema: '"string"' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server?.close());

describe('Schema Registry over TLS', () => {
  it('is verified with the PEM truststore of the config, and gets the configured credentials', async () => {
    const c = loadConfig({
      json: { name: 'x', config: {
        'connector.class': 'sluice.postgres', topics: 't', 'bootstrap.servers': 'k:1', 'connection.url': 'postgres://db/x',
        'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': url,
        'value.converter.basic.auth.credentials.source': 'USER_INFO', 'value.converter.basic.auth.user.info': 'reg:pw',
        'value.converter.schema.registry.ssl.truststore.location': file('ca.pem'), 'value.converter.schema.registry.ssl.truststore.type': 'PEM',
      } },
      env: {},
    });
    const access = c.registry.value!;
    expect(await new SchemaRegistryClient(access.url, { authorization: access.authorization, ca: access.ca }).schemaById(1)).toBe('"string"');
    expect(seen.at(-1)).toBe('Basic ' + Buffer.from('reg:pw').toString('base64'));
  });

  it('is verified with a PKCS12 truststore and its password', async () => {
    const c = loadConfig({
      json: { name: 'x', config: {
        'connector.class': 'sluice.postgres', topics: 't', 'bootstrap.servers': 'k:1', 'connection.url': 'postgres://db/x',
        'value.converter': 'io.confluent.connect.avro.AvroConverter', 'schema.registry.url': url,
        'value.converter.schema.registry.ssl.truststore.location': file('trust.p12'), 'value.converter.schema.registry.ssl.truststore.type': 'PKCS12',
        'value.converter.schema.registry.ssl.truststore.password': 'changeit',
      } },
      env: {},
    });
    const access = c.registry.value!;
    expect(access.ca).toContain('-----BEGIN CERTIFICATE-----');
    expect(await new SchemaRegistryClient(access.url, { ca: access.ca }).schemaById(2)).toBe('"string"');
  });

  it('is not trusted without that CA: an outage, retried, never an accepted certificate', async () => {
    await expect(new SchemaRegistryClient(url).schemaById(1)).rejects.toBeInstanceOf(RetriableError);
  });
});
