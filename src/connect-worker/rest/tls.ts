// Server TLS of https listeners, from the keys Kafka Connect reads
// (SSLUtils.createServerSideSslContextFactory): `listeners.https.ssl.*` when
// any key has that prefix, else the worker's `ssl.*` (Connect's
// valuesWithPrefixAllOrNothing). PEM key stores (a file holding the key and
// chain, or ssl.keystore.key + ssl.keystore.certificate.chain inline) and
// PKCS12 are read; JKS, which Node's TLS cannot read, is refused naming the key.
import tls from 'node:tls';
import { ConfigError } from '../../errors.js';

export const HTTPS_PREFIX = 'listeners.https.';
/** admin.listeners' TLS keys (RestServerConfig.ADMIN_LISTENERS_HTTPS_CONFIGS_PREFIX); else the worker's ssl.*. */
export const ADMIN_HTTPS_PREFIX = 'admin.listeners.https.';

export interface TlsSettings {
  /** Options for https.createServer / tls.createSecureContext. */
  readonly options: tls.SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  /** ssl.client.auth. */
  readonly clientAuth: 'none' | 'requested' | 'required';
  /** Where the keys came from ('listeners.https.' or ''), for messages. */
  readonly prefix: string;
}

type StoreKind = 'PEM' | 'PKCS12';

function storeKind(data: Buffer, declared: string | undefined, key: string, typeKey: string): StoreKind {
  const magic = data.length >= 4 ? data.readUInt32BE(0) : 0;
  const d = declared?.trim().toUpperCase();
  if (magic === 0xfeedfeed || magic === 0xcececece || d === 'JKS' || d === 'JCEKS') {
    throw new ConfigError([
      `${key}: a ${magic === 0xcececece || d === 'JCEKS' ? 'JCEKS' : 'JKS'} store, which Sluice cannot read; ` +
        `give PEM files (${typeKey}=PEM) or convert it to PKCS12 (keytool -importkeystore -deststoretype PKCS12) and set ${typeKey}=PKCS12`,
    ]);
  }
  if (data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ')) return 'PEM';
  if (d === 'PEM') throw new ConfigError([`${key}: ${typeKey}=PEM but the file holds no PEM block`]);
  if (data[0] === 0x30) return 'PKCS12';
  throw new ConfigError([`${key}: neither PEM nor PKCS12`]);
}

export function readTlsOptions(props: ReadonlyMap<string, string>, readFile: (p: string) => Buffer, httpsPrefix = HTTPS_PREFIX): TlsSettings {
  const prefixed = [...props.keys()].some((k) => k.startsWith(httpsPrefix));
  const prefix = prefixed ? httpsPrefix : '';
  const get = (k: string): string | undefined => {
    const v = props.get(prefix + k);
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const name = (k: string) => prefix + k;
  const read = (k: string): Buffer => {
    const path = get(k)!.trim();
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError([`${name(k)}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  };
  const problems: string[] = [];
  const options: tls.SecureContextOptions = {};

  try {
    // --- the server's key and certificate chain ---
    if (get('ssl.keystore.key') || get('ssl.keystore.certificate.chain')) {
      if (!get('ssl.keystore.key') || !get('ssl.keystore.certificate.chain')) {
        throw new ConfigError([`${name('ssl.keystore.key')} / ${name('ssl.keystore.certificate.chain')}: give both (PEM private key and certificate chain)`]);
      }
      options.key = get('ssl.keystore.key');
      options.cert = get('ssl.keystore.certificate.chain');
      if (get('ssl.key.password')) options.passphrase = get('ssl.key.password');
    } else if (get('ssl.keystore.location')) {
      const data = read('ssl.keystore.location');
      const kind = storeKind(data, get('ssl.keystore.type'), name('ssl.keystore.location'), name('ssl.keystore.type'));
      if (kind === 'PEM') {
        // A Java PEM key store file holds the private key and the chain together.
        options.key = data;
        options.cert = data;
        if (get('ssl.key.password')) options.passphrase = get('ssl.key.password');
      } else {
        options.pfx = data;
        options.passphrase = get('ssl.keystore.password') ?? '';
      }
    } else {
      throw new ConfigError([
        `listeners: an https listener needs a server certificate: ${name('ssl.keystore.location')} (PEM or PKCS12), or ${name('ssl.keystore.key')} and ${name('ssl.keystore.certificate.chain')}`,
      ]);
    }

    // --- trusted CAs for client certificates ---
    if (get('ssl.truststore.certificates')) {
      options.ca = get('ssl.truststore.certificates');
    } else if (get('ssl.truststore.location')) {
      const data = read('ssl.truststore.location');
      const kind = storeKind(data, get('ssl.truststore.type'), name('ssl.truststore.location'), name('ssl.truststore.type'));
      if (kind === 'PEM') options.ca = data;
      else problems.push(`${name('ssl.truststore.location')}: a PKCS12 truststore; give its CA certificates as a PEM file (${name('ssl.truststore.type')}=PEM)`);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...problems]);
    throw err;
  }

  const clientAuth = (get('ssl.client.auth') ?? 'none').trim().toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    problems.push(`${name('ssl.client.auth')}: ${clientAuth} is not one of none, requested, required`);
  }
  if (clientAuth !== 'none' && !options.ca) {
    problems.push(`${name('ssl.client.auth')}=${clientAuth} needs ${name('ssl.truststore.location')} or ${name('ssl.truststore.certificates')} (the CAs that sign client certificates)`);
  }
  const protocols = (get('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3').split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['TLSv1.2', 'TLSv1.3'] as const;
  const enabled = known.filter((p) => protocols.includes(p));
  if (enabled.length === 0) problems.push(`${name('ssl.enabled.protocols')}: Sluice serves TLSv1.2 and TLSv1.3; name at least one`);
  else {
    options.minVersion = enabled[0];
    options.maxVersion = enabled[enabled.length - 1];
  }
  if (problems.length > 0) throw new ConfigError(problems);

  // Open the key now, so a wrong password or a key that does not match the certificate stops start-up with the key named.
  try {
    tls.createSecureContext(options);
  } catch (err) {
    const what = options.pfx ? name('ssl.keystore.location') : get('ssl.keystore.key') ? name('ssl.keystore.key') : name('ssl.keystore.location');
    const pass = options.pfx ? name('ssl.keystore.password') : name('ssl.key.password');
    throw new ConfigError([`${what}: the server key or certificate cannot be used (${(err as Error).message}); check it and ${pass}`]);
  }
  return {
    options: { ...options, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
    clientAuth: clientAuth as TlsSettings['clientAuth'],
    prefix,
  };
}
