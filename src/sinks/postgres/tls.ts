// TLS to PostgreSQL from the JDBC URL's parameters, with libpq's (and
// pgjdbc's) meaning of each sslmode, as node-postgres `ssl` options:
//   disable      no TLS
//   allow        no TLS; TLS when the server refuses a connection without it
//   prefer       TLS when the server offers it, else none; no certificate check
//   require      TLS; the certificate is checked against sslrootcert only when
//                one is given (or ~/.postgresql/root.crt exists), as libpq does
//   verify-ca    TLS; the chain must lead to sslrootcert; host name not checked
//   verify-full  TLS; chain and host name checked
// pgjdbc's ssl=true without sslmode is verify-full; no ssl and no sslmode is
// plain TCP (pgjdbc would prefer TLS; Sluice does not change what a config
// without TLS settings did). sslcert / sslkey / sslpassword give the client
// certificate: PEM, DER (pgjdbc's .pk8 key) or a PKCS#12 file (.p12/.pfx).
import { ConfigProblem } from '../../errors.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface PgTls {
  readonly mode: SslMode;
  /** node-postgres `ssl` for the first attempt. */
  readonly ssl: false | ConnectionOptions;
  /** allow / prefer: what to use instead when the server refuses the first (libpq's fallback). */
  readonly fallback?: false | ConnectionOptions;
  /** The settings in effect, for messages: "sslmode=verify-full, sslrootcert=/x/ca.pem" (never a password). */
  readonly describe: string;
  /** sslpassword, for redaction. */
  readonly secrets: string[];
}

export class PgTlsConfigError extends ConfigProblem {}

export interface PgTlsOptions {
  readFile?: (p: string) => Buffer;
  exists?: (p: string) => boolean;
  /** libpq's defaults live in ~/.postgresql. */
  home?: string;
}

