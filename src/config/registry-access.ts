// How each converter reaches its Schema Registry: the URL and the
// credentials, from every spelling Confluent's converters accept
// (<role>.converter.basic.auth.*, <role>.converter.schema.registry.basic.auth.*,
// top-level schema.registry.*, credentials in the URL, SASL_INHERIT), and the
// CA it is verified with (<role>.converter.schema.registry.ssl.truststore.*).
import fs from 'node:fs';
import tls from 'node:tls';
import forge from 'node-forge';
import type { OAuthClientCredentials } from '../workers/decode/oauth-token.js';

export interface RegistryAccess {
  /** Without user info: fetch() refuses URLs that carry credentials. */
  readonly url: string;
  /** The config key the URL came from. */
  readonly urlFrom: string;
  /** The Authorization header value, when the registry needs one (secret). */
  readonly authorization?: string;
  /** PEM CA certificates to verify the registry with, instead of the system's. */
  readonly ca?: string;
  /** The client certificate Sluice presents to the registry (mutual TLS). */
  readonly clientCert?: ClientCertificate;
  /** OAuth client credentials (Apicurio's converters): a Bearer token per request instead of `authorization`. */
  readonly oauth?: OAuthClientCredentials;
}

type Get = (key: string) => unknown;

/** user info from `user:pass@` in a URL, and the URL without it. */
function splitUserInfo(url: string): { url: string; userInfo?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@(.*)$/i.exec(url);
  if (!m) return { url };
  return { url: m[1]! + m[3]!, userInfo: decodeURIComponent(m[2]!) };
}

/** username/password of a SASL/PLAIN (or SCRAM) JAAS line, for SASL_INHERIT. */
export function jaasCredentials(jaas: string): { username: string; password: string } | undefined {
  const user = /\busername\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(jaas);
  const pass = /\bpassword\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(jaas);
  return user && pass ? { username: user[1]!, password: pass[1]! } : undefined;
}

/**
 * The registry access of one converter, or undefined when it has no URL.
 * `kafka`: the librdkafka properties (for SASL_INHERIT). Problems name the key.
 */
