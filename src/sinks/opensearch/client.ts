// A small HTTP client for the Elasticsearch / OpenSearch REST API on undici:
// the hosts of connection.url taken in turn (a host that fails is left for
// the next), basic auth, TLS from the elastic.https.ssl.* keys, gzip on
// request. Transport failures, 429 and 5xx are RetriableErrors; the caller
// retries. Messages name hosts without their user info and never a secret.
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { pkcs12Certificates } from '../../config/kafka-security.js';
import type { ResolvedConfig } from '../../config/load.js';
import { ConfigError, ConnectionLostError, RetriableError, SluiceError } from '../../errors.js';
import type { OpenSearchConfig } from './config.js';

export interface SearchResponse {
  status: number;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: any;
}

export interface ClientSettings {
  urls: readonly string[];
  username?: string;
  password?: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  requestTimeoutMs: number;
  idleMs: number;
  compression: boolean;
  tls?: { ca?: string; pfx?: Buffer; passphrase?: string; checkHost: boolean };
}

/** The client settings a resolved config gives; throws ConfigError for unreadable TLS files. */
export function clientSettings(config: ResolvedConfig): ClientSettings {
  const c = config.options as OpenSearchConfig;
  const problems: string[] = [];
  const urls: string[] = [];
  let username = c['connection.username'] || undefined;
  let password = c['connection.password'] || undefined;
  for (const raw of c['connection.url']) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      problems.push(`connection.url: "${raw.replace(/\/\/[^/@]*@/, '//')}" is not a URL (http://host:9200 or https://host:9200)`);
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`connection.url: ${u.host} must be http:// or https://`);
    // user:password in the URL, as the Elasticsearch clients accept it; the explicit keys win.
    if (u.username) username ??= decodeURIComponent(u.username);
    if (u.password) password ??= decodeURIComponent(u.password);
    u.username = '';
    u.password = '';
    urls.push(u.toString().replace(/\/+$/, ''));
  }
  let tls: ClientSettings['tls'];
  if (c['elastic.security.protocol'] === 'ssl') {
    tls = { checkHost: c['elastic.https.ssl.endpoint.identification.algorithm'] !== '' };
    const trust = c['elastic.https.ssl.truststore.location'];
    if (trust) {
      try {
        const bytes = fs.readFileSync(trust);
        tls.ca = bytes.subarray(0, 11).toString('latin1') === '-----BEGIN ' ? bytes.toString('utf8') : pkcs12Certificates(bytes, c['elastic.https.ssl.truststore.password'] ?? '');
      } catch (err) {
        problems.push(`elastic.https.ssl.truststore.location: cannot read ${trust} as PEM or PKCS12 (${(err as Error).message}; check elastic.https.ssl.truststore.password)`);
      }
    }
    const keystore = c['elastic.https.ssl.keystore.location'];
    if (keystore) {
      try {
        tls.pfx = fs.readFileSync(keystore);
        tls.passphrase = c['elastic.https.ssl.keystore.password'] ?? '';
      } catch (err) {
        problems.push(`elastic.https.ssl.keystore.location: cannot read ${keystore} (${(err as Error).message})`);
      }
    }
  } else if (urls.some((u) => u.startsWith('https:'))) {
    // Confluent's sink needs elastic.security.protocol=SSL for https; here https with the system CAs just works.
    tls = { checkHost: true };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    urls, username, password, tls,
    connectTimeoutMs: c['connection.timeout.ms'],
    readTimeoutMs: c['read.timeout.ms'],
    requestTimeoutMs: c['flush.timeout.ms'],
    idleMs: c['max.connection.idle.time.ms'],
    compression: c['connection.compression'],
  };
}

export class SearchClient {
  private readonly agent: Agent;
  private readonly auth?: string;
  private next = 0;

  constructor(private readonly s: ClientSettings) {
    this.agent = new Agent({
      connect: {
        timeout: s.connectTimeoutMs,
        ...(s.tls ? {
          ...(s.tls.ca ? { ca: s.tls.ca } : {}),
          ...(s.tls.pfx ? { pfx: s.tls.pfx, passphrase: s.tls.passphrase } : {}),
          ...(s.tls.checkHost ? {} : { checkServerIdentity: () => undefined }),
        } : {}),
      },
      keepAliveTimeout: s.idleMs < 0 ? 600_000 : Math.max(1, s.idleMs),
      headersTimeout: s.readTimeoutMs,
      bodyTimeout: s.requestTimeoutMs,
    });
    if (s.username !== undefined) this.auth = `Basic ${Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64')}`;
  }

  /** One request to the next host. Transport errors, 429 and 5xx throw RetriableError; other statuses return. */
  async send(method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE', path: string, body?: Uint8Array | string, contentType = 'application/json', signal?: AbortSignal): Promise<SearchResponse> {
    const base = this.s.urls[this.next % this.s.urls.length]!;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.auth) headers.authorization = this.auth;
    let payload: Uint8Array | string | undefined = body;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      if (this.s.compression) {
        payload = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
    }
    const timeout = AbortSignal.timeout(this.s.requestTimeoutMs);
    let res;
    try {
      res = await request(`${base}${path}`, {
        method, headers, body: payload, dispatcher: this.agent,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      this.next++;
      throw new ConnectionLostError(`${method} ${base}${path}: ${transportReason(err)}`, { cause: err });
    }
    const text = await res.body.text().catch((err: unknown) => {
      this.next++;
      throw new ConnectionLostError(`${method} ${base}${path}: the response broke off (${transportReason(err)})`, { cause: err });
    });
    let parsed: unknown;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      this.next++;
      throw new RetriableError(`${method} ${base}${path}: HTTP ${res.statusCode} ${errorText(parsed, text)}`);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      const what = res.statusCode === 401 ? 'authentication failed (check connection.username / connection.password)' : 'not allowed';
      // A read-only block (flood-stage disk watermark) lifts by itself: retried.
      if (res.statusCode === 403 && /cluster_block_exception/.test(text)) throw new RetriableError(`${method} ${base}${path}: HTTP 403 ${errorText(parsed, text)}`);
      throw new SluiceError(`${method} ${base}${path}: HTTP ${res.statusCode}, ${what}: ${errorText(parsed, text)}`);
    }
    return { status: res.statusCode, body: parsed };
  }

  /** For messages: where requests go. */
  hosts(): string {
    return this.s.urls.join(', ');
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }
}

function transportReason(err: unknown): string {
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out or aborted';
  if (e?.message) return e.code && !e.message.includes(e.code) ? `${e.code} ${e.message}` : e.message;
  return e?.code ?? String(err);
}

/** The error of an Elasticsearch / OpenSearch response body, short. */
export function errorText(body: any, text = ''): string {
  const e = body?.error;
  if (e && typeof e === 'object') {
    const root = Array.isArray(e.root_cause) && e.root_cause[0] ? e.root_cause[0] : e;
    return `${root.type ?? 'error'}: ${root.reason ?? ''}`.trim();
  }
  if (typeof e === 'string') return e;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
