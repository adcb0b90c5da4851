// Kafka client security settings as a Kafka Connect user writes them (the
// Java client's keys: sasl.jaas.config, trust and key stores) translated to
// the librdkafka properties every Kafka client Sluice creates takes. Where
// librdkafka has no equivalent (a JKS store, a custom callback class) the
// result is a problem naming the key, never a setting silently dropped that
// would weaken or change how Sluice authenticates. Keys librdkafka already
// understands pass through as they are.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import forge from 'node-forge';

/** What a Kafka failure message names: the settings the user wrote, never their values. */
export interface KafkaSecurityContext {
  /** security.protocol as given (PLAINTEXT when absent). */
  readonly protocol: string;
  /** The SASL mechanism in effect, when the protocol uses SASL. */
  readonly mechanism?: string;
  /** The SASL user name (not secret), when known. */
  readonly user?: string;
  /** The key the credentials came from (e.g. consumer.override.sasl.jaas.config). */
  readonly credentialsKey?: string;
  /** The key(s) that say which CA certificates are trusted. */
  readonly trustKey?: string;
  /** The key(s) of the client certificate. */
  readonly keystoreKey?: string;
}

export interface KafkaSecurityResult {
  /** librdkafka properties: the input with every Java-only key replaced by its translation. */
  readonly properties: Record<string, string>;
  /** Settings that cannot be honoured, each naming its key. */
  readonly problems: string[];
  /** Settings accepted with no effect in librdkafka (JVM tuning): "<key>: accepted, no effect: <why>". */
  readonly notices: string[];
  /** Settings honoured, but perhaps not as the Java client would (naming the key). */
  readonly warnings: string[];
  /** Passwords, keys and secrets found, for redaction. */
  readonly secrets: string[];
  readonly context: KafkaSecurityContext;
}

export interface TranslateOptions {
  /** The name a key had in the user's config (e.g. prop → consumer.override.prop), for messages. */
  nameOf?: (prop: string) => string;
  /** Reads a store file (tests inject files); default fs.readFileSync. */
  readFile?: (path: string) => Buffer;
}

const LOGIN_MODULES = {
  plain: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  scram: 'org.apache.kafka.common.security.scram.ScramLoginModule',
  oauth: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
  krb5: 'com.sun.security.auth.module.Krb5LoginModule',
} as const;

/** The Java client's OAuth login handlers (3.x "secured" package, 3.4+ public package). */
const OAUTH_LOGIN_HANDLERS = new Set([
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
]);

/** Java-only keys with no librdkafka counterpart that only tune the JVM's login or TLS engine: accepted, no effect. */
const NO_EFFECT = [
  'ssl.protocol', 'ssl.enabled.protocols', 'ssl.provider', 'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm',
  'ssl.secure.random.implementation', 'sasl.kerberos.ticket.renew.window.factor', 'sasl.kerberos.ticket.renew.jitter',
  'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter', 'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds', 'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms',
  'sasl.login.retry.backoff.ms', 'sasl.login.retry.backoff.max.ms', 'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.jwks.endpoint.url', 'sasl.oauthbearer.jwks.endpoint.refresh.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'sasl.oauthbearer.clock.skew.seconds', 'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer', 'sasl.oauthbearer.header.urlencode', 'sasl.oauthbearer.jwt.validator.class',
];

/** Java keys a class name or JVM hook sets: nothing in librdkafka can run them. */
const JAVA_CLASSES = ['sasl.client.callback.handler.class', 'sasl.login.class', 'ssl.engine.factory.class'];

/** Java keys this translation consumes (the rest pass through to librdkafka unchanged). */
const CONSUMED = new Set([
  'sasl.jaas.config', 'sasl.login.callback.handler.class', 'sasl.oauthbearer.jwt.retriever.class',
  'sasl.oauthbearer.assertion.template.file', 'sasl.kerberos.kinit.cmd',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.certificates',
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.keystore.key', 'ssl.keystore.certificate.chain',
  'ssl.key.password', 'ssl.endpoint.identification.algorithm', 'ssl.cipher.suites',
  ...NO_EFFECT, ...JAVA_CLASSES,
]);

/** Keys whose values are secret whichever client reads them. */
export function isSecretKafkaKey(prop: string): boolean {
  return /password|secret|sasl\.jaas|key\.pem|ssl\.keystore\.key$|token|assertion\.private\.key\.pem/i.test(prop);
}

