// How each converter reaches its Schema Registry: the URL and the
// credentials, from every spelling Confluent's converters accept
// (<role>.converter.basic.auth.*, <role>.converter.schema.registry.basic.auth.*,
// top-level schema.registry.*, credentials in the URL, SASL_INHERIT), and the
// CA it is verified with (<role>.converter.schema.registry.ssl.truststore.*).
import fs from 'node:fs';
import forge from 'node-forge';

export interface RegistryAccess {
  /** Without user info: fetch() refuses URLs that carry credentials. */
  readonly url: string;
  /** The config key the URL came from. */
  readonly urlFrom: string;
  /** The Authorization header value, when the registry needs one (secret). */
  readonly authorization?: string;
  /** PEM CA certificates to verify the registry with, instead of the system's. */
  readonly ca?: string;
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
    const typeKey = first(...roles.map((r) => `${r}.converter.schema.registry.ssl.truststore.type`));
    let text: Buffer | undefined;
    try {
      text = fs.readFileSync(store.value);
    } catch (err) {
      problems.push(`${store.key}: cannot read ${store.value} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const isPem = text !== undefined && text.toString('latin1').includes('-----BEGIN CERTIFICATE-----');
    const type = typeKey?.value ?? (isPem ? 'PEM' : text && text.readUInt32BE(0) === 0xfeedfeed ? 'JKS' : 'PKCS12');
    if (type === 'JKS') {
      problems.push(`${typeKey?.key ?? store.key}: a JKS truststore cannot be read by Sluice; export the CA as PEM (keytool -exportcert -rfc -keystore ${store.value} -alias <ca>) and set ${store.key} to it`);
    } else if (type === 'PKCS12' && text !== undefined) {
      const pass = first(...roles.map((r) => `${r}.converter.schema.registry.ssl.truststore.password`));
      try {
        ca = pkcs12Certificates(text, pass?.value ?? '');
        if (!ca) problems.push(`${store.key}: the PKCS12 truststore ${store.value} holds no certificate`);
      } catch (err) {
        problems.push(`${store.key}: cannot read the PKCS12 truststore ${store.value} (${(err as Error).message}; check ${store.key.replace(/location$/, 'password')})`);
      }
    } else if (text !== undefined) {
      if (!isPem) problems.push(`${store.key}: ${store.value} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      else ca = text.toString('utf8');
    }
  }
  return { url: split.url, urlFrom: url.key, ...(authorization ? { authorization } : {}), ...(ca ? { ca } : {}) };
}

/** Every certificate of a PKCS12 file (a Java truststore's trusted entries), as PEM. */
export function pkcs12Certificates(der: Buffer, password: string): string {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))), false, password);
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  return bags.filter((b) => b.cert).map((b) => forge.pki.certificateToPem(b.cert!)).join('');
}