export function pgTls(params: ReadonlyMap<string, string>, opts: PgTlsOptions = {}): PgTls {
  const readFile = opts.readFile ?? ((p: string) => fs.readFileSync(p));
  const exists = opts.exists ?? ((p: string) => fs.existsSync(p));
  const home = path.join(opts.home ?? os.homedir(), '.postgresql');
  const read = (param: string, file: string): Buffer => {
    try {
      return readFile(file);
    } catch (err) {
      throw new PgTlsConfigError(`${param}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };

  const sslParam = params.get('ssl');
  const rawMode = params.get('sslmode');
  let mode: SslMode;
  if (rawMode !== undefined && rawMode !== '') {
    const m = rawMode.trim().toLowerCase() as SslMode;
    if (!MODES.includes(m)) throw new PgTlsConfigError(`sslmode: "${rawMode}" is not one of ${MODES.join(', ')}`);
    mode = m;
  } else if (sslParam !== undefined) {
    // pgjdbc: the bare presence of ssl (or ssl=true) means verify-full; ssl=false means none.
    mode = sslParam.trim().toLowerCase() === 'false' ? 'disable' : 'verify-full';
  } else {
    mode = 'disable';
  }
  const shown: string[] = [rawMode ? `sslmode=${mode}` : sslParam !== undefined ? `ssl=${sslParam || 'true'} (sslmode=${mode})` : 'sslmode not set (no TLS)'];
  if (mode === 'disable') return { mode, ssl: false, describe: shown.join(', '), secrets: [] };

  const tls: ConnectionOptions = {};
  const secrets: string[] = [];
  const factory = params.get('sslfactory');
  let nonValidating = false;
  if (factory !== undefined && factory !== '') {
    if (/NonValidatingFactory$/.test(factory)) nonValidating = true;
    else if (!/(LibPQFactory|DefaultJavaSSLFactory)$/.test(factory)) {
      throw new PgTlsConfigError(`sslfactory: ${factory} is a Java class Sluice cannot load (supported: LibPQFactory, DefaultJavaSSLFactory, NonValidatingFactory)`);
    }
    shown.push(`sslfactory=${factory.slice(factory.lastIndexOf('.') + 1)}`);
  }

  // The trusted roots: sslrootcert, libpq's default file, or (sslrootcert=system) the system's.
  const rootParam = params.get('sslrootcert');
  const defaultRoot = path.join(home, 'root.crt');
  let rootFile: string | undefined;
  if (rootParam !== undefined && rootParam !== '' && rootParam !== 'system') rootFile = rootParam;
  else if (rootParam === undefined && exists(defaultRoot)) rootFile = defaultRoot;
  if (rootFile !== undefined) {
    tls.ca = certificatesPem(read('sslrootcert', rootFile), 'sslrootcert', rootFile);
    shown.push(`sslrootcert=${rootFile}`);
  } else if (rootParam === 'system') shown.push('sslrootcert=system');

  const verifyChain = !nonValidating && (mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && rootFile !== undefined));
  if ((mode === 'verify-ca' || mode === 'verify-full') && !nonValidating && rootFile === undefined && rootParam !== 'system') {
    // libpq refuses rather than trusting every public CA; pgjdbc's default is the same file.
    throw new PgTlsConfigError(`sslmode=${mode} needs the CA certificate: set sslrootcert in connection.url (a PEM file, or sslrootcert=system for the system's CAs); ${defaultRoot} does not exist`);
  }
  tls.rejectUnauthorized = verifyChain;
  // verify-ca checks the chain only; verify-full also the host name (Node's default check).
  if (verifyChain && mode !== 'verify-full') tls.checkServerIdentity = () => undefined;

  // The client certificate: sslcert / sslkey (libpq's defaults when present), sslpassword for an encrypted key.
  const password = params.get('sslpassword');
  if (password) secrets.push(password);
  const certParam = params.get('sslcert');
  const keyParam = params.get('sslkey');
  const keyFile = keyParam || (certParam === undefined && exists(path.join(home, 'postgresql.key')) ? path.join(home, 'postgresql.key') : undefined);
  const certFile = certParam || (keyParam === undefined && exists(path.join(home, 'postgresql.crt')) ? path.join(home, 'postgresql.crt') : undefined);
  if (keyFile !== undefined && /\.(p12|pfx)$/i.test(keyFile)) {
    tls.pfx = read('sslkey', keyFile);
    if (password !== undefined) tls.passphrase = password;
    shown.push(`sslkey=${keyFile}`);
  } else if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) {
      throw new PgTlsConfigError(`${certFile === undefined ? 'sslcert' : 'sslkey'}: missing; a client certificate needs both sslcert and sslkey`);
    }
    tls.cert = certificatesPem(read('sslcert', certFile), 'sslcert', certFile);
    tls.key = privateKeyPem(read('sslkey', keyFile), password, keyFile);
    shown.push(`sslcert=${certFile}`, `sslkey=${keyFile}`);
  }

  const describe = shown.join(', ');
  if (mode === 'allow') return { mode, ssl: false, fallback: { ...tls, rejectUnauthorized: false }, describe, secrets };
  if (mode === 'prefer') return { mode, ssl: { ...tls, rejectUnauthorized: false }, fallback: false, describe, secrets };
  return { mode, ssl: tls, describe, secrets };
}

/** The server refused what was tried, and libpq (allow / prefer) would try the other way. */
export function refusedForFallback(mode: SslMode, err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (mode === 'prefer') return /does not support SSL/i.test(e.message ?? '');
  // pg_hba.conf has no line (or a reject line) for a connection without encryption.
  if (mode === 'allow') return e.code === '28000' && /no encryption/i.test(e.message ?? '');
  return false;
}

/** Node's codes for a certificate the client does not accept. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REJECTED',
]);

/**
 * A TLS failure connecting to PostgreSQL, told in terms of the URL parameters
 * to check; undefined for other failures. Retrying cannot fix these.
 */
export function explainPgTlsFailure(err: unknown, tls: PgTls): string | undefined {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  if (e.code !== undefined && UNTRUSTED.has(e.code)) {
    return `PostgreSQL TLS: the server's certificate is not trusted (${msg}) — check sslrootcert and sslmode in connection.url (${tls.describe})`;
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `PostgreSQL TLS: the server's certificate does not name the host in connection.url (${msg}) — check the host, or sslmode (verify-full checks the host name; ${tls.describe})`;
  }
  if (/does not support SSL/i.test(msg)) {
    return `PostgreSQL TLS: the server does not support TLS connections, but ${tls.describe} requires it — check sslmode in connection.url`;
  }
  if (/certificate required|alert (bad|unknown|certificate)|tlsv13 alert certificate|connection requires a valid client certificate/i.test(msg) || (e.code === '28000' && /certificate/i.test(msg))) {
    return `PostgreSQL TLS: the server refused the client certificate (${msg}) — check sslcert and sslkey in connection.url (${tls.describe})`;
  }
  if (/bad decrypt|bad password|unable to load|wrong tag|mac verify/i.test(msg)) {
    return `PostgreSQL TLS: cannot use the client key — check sslkey and sslpassword in connection.url (${tls.describe})`;
  }
  return undefined;
}

/** PEM text of every certificate in a PEM or DER file. */
function certificatesPem(data: Buffer, param: string, file: string): string {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN ')) return text;
  try {
    return new X509Certificate(data).toString();
  } catch {
    throw new PgTlsConfigError(`${param}: ${file} holds no PEM or DER certificate`);
  }
}

/** PEM of the client key: a PEM file as it is (Node decrypts it with the passphrase), DER PKCS#8 (pgjdbc's .pk8) converted. */
function privateKeyPem(data: Buffer, password: string | undefined, file: string): string {
  const text = data.toString('latin1');
  try {
    const key = text.includes('-----BEGIN ')
      ? createPrivateKey({ key: text, format: 'pem', passphrase: password })
      : createPrivateKey({ key: data, format: 'der', type: 'pkcs8', passphrase: password });
    return key.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (err) {
    const why = /bad decrypt|passphrase|interrupted or cancelled/i.test((err as Error).message) ? 'wrong or missing sslpassword' : (err as Error).message;
    throw new PgTlsConfigError(`sslkey: cannot read the private key ${file} (${why})`);
  }
}