export function translateKafkaSecurity(input: Readonly<Record<string, string>>, opts: TranslateOptions = {}): KafkaSecurityResult {
  const nameOf = opts.nameOf ?? ((p: string) => p);
  const readFile = opts.readFile ?? ((p: string) => fs.readFileSync(p));
  const problems: string[] = [];
  const warnings: string[] = [];
  const notices: string[] = [];
  const secrets: string[] = [];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    if (isSecretKafkaKey(k) && v.length > 0) secrets.push(v);
    if (!CONSUMED.has(k)) out[k] = v;
  }
  const has = (k: string) => input[k] !== undefined && input[k] !== '';
  /** Sets a translated property; a librdkafka key the user also gave directly is a conflict. */
  const set = (prop: string, value: string, from: string) => {
    if (input[prop] !== undefined && input[prop] !== value) {
      problems.push(`${nameOf(from)}: sets librdkafka's ${prop}, which ${nameOf(prop)} also sets; give only one of them`);
      return;
    }
    out[prop] = value;
  };

  for (const k of NO_EFFECT) if (has(k)) notices.push(`${nameOf(k)}: accepted, no effect: a Java client setting librdkafka has no equivalent for`);
  for (const k of JAVA_CLASSES) {
    if (has(k)) problems.push(`${nameOf(k)}: names a Java class (${input[k]}), which Sluice cannot load; librdkafka has no equivalent`);
  }

  const protocol = input['security.protocol'] ?? 'PLAINTEXT';
  const usesSasl = /^sasl_/i.test(protocol);
  const ctx: { -readonly [K in keyof KafkaSecurityContext]: KafkaSecurityContext[K] } = { protocol };
  let mechanism = input['sasl.mechanism'] ?? input['sasl.mechanisms'];

  // --- SASL: the JAAS login module ---
  const jaasText = input['sasl.jaas.config'];
  if (jaasText !== undefined && jaasText.trim() !== '') {
    const jaasKey = 'sasl.jaas.config';
    ctx.credentialsKey = nameOf(jaasKey);
    let entries: JaasEntry[] = [];
    try {
      entries = parseJaasConfig(jaasText);
    } catch (err) {
      problems.push(`${nameOf(jaasKey)}: ${(err as Error).message}`);
    }
    if (entries.length > 1) problems.push(`${nameOf(jaasKey)}: ${entries.length} login modules; a Kafka client takes exactly one`);
    const entry = entries.length === 1 ? entries[0]! : undefined;
    if (entry) {
      for (const [k, v] of Object.entries(entry.options)) if (/password|secret|passphrase/i.test(k) && v) secrets.push(v);
      const o = entry.options;
      switch (entry.module) {
        case LOGIN_MODULES.plain:
        case LOGIN_MODULES.scram: {
          if (entry.module === LOGIN_MODULES.scram && /^true$/i.test(o.tokenauth ?? '')) {
            problems.push(`${nameOf(jaasKey)}: tokenauth=true (delegation tokens) is not supported by librdkafka`);
          }
          if (o.username === undefined || o.password === undefined) {
            problems.push(`${nameOf(jaasKey)}: ${shortName(entry.module)} needs username and password`);
            break;
          }
          if (mechanism === undefined) {
            if (entry.module === LOGIN_MODULES.plain) mechanism = 'PLAIN';
            else problems.push(`${nameOf('sasl.mechanism')}: required with ScramLoginModule (SCRAM-SHA-256 or SCRAM-SHA-512)`);
          }
          if (mechanism !== undefined && !/^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$/i.test(mechanism)) {
            problems.push(`${nameOf(jaasKey)}: ${shortName(entry.module)} gives a user name and password, which sasl.mechanism=${mechanism} does not use`);
          }
          set('sasl.username', o.username, jaasKey);
          set('sasl.password', o.password, jaasKey);
          ctx.user = o.username;
          break;
        }
        case LOGIN_MODULES.oauth:
          mechanism ??= 'OAUTHBEARER';
          oauth(input, o, jaasKey, nameOf, set, problems);
          break;
        case LOGIN_MODULES.krb5:
          mechanism ??= 'GSSAPI';
          if (o.keyTab !== undefined) set('sasl.kerberos.keytab', o.keyTab, jaasKey);
          if (o.principal !== undefined) set('sasl.kerberos.principal', o.principal, jaasKey);
          if (o.serviceName !== undefined && !has('sasl.kerberos.service.name')) set('sasl.kerberos.service.name', o.serviceName, jaasKey);
          ctx.user = o.principal;
          break;
        default:
          problems.push(`${nameOf(jaasKey)}: login module ${entry.module} has no librdkafka equivalent (supported: PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule, Krb5LoginModule)`);
      }
    }
  } else if (usesSasl && (mechanism ?? '').toUpperCase() === 'OAUTHBEARER') {
    // OAuth configured through sasl.oauthbearer.* keys alone (Kafka 4.1's client credentials keys).
    oauth(input, {}, 'sasl.oauthbearer.token.endpoint.url', nameOf, set, problems);
  } else if (has('sasl.login.callback.handler.class')) {
    problems.push(`${nameOf('sasl.login.callback.handler.class')}: set without sasl.jaas.config`);
  }
  if (mechanism !== undefined) {
    if (input['sasl.mechanism'] === undefined && input['sasl.mechanisms'] === undefined) out['sasl.mechanism'] = mechanism;
    ctx.mechanism = mechanism.toUpperCase();
  } else if (usesSasl) {
    ctx.mechanism = 'GSSAPI';
  }
  if (has('sasl.username') && !ctx.user) ctx.user = input['sasl.username'];
  if (!ctx.credentialsKey && has('sasl.password')) ctx.credentialsKey = nameOf('sasl.password');
  if (!ctx.credentialsKey && has('sasl.oauthbearer.client.secret')) ctx.credentialsKey = nameOf('sasl.oauthbearer.client.secret');
  // Java's kinit.cmd is the kinit binary; librdkafka's is the whole command line.
  if (has('sasl.kerberos.kinit.cmd')) {
    const cmd = input['sasl.kerberos.kinit.cmd']!;
    if (/\s/.test(cmd.trim())) out['sasl.kerberos.kinit.cmd'] = cmd;
    else notices.push(`${nameOf('sasl.kerberos.kinit.cmd')}: accepted, no effect: the Java client's path of kinit; librdkafka takes a whole command (its default runs kinit from PATH)`);
  }

  // --- TLS: what is trusted ---
  const trustType = (input['ssl.truststore.type'] ?? '').trim().toUpperCase();
  if (has('ssl.truststore.certificates')) {
    set('ssl.ca.pem', input['ssl.truststore.certificates']!, 'ssl.truststore.certificates');
    ctx.trustKey = nameOf('ssl.truststore.certificates');
  } else if (has('ssl.truststore.location')) {
    const key = 'ssl.truststore.location';
    const path = input[key]!;
    ctx.trustKey = nameOf(key);
    const store = readStore(path, trustType, key, readFile, nameOf, problems);
    if (store === 'pem') set('ssl.ca.location', path, key);
    else if (store === 'pkcs12') {
      try {
        set('ssl.ca.pem', pkcs12Certificates(readFile(path), input['ssl.truststore.password'] ?? ''), key);
      } catch (err) {
        problems.push(`${nameOf(key)}: cannot read the PKCS12 truststore ${path} (${(err as Error).message}; check ${nameOf('ssl.truststore.password')})`);
      }
    }
  } else if (has('ssl.ca.location') || has('ssl.ca.pem')) {
    ctx.trustKey = nameOf(has('ssl.ca.location') ? 'ssl.ca.location' : 'ssl.ca.pem');
  }

  // --- TLS: the client certificate ---
  const keyType = (input['ssl.keystore.type'] ?? '').trim().toUpperCase();
  if (has('ssl.keystore.certificate.chain') || has('ssl.keystore.key')) {
    if (!has('ssl.keystore.certificate.chain') || !has('ssl.keystore.key')) {
      problems.push(`${nameOf('ssl.keystore.key')} / ${nameOf('ssl.keystore.certificate.chain')}: give both (PEM private key and certificate chain)`);
    } else {
      set('ssl.certificate.pem', input['ssl.keystore.certificate.chain']!, 'ssl.keystore.certificate.chain');
      set('ssl.key.pem', input['ssl.keystore.key']!, 'ssl.keystore.key');
      if (has('ssl.key.password')) set('ssl.key.password', input['ssl.key.password']!, 'ssl.key.password');
    }
    ctx.keystoreKey = nameOf('ssl.keystore.key');
  } else if (has('ssl.keystore.location')) {
    const key = 'ssl.keystore.location';
    const path = input[key]!;
    ctx.keystoreKey = nameOf(key);
    const store = readStore(path, keyType, key, readFile, nameOf, problems);
    if (store === 'pkcs12') {
      // librdkafka's own message for a wrong password names only the file; say which key to check.
      if (!pkcs12PasswordOpens(readFile(path), input['ssl.keystore.password'] ?? '')) {
        problems.push(`${nameOf(key)}: cannot open the PKCS12 keystore ${path} with the password given (check ${nameOf('ssl.keystore.password')})`);
      }
      out['ssl.keystore.location'] = path;
      if (has('ssl.keystore.password')) out['ssl.keystore.password'] = input['ssl.keystore.password']!;
      // One password opens a PKCS12 file in librdkafka; keytool makes both the same.
      if (has('ssl.key.password') && has('ssl.keystore.password') && input['ssl.key.password'] !== input['ssl.keystore.password']) {
        warnings.push(`${nameOf('ssl.key.password')}: differs from ${nameOf('ssl.keystore.password')}; librdkafka opens the PKCS12 keystore and its key with ${nameOf('ssl.keystore.password')} only`);
      }
    } else if (store === 'pem') {
      // A Java PEM keystore file holds the private key and the certificate chain; OpenSSL reads each from the same file.
      set('ssl.certificate.location', path, key);
      set('ssl.key.location', path, key);
      if (has('ssl.key.password')) set('ssl.key.password', input['ssl.key.password']!, 'ssl.key.password');
    }
  } else if (has('ssl.key.password')) {
    out['ssl.key.password'] = input['ssl.key.password']!;
  }
  if (!ctx.keystoreKey && (has('ssl.certificate.location') || has('ssl.certificate.pem'))) {
    ctx.keystoreKey = nameOf(has('ssl.certificate.location') ? 'ssl.certificate.location' : 'ssl.certificate.pem');
  }

  // --- TLS: host name check (Java: empty = off; librdkafka: none) ---
  const eia = input['ssl.endpoint.identification.algorithm'];
  if (eia !== undefined) {
    const v = eia.trim().toLowerCase();
    if (v === '' || v === 'none') out['ssl.endpoint.identification.algorithm'] = 'none';
    else if (v === 'https') out['ssl.endpoint.identification.algorithm'] = 'https';
    else problems.push(`${nameOf('ssl.endpoint.identification.algorithm')}: "${eia}" is not https, none or empty`);
  }

  // Java's cipher suite names (TLS_ECDHE_RSA_WITH_...) are not OpenSSL's.
  const ciphers = input['ssl.cipher.suites'];
  if (ciphers !== undefined && ciphers.trim() !== '') {
    if (/(^|[\s,:])(TLS|SSL)_/.test(ciphers)) {
      problems.push(`${nameOf('ssl.cipher.suites')}: Java cipher suite names; librdkafka takes OpenSSL names (e.g. ECDHE-RSA-AES256-GCM-SHA384; \`openssl ciphers -stdname\` lists both)`);
    } else out['ssl.cipher.suites'] = ciphers;
  }

  return { properties: out, problems, notices, warnings, secrets: [...new Set(secrets)], context: ctx };
}

