import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainKafkaFailure, parseJaasConfig, translateKafkaSecurity } from '../../src/config/kafka-security.js';
import { redact } from '../../src/config/load.js';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';
import { makeCert, pkcs12 } from './tls-fixtures.js';

const override = (p: string) => `consumer.override.${p}`;
const files = (map: Record<string, Buffer | string>) => (p: string) => {
  const v = map[p];
  if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return Buffer.from(v);
};

describe('sasl.jaas.config parsing (Kafka JaasConfig rules)', () => {
  it('reads quoted and bare values, escapes, comments, and several options', () => {
    const [e] = parseJaasConfig(
      `org.apache.kafka.common.security.scram.ScramLoginModule required /* note */ username="al\\"ice" password='p;a=s s' tokenauth=false // rest\n;`,
    );
    expect(e).toEqual({ module: 'org.apache.kafka.common.security.scram.ScramLoginModule', flag: 'required', options: { username: 'al"ice', password: 'p;a=s s', tokenauth: 'false' } });
  });
  it('rejects what Kafka rejects', () => {
    expect(() => parseJaasConfig('org.x.Module required username="a"')).toThrow(/semicolon/);
    expect(() => parseJaasConfig('org.x.Module mandatory;')).toThrow(/control flag 'mandatory'/);
    expect(() => parseJaasConfig('org.x.Module required username=;')).toThrow(/value not specified for key 'username'/);
    expect(() => parseJaasConfig('   ')).toThrow(/login module not specified/);
  });
});

