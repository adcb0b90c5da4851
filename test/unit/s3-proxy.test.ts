// s3.proxy.url / s3.proxy.user / s3.proxy.password as Confluent's S3 sink
// reads them: parsed and validated naming the key, the password never shown,
// and S3 requests really sent through a proxy with its basic authentication.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../src/sinks/index.js';
import { redact } from '../../src/config/load.js';
import { ConfigError, ConnectionLostError, SluiceError } from '../../src/errors.js';
import { S3Service, classifyS3Error, s3ServiceFor } from '../../src/sinks/s3-parquet/service.js';
import type { S3Config } from '../../src/sinks/s3-parquet/config.js';
import { maskValue } from '../../src/connect-worker/rest/secrets.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';

const S3 = {
  'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
  'bootstrap.servers': '127.0.0.1:9092',
  topics: 'orders',
  's3.bucket.name': 'bucket',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};
const load = (config: Record<string, unknown>) => loadConfig({ json: { name: 'proxy', config: { ...S3, ...config } }, env: {} });

function problems(config: Record<string, unknown>): string[] {
  try {
    load(config);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const log = pino({ level: 'silent' });
const proxyOf = (config: Record<string, unknown>) => {
  const c = load(config);
  return s3ServiceFor(c.options as unknown as S3Config, c.common, log, 1).opts.proxy;
};

describe('s3.proxy.* options', () => {
  it('empty (Confluent\'s default) or absent: no proxy', () => {
    expect(proxyOf({})).toBeUndefined();
    expect(proxyOf({ 's3.proxy.url': '', 's3.proxy.user': '', 's3.proxy.password': '' })).toBeUndefined();
    expect(proxyOf({ 's3.proxy.url': '  ' })).toBeUndefined();
  });

  it('scheme, host and port come from the URL (default port of the scheme, path ignored); the user and password keys give basic auth', () => {
    expect(proxyOf({ 's3.proxy.url': 'http://proxy.internal:3128', 's3.proxy.user': 'svc', 's3.proxy.password': 'hunter22' }))
      .toEqual({ url: 'http://proxy.internal:3128', user: 'svc', password: 'hunter22' });
    expect(proxyOf({ 's3.proxy.url': 'HTTPS://Proxy.Internal/some/path' })).toEqual({ url: 'https://proxy.internal' });
    expect(proxyOf({ 's3.proxy.url': 'http://[::1]:8080' })).toEqual({ url: 'http://[::1]:8080' });
  });

  it('user info in the URL is used when the keys are empty, as written (not percent-decoded), the keys winning over it', () => {
    expect(proxyOf({ 's3.proxy.url': 'http://alice:s%40cret:x@proxy:3128' })).toEqual({ url: 'http://proxy:3128', user: 'alice', password: 's%40cret:x' });
    expect(proxyOf({ 's3.proxy.url': 'http://alice:fromurl@proxy:3128', 's3.proxy.password': 'fromkey' })).toEqual({ url: 'http://proxy:3128', user: 'alice', password: 'fromkey' });
    expect(proxyOf({ 's3.proxy.url': 'http://alice:fromurl@proxy:3128', 's3.proxy.user': 'bob', 's3.proxy.password': '' })).toEqual({ url: 'http://proxy:3128', user: 'bob', password: 'fromurl' });
    // Java's split: an empty password after ':' is a password; blank user info is none.
    expect(proxyOf({ 's3.proxy.url': 'http://alice:@proxy:3128' })).toEqual({ url: 'http://proxy:3128', user: 'alice', password: '' });
    expect(proxyOf({ 's3.proxy.url': 'http://@proxy:3128' })).toEqual({ url: 'http://proxy:3128' });
    expect(load({ 's3.proxy.url': 'http://@proxy:3128' }).warnings.filter((w) => w.includes('s3.proxy'))).toEqual([]);
  });

  it('a user without a password (or the reverse) sends no credentials, with a warning, as the AWS SDK for Java does', () => {
    const c = load({ 's3.proxy.url': 'http://proxy:3128', 's3.proxy.user': 'svc' });
    expect(c.warnings).toContainEqual(expect.stringMatching(/^s3\.proxy\.user is set without a password .*without credentials/));
    expect(proxyOf({ 's3.proxy.url': 'http://proxy:3128', 's3.proxy.user': 'svc' })).toEqual({ url: 'http://proxy:3128' });
    expect(load({ 's3.proxy.url': 'http://proxy:3128', 's3.proxy.password': 'pw-only' }).warnings).toContainEqual(expect.stringMatching(/^s3\.proxy\.password is set without a user/));
    expect(load({ 's3.proxy.user': 'svc', 's3.proxy.password': 'orphan' }).warnings).toContainEqual(expect.stringMatching(/^s3\.proxy\.user: no effect without s3\.proxy\.url/));
  });

  it('a bad URL is an error naming s3.proxy.url, never quoting the password in it', () => {
    const cases: [string, RegExp][] = [
      ['proxy.internal:3128', /^s3\.proxy\.url: expected a URL such as http:\/\/proxy\.example\.com:3128.*got "proxy\.internal:3128"$/],
      ['socks5://u:topsecret1@proxy:1080', /^s3\.proxy\.url: the scheme must be http or https, got "socks5" in "socks5:\/\/\*\*\*@proxy:1080"$/],
      ['http://u:top@secret1@proxy:3128', /^s3\.proxy\.url: more than one '@' before the host in "http:\/\/\*\*\*@proxy:3128"; write the user and password in s3\.proxy\.user and s3\.proxy\.password$/],
      ['http://u:topsecret1@proxy:99999', /^s3\.proxy\.url: expected a URL .*got "http:\/\/\*\*\*@proxy:99999" \(no valid host and port\)$/],
      ['http://:3128', /^s3\.proxy\.url: expected a URL .*\(no valid host and port\)$/],
      ['http://u:top/secret1@proxy:3128', /^s3\.proxy\.url: expected a URL .*got "http:\/\/\*\*\*@proxy:3128" \(no valid host and port\)$/],
    ];
    for (const [url, re] of cases) {
      const p = problems({ 's3.proxy.url': url });
      expect(p, url).toEqual([expect.stringMatching(re)]);
      expect(p.join('\n'), url).not.toMatch(/secret1/);
    }
  });

  it('the password (key or URL) is a secret: redacted from messages, hidden by the REST API, never in problems', () => {
    const c = load({ 's3.proxy.url': 'http://alice:url-pass-77@proxy:3128' });
    expect(c.secrets).toContain('url-pass-77');
    expect(redact('connect to http://alice:url-pass-77@proxy:3128 failed', c.secrets)).not.toContain('url-pass-77');
    const d = load({ 's3.proxy.url': 'http://proxy:3128', 's3.proxy.user': 'svc', 's3.proxy.password': 'key-pass-88' });
    expect(d.secrets).toContain('key-pass-88');
    // The Proxy-Authorization value too.
    expect(d.secrets).toContain(Buffer.from('svc:key-pass-88').toString('base64'));
    expect(maskValue('s3.proxy.password', 'key-pass-88')).toBe('[hidden]');
    expect(maskValue('s3.proxy.url', 'http://alice:url-pass-77@proxy:3128')).toBe('http://alice:[hidden]@proxy:3128');
    // A bad value elsewhere in the config: the problems never carry the password.
    const p = problems({ 's3.proxy.url': 'http://alice:url-pass-77@proxy:3128', 's3.proxy.password': 'key-pass-88', 'flush.size': 'x' });
    expect(p.join('\n')).not.toMatch(/url-pass-77|key-pass-88/);
    expect(c.notices.filter((n) => n.startsWith('s3.proxy.'))).toEqual([]);
  });

  it('an HTTP 407 is a stop naming the proxy keys; a proxy that cannot be reached is named', () => {
    const e = classifyS3Error(Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 407 } }), 'uploading s3://b/k', 'http://proxy:3128');
    expect(e).toBeInstanceOf(SluiceError);
    expect(e.message).toBe('uploading s3://b/k: the proxy http://proxy:3128 refused the request (HTTP 407 Proxy Authentication Required): check s3.proxy.user and s3.proxy.password (or the user info of s3.proxy.url)');
    const net = classifyS3Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'reading s3://b/k', 'http://proxy:3128');
    expect(net).toBeInstanceOf(ConnectionLostError);
    expect(net.message).toBe('reading s3://b/k: cannot reach the S3 endpoint through the proxy http://proxy:3128 (s3.proxy.url) (ECONNREFUSED)');
  });
});

