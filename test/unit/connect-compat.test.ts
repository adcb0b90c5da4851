// Kafka Connect compatibility of the config: the worker properties file,
// config providers, consumer.* translation, Schema Registry access in every
// Confluent spelling, keys accepted with a notice or refused, JDBC URLs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConverter } from '../../src/config/load.js';
import { loadConfig } from '../../src/sinks/index.js';
import { translateConsumerProperty } from '../../src/config/consumer-props.js';
import { parsePropertiesText } from '../../src/config/providers.js';
import { ConfigError } from '../../src/errors.js';
import { parseJdbcUrl, unusedJdbcParams } from '../../src/sinks/postgres/jdbc-url.js';
import { pgClientConfig } from '../../src/sinks/postgres/service.js';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const AVRO = 'io.confluent.connect.avro.AvroConverter';
const base = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
};

function tmp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-compat-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

// Kafka's shipped connect-distributed.properties, trimmed of comments, plus a registry.
const DISTRIBUTED = `
bootstrap.servers=broker-1:9092
group.id=connect-cluster
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=${AVRO}
value.converter.schema.registry.url=http://registry:8081
key.converter.schemas.enable=true
offset.storage.topic=connect-offsets
offset.storage.replication.factor=1
config.storage.topic=connect-configs
config.storage.replication.factor=1
status.storage.topic=connect-status
status.storage.replication.factor=1
offset.flush.interval.ms=10000
plugin.path=/usr/share/java,/usr/share/confluent-hub-components
consumer.max.poll.records=500
consumer.auto.offset.reset=earliest
consumer.receive.buffer.bytes=1048576
rest.advertised.host.name=connect
listeners=HTTP://:8083
`;

