// Secured connections, for real: the stack's SASL_SSL listener (SCRAM-SHA-512
// over TLS) and PostgreSQL with TLS and client certificates, reached with the
// settings a Kafka Connect user brings (sasl.jaas.config, truststore and
// keystore keys, sslmode=verify-full with a client certificate). A wrong
// password or an untrusted certificate stops Sluice with a message naming the
// setting, never the secret.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgConnector } from '../helpers/connectors.js';
import { createTopic, fullyCommitted, produce, readTopic } from '../helpers/kafka.js';
import { count } from '../helpers/pg.js';
import { runSluice, startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

const SASL = process.env.SLUICE_TEST_KAFKA_SASL;
const TLS_DIR = process.env.SLUICE_TEST_TLS_DIR;
const PG_TLS = process.env.SLUICE_TEST_PG_TLS;
const USER = process.env.SLUICE_TEST_KAFKA_SASL_USER ?? 'sluice';
const PASSWORD = process.env.SLUICE_TEST_KAFKA_SASL_PASSWORD ?? '';
const STORE_PASSWORD = process.env.SLUICE_TEST_TLS_PASSWORD ?? '';
const missing = [
  ...(SASL ? [] : ['SLUICE_TEST_KAFKA_SASL']),
  ...(TLS_DIR ? [] : ['SLUICE_TEST_TLS_DIR']),
  ...(PG_TLS ? [] : ['SLUICE_TEST_PG_TLS']),
];
const skipReason = missing.length > 0
  ? ` (skipped: the stack env lacks ${missing.join(', ')}; restart the stack with this version of scripts/stack.sh and export \`scripts/stack.sh env\`)`
  : '';

if (missing.length > 0) console.warn(`secured-connections.test.ts${skipReason}`);

const tls = (f: string) => path.join(TLS_DIR ?? '', f);
const jaas = (password: string) => `org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER}" password="${password}";`;

/** What a Connect user has in their connector: SASL_SSL with SCRAM-SHA-512 and a PEM truststore. */
function kafkaSecurity(password = PASSWORD, truststore: Record<string, string> = { 'consumer.override.ssl.truststore.type': 'PEM', 'consumer.override.ssl.truststore.location': tls('ca.pem') }) {
  return {
    'bootstrap.servers': SASL,
    'consumer.override.security.protocol': 'SASL_SSL',
    'consumer.override.sasl.mechanism': 'SCRAM-SHA-512',
    'consumer.override.sasl.jaas.config': jaas(password),
    ...truststore,
  };
}

/** The JDBC URL of the stack's PostgreSQL for the role that logs in with a client certificate only. */
function pgUrl(params: string): Record<string, string> {
  const u = new URL(PG_TLS ?? 'postgresql://x@127.0.0.1:1/postgres');
  return { 'connection.url': `jdbc:postgresql://${u.host}${u.pathname}?${params}`, 'connection.user': decodeURIComponent(u.username) };
}
const verifyFull = () => `sslmode=verify-full&sslrootcert=${tls('ca.pem')}&sslcert=${tls('client.pem')}&sslkey=${tls('client.key')}`;

const schema = { type: 'struct', fields: [{ field: 'id', type: 'int32', optional: false }, { field: 'name', type: 'string', optional: true }] };
const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ schema, payload: { id: i, name: `n${i}` } }) }));

async function topicWith(n: number): Promise<string> {
  const topic = uniqueName('secured');
  await createTopic(topic, 2);
  await produce(topic, records(n));
  return topic;
}

/** Runs a connector expected to fail; returns its output, checked for the secret. */
async function failingRun(
  config: Record<string, unknown>, secret: string, env: Record<string, string> = {},
): Promise<{ code: number | null; output: string; ms: number }> {
  const t0 = Date.now();
  const r = await runSluice(['run', '--config', writeConnector(config, uniqueName('secured'))], env, 120_000);
  expect(r.output).not.toContain(secret);
  return { code: r.code, output: r.output, ms: Date.now() - t0 };
}

