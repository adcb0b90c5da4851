// connection.url as the PostgreSQL JDBC driver (pgjdbc) reads it, in one
// place: jdbc:postgresql://host[:port][/database][?param=value&...], or a
// libpq-style postgres(ql)://[user[:password]@]host[:port]/database?... URL.
// As in pgjdbc, user and password given in the URL win over
// connection.user / connection.password (the driver's URL properties override
// the Properties object the connector passes). TLS parameters (ssl, sslmode,
// sslrootcert, sslcert, sslkey, ...) are kept in `params` for the TLS setup.
import { ConfigProblem } from '../../errors.js';

export interface JdbcUrl {
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  /** pgjdbc currentSchema: the session's search_path. */
  currentSchema?: string;
  /** connectTimeout in ms (pgjdbc takes seconds). */
  connectTimeoutMs?: number;
  /** Every parameter as given (decoded), names as written. */
  params: ReadonlyMap<string, string>;
}

/** Parameters read here or by the TLS setup; others have no effect in Sluice (check prints them). */
const USED = new Set(['user', 'password', 'currentSchema', 'options', 'connectTimeout', 'ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'sslfactory', 'sslhostnameverifier']);

export class JdbcUrlError extends ConfigProblem {}

export function parseJdbcUrl(url: string): JdbcUrl {
  const m = /^(?:jdbc:postgresql|postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url.trim());
  if (!m) throw new JdbcUrlError('expected jdbc:postgresql://host:port/database[?param=value&...] or postgres://user@host:port/database');
  const [, userInfo, hostPart, dbPart, query] = m;
  if (hostPart!.includes(',')) throw new JdbcUrlError('several hosts (failover) are not supported; give one host');
  const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostPart!);
  if (!hp) throw new JdbcUrlError(`"${hostPart}" is not host[:port]`);
  const params = new Map<string, string>();
  for (const pair of (query ?? '').split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    params.set(k, eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  const out: JdbcUrl = {
    host: decode(hp[1]!.replace(/^\[|\]$/g, '')) || 'localhost',
    port: hp[2] ? Number(hp[2]) : 5432,
    database: decode(dbPart ?? '') || '',
    params,
  };
  if (userInfo !== undefined) {
    const c = userInfo.indexOf(':');
    out.user = decode(c < 0 ? userInfo : userInfo.slice(0, c), false);
    if (c >= 0) out.password = decode(userInfo.slice(c + 1), false);
  }
  if (params.has('user')) out.user = params.get('user');
  if (params.has('password')) out.password = params.get('password');
  if (params.get('currentSchema')) out.currentSchema = params.get('currentSchema');
  const ct = params.get('connectTimeout');
  if (ct !== undefined) {
    if (!/^\d+$/.test(ct)) throw new JdbcUrlError(`connectTimeout=${ct} is not a whole number of seconds`);
    if (Number(ct) > 0) out.connectTimeoutMs = Number(ct) * 1000;
  }
  return out;
}

/** URL parameters Sluice does not act on (pgjdbc tuning such as reWriteBatchedInserts, prepareThreshold). */
export function unusedJdbcParams(u: JdbcUrl): string[] {
  return [...u.params.keys()].filter((k) => !USED.has(k));
}

/** The user and password to connect with: the URL's win over connection.user / connection.password, as in pgjdbc. */
export function credentials(u: JdbcUrl, user: string | undefined, password: string | undefined): { user?: string; password?: string } {
  return { user: u.user ?? user, password: u.password ?? password };
}

/** A libpq `options` value setting search_path (spaces and backslashes escaped, as libpq requires). */
export function searchPathOption(schema: string): string {
  return `-c search_path=${schema.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`;
}

/** Percent-decoding; in the host, path and query `+` is a space, as Java's URLDecoder (pgjdbc) reads it. */
function decode(s: string, plusIsSpace = true): string {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
  } catch {
    return s;
  }
}