describe('worker properties file', () => {
  it('gives the sink its converters, bootstrap.servers and consumer settings, and says where each came from', () => {
    const worker = tmp('connect-distributed.properties', DISTRIBUTED);
    const c = loadConfig({ json: { name: 'orders-sink', config: base }, worker, env: {} });
    expect(c.common['bootstrap.servers']).toBe('broker-1:9092');
    expect(c.keyFormat).toBe('string');
    expect(c.valueFormat).toBe('avro');
    // The worker's group.id is the Connect cluster's, never the sink consumer group.
    expect(c.groupId).toBe('connect-orders-sink');
    expect(c.kafka).toEqual({ 'auto.offset.reset': 'earliest', 'socket.receive.buffer.bytes': '1048576' });
    expect(describeConverter(c.converters.key)).toBe('key converter: org.apache.kafka.connect.storage.StringConverter — worker file: key.converter');
    expect(describeConverter(c.converters.value)).toBe(`value converter: ${AVRO} (schema registry http://registry:8081 from value.converter.schema.registry.url in the worker file) — worker file: value.converter`);
    expect(c.warnings).toEqual([]);
    expect(c.workerFile).toBe(worker);
    const notices = c.notices.join('\n');
    for (const k of ['group.id', 'offset.storage.topic', 'config.storage.replication.factor', 'plugin.path', 'offset.flush.interval.ms', 'listeners', 'rest.advertised.host.name', 'consumer.max.poll.records']) {
      expect(notices).toContain(`${k} (worker file): accepted, no effect`);
    }
    // Sluice's own offset.flush.interval.ms keeps its default: the worker's means something else.
    expect(c.common['offset.flush.interval.ms']).toBe(100);
  });

  it('is overridden by the connector config, which the environment overrides in turn', () => {
    const worker = tmp('w.properties', DISTRIBUTED);
    const c = loadConfig({
      json: { name: 'x', config: { ...base, 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false', 'consumer.override.auto.offset.reset': 'latest' } },
      worker, env: { SLUICE_KEY_CONVERTER: 'org.apache.kafka.connect.converters.ByteArrayConverter', SLUICE_BOOTSTRAP_SERVERS: 'env-broker:9092' },
    });
    expect(c.valueFormat).toBe('json');
    expect(describeConverter(c.converters.value)).toBe(`value converter: ${JSON_CONVERTER} (value.converter.schemas.enable=false) — connector config: value.converter`);
    expect(describeConverter(c.converters.key)).toBe('key converter: org.apache.kafka.connect.converters.ByteArrayConverter — environment: SLUICE_KEY_CONVERTER');
    expect(c.common['bootstrap.servers']).toBe('env-broker:9092');
    expect(c.kafka['auto.offset.reset']).toBe('latest');
  });

  it("configures each converter from the config that names its class, with that config's settings only, as Kafka Connect does", () => {
    const worker = tmp('w.properties', `bootstrap.servers=k:9092\nvalue.converter=${JSON_CONVERTER}\nvalue.converter.schemas.enable=true\nkey.converter=${AVRO}\nkey.converter.schema.registry.url=http://r:8081\n`);
    // The connector sets key.converter: the worker's key.converter.* settings do not reach it.
    expect(problems(() => loadConfig({ json: { name: 'x', config: { ...base, 'key.converter': AVRO } }, worker, env: {} }))).toEqual([
      'key.converter.schema.registry.url: required when keys are Avro',
    ]);
    // The connector does not set value.converter: its value.converter.* settings are ignored, the worker's apply.
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter.schemas.enable': 'false' } }, worker, env: {} });
    expect(c.valueFormat).toBe('connect-json');
    expect(describeConverter(c.converters.value)).toBe(`value converter: ${JSON_CONVERTER} (value.converter.schemas.enable=true) — worker file: value.converter`);
    expect(c.warnings).toEqual([
      "value.converter.schemas.enable: ignored, as Kafka Connect ignores it: the connector does not set value.converter, so the worker's value.converter is used with the worker's value.converter.* settings; set value.converter in the connector too for it to apply",
    ]);
    expect(c.notices).toContain("key.converter.schema.registry.url (worker file): not applied: the connector sets key.converter, and Kafka Connect configures it with the connector's key.converter.* settings only");
  });

  it('is found through SLUICE_WORKER_CONFIG', () => {
    const worker = tmp('w.properties', 'bootstrap.servers=k:9092\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\n');
    const c = loadConfig({ json: { name: 'x', config: base }, env: { SLUICE_WORKER_CONFIG: worker } });
    expect(c.valueFormat).toBe('string');
    expect(describeConverter(c.converters.value)).toMatch(/— worker file: value\.converter$/);
  });

  it("without converters in either, uses Kafka Connect's shipped default and says that neither set it", () => {
    const worker = tmp('w.properties', 'bootstrap.servers=k:9092\n');
    const c = loadConfig({ json: { name: 'x', config: base }, worker, env: {} });
    expect(c.valueFormat).toBe('connect-json');
    expect(describeConverter(c.converters.value)).toBe(`value converter: ${JSON_CONVERTER} (schemas.enable=true) — default: no value.converter in the connector config or the worker file (Kafka Connect's worker default)`);
    expect(c.warnings[0]).toContain(`Neither the connector nor the worker file ${worker} sets it.`);
  });

  it('reads java.util.Properties syntax: continuation lines, escapes, ":" and blank separators', () => {
    const p = parsePropertiesText('# c\n! c\na = 1\nb:2\nc 3\nlong = x,\\\n    y\nesc=tab\\there\\u0041\nempty=\n');
    expect(Object.fromEntries(p)).toEqual({ a: '1', b: '2', c: '3', long: 'x,y', esc: 'tab\thereA', empty: '' });
  });

  it('names an unreadable worker file', () => {
    expect(problems(() => loadConfig({ json: { name: 'x', config: base }, worker: '/nonexistent/w.properties', env: {} }))).toEqual(['--worker: cannot read /nonexistent/w.properties (ENOENT)']);
  });
});

describe('config providers', () => {
  it('resolves file, directory and environment providers declared under any alias, with their params', () => {
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-secrets-'));
    fs.writeFileSync(path.join(secretsDir, 'db.properties'), 'user=app\npassword=from-file\n');
    fs.writeFileSync(path.join(secretsDir, 'registry-token'), 'tok-123');
    const worker = tmp('w.properties', [
      'bootstrap.servers=k:9092',
      'config.providers=secrets,dir,vars',
      'config.providers.secrets.class=org.apache.kafka.common.config.provider.FileConfigProvider',
      `config.providers.secrets.param.allowed.paths=${secretsDir}`,
      'config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'config.providers.vars.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'config.providers.vars.param.allowlist.pattern=PG.*',
    ].join('\n'));
    const c = loadConfig({
      json: { name: 'x', config: { ...base, 'connection.user': `\${secrets:${secretsDir}/db.properties:user}`, 'connection.password': `\${secrets:${secretsDir}/db.properties:password}`,
        'db.timezone': '${vars:PGTZ}', 'value.converter': AVRO, 'value.converter.schema.registry.url': 'http://r:8081', 'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN', 'value.converter.bearer.auth.token': `\${dir:${secretsDir}:registry-token}` } },
      worker, env: { PGTZ: 'Europe/Paris', HOME_SECRET: 'no' },
    });
    expect(c.options['connection.user']).toBe('app');
    expect(c.options['connection.password']).toBe('from-file');
    expect(c.options['db.timezone']).toBe('Europe/Paris');
    expect(c.registry.value?.authorization).toBe('Bearer tok-123');
    expect(c.secrets).toContain('tok-123');

    const bad = problems(() => loadConfig({
      json: { name: 'x', config: { ...base, 'connection.password': '${vars:HOME_SECRET}', 'connection.user': '${secrets:/etc/passwd.properties:root}', 'db.timezone': '${env:PGTZ}' } },
      worker, env: { HOME_SECRET: 'no', PGTZ: 'UTC' },
    }));
    expect(bad).toEqual([
      'connection.password: environment variable HOME_SECRET is not allowed by config.providers.vars.param.allowlist.pattern',
      'connection.user: /etc/passwd.properties is not under config.providers.secrets.param.allowed.paths',
      'db.timezone: ${env:...} names no config provider listed in config.providers',
    ]);
  });

  it('refuses a provider class Sluice does not have, naming the key', () => {
    const worker = tmp('w.properties', 'config.providers=vault\nconfig.providers.vault.class=com.github.jcustenborder.kafka.config.vault.VaultConfigProvider\n');
    expect(problems(() => loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': 'k:1' } }, worker, env: {} }))[0]).toMatch(
      /^config\.providers\.vault\.class \(worker file\): "com\.github\.jcustenborder\.kafka\.config\.vault\.VaultConfigProvider" is not a config provider Sluice has/);
  });

  it('offers file, dir and env without a declaration', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dir-'));
    fs.writeFileSync(path.join(dir, 'pw'), 'pw-from-dir');
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': '${env:BROKERS}', 'connection.password': `\${dir:${dir}:pw}` } }, env: { BROKERS: 'b:9092' } });
    expect(c.common['bootstrap.servers']).toBe('b:9092');
    expect(c.options['connection.password']).toBe('pw-from-dir');
  });
});

describe('consumer properties', () => {
  it('translate Java client names to librdkafka, and refuse what Sluice owns', () => {
    expect(translateConsumerProperty('fetch.min.bytes', '1')).toEqual({ kind: 'set', name: 'fetch.min.bytes', value: '1' });
    expect(translateConsumerProperty('send.buffer.bytes', '4096')).toEqual({ kind: 'set', name: 'socket.send.buffer.bytes', value: '4096' });
    expect(translateConsumerProperty('auto.offset.reset', 'none')).toEqual({ kind: 'set', name: 'auto.offset.reset', value: 'error' });
    expect(translateConsumerProperty('partition.assignment.strategy', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor')).toEqual({ kind: 'set', name: 'partition.assignment.strategy', value: 'cooperative-sticky' });
    expect(translateConsumerProperty('partition.assignment.strategy', 'org.apache.kafka.clients.consumer.StickyAssignor').kind).toBe('refused');
    expect(translateConsumerProperty('max.poll.records', '10').kind).toBe('notice');
    expect(translateConsumerProperty('security.protocol', 'SASL_SSL')).toEqual({ kind: 'set', name: 'security.protocol', value: 'SASL_SSL' });
    expect(problems(() => loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': 'k:1', 'consumer.override.enable.auto.commit': 'true' } }, env: {} }))).toEqual([
      'consumer.override.enable.auto.commit: Sluice commits offsets itself, only after each write is durable',
    ]);
  });
});

describe('Schema Registry access', () => {
  const avro = { ...base, 'bootstrap.servers': 'k:1', 'value.converter': AVRO };
  const load = (cfg: Record<string, string>, env: NodeJS.ProcessEnv = {}) => loadConfig({ json: { name: 'x', config: { ...avro, ...cfg } }, env });
  const basic = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

  it('takes credentials from user info in every spelling Confluent accepts', () => {
    expect(load({ 'value.converter.schema.registry.url': 'http://r:8081', 'value.converter.basic.auth.credentials.source': 'USER_INFO', 'value.converter.basic.auth.user.info': 'u:p' }).registry.value)
      .toEqual({ url: 'http://r:8081', urlFrom: 'value.converter.schema.registry.url', authorization: basic('u:p') });
    expect(load({ 'value.converter.schema.registry.url': 'http://r:8081', 'value.converter.schema.registry.basic.auth.user.info': 'u2:p2' }).registry.value?.authorization).toBe(basic('u2:p2'));
    const top = load({ 'schema.registry.url': 'http://top:8081', 'schema.registry.basic.auth.credentials.source': 'USER_INFO', 'schema.registry.basic.auth.user.info': 'u3:p3' });
    expect(top.registry.value).toEqual({ url: 'http://top:8081', urlFrom: 'schema.registry.url', authorization: basic('u3:p3') });
    expect(top.secrets).toContain('u3:p3');
  });

  it('takes them from the URL (source URL, the default without user info), and never fetches a URL with credentials', () => {
    const c = load({ 'value.converter.schema.registry.url': 'https://ru:rp@r:8081/apis/ccompat/v7,https://r2:8081' });
    expect(c.registry.value).toEqual({ url: 'https://r:8081/apis/ccompat/v7', urlFrom: 'value.converter.schema.registry.url', authorization: basic('ru:rp') });
    expect(describeConverter(c.converters.value)).not.toContain('rp');
  });

  it('inherits the consumer SASL credentials with SASL_INHERIT', () => {
    const c = load({
      'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.basic.auth.credentials.source': 'SASL_INHERIT',
      'consumer.override.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="svc" password="s3cr3t";',
    });
    expect(c.registry.value?.authorization).toBe(basic('svc:s3cr3t'));
    expect(problems(() => load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.basic.auth.credentials.source': 'SASL_INHERIT' }))[0])
      .toMatch(/^value\.converter\.basic\.auth\.credentials\.source: SASL_INHERIT needs the consumer's SASL username and password/);
  });

  it('key converters use their own registry settings, else the value converter\'s', () => {
    const c = load({ 'key.converter': AVRO, 'value.converter.schema.registry.url': 'http://v:1', 'value.converter.basic.auth.user.info': 'v:p', 'key.converter.schema.registry.url': 'http://k:1', 'key.converter.basic.auth.user.info': 'k:p' });
    expect(c.registry.key).toEqual({ url: 'http://k:1', urlFrom: 'key.converter.schema.registry.url', authorization: basic('k:p') });
    const shared = load({ 'key.converter': AVRO, 'value.converter.schema.registry.url': 'http://v:1', 'value.converter.basic.auth.user.info': 'v:p' });
    expect(shared.registry.key).toEqual({ url: 'http://v:1', urlFrom: 'value.converter.schema.registry.url', authorization: basic('v:p') });
  });

  it('reads a PEM truststore, refuses JKS naming the key, says when a PKCS12 one cannot be opened, accepts subject name strategies', () => {
    const pem = tmp('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.schema.registry.ssl.truststore.location': pem, 'value.converter.value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy' });
    expect(c.registry.value?.ca).toContain('BEGIN CERTIFICATE');
    // The value strategy names the subject schema versions are looked up under (the S3 sink's schema.compatibility): acted on, no notice.
    expect(c.notices.join('\n')).not.toContain('value.converter.value.subject.name.strategy');
    expect(c.options['value.converter.value.subject.name.strategy']).toBe('io.confluent.kafka.serializers.subject.RecordNameStrategy');
    const k = load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.key.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy' });
    expect(k.notices.join('\n')).toContain('value.converter.key.subject.name.strategy: accepted, no effect');
    const jks = tmp('trust.jks', '');
    fs.writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    expect(problems(() => load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.schema.registry.ssl.truststore.location': jks }))[0])
      .toMatch(/^value\.converter\.schema\.registry\.ssl\.truststore\.location: a JKS truststore cannot be read by Sluice; export the CA as PEM/);
    // As Java's keystores: the file's own format decides, whatever the type says.
    expect(problems(() => load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.schema.registry.ssl.truststore.location': jks, 'value.converter.schema.registry.ssl.truststore.type': 'PKCS12' }))[0])
      .toMatch(/^value\.converter\.schema\.registry\.ssl\.truststore\.location: a JKS truststore cannot be read by Sluice/);
    const broken = tmp('trust.p12', '');
    fs.writeFileSync(broken, Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]));
    expect(problems(() => load({ 'value.converter.schema.registry.url': 'https://r:8081', 'value.converter.schema.registry.ssl.truststore.location': broken, 'value.converter.schema.registry.ssl.truststore.type': 'PKCS12' }))[0])
      .toMatch(/^value\.converter\.schema\.registry\.ssl\.truststore\.location: cannot read the PKCS12 truststore .* check value\.converter\.schema\.registry\.ssl\.truststore\.password\)$/);
  });
});

describe('Kafka Connect keys', () => {
  const load = (cfg: Record<string, string>) => loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': 'k:1', ...cfg } }, env: {} });

  it('accepts keys that mean nothing here with one notice each', () => {
    const c = load({ 'tasks.max': '4', 'batch.size': '3000', 'header.converter': 'org.apache.kafka.connect.storage.SimpleHeaderConverter', 'producer.override.linger.ms': '5',
      'value.converter.enhanced.avro.schema.support': 'true', 'connection.attempts': '3', 'dialect.name': 'PostgreSqlDatabaseDialect' });
    expect(c.notices.map((n) => n.slice(0, n.indexOf(':')))).toEqual(['tasks.max', 'batch.size', 'header.converter', 'producer.override.linger.ms', 'value.converter.enhanced.avro.schema.support', 'connection.attempts']);
    for (const n of c.notices) expect(n).toMatch(/^[a-z.]+: accepted, no effect: \S/);
  });

  it("reads what Kafka Connect's GET /connectors/<name> returns, tasks and type included", () => {
    const c = loadConfig({ json: { name: 'orders', config: { ...base, 'bootstrap.servers': 'k:1', name: 'orders' }, tasks: [{ connector: 'orders', task: 0 }], type: 'sink' }, env: {} });
    expect(c.common.name).toBe('orders');
    expect(c.notices).toEqual([
      'tasks: accepted, no effect: Kafka Connect\'s REST API reports it; Sluice reads "name" and "config"',
      'type: accepted, no effect: Kafka Connect\'s REST API reports it; Sluice reads "name" and "config"',
    ]);
  });

  it('refuses, naming the key and the reason, what Sluice cannot honour', () => {
    expect(problems(() => load({ 'dialect.name': 'MySqlDatabaseDialect' }))).toEqual([
      'dialect.name: expected PostgreSqlDatabaseDialect (Sluice writes only to PostgreSQL), got "MySqlDatabaseDialect"',
    ]);
    expect(problems(() => load({ 'string.output.value.column.name': 'v' }))[0]).toMatch(/^string\.output\.value\.column\.name: not supported: /);
  });

  it('accepts errors.tolerance=all without a dead-letter topic (records are skipped, as in Kafka Connect)', () => {
    const c = load({ 'errors.tolerance': 'all', 'errors.log.enable': 'true', 'errors.log.include.messages': 'true' });
    expect(c.common['errors.tolerance']).toBe('all');
    expect(c.warnings.join('\n')).toContain('each logged with its topic, partition and offset');
  });
});

describe('JDBC URLs', () => {
  it('reads currentSchema, user and password, and lets the URL win over connection.user / connection.password as pgjdbc does', () => {
    const u = parseJdbcUrl('jdbc:postgresql://db:6543/sales?currentSchema=staging&user=url-user&password=p%40ss&reWriteBatchedInserts=true&sslmode=require');
    expect(u).toMatchObject({ host: 'db', port: 6543, database: 'sales', user: 'url-user', password: 'p@ss', currentSchema: 'staging' });
    expect(unusedJdbcParams(u)).toEqual(['reWriteBatchedInserts']);
    const c = pgClientConfig({ url: 'jdbc:postgresql://db:6543/sales?currentSchema=my schema&user=url-user', user: 'conn-user', password: 'conn-pw', poolSize: 1, statementTimeoutMs: 0, timezone: 'UTC', applicationName: 'a' });
    expect(c).toMatchObject({ user: 'url-user', password: 'conn-pw', options: '-c TimeZone=UTC -c search_path=my\\ schema' });
    expect(pgClientConfig({ url: 'jdbc:postgresql://db/sales', user: 'conn-user', poolSize: 1, statementTimeoutMs: 0, timezone: 'UTC', applicationName: 'a' }).user).toBe('conn-user');
  });

  it('hides a URL password, notes unused parameters, and refuses several hosts', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': 'k:1', 'connection.url': 'jdbc:postgresql://db/sales?password=url-secret&prepareThreshold=0' } }, env: {} });
    expect(c.secrets).toContain('url-secret');
    expect(c.notices).toContain("connection.url: parameter prepareThreshold accepted, no effect: a JDBC driver setting Sluice's PostgreSQL client has no twin for");
    expect(problems(() => loadConfig({ json: { name: 'x', config: { ...base, 'bootstrap.servers': 'k:1', 'connection.url': 'jdbc:postgresql://a:5432,b:5432/sales' } }, env: {} }))).toEqual([
      'connection.url: several hosts (failover) are not supported; give one host',
    ]);
  });
});