describe.skipIf(missing.length > 0)(`secured connections${skipReason}`, () => {
  it('SASL_SSL (SCRAM-SHA-512, PEM truststore) into PostgreSQL over sslmode=verify-full with a client certificate', async () => {
    const topic = await topicWith(500);
    const name = uniqueName('secured');
    const file = writeConnector(pgConnector(topic, { ...kafkaSecurity(), ...pgUrl(verifyFull()), 'auto.create': 'true' }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(`"${topic}"`)).toBe(500);
    expect(sluice.output()).not.toContain(PASSWORD);
  });

  it('a PKCS12 truststore and keystore (Kafka), a PKCS#12 client key with sslpassword (PostgreSQL), through the binding consumer', async () => {
    const topic = await topicWith(300);
    const name = uniqueName('secured_p12');
    const file = writeConnector(pgConnector(topic, {
      ...kafkaSecurity(PASSWORD, {
        'consumer.override.ssl.truststore.type': 'PKCS12',
        'consumer.override.ssl.truststore.location': tls('truststore.p12'),
        'consumer.override.ssl.truststore.password': STORE_PASSWORD,
        'consumer.override.ssl.keystore.type': 'PKCS12',
        'consumer.override.ssl.keystore.location': tls('client.p12'),
        'consumer.override.ssl.keystore.password': STORE_PASSWORD,
        'consumer.override.ssl.key.password': STORE_PASSWORD,
      }),
      ...pgUrl(`sslmode=verify-full&sslrootcert=${tls('ca.pem')}&sslkey=${tls('client.p12')}&sslpassword=${STORE_PASSWORD}`),
      'auto.create': 'true',
    }), name);
    // The environment wins over the connector (scripts/test.sh sets SLUICE_SOURCE_NATIVE=on).
    const sluice = startSluice(['run', '--config', file], { SLUICE_SOURCE_NATIVE: 'off' });
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(`"${topic}"`)).toBe(300);
    expect(sluice.output()).toMatch(/"source":"binding"/);
    expect(sluice.output()).not.toContain(STORE_PASSWORD);
  });

  it('the dead-letter producer and its admin client connect with the same translated settings (PKCS12 truststore)', async () => {
    const topic = await topicWith(20);
    await produce(topic, [{ key: 'bad', value: '{not json' }]);
    const dlq = uniqueName('secured_dlq');
    const name = uniqueName('secured_dlq');
    const file = writeConnector(pgConnector(topic, {
      ...kafkaSecurity(PASSWORD, {
        'consumer.override.ssl.truststore.location': tls('truststore.p12'),
        'consumer.override.ssl.truststore.password': STORE_PASSWORD,
      }),
      ...pgUrl(verifyFull()), 'auto.create': 'true',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(`"${topic}"`)).toBe(20);
    const dead = await readTopic(dlq, 1);
    expect(dead.map((m) => [m.key, m.value])).toEqual([['bad', '{not json']]);
  });

  it('sslmode=prefer takes TLS when offered; sslmode=allow falls back to TLS when the server refuses a plain connection (libpq)', async () => {
    // The role logs in over TLS only (pg_hba: hostssl … cert, host … reject): prefer must not fall back, allow must.
    for (const mode of ['prefer', 'allow']) {
      const topic = await topicWith(50);
      const name = uniqueName(`secured_${mode}`);
      const file = writeConnector(pgConnector(topic, {
        ...kafkaSecurity(), ...pgUrl(`sslmode=${mode}&sslcert=${tls('client.pem')}&sslkey=${tls('client.key')}`), 'auto.create': 'true',
      }), name);
      const sluice = startSluice(['run', '--config', file]);
      try {
        await waitFor(`every offset committed (sslmode=${mode})`, () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
      } finally {
        expect((await sluice.stop()).code).toBe(0);
      }
      expect(await count(`"${topic}"`)).toBe(50);
    }
  });

  for (const source of ['as configured', 'off'] as const) {
    it(`a wrong password stops Sluice with an error naming sasl.jaas.config, never the password (source.native ${source})`, async () => {
      const topic = await topicWith(1);
      const wrong = 'not-the-Password-42';
      const r = await failingRun(pgConnector(topic, { ...kafkaSecurity(wrong), ...pgUrl(verifyFull()) }), wrong, source === 'off' ? { SLUICE_SOURCE_NATIVE: 'off' } : {});
      expect(r.code).toBe(1);
      expect(r.output).toMatch(/Kafka authentication failed \(SASL SCRAM-SHA-512 as user sluice\) — check consumer\.override\.sasl\.jaas\.config/);
      // The native source gives up at the broker's refusal; the binding after its 30 s connect time-out.
      expect(r.ms).toBeLessThan(source === 'off' || process.env.SLUICE_SOURCE_NATIVE !== 'on' ? 90_000 : 15_000);
    });
  }

  it('a broker certificate the truststore does not trust stops Sluice naming the truststore setting', async () => {
    const topic = await topicWith(1);
    const r = await failingRun(
      pgConnector(topic, { ...kafkaSecurity(PASSWORD, { 'consumer.override.ssl.truststore.type': 'PEM', 'consumer.override.ssl.truststore.location': tls('other-ca.pem') }), ...pgUrl(verifyFull()) }),
      PASSWORD,
    );
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/Kafka TLS: the broker's certificate is not trusted .*— check consumer\.override\.ssl\.truststore\.location/);
  });

  it('a PostgreSQL server certificate sslrootcert does not trust stops Sluice naming sslrootcert and sslmode', async () => {
    const topic = await topicWith(5);
    const r = await failingRun(
      pgConnector(topic, { ...kafkaSecurity(), ...pgUrl(`sslmode=verify-full&sslrootcert=${tls('other-ca.pem')}&sslcert=${tls('client.pem')}&sslkey=${tls('client.key')}`), 'auto.create': 'true' }),
      PASSWORD,
    );
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/PostgreSQL TLS: the server's certificate is not trusted \(.*\) — check sslrootcert and sslmode in connection\.url \(sslmode=verify-full, sslrootcert=.*other-ca\.pem/);
  });

  it('a JKS truststore is refused at start, naming the key and how to convert it', async () => {
    const r = await runSluice(['check', '--config', writeConnector(pgConnector('t', {
      ...kafkaSecurity(PASSWORD, { 'consumer.override.ssl.truststore.location': tls('truststore.jks'), 'consumer.override.ssl.truststore.password': STORE_PASSWORD }),
      ...pgUrl(verifyFull()),
    }))]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/consumer\.override\.ssl\.truststore\.location: .*truststore\.jks is a JKS truststore, which librdkafka \(OpenSSL\) cannot read\. Convert it to PKCS12: keytool -importkeystore/);
    expect(r.output).not.toContain(STORE_PASSWORD);
  });
});
