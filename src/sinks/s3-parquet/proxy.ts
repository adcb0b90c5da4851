// s3.proxy.url / s3.proxy.user / s3.proxy.password, read as Confluent's S3
// sink reads them (S3ProxyConfig, then the AWS SDK's Apache client): the URL
// gives the proxy's scheme, host and port; the user and password come from the
// two keys, else from the URL's user info, taken as written (Java's
// URL.getUserInfo does not percent-decode). Only S3 requests go through it: the
// STS client of AwsAssumeRoleCredentialsProvider is built without it there too.
import type { Agent, ClientRequest } from 'node:http';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';

export interface S3Proxy {
  /** scheme://host[:port], without user info: where requests go, and what messages show. */
  readonly url: string;
  /** Proxy basic auth, sent only with both a user and a password (as the AWS SDK for Java does). */
  readonly user?: string;
  readonly password?: string;
}

export interface S3ProxyKeys {
  's3.proxy.url'?: string;
  's3.proxy.user'?: string;
  's3.proxy.password'?: string;
}

export interface S3ProxyParse {
  proxy?: S3Proxy;
  problems: string[];
  warnings: string[];
  /** The password (also when found in the URL) and its basic-auth form, for redaction. */
  secrets: string[];
}

const EXAMPLE = 'a URL such as http://proxy.example.com:3128 (http or https, the scheme of the connection to the proxy)';

/** The proxy the S3 keys describe; a blank s3.proxy.url means none (Confluent's default). */
export function parseS3Proxy(c: S3ProxyKeys): S3ProxyParse {
  const out: S3ProxyParse = { problems: [], warnings: [], secrets: [] };
  const raw = (c['s3.proxy.url'] ?? '').trim();
  const keyUser = c['s3.proxy.user'] || undefined;
  const keyPassword = c['s3.proxy.password'] || undefined;
  if (raw === '') {
    if (keyUser || keyPassword) out.warnings.push(`${keyUser ? 's3.proxy.user' : 's3.proxy.password'}: no effect without s3.proxy.url; S3 requests go straight to the store`);
    return out;
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(raw);
  // The authority's user info, as written (it may hold the password): registered before any message can quote the URL.
  const at = m ? m[2]!.lastIndexOf('@') : -1;
  // Blank user info counts as none (Confluent's StringUtils.isBlank).
  const userInfo = m && at >= 0 && m[2]!.slice(0, at).trim() !== '' ? m[2]!.slice(0, at) : undefined;
  const colon = userInfo?.indexOf(':') ?? -1;
  const urlUser = userInfo === undefined ? undefined : colon < 0 ? userInfo : userInfo.slice(0, colon);
  const urlPassword = userInfo !== undefined && colon >= 0 ? userInfo.slice(colon + 1) : undefined;
  if (urlPassword) out.secrets.push(urlPassword);
  const shown = JSON.stringify(shownUrl(raw));
  if (!m) {
    out.problems.push(`s3.proxy.url: expected ${EXAMPLE}, got ${shown}`);
    return out;
  }
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    out.problems.push(`s3.proxy.url: the scheme must be http or https, got ${JSON.stringify(m[1])} in ${shown}`);
    return out;
  }
  // Java's URL takes no host from an authority with two '@' (user info with an unescaped '@').
  if (userInfo?.includes('@')) {
    out.problems.push(`s3.proxy.url: more than one '@' before the host in ${shown}; write the user and password in s3.proxy.user and s3.proxy.password`);
    return out;
  }
  const url = urlOrUndefined(`${scheme}://${m[2]!.slice(at + 1)}`);
  if (!url || url.hostname === '') {
    out.problems.push(`s3.proxy.url: expected ${EXAMPLE}, got ${shown} (no valid host and port)`);
    return out;
  }
  const user = keyUser ?? urlUser;
  const password = keyPassword ?? urlPassword;
  if (password) out.secrets.push(password);
  const proxy: { url: string; user?: string; password?: string } = { url: `${url.protocol}//${url.host}` };
  if (user !== undefined && password !== undefined) {
    proxy.user = user;
    proxy.password = password;
    out.secrets.push(basicToken(user, password));
  } else if (user !== undefined || password !== undefined) {
    out.warnings.push(
      `${user !== undefined ? 's3.proxy.user is set without a password' : 's3.proxy.password is set without a user'} ` +
        '(s3.proxy.user / s3.proxy.password or user:password@ in s3.proxy.url): S3 requests go to the proxy without credentials, as in Confluent\'s sink',
    );
  }
  out.proxy = proxy;
  return out;
}

function urlOrUndefined(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The URL for messages: whatever precedes its last '@' hidden, so a password is never quoted, however malformed the URL. */
function shownUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const start = raw.indexOf('://');
  return `${start >= 0 && start < at ? raw.slice(0, start + 3) : ''}***${raw.slice(at)}`;
}

function basicToken(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

/**
 * The agents that send S3 requests through the proxy: an http:// store gets
 * absolute-URI requests (a forward proxy), an https:// one a CONNECT tunnel
 * with TLS to the store inside it. `options` are the direct agents' (keep-alive, pool size).
 */
export async function proxyAgents(proxy: S3Proxy, options: { keepAlive: boolean; maxSockets: number }): Promise<{ httpAgent: Agent; httpsAgent: Agent }> {
  const [{ HttpProxyAgent }, { HttpsProxyAgent }] = await Promise.all([import('http-proxy-agent'), import('https-proxy-agent')]);
  // Credentials go in the header, not the URL: the libraries would percent-decode user info, Confluent does not.
  const headers: Record<string, string> = proxy.user !== undefined && proxy.password !== undefined
    ? { 'Proxy-Authorization': `Basic ${basicToken(proxy.user, proxy.password)}` }
    : {};
  type ConnectOpts = Parameters<InstanceType<typeof HttpsProxyAgent>['connect']>[1];
  class TunnelAgent extends HttpsProxyAgent<string> {
    // The library starts TLS inside the tunnel without the target's host; Node sends no SNI for an IP address, so
    // an https store.url such as https://10.0.0.5:9000 would have its certificate checked against "localhost".
    override connect(req: ClientRequest, opts: ConnectOpts) {
      const host = opts.host;
      if (opts.secureEndpoint && host && isIP(host) && !opts.servername && !('checkServerIdentity' in opts)) {
        return super.connect(req, { ...opts, checkServerIdentity: (_name: string, cert) => checkServerIdentity(host, cert) });
      }
      return super.connect(req, opts);
    }
  }
  return {
    httpAgent: new HttpProxyAgent(proxy.url, { ...options, headers }),
    httpsAgent: new TunnelAgent(proxy.url, { ...options, headers }),
  };
}
