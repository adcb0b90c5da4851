// Apicurio Registry over TLS with a private CA and client certificates:
// <role>.converter.apicurio.registry.request.ssl.truststore.* verifies the
// registry, ...keystore.* (and ssl.key.password) is the certificate Sluice
// presents. PKCS12 and PEM are read; JKS is refused naming the key, as is a
// password that does not open the store. Without the client certificate the
// registry refuses Sluice (an outage, retried), never a silent fallback.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import { workerSetup } from '../../src/pipeline/compose.js';
import { SchemaRegistryClient } from '../../src/workers/decode/registry.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-apicurio-tls-'));
const file = (n: string) => path.join(dir, n);
let server: https.Server;
let url = '';
const clients: string[] = [];
const SCHEMA = '{"type":"record","name":"V","fields":[{"name":"id","type":"int"}]}';

beforeAll(async () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=sluice apicurio test CA');
  fs.writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'sluice-client']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '2',
      ...(name === 'server' ? ['-extfile', file('ext.cnf')] : []));
  }
  openssl('pkcs12', '-export', '-nokeys', '-in', file('ca.pem'), '-out', file('trust.p12'), '-passout', 'pass:trust-pw');
  openssl('pkcs12', '-export', '-inkey', file('client.key'), '-in', file('client.pem'), '-out', file('client.p12'), '-passout', 'pass:store-pw');
  // A PEM keystore: the private key (encrypted with the key password) and its certificate.
  openssl('pkey', '-in', file('client.key'), '-aes256', '-passout', 'pass:key-pw', '-out', file('client-enc.key'));
  fs.writeFileSync(file('client-keystore.pem'), fs.readFileSync(file('client-enc.key'), 'utf8') + fs.readFileSync(file('client.pem'), 'utf8'));
  // What keytool writes for a JKS store starts with 0xFEEDFEED.
  fs.writeFileSync(file('store.jks'), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
  server = https.createServer(
    { key: fs.readFileSync(file('server.key')), cert: fs.readFileSync(file('server.pem')), ca: fs.readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      clients.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
      if (req.url === '/apis/registry/v2/ids/globalIds/1') {
        res.setHeader('content-type', 'application/json');
        res.end(SCHEMA);
      } else {
        res.writeHead(404).end();
      }
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/apis/registry/v2`;
});

afterAll(() => server?.close());

function config(extra: Record<string, string>): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', topics: 'orders', 'bootstrap.servers': '127.0.0.1:9092',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
    'key.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    'value.converter.apicurio.registry.url': url,
    ...extra,
  };
}

function problems(extra: Record<string, string>): string[] {
  try {
    loadConfig({ json: { name: 'apicurio-tls', config: config(extra) }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

/** The client a worker builds from the setup it is sent (structured clone, as to a worker thread). */
function workerClient(extra: Record<string, string>, role: 'key' | 'value' = 'value'): SchemaRegistryClient {
  const setup = structuredClone(workerSetup(loadConfig({ json: { name: 'apicurio-tls', config: config(extra) }, env: {} })));
  return new SchemaRegistryClient(role === 'key' ? setup.keyRegistryUrl! : setup.valueRegistryUrl!, role === 'key' ? setup.keyRegistryAuth : setup.valueRegistryAuth);
}

const P = 'value.converter.apicurio.registry.request.ssl';

describe('Apicurio Registry over TLS', () => {
  it('is verified with a PKCS12 truststore and presented a PKCS12 client certificate; the key converter takes the value converter\'s', async () => {
    const extra = {
      [`${P}.truststore.location`]: file('trust.p12'), [`${P}.truststore.type`]: 'PKCS12', [`${P}.truststore.password`]: 'trust-pw',
      [`${P}.keystore.location`]: file('client.p12'), [`${P}.keystore.type`]: 'PKCS12', [`${P}.keystore.password`]: 'store-pw',
    };
    clients.length = 0;
    expect((await workerClient(extra).apicurioContent('globalId', 1)).schema).toBe(SCHEMA);
    expect((await workerClient(extra, 'key').apicurioContent('globalId', 1)).schema).toBe(SCHEMA);
    expect(clients).toEqual(['sluice-client', 'sluice-client']);
    const c = loadConfig({ json: { name: 'apicurio-tls', config: config(extra) }, env: {} });
    expect(c.secrets).toEqual(expect.arrayContaining(['trust-pw', 'store-pw']));
  });

  it('reads PEM stores: CA certificates, and a private key encrypted with ssl.key.password beside its certificate', async () => {
    clients.length = 0;
    const client = workerClient({
      [`${P}.truststore.location`]: file('ca.pem'),
      [`${P}.keystore.location`]: file('client-keystore.pem'), [`${P}.keystore.type`]: 'PEM', [`${P}.key.password`]: 'key-pw',
    });
    expect((await client.apicurioContent('globalId', 1)).schema).toBe(SCHEMA);
    expect(clients).toEqual(['sluice-client']);
  });

  it('without the client certificate the registry refuses the connection: retried as an outage', async () => {
    await expect(workerClient({ [`${P}.truststore.location`]: file('ca.pem') }).apicurioContent('globalId', 1)).rejects.toBeInstanceOf(RetriableError);
  });

  it('refuses what it cannot read, naming the key, never the password', () => {
    expect(problems({ [`${P}.truststore.location`]: file('store.jks') }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.truststore\.location: a JKS truststore cannot be read by Sluice; export the CA as PEM \(keytool -exportcert/)]);
    expect(problems({ [`${P}.truststore.location`]: file('ca.pem'), [`${P}.keystore.location`]: file('store.jks'), [`${P}.keystore.type`]: 'JKS' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.keystore\.location: a JKS keystore cannot be read by Sluice; convert it to PKCS12 \(keytool -importkeystore/)]);
    // Java reads a PKCS12 file declared JKS (keystore.type.compat): so does Sluice. Types Sluice does not read are refused by their key.
    expect(problems({ [`${P}.truststore.location`]: file('trust.p12'), [`${P}.truststore.type`]: 'JKS', [`${P}.truststore.password`]: 'trust-pw' })).toEqual([]);
    expect(problems({ [`${P}.keystore.location`]: file('client.p12'), [`${P}.keystore.type`]: 'PKCS11', [`${P}.keystore.password`]: 'store-pw' }))
      .toEqual(['value.converter.apicurio.registry.request.ssl.keystore.type: "PKCS11" is not a keystore type Sluice reads (PKCS12 or PEM)']);
    const wrong = problems({ [`${P}.keystore.location`]: file('client.p12'), [`${P}.keystore.password`]: 'not-the-pw' });
    expect(wrong).toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.keystore\.location: cannot open the PKCS12 keystore .* check value\.converter\.apicurio\.registry\.request\.ssl\.keystore\.password/)]);
    expect(wrong.join('\n')).not.toContain('not-the-pw');
    expect(problems({ [`${P}.keystore.location`]: file('client-keystore.pem'), [`${P}.key.password`]: 'bad-key-pw' }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.keystore\.location: cannot use the key and certificate of .* check value\.converter\.apicurio\.registry\.request\.ssl\.key\.password/)]);
    expect(problems({ [`${P}.truststore.location`]: file('nope.p12') }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.truststore\.location: cannot read .*nope\.p12 \(ENOENT\)/)]);
    expect(problems({ 'value.converter.apicurio.registry.url': 'http://registry:8080/apis/registry/v2', [`${P}.truststore.location`]: file('ca.pem') }))
      .toEqual([expect.stringMatching(/^value\.converter\.apicurio\.registry\.request\.ssl\.truststore\.location: set for value\.converter\.apicurio\.registry\.url=http:\/\/registry:8080\/apis\/registry\/v2, which is not an https URL/)]);
  });
});
