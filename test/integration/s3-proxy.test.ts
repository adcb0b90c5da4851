// s3.proxy.*: the S3 sink writes to the stack's MinIO through a real HTTP
// proxy started here (test/helpers/forward-proxy.ts) — forwarded requests for
// an http store, a CONNECT tunnel for an https one (a TLS front to MinIO,
// trusted through NODE_EXTRA_CA_CERTS) — and every request is seen there. A
// wrong proxy password stops Sluice with a clear error that never shows it.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { afterEach, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders } from '../helpers/orders.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';
import { S3_BUCKET, S3_URL, uniqueName, waitFor } from '../helpers/stack.js';
import { deletePrefix, listObjects, s3, s3Connector } from './s3-support.js';

const JSON_FORMAT = { ...converterConfig('json'), 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat', 'flush.size': '100' };

/** The ids in every JSON object under the prefix (one value per line). */
async function idsUnder(prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (const o of await listObjects(prefix)) {
    const text = await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: o.key }))).Body!.transformToString();
    for (const line of text.split('\n')) if (line) ids.push((JSON.parse(line) as { id: number }).id);
  }
  return ids.sort((a, b) => a - b);
}

/** Runs the connector until every offset is committed, then stops it cleanly. */
async function runToEnd(topic: string, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  const name = uniqueName('s3proxy');
  const sluice = startSluice(['run', '--config', writeConnector(config, name)], { SLUICE_WORKER_THREADS: '1', ...env });
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300)
      .catch((err: Error) => { throw new Error(`${err.message}\n${sluice.output().slice(-4000)}`); });
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
  return sluice.output();
}