describe('Java client security settings → librdkafka', () => {
  it('PlainLoginModule: sasl.username / sasl.password; PLAIN when sasl.mechanism is absent; password secret', () => {
    const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="bob" password="pl-secret";';
    const r = translateKafkaSecurity({ 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': jaas });
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.username': 'bob', 'sasl.password': 'pl-secret', 'sasl.mechanism': 'PLAIN' });
    expect(r.secrets).toEqual(expect.arrayContaining([jaas, 'pl-secret']));
    expect(r.context).toMatchObject({ protocol: 'SASL_SSL', mechanism: 'PLAIN', user: 'bob', credentialsKey: 'sasl.jaas.config' });
  });

  it('ScramLoginModule with SCRAM-SHA-512', () => {
    const r = translateKafkaSecurity(
      { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="sluice" password="s3cret";' },
      { nameOf: override },
    );
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'sluice', 'sasl.password': 's3cret' });
    expect(r.context.credentialsKey).toBe('consumer.override.sasl.jaas.config');
  });

  it('ScramLoginModule without sasl.mechanism, and with delegation tokens, are problems naming the key', () => {
    const r = translateKafkaSecurity(
      { 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p" tokenauth="true";' },
      { nameOf: override },
    );
    expect(r.problems).toEqual([
      'consumer.override.sasl.jaas.config: tokenauth=true (delegation tokens) is not supported by librdkafka',
      'consumer.override.sasl.mechanism: required with ScramLoginModule (SCRAM-SHA-256 or SCRAM-SHA-512)',
    ]);
  });

  it('OAuthBearerLoginModule with client credentials → sasl.oauthbearer.method=oidc', () => {
    const r = translateKafkaSecurity({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="svc" clientSecret="cs-1" scope="kafka" extension_logicalCluster="lkc-1" extension_identityPoolId="pool-2";',
    });
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/oauth2/token',
      'sasl.oauthbearer.method': 'oidc',
      'sasl.oauthbearer.client.id': 'svc',
      'sasl.oauthbearer.client.secret': 'cs-1',
      'sasl.oauthbearer.scope': 'kafka',
      'sasl.oauthbearer.extensions': 'logicalCluster=lkc-1,identityPoolId=pool-2',
    });
    expect(r.secrets).toContain('cs-1');
  });

  it('OAuthBearerLoginModule unsecured tokens → librdkafka unsecured JWT; a custom handler class is a problem', () => {
    const r = translateKafkaSecurity({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",read,write" unsecuredLoginLifetimeSeconds="600";',
    });
    expect(r.problems).toEqual([]);
    expect(r.properties).toMatchObject({
      'enable.sasl.oauthbearer.unsecure.jwt': 'true',
      'sasl.oauthbearer.config': 'principalClaimName=sub principal=alice scope=read,write lifeSeconds=600',
    });
    const custom = translateKafkaSecurity({
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'com.acme.MyHandler',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    });
    expect(custom.problems.join('\n')).toMatch(/sasl\.login\.callback\.handler\.class: names a Java class \(com\.acme\.MyHandler\)/);
  });

  it('an unknown login module, or several, is a problem naming sasl.jaas.config', () => {
    expect(translateKafkaSecurity({ 'sasl.jaas.config': 'com.acme.Login required a="b";' }, { nameOf: override }).problems).toEqual([
      'consumer.override.sasl.jaas.config: login module com.acme.Login has no librdkafka equivalent (supported: PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule, Krb5LoginModule)',
    ]);
    const two = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b"; org.apache.kafka.common.security.plain.PlainLoginModule required username="c" password="d";';
    expect(translateKafkaSecurity({ 'sasl.jaas.config': two }).problems).toEqual(['sasl.jaas.config: 2 login modules; a Kafka client takes exactly one']);
  });

  it('Krb5LoginModule with a keytab → sasl.kerberos.*', () => {
    const r = translateKafkaSecurity({
      'security.protocol': 'SASL_SSL',
      'sasl.kerberos.service.name': 'kafka',
      'sasl.jaas.config': 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/etc/k.keytab" principal="svc@EXAMPLE.COM";',
    });
    expect(r.problems).toEqual([]);
    expect(r.properties).toMatchObject({ 'sasl.mechanism': 'GSSAPI', 'sasl.kerberos.keytab': '/etc/k.keytab', 'sasl.kerberos.principal': 'svc@EXAMPLE.COM', 'sasl.kerberos.service.name': 'kafka' });
  });

  it('PEM truststore and keystore files → ssl.ca.location, ssl.certificate.location / ssl.key.location', () => {
    const read = files({ '/t/ca.pem': '-----BEGIN CERTIFICATE-----\n', '/t/client.pem': '-----BEGIN ENCRYPTED PRIVATE KEY-----\n' });
    const r = translateKafkaSecurity(
      {
        'security.protocol': 'SSL',
        'ssl.truststore.type': 'PEM', 'ssl.truststore.location': '/t/ca.pem',
        'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/t/client.pem', 'ssl.key.password': 'kp',
      },
      { readFile: read },
    );
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({
      'security.protocol': 'SSL', 'ssl.ca.location': '/t/ca.pem',
      'ssl.certificate.location': '/t/client.pem', 'ssl.key.location': '/t/client.pem', 'ssl.key.password': 'kp',
    });
    expect(r.secrets).toContain('kp');
    expect(r.context).toMatchObject({ trustKey: 'ssl.truststore.location', keystoreKey: 'ssl.keystore.location' });
  });

  it('PEM given inline (ssl.truststore.certificates, ssl.keystore.certificate.chain, ssl.keystore.key)', () => {
    const r = translateKafkaSecurity({
      'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': 'CA-PEM',
      'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': 'CHAIN-PEM', 'ssl.keystore.key': 'KEY-PEM', 'ssl.key.password': 'kp',
    });
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ 'ssl.ca.pem': 'CA-PEM', 'ssl.certificate.pem': 'CHAIN-PEM', 'ssl.key.pem': 'KEY-PEM', 'ssl.key.password': 'kp' });
    expect(r.secrets).toEqual(expect.arrayContaining(['KEY-PEM', 'kp']));
  });

  it('a PKCS12 truststore (declared or not: Java reads PKCS12 as JKS too) becomes ssl.ca.pem with every trusted certificate', () => {
    const ca1 = makeCert('CA one');
    const ca2 = makeCert('CA two');
    const store = pkcs12('tpass', [ca1, ca2]);
    for (const type of ['PKCS12', undefined, 'JKS']) {
      const r = translateKafkaSecurity(
        { 'ssl.truststore.location': '/t/trust.p12', 'ssl.truststore.password': 'tpass', ...(type ? { 'ssl.truststore.type': type } : {}) },
        { readFile: files({ '/t/trust.p12': store }) },
      );
      expect(r.problems).toEqual([]);
      const pem = r.properties['ssl.ca.pem']!;
      const subjects = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p).subject);
      expect(subjects.sort()).toEqual(['CN=CA one', 'CN=CA two']);
      expect(r.properties['ssl.truststore.location']).toBeUndefined();
    }
    const wrong = translateKafkaSecurity({ 'ssl.truststore.location': '/t/trust.p12', 'ssl.truststore.password': 'nope' }, { readFile: files({ '/t/trust.p12': store }), nameOf: override });
    expect(wrong.problems[0]).toMatch(/^consumer\.override\.ssl\.truststore\.location: cannot read the PKCS12 truststore \/t\/trust\.p12 \(.*check consumer\.override\.ssl\.truststore\.password\)$/);
    expect(wrong.problems[0]).not.toContain('nope');
  });

  it('a PKCS12 keystore → ssl.keystore.location / ssl.keystore.password', () => {
    const ca = makeCert('CA');
    const client = makeCert('client', ca);
    const r = translateKafkaSecurity(
      { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/k.p12', 'ssl.keystore.password': 'kpass', 'ssl.key.password': 'kpass' },
      { readFile: files({ '/k.p12': pkcs12('kpass', [client, ca], client) }) },
    );
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ 'ssl.keystore.location': '/k.p12', 'ssl.keystore.password': 'kpass' });
    expect(r.secrets).toContain('kpass');
    const wrong = translateKafkaSecurity(
      { 'ssl.keystore.location': '/k.p12', 'ssl.keystore.password': 'nope-pw' },
      { readFile: files({ '/k.p12': pkcs12('kpass', [client, ca], client) }), nameOf: override },
    );
    expect(wrong.problems).toEqual(['consumer.override.ssl.keystore.location: cannot open the PKCS12 keystore /k.p12 with the password given (check consumer.override.ssl.keystore.password)']);
  });

  it('a JKS (or JCEKS) store is an error naming the key and the keytool conversion', () => {
    const jks = Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]);
    const r = translateKafkaSecurity(
      { 'ssl.truststore.location': '/s/trust.jks', 'ssl.truststore.password': 'changeit', 'ssl.keystore.location': '/s/key.jks', 'ssl.keystore.password': 'kpw' },
      { readFile: files({ '/s/trust.jks': jks, '/s/key.jks': jks }), nameOf: override },
    );
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^consumer\.override\.ssl\.truststore\.location: \/s\/trust\.jks is a JKS truststore, which librdkafka \(OpenSSL\) cannot read\. Convert it to PKCS12: keytool -importkeystore -srckeystore \/s\/trust\.jks -destkeystore \/s\/trust\.p12 -deststoretype PKCS12/);
    expect(r.problems[1]).toMatch(/^consumer\.override\.ssl\.keystore\.location: \/s\/key\.jks is a JKS keystore/);
    expect(r.problems.join()).not.toMatch(/changeit|kpw/);
    expect(translateKafkaSecurity({ 'ssl.truststore.location': '/none' }, { readFile: files({}) }).problems).toEqual(['ssl.truststore.location: cannot read /none (ENOENT)']);
  });

  it('ssl.endpoint.identification.algorithm: empty (Java: off) → none; https stays', () => {
    expect(translateKafkaSecurity({ 'ssl.endpoint.identification.algorithm': '' }).properties).toEqual({ 'ssl.endpoint.identification.algorithm': 'none' });
    expect(translateKafkaSecurity({ 'ssl.endpoint.identification.algorithm': 'HTTPS' }).properties).toEqual({ 'ssl.endpoint.identification.algorithm': 'https' });
  });

  it('librdkafka keys pass through; Java-only tuning is a notice (no effect); Java classes and cipher names are problems', () => {
    const r = translateKafkaSecurity({
      'ssl.ca.location': '/ca.pem', 'fetch.max.bytes': '1000', 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
      'sasl.client.callback.handler.class': 'com.acme.Cb', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    });
    expect(r.properties).toEqual({ 'ssl.ca.location': '/ca.pem', 'fetch.max.bytes': '1000' });
    expect(r.notices).toEqual(['ssl.enabled.protocols: accepted, no effect: a Java client setting librdkafka has no equivalent for']);
    expect(r.problems).toEqual([
      'sasl.client.callback.handler.class: names a Java class (com.acme.Cb), which Sluice cannot load; librdkafka has no equivalent',
      expect.stringMatching(/^ssl\.cipher\.suites: Java cipher suite names/),
    ]);
    expect(translateKafkaSecurity({ 'ssl.cipher.suites': 'ECDHE-RSA-AES256-GCM-SHA384' }).properties).toEqual({ 'ssl.cipher.suites': 'ECDHE-RSA-AES256-GCM-SHA384' });
  });

  it('a translated key that collides with a librdkafka key the user also set is a problem', () => {
    const r = translateKafkaSecurity({ 'ssl.truststore.certificates': 'A', 'ssl.ca.pem': 'B' });
    expect(r.problems).toEqual(['ssl.truststore.certificates: sets librdkafka\'s ssl.ca.pem, which ssl.ca.pem also sets; give only one of them']);
  });
});

