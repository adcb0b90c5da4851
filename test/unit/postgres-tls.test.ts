import { createPrivateKey } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseJdbcUrl } from '../../src/sinks/postgres/jdbc-url.js';
import { pgClientConfig } from '../../src/sinks/postgres/service.js';
import { explainPgTlsFailure, pgTls, PgTlsConfigError, refusedForFallback } from '../../src/sinks/postgres/tls.js';
import { makeCert, pkcs12 } from './tls-fixtures.js';

const ca = makeCert('Test CA');
const client = makeCert('sluice', ca);
const encryptedKey = createPrivateKey(client.keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'kp' }).toString();
const derKey = createPrivateKey(client.keyPem).export({ format: 'der', type: 'pkcs8' });
const fsMap: Record<string, Buffer> = {
  '/c/ca.pem': Buffer.from(ca.certPem),
  '/c/client.crt': Buffer.from(client.certPem),
  '/c/client.key': Buffer.from(client.keyPem),
  '/c/client-enc.key': Buffer.from(encryptedKey),
  '/c/client.pk8': derKey,
  '/c/client.p12': pkcs12('kp', [client, ca], client),
};
const opts = (extra: Record<string, Buffer> = {}) => ({
  home: '/home/u',
  readFile: (p: string) => {
    const v = { ...fsMap, ...extra }[p];
    if (!v) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return v;
  },
  exists: (p: string) => p in { ...fsMap, ...extra },
});
const tlsOf = (query: string, extra?: Record<string, Buffer>) => pgTls(parseJdbcUrl(`jdbc:postgresql://db.example:5432/app${query}`).params, opts(extra));
const identity = (o: ConnectionOptions | false) => (o === false ? undefined : o.checkServerIdentity);