/** OAuthBearerLoginModule: OIDC client credentials (or JWT bearer) when a token endpoint is set, else an unsecured token. */
function oauth(
  input: Readonly<Record<string, string>>,
  o: Readonly<Record<string, string>>,
  from: string,
  nameOf: (p: string) => string,
  set: (prop: string, value: string, from: string) => void,
  problems: string[],
): void {
  const handler = input['sasl.login.callback.handler.class'];
  const endpoint = input['sasl.oauthbearer.token.endpoint.url'];
  if (handler !== undefined && handler !== '' && !OAUTH_LOGIN_HANDLERS.has(handler)) {
    problems.push(`${nameOf('sasl.login.callback.handler.class')}: names a Java class (${handler}), which Sluice cannot load; librdkafka has no equivalent`);
    return;
  }
  if (endpoint !== undefined && endpoint !== '') {
    if (/^file:/i.test(endpoint)) {
      problems.push(`${nameOf('sasl.oauthbearer.token.endpoint.url')}: a file: URL (a token read from a file) is not supported by librdkafka; give the identity provider's token endpoint`);
      return;
    }
    set('sasl.oauthbearer.method', 'oidc', from);
    const retriever = input['sasl.oauthbearer.jwt.retriever.class'] ?? '';
    if (/JwtBearerJwtRetriever$/.test(retriever)) {
      set('sasl.oauthbearer.grant.type', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'sasl.oauthbearer.jwt.retriever.class');
      if (input['sasl.oauthbearer.assertion.template.file'] !== undefined) {
        set('sasl.oauthbearer.assertion.jwt.template.file', input['sasl.oauthbearer.assertion.template.file'], 'sasl.oauthbearer.assertion.template.file');
      }
    } else {
      if (retriever !== '' && !/ClientCredentialsJwtRetriever$/.test(retriever)) {
        problems.push(`${nameOf('sasl.oauthbearer.jwt.retriever.class')}: names a Java class (${retriever}), which Sluice cannot load; librdkafka has no equivalent`);
      }
      const id = o.clientId ?? input['sasl.oauthbearer.client.credentials.client.id'] ?? input['sasl.oauthbearer.client.id'];
      const secret = o.clientSecret ?? input['sasl.oauthbearer.client.credentials.client.secret'] ?? input['sasl.oauthbearer.client.secret'];
      if (id === undefined || secret === undefined) {
        problems.push(`${nameOf(from)}: OAuth client credentials need clientId and clientSecret (JAAS options) or sasl.oauthbearer.client.credentials.client.id / .client.secret`);
      } else {
        if (o.clientId !== undefined) set('sasl.oauthbearer.client.id', id, from);
        if (o.clientSecret !== undefined) set('sasl.oauthbearer.client.secret', secret, from);
      }
    }
    if (o.scope !== undefined) set('sasl.oauthbearer.scope', o.scope, from);
    const ext = Object.entries(o).filter(([k]) => k.startsWith('extension_')).map(([k, v]) => `${k.slice('extension_'.length)}=${v}`);
    if (ext.length > 0) set('sasl.oauthbearer.extensions', ext.join(','), from);
    return;
  }
  if (handler !== undefined && handler !== '') {
    problems.push(`${nameOf('sasl.login.callback.handler.class')}: ${shortName(handler)} needs sasl.oauthbearer.token.endpoint.url`);
    return;
  }
  // Kafka's unsecured login (tests and development): librdkafka builds the same unsigned token.
  const principalClaim = o.unsecuredLoginPrincipalClaimName ?? 'sub';
  const principal = o[`unsecuredLoginStringClaim_${principalClaim}`];
  if (principal === undefined) {
    problems.push(`${nameOf(from)}: OAuthBearerLoginModule without sasl.oauthbearer.token.endpoint.url needs unsecuredLoginStringClaim_${principalClaim} (an unsecured token) or a token endpoint`);
    return;
  }
  const parts = [`principalClaimName=${principalClaim}`, `principal=${principal}`];
  const scopeClaim = o.unsecuredLoginScopeClaimName ?? 'scope';
  if (o.unsecuredLoginScopeClaimName !== undefined) parts.push(`scopeClaimName=${scopeClaim}`);
  const scope = o[`unsecuredLoginListClaim_${scopeClaim}`];
  // Java's list claim: the first character is the separator.
  if (scope !== undefined && scope.length > 1) parts.push(`scope=${scope.slice(1).split(scope[0]!).filter(Boolean).join(',')}`);
  if (o.unsecuredLoginLifetimeSeconds !== undefined) parts.push(`lifeSeconds=${o.unsecuredLoginLifetimeSeconds}`);
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('unsecuredLoginExtension_')) parts.push(`extension_${k.slice('unsecuredLoginExtension_'.length)}=${v}`);
    else if (/^unsecuredLogin(String|Number|List)Claim_/.test(k) && k !== `unsecuredLoginStringClaim_${principalClaim}` && k !== `unsecuredLoginListClaim_${scopeClaim}`) {
      problems.push(`${nameOf(from)}: ${k}: librdkafka's unsecured token carries only the principal, scope and lifetime claims`);
    }
  }
  set('enable.sasl.oauthbearer.unsecure.jwt', 'true', from);
  set('sasl.oauthbearer.config', parts.join(' '), from);
}