/** A self-signed certificate for 127.0.0.1 (IP subjectAltName, as TLS checks an IP host against). */
function ipCert(): { certPem: string; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(priv.n, priv.e);
  cert.serialNumber = String(Math.floor(Math.random() * 1e9) + 1);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(priv, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** The certificate, its key, and a file a child process trusts it from (NODE_EXTRA_CA_CERTS). */
function trustedCert(): { certPem: string; keyPem: string; caFile: string } {
  const { certPem, keyPem } = ipCert();
  const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-proxy-ca-')), 'ca.pem');
  fs.writeFileSync(caFile, certPem);
  return { certPem, keyPem, caFile };
}

/** An https endpoint for MinIO: TLS terminated here, bytes passed on; counts its connections. */
async function tlsFront(): Promise<{ url: string; port: number; caFile: string; connections: () => number; close: () => void }> {
  const { certPem, keyPem, caFile } = trustedCert();
  const minio = new URL(S3_URL);
  let connections = 0;
  const open = new Set<net.Socket>();
  const server = tls.createServer({ cert: certPem, key: keyPem }, (socket) => {
    connections++;
    const up = net.connect(Number(minio.port), minio.hostname);
    for (const s of [socket, up]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => { socket.destroy(); up.destroy(); });
    }
    socket.pipe(up).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`, port, caFile, connections: () => connections,
    close: () => { for (const s of open) s.destroy(); server.close(); },
  };
}

describe('S3 sink through s3.proxy.url', () => {
  let proxy: ForwardProxy | undefined;
  let front: Awaited<ReturnType<typeof tlsFront>> | undefined;
  afterEach(async () => {
    await proxy?.close();
    front?.close();
    proxy = front = undefined;
  });

  it('an http store: every request is forwarded by the proxy with the s3.proxy.user / s3.proxy.password credentials, and every record lands once', async () => {
    const topic = uniqueName('s3_proxy_http');
    const dir = uniqueName('it');
    await createTopic(topic, 2);
    // flush.size 100: 300 records per partition close three whole files each.
    const all = [...orders(600, 11)];
    await produce(topic, all.map((o, i) => ({ value: encodeOrder('json', o), partition: i % 2 })));
    proxy = await startForwardProxy({ user: 'svc-s3', password: 'proxy-pass-4f9a' });
    const out = await runToEnd(topic, s3Connector(topic, dir, {
      ...JSON_FORMAT, 's3.proxy.url': proxy.url, 's3.proxy.user': 'svc-s3', 's3.proxy.password': 'proxy-pass-4f9a',
    }));
    expect(out).not.toContain('proxy-pass-4f9a');

    const objects = await listObjects(`${dir}/${topic}/`);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    expect(await idsUnder(`${dir}/${topic}/`)).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const r of proxy.seen) {
      expect(r.kind).toBe('forward');
      expect(r.authorized, r.target).toBe(true);
      expect(r.target.startsWith(`${S3_URL}/${S3_BUCKET}/${dir}/`), r.target).toBe(true);
    }
    // Each data object went up through the proxy (the markers' requests come on top).
    const puts = new Set(proxy.seen.filter((r) => r.method === 'PUT').map((r) => decodeURIComponent(new URL(r.target).pathname.slice(`/${S3_BUCKET}/`.length))));
    for (const o of objects) expect(puts.has(o.key), o.key).toBe(true);
    await deletePrefix(`${dir}/`);
  }, 240_000);

  it('an https store: a CONNECT tunnel per connection, credentials from the URL\'s user info; nothing reaches the store but through it', async () => {
    const topic = uniqueName('s3_proxy_https');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const all = [...orders(300, 12)];
    await produce(topic, all.map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    proxy = await startForwardProxy({ user: 'tunnel', password: 'url-pass-81c3' });
    front = await tlsFront();
    await runToEnd(topic, s3Connector(topic, dir, {
      ...JSON_FORMAT, 'store.url': front.url, 's3.proxy.url': `http://tunnel:url-pass-81c3@127.0.0.1:${proxy.port}/`,
    }), { NODE_EXTRA_CA_CERTS: front.caFile });

    expect(await idsUnder(`${dir}/${topic}/`)).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const r of proxy.seen) expect([r.kind, r.target, r.authorized]).toEqual(['connect', `127.0.0.1:${front.port}`, true]);
    // Every TLS connection the store got came out of one of those tunnels.
    expect(front.connections()).toBe(proxy.seen.length);
    await deletePrefix(`${dir}/`);
  }, 240_000);

  it('an https:// proxy URL: TLS to the proxy itself, requests to the http store forwarded inside it', async () => {
    const topic = uniqueName('s3_proxy_tls');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    const all = [...orders(200, 14)];
    await produce(topic, all.map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    const { certPem, keyPem, caFile } = trustedCert();
    proxy = await startForwardProxy({ user: 'svc', password: 'tls-pass-2d7e' }, { cert: certPem, key: keyPem });
    expect(proxy.url).toMatch(/^https:/);
    await runToEnd(topic, s3Connector(topic, dir, {
      ...JSON_FORMAT, 's3.proxy.url': proxy.url, 's3.proxy.user': 'svc', 's3.proxy.password': 'tls-pass-2d7e',
    }), { NODE_EXTRA_CA_CERTS: caFile });
    expect(await idsUnder(`${dir}/${topic}/`)).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
    expect(proxy.seen.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(2);
    for (const r of proxy.seen) expect([r.kind, r.authorized, r.target.startsWith(`${S3_URL}/`)]).toEqual(['forward', true, true]);
    await deletePrefix(`${dir}/`);
  }, 240_000);

  it('a wrong proxy password stops Sluice with an error naming the proxy keys, never the password; nothing is written', async () => {
    const topic = uniqueName('s3_proxy_bad');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [...orders(20, 13)].map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    proxy = await startForwardProxy({ user: 'svc-s3', password: 'the-right-one' });
    const wrong = 'wrong-proxy-pass-19be';
    const file = writeConnector(s3Connector(topic, dir, { ...JSON_FORMAT, 's3.proxy.url': proxy.url, 's3.proxy.user': 'svc-s3', 's3.proxy.password': wrong }), uniqueName('s3proxy'));
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1', SLUICE_LOG_LEVEL: 'debug' });
    try {
      await sluice.waitForLine(/HTTP 407 Proxy Authentication Required/, 90_000);
      const exit = await Promise.race([sluice.exited, new Promise<undefined>((r) => setTimeout(r, 60_000, undefined))]);
      expect(exit?.code, sluice.output().slice(-3000)).not.toBe(0);
      expect(exit?.code, sluice.output().slice(-3000)).not.toBeNull();
      const out = sluice.output();
      expect(out).toContain(`the proxy ${proxy.url} refused the request (HTTP 407 Proxy Authentication Required): check s3.proxy.user and s3.proxy.password`);
      expect(out).not.toContain(wrong);
      expect(out).not.toContain(Buffer.from(`svc-s3:${wrong}`).toString('base64'));
      expect(proxy.seen.length).toBeGreaterThan(0);
      expect(proxy.seen.every((r) => !r.authorized && r.credentials === `svc-s3:${wrong}`)).toBe(true);
      expect(await listObjects(`${dir}/`)).toEqual([]);
    } finally {
      if (sluice.child.exitCode === null) await sluice.stop('SIGKILL');
    }
  }, 240_000);
});