export function registryAccess(
  role: 'key' | 'value',
  get: Get,
  kafka: Readonly<Record<string, string>>,
  problems: string[],
  secrets: string[],
): RegistryAccess | undefined {
  const p = `${role}.converter`;
  // A key converter without its own registry settings uses the value converter's (one registry for both is the norm).
  const first = (...keys: string[]): { key: string; value: string } | undefined => {
    for (const k of keys) {
      const v = get(k);
      if (v !== undefined && v !== '') return { key: k, value: String(v) };
    }
    return undefined;
  };
  const roles = role === 'key' ? ['key', 'value'] : ['value'];
  const url = first(...roles.map((r) => `${r}.converter.schema.registry.url`), 'schema.registry.url');
  if (!url) return undefined;
  const urls = url.value.split(',').map((s) => s.trim()).filter(Boolean);
  const split = splitUserInfo(urls[0]!);
  if (split.userInfo) secrets.push(split.userInfo, urls[0]!);

  const userInfo = first(...roles.map((r) => `${r}.converter.basic.auth.user.info`), 'schema.registry.basic.auth.user.info');
  const sourceKey = first(...roles.map((r) => `${r}.converter.basic.auth.credentials.source`), 'schema.registry.basic.auth.credentials.source');
  const source = sourceKey?.value ?? (userInfo ? 'USER_INFO' : 'URL');
  let basic: string | undefined;
  if (source === 'USER_INFO') {
    if (!userInfo) problems.push(`${sourceKey!.key}: USER_INFO needs ${p}.basic.auth.user.info (user:password)`);
    else basic = userInfo.value;
  } else if (source === 'URL') {
    basic = split.userInfo;
  } else if (source === 'SASL_INHERIT') {
    const fromJaas = kafka['sasl.jaas.config'] ? jaasCredentials(kafka['sasl.jaas.config']) : undefined;
    const username = kafka['sasl.username'] ?? fromJaas?.username;
    const password = kafka['sasl.password'] ?? fromJaas?.password;
    if (username === undefined || password === undefined) {
      problems.push(`${sourceKey!.key}: SASL_INHERIT needs the consumer's SASL username and password (consumer.override.sasl.jaas.config, consumer.sasl.jaas.config in the worker file, or kafka.sasl.username / kafka.sasl.password)`);
    } else basic = `${username}:${password}`;
  }
  if (basic !== undefined && !basic.includes(':')) problems.push(`${userInfo?.key ?? url.key}: Schema Registry user info must be user:password`);

  let authorization: string | undefined;
  const bearerSource = first(...roles.map((r) => `${r}.converter.bearer.auth.credentials.source`));
  const token = first(...roles.map((r) => `${r}.converter.bearer.auth.token`));
  if (token || bearerSource) {
    if (!token) problems.push(`${bearerSource!.key}: STATIC_TOKEN needs ${p}.bearer.auth.token`);
    else authorization = `Bearer ${token.value}`;
  } else if (basic !== undefined) {
    authorization = 'Basic ' + Buffer.from(basic).toString('base64');
  }
  if (authorization) secrets.push(authorization.slice(authorization.indexOf(' ') + 1));

  let ca: string | undefined;
  const ident = first(...roles.map((r) => `${r}.converter.schema.registry.ssl.endpoint.identification.algorithm`));
  if (ident && ident.value.toLowerCase() !== 'https') problems.push(`${ident.key}: Sluice always verifies the registry's host name; only https is accepted`);
  const store = first(...roles.map((r) => `${r}.converter.schema.registry.ssl.truststore.location`));
  if (store) {
    ca = readTruststore(
      store,
      first(...roles.map((r) => `${r}.converter.schema.registry.ssl.truststore.type`)),
      first(...roles.map((r) => `${r}.converter.schema.registry.ssl.truststore.password`)),
      problems,
    );
  }
  return { url: split.url, urlFrom: url.key, ...(authorization ? { authorization } : {}), ...(ca ? { ca } : {}) };
}

type Setting = { key: string; value: string };

/**
 * The CA certificates (PEM) of a registry truststore: a PEM file, or PKCS12
 * (storeType: the file decides unless its type key names another type); JKS
 * is refused with the keytool command that exports its CA. Problems name the keys.
 */