/** The kind of a Java trust or key store; JKS and JCEKS, which OpenSSL cannot read, are a problem naming the key. */
function readStore(
  path: string,
  declared: string,
  key: string,
  readFile: (p: string) => Buffer,
  nameOf: (p: string) => string,
  problems: string[],
): 'pem' | 'pkcs12' | undefined {
  let head: Buffer;
  try {
    head = readFile(path).subarray(0, 4096);
  } catch (err) {
    problems.push(`${nameOf(key)}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
  // Java reads PKCS12 whatever the declared type (keystore.type.compat), so the file decides.
  const magic = head.length >= 4 ? head.readUInt32BE(0) : 0;
  if (magic === 0xfeedfeed || magic === 0xcececece || declared === 'JCEKS') {
    const store = key.startsWith('ssl.truststore') ? 'truststore' : 'keystore';
    const pass = key.startsWith('ssl.truststore') ? 'ssl.truststore.password' : 'ssl.keystore.password';
    problems.push(
      `${nameOf(key)}: ${path} is a ${magic === 0xcececece || declared === 'JCEKS' ? 'JCEKS' : 'JKS'} ${store}, which librdkafka (OpenSSL) cannot read. ` +
        `Convert it to PKCS12: keytool -importkeystore -srckeystore ${path} -destkeystore ${path.replace(/\.(jks|jceks)$/i, '')}.p12 -deststoretype PKCS12, ` +
        `then set ${nameOf(key)} to the .p12 file and ${nameOf(key.replace(/location$/, 'type'))}=PKCS12 (same ${nameOf(pass)}); or give PEM files with ${nameOf(key.replace(/location$/, 'type'))}=PEM`,
    );
    return undefined;
  }
  if (isPem(head)) return 'pem';
  if (head[0] === 0x30) return 'pkcs12';
  if (declared === 'PEM') return 'pem';
  problems.push(`${nameOf(key)}: ${path} is neither PEM nor PKCS12`);
  return undefined;
}

function isPem(head: Buffer): boolean {
  return head.toString('latin1').includes('-----BEGIN ');
}

/** False only when the file's integrity MAC rejects the password (other failures are left to librdkafka). */
function pkcs12PasswordOpens(der: Buffer, password: string): boolean {
  try {
    forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))), false, password);
    return true;
  } catch (err) {
    return !/MAC could not be verified/i.test((err as Error).message);
  }
}

/** Every certificate in a PKCS12 file (a Java truststore's trusted entries, or a keystore's chain), as PEM. */
export function pkcs12Certificates(der: Buffer, password: string): string {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))), false, password);
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const pems: string[] = [];
  for (const bag of bags) {
    // forge parses RSA certificates only; others stay as ASN.1, which is all that is needed here.
    const asn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    if (!asn) continue;
    pems.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary')).toString());
  }
  if (pems.length === 0) throw new Error('it holds no certificates');
  return pems.join('');
}

export interface JaasEntry {
  module: string;
  flag: string;
  options: Record<string, string>;
}

/**
 * Parses sasl.jaas.config as Kafka's JaasConfig does (java.io.StreamTokenizer):
 * `<LoginModule> <flag> (<name>=<value>)*;` per entry; values quoted with " or '
 * (backslash escapes as in Java) or bare words; / starts a comment.
 */
export function parseJaasConfig(text: string): JaasEntry[] {
  const tokens = tokenizeJaas(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  const word = (t: JaasToken | undefined) => (t && (t.kind === 'word' || t.kind === 'quoted') ? t.value : undefined);
  while (i < tokens.length) {
    const module = word(tokens[i++]);
    if (module === undefined) throw new Error('expected a login module class name');
    const flag = word(tokens[i++]);
    if (flag === undefined) throw new Error('login module control flag not specified');
    if (!/^(required|requisite|sufficient|optional)$/i.test(flag)) throw new Error(`invalid login module control flag '${flag}'`);
    const options: Record<string, string> = {};
    while (i < tokens.length && tokens[i]!.kind !== ';') {
      const name = word(tokens[i++]);
      if (name === undefined || tokens[i]?.kind !== '=' || word(tokens[i + 1]) === undefined) {
        throw new Error(`value not specified for key '${name ?? '='}'`);
      }
      options[name] = word(tokens[i + 1])!;
      i += 2;
    }
    if (tokens[i]?.kind !== ';') throw new Error('entry not terminated by a semicolon');
    i++;
    entries.push({ module, flag: flag.toLowerCase(), options });
  }
  if (entries.length === 0) throw new Error('login module not specified');
  return entries;
}

type JaasToken = { kind: 'word' | 'quoted'; value: string } | { kind: ';' | '=' };

function tokenizeJaas(s: string): JaasToken[] {
  const out: JaasToken[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (code <= 32) {
      i++;
    } else if (c === '/') {
      if (s[i + 1] === '*') {
        const end = s.indexOf('*/', i + 2);
        i = end < 0 ? s.length : end + 2;
      } else {
        // '//' and a lone '/' both comment out the rest of the line.
        while (i < s.length && s[i] !== '\n' && s[i] !== '\r') i++;
      }
    } else if (c === ';' || c === '=') {
      out.push({ kind: c });
      i++;
    } else if (c === '"' || c === "'") {
      let v = '';
      i++;
      while (i < s.length && s[i] !== c && s[i] !== '\n' && s[i] !== '\r') {
        if (s[i] === '\\' && i + 1 < s.length) {
          const e = s[++i]!;
          if (/[0-7]/.test(e)) {
            // up to three octal digits (the first 0-3 for three), as StreamTokenizer reads them
            let oct = e;
            const max = e <= '3' ? 3 : 2;
            while (oct.length < max && /[0-7]/.test(s[i + 1] ?? '')) oct += s[++i];
            v += String.fromCharCode(parseInt(oct, 8));
          } else {
            v += ({ a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[e] ?? e;
          }
          i++;
        } else v += s[i++];
      }
      if (s[i] === c) i++;
      out.push({ kind: 'quoted', value: v });
    } else {
      let v = '';
      while (i < s.length && s.charCodeAt(i) > 32 && !';="\'/'.includes(s[i]!)) v += s[i++];
      out.push({ kind: 'word', value: v });
    }
  }
  return out;
}

function shortName(cls: string): string {
  return cls.slice(cls.lastIndexOf('.') + 1);
}

/** librdkafka error codes that retrying does not cure. */
const ERR_AUTHENTICATION = -169;
const ERR_SSL = -181;

/**
 * A Kafka client failure told in terms of the settings the user wrote: an
 * authentication or certificate failure names sasl.jaas.config or the
 * truststore key; other failures keep librdkafka's text. Never a secret: the
 * message names keys and the user name, not values.
 */
export function explainKafkaFailure(message: string, ctx: KafkaSecurityContext | undefined, code?: number): string | undefined {
  const protocol = (ctx?.protocol ?? 'PLAINTEXT').toUpperCase();
  const auth = code === ERR_AUTHENTICATION || /SASL authentication|authentication fail|Authentication failed|invalid credentials|SaslAuthenticate/i.test(message);
  if (auth && protocol.startsWith('SASL')) {
    const who = ctx?.user ? ` as user ${ctx.user}` : '';
    const where = ctx?.credentialsKey ? ` — check ${ctx.credentialsKey}` : ' — check sasl.jaas.config (user name and password)';
    return `Kafka authentication failed (SASL ${ctx?.mechanism ?? 'GSSAPI'}${who})${where}`;
  }
  const tls = code === ERR_SSL || /certificate verify failed|SSL handshake failed|ssl error|unable to get local issuer|self.signed certificate|certificate/i.test(message);
  if (tls && protocol.endsWith('SSL')) {
    if (/hostname|host name|IP address mismatch|does not match/i.test(message)) {
      return `Kafka TLS: the broker's certificate does not name the host connected to — check bootstrap.servers and ssl.endpoint.identification.algorithm`;
    }
    if (/client certificate|certificate required|bad certificate|unknown ca|alert/i.test(message) && ctx?.keystoreKey) {
      return `Kafka TLS: the broker refused the client certificate — check ${ctx.keystoreKey}`;
    }
    const trust = ctx?.trustKey ?? 'ssl.truststore.location (none set: the system CA certificates were used)';
    return `Kafka TLS: the broker's certificate is not trusted (or the TLS handshake failed) — check ${trust}`;
  }
  return undefined;
}