describe('Kafka failures named by setting', () => {
  const ctx = { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', user: 'sluice', credentialsKey: 'consumer.override.sasl.jaas.config', trustKey: 'consumer.override.ssl.truststore.location' };
  it('authentication → sasl.jaas.config; untrusted certificate → the truststore key', () => {
    expect(explainKafkaFailure('Local: Broker transport failure (last error: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512)', ctx)).toBe(
      'Kafka authentication failed (SASL SCRAM-SHA-512 as user sluice) — check consumer.override.sasl.jaas.config',
    );
    expect(explainKafkaFailure('broker transport failure', ctx, -169)).toMatch(/^Kafka authentication failed/);
    expect(explainKafkaFailure('SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified', ctx)).toBe(
      'Kafka TLS: the broker\'s certificate is not trusted (or the TLS handshake failed) — check consumer.override.ssl.truststore.location',
    );
    expect(explainKafkaFailure('Local: Broker transport failure', ctx)).toBeUndefined();
    expect(explainKafkaFailure('SASL authentication error', { protocol: 'PLAINTEXT' })).toBeUndefined();
  });
});

describe('config loader', () => {
  const base = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: 'orders', 'bootstrap.servers': 'b:9093',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales?sslmode=require&sslpassword=key%2Bpass',
  };
  it('translates consumer.override.* security keys and keeps every password out of messages', () => {
    const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="sluice" password="hunter22";';
    const c = loadConfig({ json: { name: 'n', config: { ...base, 'consumer.override.security.protocol': 'SASL_SSL', 'consumer.override.sasl.mechanism': 'SCRAM-SHA-512', 'consumer.override.sasl.jaas.config': jaas } }, env: {} });
    expect(c.kafka).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'sluice', 'sasl.password': 'hunter22' });
    expect(c.kafkaSecurity.credentialsKey).toBe('consumer.override.sasl.jaas.config');
    expect(redact(`x ${jaas} y hunter22 key+pass`, c.secrets)).toBe('x *** y *** ***');
  });
  it('a worker file\'s consumer.* security keys are translated too, and problems name them as the worker file has them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sec-'));
    const worker = path.join(dir, 'connect-distributed.properties');
    fs.writeFileSync(worker, [
      'bootstrap.servers=b:9093',
      'consumer.security.protocol=SASL_SSL',
      'consumer.sasl.mechanism=PLAIN',
      'consumer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="w" password="worker-pw";',
      'consumer.ssl.endpoint.identification.algorithm=',
      'consumer.ssl.truststore.location=' + path.join(dir, 'missing.jks'),
    ].join('\n'));
    try {
      loadConfig({ json: { name: 'n', config: { ...base } }, worker, env: {} });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toContain(`consumer.ssl.truststore.location (worker file): cannot read ${path.join(dir, 'missing.jks')} (ENOENT)`);
    }
    fs.writeFileSync(worker, fs.readFileSync(worker, 'utf8').replace(/\nconsumer\.ssl\.truststore\.location=.*/, ''));
    const c = loadConfig({ json: { name: 'n', config: { ...base } }, worker, env: {} });
    expect(c.kafka).toMatchObject({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'w', 'sasl.password': 'worker-pw', 'ssl.endpoint.identification.algorithm': 'none' });
    expect(c.kafka['sasl.jaas.config']).toBeUndefined();
    expect(c.kafkaSecurity.credentialsKey).toBe('consumer.sasl.jaas.config (worker file)');
    expect(redact('worker-pw', c.secrets)).toBe('***');
  });

  it('a problem names the connector key', () => {
    try {
      loadConfig({ json: { name: 'n', config: { ...base, 'consumer.override.sasl.jaas.config': 'com.acme.X required password="pw12";' } }, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/consumer\.override\.sasl\.jaas\.config: login module com\.acme\.X has no librdkafka equivalent/);
      expect((err as ConfigError).message).not.toContain('pw12');
    }
  });
});

describe('Kafka source failures', () => {
  it('refused credentials and failed certificate checks are permanent; the connect failure names the setting', async () => {
    const { connectFailure, isPermanentKafkaError } = await import('../../src/source/source.js');
    expect(isPermanentKafkaError(-169, 'x')).toBe(true);
    expect(isPermanentKafkaError(-1, 'authentication failure')).toBe(true);
    expect(isPermanentKafkaError(-181, 'SSL handshake failed: error:0A000086:SSL routines::certificate verify failed')).toBe(true);
    expect(isPermanentKafkaError(-195, 'all broker connections are down')).toBe(false);
    const opts = {
      bootstrapServers: 'b:9094', groupId: 'g', clientId: 'c', overrides: {}, consumeBatch: 1,
      security: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', user: 'u', credentialsKey: 'kafka.sasl.password' },
    };
    expect(connectFailure(opts, 'broker transport failure (last error: authentication failure)', undefined).message).toBe(
      'cannot connect to Kafka at b:9094: Kafka authentication failed (SASL SCRAM-SHA-256 as user u) — check kafka.sasl.password',
    );
    expect(connectFailure(opts, 'Local: Broker transport failure', undefined).message).toBe('cannot connect to Kafka at b:9094: Local: Broker transport failure');
  });
});