describe('PostgreSQL TLS from the JDBC URL (libpq / pgjdbc sslmode)', () => {
  it('no TLS parameter, sslmode=disable, ssl=false: plain TCP', () => {
    for (const q of ['', '?sslmode=disable', '?ssl=false']) expect(tlsOf(q).ssl).toBe(false);
  });

  it('verify-full: chain and host name checked against sslrootcert', () => {
    const t = tlsOf('?sslmode=verify-full&sslrootcert=/c/ca.pem');
    expect(t.ssl).toMatchObject({ rejectUnauthorized: true, ca: ca.certPem });
    expect(identity(t.ssl)).toBeUndefined(); // Node's own host name check
    expect(t.describe).toBe('sslmode=verify-full, sslrootcert=/c/ca.pem');
  });

  it('pgjdbc: ssl=true (or a bare ssl) without sslmode is verify-full', () => {
    for (const q of ['?ssl=true&sslrootcert=/c/ca.pem', '?ssl&sslrootcert=/c/ca.pem']) {
      const t = tlsOf(q);
      expect(t.mode).toBe('verify-full');
      expect(t.ssl).toMatchObject({ rejectUnauthorized: true });
    }
  });

  it('verify-ca: chain checked, host name not', () => {
    const t = tlsOf('?sslmode=verify-ca&sslrootcert=/c/ca.pem');
    expect(t.ssl).toMatchObject({ rejectUnauthorized: true, ca: ca.certPem });
    expect(identity(t.ssl)!('other.host', {} as never)).toBeUndefined();
  });

  it('require: no verification unless a root certificate is given or ~/.postgresql/root.crt exists (as libpq)', () => {
    expect(tlsOf('?sslmode=require').ssl).toEqual({ rejectUnauthorized: false });
    const given = tlsOf('?sslmode=require&sslrootcert=/c/ca.pem');
    expect(given.ssl).toMatchObject({ rejectUnauthorized: true, ca: ca.certPem });
    expect(identity(given.ssl)!('x', {} as never)).toBeUndefined();
    const byDefault = tlsOf('?sslmode=require', { '/home/u/.postgresql/root.crt': Buffer.from(ca.certPem) });
    expect(byDefault.ssl).toMatchObject({ rejectUnauthorized: true, ca: ca.certPem });
  });

  it('prefer: TLS without checks, falling back to plain TCP when the server has no TLS; allow: the other way round', () => {
    const prefer = tlsOf('?sslmode=prefer&sslrootcert=/c/ca.pem');
    expect(prefer.ssl).toMatchObject({ rejectUnauthorized: false });
    expect(prefer.fallback).toBe(false);
    expect(refusedForFallback('prefer', new Error('The server does not support SSL connections'))).toBe(true);
    const allow = tlsOf('?sslmode=allow');
    expect(allow.ssl).toBe(false);
    expect(allow.fallback).toEqual({ rejectUnauthorized: false });
    expect(refusedForFallback('allow', Object.assign(new Error('pg_hba.conf rejects connection for host "127.0.0.1", user "u", database "d", no encryption'), { code: '28000' }))).toBe(true);
    expect(refusedForFallback('allow', Object.assign(new Error('password authentication failed'), { code: '28P01' }))).toBe(false);
  });

  it('verify-ca / verify-full without a root certificate is an error naming sslrootcert; sslrootcert=system uses the system CAs', () => {
    expect(() => tlsOf('?sslmode=verify-full')).toThrow(PgTlsConfigError);
    expect(() => tlsOf('?sslmode=verify-full')).toThrow(/sslmode=verify-full needs the CA certificate: set sslrootcert/);
    const sys = tlsOf('?sslmode=verify-full&sslrootcert=system');
    expect(sys.ssl).toEqual({ rejectUnauthorized: true });
    expect(() => tlsOf('?sslmode=verify-full&sslrootcert=/missing.pem')).toThrow('sslrootcert: cannot read /missing.pem (ENOENT)');
    expect(() => tlsOf('?sslmode=strict')).toThrow(/sslmode: "strict" is not one of/);
  });

  it('client certificates: PEM, encrypted PEM with sslpassword, DER PKCS#8 (.pk8), PKCS#12', () => {
    const pem = tlsOf('?sslmode=verify-full&sslrootcert=/c/ca.pem&sslcert=/c/client.crt&sslkey=/c/client.key').ssl as ConnectionOptions;
    expect(pem.cert).toBe(client.certPem);
    expect(createPrivateKey(pem.key as string).asymmetricKeyType).toBe('rsa');
    const enc = tlsOf('?sslmode=verify-full&sslrootcert=/c/ca.pem&sslcert=/c/client.crt&sslkey=/c/client-enc.key&sslpassword=kp');
    expect(createPrivateKey((enc.ssl as ConnectionOptions).key as string).export({ format: 'pem', type: 'pkcs8' })).toBe(
      createPrivateKey(client.keyPem).export({ format: 'pem', type: 'pkcs8' }),
    );
    expect(enc.secrets).toEqual(['kp']);
    expect(enc.describe).not.toContain('kp');
    const der = tlsOf('?sslmode=require&sslcert=/c/client.crt&sslkey=/c/client.pk8').ssl as ConnectionOptions;
    expect(createPrivateKey(der.key as string).asymmetricKeyType).toBe('rsa');
    const p12 = tlsOf('?sslmode=require&sslkey=/c/client.p12&sslpassword=kp').ssl as ConnectionOptions;
    expect(Buffer.isBuffer(p12.pfx)).toBe(true);
    expect(p12.passphrase).toBe('kp');
    expect(() => tlsOf('?sslmode=require&sslcert=/c/client.crt&sslkey=/c/client-enc.key&sslpassword=bad')).toThrow(/sslkey: cannot read the private key \/c\/client-enc\.key \(wrong or missing sslpassword\)/);
    expect(() => tlsOf('?sslmode=require&sslcert=/c/client.crt')).toThrow(/sslkey: missing/);
  });

  it('pgjdbc sslfactory: NonValidatingFactory turns checks off; another Java class is an error', () => {
    expect(tlsOf('?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory').ssl).toEqual({ rejectUnauthorized: false });
    expect(() => tlsOf('?ssl=true&sslfactory=com.acme.Factory')).toThrow(/sslfactory: com\.acme\.Factory is a Java class/);
  });

  it('pgClientConfig carries the ssl options', () => {
    const c = pgClientConfig({ url: 'jdbc:postgresql://db:5432/app?sslmode=require', poolSize: 1, statementTimeoutMs: 0, timezone: 'UTC', applicationName: 'x' });
    expect(c.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('a TLS failure names the URL parameters to check', () => {
    const t = tlsOf('?sslmode=verify-full&sslrootcert=/c/ca.pem');
    expect(explainPgTlsFailure(Object.assign(new Error('unable to get local issuer certificate'), { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }), t)).toBe(
      'PostgreSQL TLS: the server\'s certificate is not trusted (unable to get local issuer certificate) — check sslrootcert and sslmode in connection.url (sslmode=verify-full, sslrootcert=/c/ca.pem)',
    );
    expect(explainPgTlsFailure(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), t)).toMatch(/does not name the host/);
    expect(explainPgTlsFailure(new Error('The server does not support SSL connections'), t)).toMatch(/does not support TLS connections/);
    expect(explainPgTlsFailure(Object.assign(new Error('connection requires a valid client certificate'), { code: '28000' }), t)).toMatch(/refused the client certificate .* check sslcert and sslkey/);
    expect(explainPgTlsFailure(Object.assign(new Error('password authentication failed'), { code: '28P01' }), t)).toBeUndefined();
  });
});