describe('S3 requests through the proxy', () => {
  let store: http.Server | undefined;
  let proxy: ForwardProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    store?.close();
    proxy = store = undefined;
  });

  /** A store answering HEAD 404 and GET with a body, recording the requests that reach it. */
  async function fakeStore(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    store = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['proxy-authorization'] ? 'with' : 'without'} proxy auth`);
      if (req.method === 'HEAD') res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => store!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(store.address() as AddressInfo).port}`, seen };
  }

  function service(endpoint: string, proxyUrl: string, user?: string, password?: string): S3Service {
    const c = load({ 'store.url': endpoint, 'aws.access.key.id': 'AKIA', 'aws.secret.access.key': 'sk', 's3.part.retries': '0',
      's3.proxy.url': proxyUrl, ...(user !== undefined ? { 's3.proxy.user': user } : {}), ...(password !== undefined ? { 's3.proxy.password': password } : {}) });
    return s3ServiceFor(c.options as unknown as S3Config, { ...c.common, 'errors.retry.timeout': 0 }, log, 1);
  }

  it('an http store is reached by absolute-URI requests to the proxy, with Proxy-Authorization sent as written', async () => {
    const s = await fakeStore();
    proxy = await startForwardProxy({ user: 'alice', password: 'p%40ss' });
    const s3 = service(s.url, `http://alice:p%40ss@127.0.0.1:${proxy.port}`);
    try {
      expect(await s3.head('a/b.parquet')).toBeUndefined();
      expect(await s3.getText('a/c.json')).toBe('{"ok":true}');
    } finally {
      s3.close();
    }
    expect(proxy.seen.map((r) => [r.kind, r.method, r.target, r.authorized, r.credentials])).toEqual([
      ['forward', 'HEAD', `${s.url}/bucket/a/b.parquet`, true, 'alice:p%40ss'],
      ['forward', 'GET', expect.stringMatching(new RegExp(`^${s.url}/bucket/a/c\\.json(\\?|$)`)), true, 'alice:p%40ss'],
    ]);
    // The proxy strips its own header: the store sees plain requests.
    expect(s.seen).toEqual([expect.stringMatching(/^HEAD \/bucket\/a\/b\.parquet without proxy auth$/), expect.stringMatching(/^GET \/bucket\/a\/c\.json\S* without proxy auth$/)]);
  });

  it('a wrong password stops with a clear error naming the keys, never the password', async () => {
    const s = await fakeStore();
    proxy = await startForwardProxy({ user: 'alice', password: 'right-one' });
    const s3 = service(s.url, `http://127.0.0.1:${proxy.port}`, 'alice', 'wrong-pass-55');
    const err = await s3.getText('a/c.json').then(() => undefined, (e: unknown) => e as Error);
    s3.close();
    expect(err).toBeInstanceOf(SluiceError);
    expect(err!.message).toMatch(new RegExp(`^reading s3://bucket/a/c\\.json: the proxy http://127\\.0\\.0\\.1:${proxy.port} refused the request \\(HTTP 407 Proxy Authentication Required\\): check s3\\.proxy\\.user and s3\\.proxy\\.password`));
    expect(err!.message).not.toContain('wrong-pass-55');
    expect(proxy.seen.map((r) => [r.authorized, r.credentials])).toEqual([[false, 'alice:wrong-pass-55']]);
    expect(s.seen).toEqual([]);
  });

  it('an https store is reached through a CONNECT tunnel to its host and port', async () => {
    proxy = await startForwardProxy({ user: 'alice', password: 'tunnel-pw' });
    // Nothing listens on the target: the tunnel is refused there, after the proxy accepted the CONNECT.
    const s3 = service('https://127.0.0.1:9', `http://127.0.0.1:${proxy.port}`, 'alice', 'tunnel-pw');
    await s3.head('a/b.parquet').catch(() => undefined);
    s3.close();
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const r of proxy.seen) expect([r.kind, r.method, r.target, r.authorized]).toEqual(['connect', 'CONNECT', '127.0.0.1:9', true]);
  });

  it('a CONNECT refused for its credentials (https store) gives the same clear error, never the password', async () => {
    proxy = await startForwardProxy({ user: 'alice', password: 'right-one' });
    const s3 = service('https://s3.example.internal', `http://127.0.0.1:${proxy.port}`, 'alice', 'wrong-tunnel-66');
    const err = await s3.head('a/b.parquet').then(() => undefined, (e: unknown) => e as Error);
    s3.close();
    expect(err).toBeInstanceOf(SluiceError);
    expect(err!.message).toMatch(/^reading the metadata of s3:\/\/bucket\/a\/b\.parquet: the proxy http:\/\/127\.0\.0\.1:\d+ refused the request \(HTTP 407 Proxy Authentication Required\)/);
    expect(err!.message).not.toContain('wrong-tunnel-66');
    expect(proxy.seen.map((r) => [r.kind, r.target, r.authorized])).toEqual([['connect', 's3.example.internal:443', false]]);
  });

  it('an https:// proxy URL for a plain HTTP proxy: a stop saying TLS is spoken to the proxy and http:// is the fix', async () => {
    const s = await fakeStore();
    proxy = await startForwardProxy();
    const s3 = service(s.url, `https://127.0.0.1:${proxy.port}`);
    const err = await s3.head('a/b.parquet').then(() => undefined, (e: unknown) => e as Error);
    s3.close();
    expect(err).toBeInstanceOf(SluiceError);
    expect(err!.message).toMatch(new RegExp(`^reading the metadata of s3://bucket/a/b\\.parquet: TLS to the proxy https://127\\.0\\.0\\.1:${proxy.port} failed \\(EPROTO\\): with an https:// s3\\.proxy\\.url Sluice speaks TLS to the proxy itself, as Confluent's sink does; a plain HTTP proxy needs http://`));
    expect(s.seen).toEqual([]);
  });

  it('a proxy that does not answer is named in the error', async () => {
    const s = await fakeStore();
    const closed = await startForwardProxy();
    await closed.close();
    const s3 = service(s.url, closed.url);
    const err = await s3.head('a/b.parquet').then(() => undefined, (e: unknown) => e as Error);
    s3.close();
    expect(err?.message).toMatch(new RegExp(`cannot reach the S3 endpoint through the proxy ${closed.url.replace(/\./g, '\\.')} \\(s3\\.proxy\\.url\\) \\(ECONNREFUSED\\)`));
    expect(s.seen).toEqual([]);
  });
});