export function readTruststore(store: Setting, typeKey: Setting | undefined, pass: Setting | undefined, problems: string[]): string | undefined {
  let text: Buffer | undefined;
  try {
    text = fs.readFileSync(store.value);
  } catch (err) {
    problems.push(`${store.key}: cannot read ${store.value} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const isPem = text !== undefined && text.toString('latin1').includes('-----BEGIN CERTIFICATE-----');
  const type = text === undefined ? 'PEM' : storeType(text, isPem, typeKey);
  if (type === 'JKS' || type === 'JCEKS') {
    problems.push(`${store.key}: a ${type} truststore cannot be read by Sluice; export the CA as PEM (keytool -exportcert -rfc -keystore ${store.value} -alias <ca>) and set ${store.key} to it`);
  } else if (type === 'PKCS12' && text !== undefined) {
    try {
      const ca = pkcs12Certificates(text, pass?.value ?? '');
      if (!ca) problems.push(`${store.key}: the PKCS12 truststore ${store.value} holds no certificate`);
      return ca || undefined;
    } catch (err) {
      problems.push(`${store.key}: cannot read the PKCS12 truststore ${store.value} (${(err as Error).message}; check ${store.key.replace(/location$/, 'password')})`);
    }
  } else if (type !== 'PEM' && type !== 'PKCS12') {
    problems.push(`${typeKey!.key}: "${typeKey!.value}" is not a truststore type Sluice reads (PKCS12 or PEM)`);
  } else if (text !== undefined) {
    if (!isPem) problems.push(`${store.key}: ${store.value} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else return text.toString('utf8');
  }
  return undefined;
}

/**
 * What a store file is read as. Java reads JKS and PKCS12 files whatever of
 * the two the type says (keystore.type.compat), so the file decides between
 * them (and PEM, Sluice's addition); a declared PEM is PEM, and other
 * declared types are returned as given (the callers refuse them).
 */
function storeType(bytes: Buffer, isPem: boolean, typeKey: Setting | undefined): string {
  const declared = typeKey?.value.trim().toUpperCase();
  if (declared !== undefined && declared !== 'JKS' && declared !== 'PKCS12') return declared;
  const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0;
  if (magic === 0xfeedfeed) return 'JKS';
  if (magic === 0xcececece) return 'JCEKS';
  return isPem ? 'PEM' : 'PKCS12';
}

/** A client certificate for mutual TLS to a registry, in the form Node's TLS takes it. */
export type ClientCertificate =
  | { readonly pfx: Uint8Array; readonly passphrase: string }
  | { readonly key: string; readonly cert: string; readonly passphrase?: string };

/**
 * A registry client keystore: PKCS12 (handed to TLS as is, opened with the
 * store password, or the key password where that differs) or a PEM file
 * holding the private key and its certificate chain (the key password opens
 * an encrypted key); JKS is refused with the keytool command that converts
 * it. Checked here, so a wrong password or file names its key at start-up.
 */
export function readKeystore(
  store: Setting, typeKey: Setting | undefined, pass: Setting | undefined, keyPass: Setting | undefined, problems: string[],
): ClientCertificate | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(store.value);
  } catch (err) {
    problems.push(`${store.key}: cannot read ${store.value} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const type = storeType(bytes, bytes.toString('latin1').includes('-----BEGIN '), typeKey);
  const passKey = store.key.replace(/location$/, 'password');
  if (type === 'JKS' || type === 'JCEKS') {
    problems.push(`${store.key}: a ${type} keystore cannot be read by Sluice; convert it to PKCS12 (keytool -importkeystore -srckeystore ${store.value} -destkeystore client.p12 -deststoretype PKCS12) and set ${store.key} to it`);
    return undefined;
  }
  if (type === 'PKCS12') {
    const tried = [pass?.value ?? '', ...(keyPass && keyPass.value !== (pass?.value ?? '') ? [keyPass.value] : [])];
    let last: Error | undefined;
    for (const passphrase of tried) {
      try {
        tls.createSecureContext({ pfx: bytes, passphrase });
        return { pfx: new Uint8Array(bytes), passphrase };
      } catch (err) {
        last = err as Error;
      }
    }
    problems.push(`${store.key}: cannot open the PKCS12 keystore ${store.value} (${last!.message}; check ${passKey})`);
    return undefined;
  }
  if (type !== 'PEM') {
    problems.push(`${typeKey!.key}: "${typeKey!.value}" is not a keystore type Sluice reads (PKCS12 or PEM)`);
    return undefined;
  }
  const pem = bytes.toString('utf8');
  const key = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(pem)?.[0];
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!key || !certs) {
    problems.push(`${store.key}: the PEM keystore ${store.value} must hold a private key and its certificate chain`);
    return undefined;
  }
  const out = { key, cert: certs.join('\n'), ...(keyPass ?? pass ? { passphrase: (keyPass ?? pass)!.value } : {}) };
  try {
    tls.createSecureContext(out);
  } catch (err) {
    problems.push(`${store.key}: cannot use the key and certificate of ${store.value} (${(err as Error).message}; check ${(keyPass ?? pass)?.key ?? store.key.replace(/keystore\.location$/, 'key.password')})`);
    return undefined;
  }
  return out;
}

/** Every certificate of a PKCS12 file (a Java truststore's trusted entries), as PEM. */
export function pkcs12Certificates(der: Buffer, password: string): string {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))), false, password);
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  return bags.filter((b) => b.cert).map((b) => forge.pki.certificateToPem(b.cert!)).join('');
}
