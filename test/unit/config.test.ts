import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConverter, withoutUserInfo } from '../../src/config/load.js';
import { loadConfig } from '../../src/sinks/index.js';
import { envName } from '../../src/config/options.js';
import { ConfigError } from '../../src/errors.js';

const base = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
};

function problems(json: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ json, env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('config', () => {
  it('reads Kafka Connect connector JSON with string values and applies defaults', () => {
    const c = loadConfig({ json: { name: 'orders-sink', config: { ...base, 'batch.max.records': '500', 'auto.create': 'true' } }, env: {} });
    expect(c.sink).toBe('postgres');
    expect(c.groupId).toBe('connect-orders-sink');
    expect(c.common['batch.max.records']).toBe(500);
    expect(c.options['auto.create']).toBe(true);
    expect(c.options['insert.mode']).toBe('insert');
    expect(c.valueFormat).toBe('connect-json');
    expect(c.common.topics).toEqual(['orders']);
  });

  it('accepts every example connector from the shared notes (with their secrets provided)', () => {
    const dir = path.resolve(__dirname, '../fixtures/connect-configs');
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-secrets-'));
    fs.writeFileSync(path.join(secrets, 'db.properties'), 'password=s3cr3t-from-file\n');
    // The corpus as a whole is checked in connect-corpus.test.ts; these three are Sluice's own examples.
    for (const f of ['orders-jdbc-sink.json', 'logs-debezium-jdbc-sink.json', 'events-s3-sink.json']) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8').replace('/secrets/db.properties', path.join(secrets, 'db.properties')));
      const c = loadConfig({ json, env: { PGPASSWORD: 'from-env', SLUICE_BOOTSTRAP_SERVERS: '127.0.0.1:9092' } });
      expect(c.common.name).toBe(json.name);
    }
  });

  it('names the key and what is expected for a bad value', () => {
    expect(problems({ name: 'x', config: { ...base, 'batch.max.records': 'lots' } })).toEqual([
      'batch.max.records: expected an integer between 1 and 1000000, got "lots"',
    ]);
    expect(problems({ name: 'x', config: { ...base, 'insert.mode': 'merge' } })).toEqual([
      'insert.mode: expected one of insert | upsert | update, got "merge"',
    ]);
  });

  it('ignores unknown connector keys with a warning, as Kafka Connect does, suggesting the closest one; refuses unknown SLUICE_ variables', () => {
    expect(problems({ name: 'x', config: { ...base, 'batch.max.record': '5' } })).toEqual([]);
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'batch.max.record': '5', 's3.path.style.access': 'true' } }, env: {} });
    expect(c.warnings).toEqual(expect.arrayContaining([
      'batch.max.record: unknown key, ignored as Kafka Connect ignores keys its connector does not define (did you mean "batch.max.records"?)',
      expect.stringMatching(/^s3\.path\.style\.access: unknown key, ignored as Kafka Connect ignores keys its connector does not define/),
    ]));
    expect(c.options['batch.max.records']).not.toBe(5);
    expect(problems({ name: 'x', config: base }, { SLUICE_BATCH_MAX_RECORD: '5' })).toEqual([
      'SLUICE_BATCH_MAX_RECORD (env): unknown Sluice variable (did you mean SLUICE_BATCH_MAX_RECORDS?)',
    ]);
    // Read by the process, not an option: the path of the native source's addon.
    expect(problems({ name: 'x', config: base }, { SLUICE_NATIVE_ADDON: '/opt/sluice_native.node' })).toEqual([]);
  });

  it('rejects a key of the other sink', () => {
    expect(problems({ name: 'x', config: { ...base, 'flush.size': '10' } })).toEqual(['flush.size: not an option of the postgres sink']);
  });

  it('needs exactly one of topics and topics.regex', () => {
    const { topics: _t, ...noTopics } = base;
    expect(problems({ name: 'x', config: noTopics })).toEqual(['topics / topics.regex: give exactly one of them']);
    expect(problems({ name: 'x', config: { ...base, 'topics.regex': 'o.*' } })).toEqual(['topics / topics.regex: give exactly one of them']);
  });

  it('lets environment variables override the file, and derives their names from the keys', () => {
    expect(envName('batch.max.records')).toBe('SLUICE_BATCH_MAX_RECORDS');
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'worker.threads': '2' } }, env: { SLUICE_WORKER_THREADS: '3', SLUICE_KAFKA_FETCH_MAX_BYTES: '1048576' } });
    expect(c.common['worker.threads']).toBe(3);
    expect(c.kafka).toEqual({ 'fetch.max.bytes': '1048576' });
  });

  it('runs from environment variables alone', () => {
    const c = loadConfig({
      env: {
        SLUICE_NAME: 'envonly', SLUICE_CONNECTOR_CLASS: 'sluice.postgres', SLUICE_TOPICS: 'a,b', SLUICE_BOOTSTRAP_SERVERS: 'k:9092',
        SLUICE_CONNECTION_URL: 'postgres://db/x',
      },
    });
    expect(c.common.topics).toEqual(['a', 'b']);
  });

  it('resolves ${env:} and ${file:} providers and hides secrets in messages', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
    const props = path.join(dir, 'db.properties');
    fs.writeFileSync(props, '# comment\npassword = p@ss-from-file\nuser: app\n');
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'connection.password': `\${file:${props}:password}`, 'connection.user': `\${file:${props}:user}` } }, env: {} });
    expect(c.options['connection.password']).toBe('p@ss-from-file');
    expect(c.options['connection.user']).toBe('app');
    expect(c.secrets).toContain('p@ss-from-file');
    expect(problems({ name: 'x', config: { ...base, 'connection.password': '${env:NOPE}' } })).toEqual(['connection.password: environment variable NOPE is not set']);
    expect(problems({ name: 'x', config: { ...base, 'connection.password': `\${file:${props}:nokey}` } })).toEqual([`connection.password: ${props} has no key nokey`]);
    const msgs = problems({ name: 'x', config: { ...base, 'connection.password': '${env:PW}', 'pg.pool.size': 'topsecret99' } }, { PW: 'topsecret99' });
    expect(msgs.join('\n')).not.toContain('topsecret99');
  });

  it('checks cross-key rules', () => {
    expect(problems({ name: 'x', config: { ...base, 'delete.enabled': 'true' } })).toContain('delete.enabled: needs pk.mode=record_key (a tombstone names the row by its key)');
    expect(problems({ name: 'x', config: { ...base, 'value.converter': 'io.confluent.connect.avro.AvroConverter' } })).toEqual([
      'value.converter.schema.registry.url: required when values are Avro',
    ]);
    // As in Kafka Connect: accepted, failed records are skipped; the warning says so.
    expect(problems({ name: 'x', config: { ...base, 'errors.tolerance': 'all' } })).toEqual([]);
    expect(loadConfig({ json: { name: 'x', config: { ...base, 'errors.tolerance': 'all' } }, env: {} }).warnings.join('\n')).toMatch(/errors\.tolerance=all without errors\.deadletterqueue\.topic\.name: records that fail .* are skipped/);
  });

  it('reports every problem at once', () => {
    expect(problems({ name: 'x', config: { 'connector.class': 'sluice.postgres', 'batch.linger.ms': '-1' } })).toEqual([
      'batch.linger.ms: expected an integer between 0 and 600000, got "-1"',
      'bootstrap.servers: required (a non-empty string); set it in the connector JSON, in the worker file (--worker) or as SLUICE_BOOTSTRAP_SERVERS',
      'connection.url: required (jdbc:postgresql://host:port/database or postgres://…); set it in the connector JSON or as SLUICE_CONNECTION_URL',
      'topics / topics.regex: give exactly one of them',
    ]);
  });
});

describe('converters in effect', () => {
  const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

  it("default to Kafka Connect's worker default for both key and value: JsonConverter with schemas enabled, and say so", () => {
    const c = loadConfig({ json: { name: 'x', config: base }, env: {} });
    expect(c.keyFormat).toBe('connect-json');
    expect(c.valueFormat).toBe('connect-json');
    expect(describeConverter(c.converters.key)).toBe(
      `key converter: ${JSON_CONVERTER} (schemas.enable=true) — default: no key.converter in the connector config (Kafka Connect's worker default)`,
    );
    expect(describeConverter(c.converters.value)).toBe(
      `value converter: ${JSON_CONVERTER} (schemas.enable=true) — default: no value.converter in the connector config (Kafka Connect's worker default)`,
    );
  });

  it('name the connector key or the SLUICE_* variable a converter came from, and the key that set schemas.enable', () => {
    const c = loadConfig({
      json: { name: 'x', config: { ...base, 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false' } },
      env: {},
    });
    expect(describeConverter(c.converters.key)).toBe('key converter: org.apache.kafka.connect.storage.StringConverter — connector config: key.converter');
    expect(describeConverter(c.converters.value)).toBe(`value converter: ${JSON_CONVERTER} (value.converter.schemas.enable=false) — connector config: value.converter`);
    const e = loadConfig({ json: { name: 'x', config: base }, env: { SLUICE_VALUE_FORMAT: 'msgpack', SLUICE_KEY_CONVERTER: 'org.apache.kafka.connect.converters.ByteArrayConverter' } });
    expect(describeConverter(e.converters.key)).toBe('key converter: org.apache.kafka.connect.converters.ByteArrayConverter — environment: SLUICE_KEY_CONVERTER');
    expect(describeConverter(e.converters.value)).toBe('value format: msgpack — environment: SLUICE_VALUE_FORMAT (overrides value.converter)');
  });

  it('show an Avro registry without its user info, and never the basic auth user info', () => {
    const c = loadConfig({
      json: { name: 'x', config: { ...base, 'key.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter': 'io.confluent.connect.avro.AvroConverter',
        'value.converter.schema.registry.url': 'https://reg-user:reg-pass@registry:8081/apis', 'value.converter.basic.auth.user.info': 'user:hunter22' } },
      env: {},
    });
    const lines = [describeConverter(c.converters.key), describeConverter(c.converters.value)].join('\n');
    expect(lines).toBe([
      'key converter: io.confluent.connect.avro.AvroConverter (schema registry https://registry:8081/apis from value.converter.schema.registry.url) — connector config: key.converter',
      'value converter: io.confluent.connect.avro.AvroConverter (schema registry https://registry:8081/apis) — connector config: value.converter',
    ].join('\n'));
    expect(lines).not.toMatch(/reg-pass|reg-user|hunter22/);
    expect(withoutUserInfo('http://registry:8081')).toBe('http://registry:8081');
  });

  it('warn when a converter Kafka Connect would take from its worker config is not set', () => {
    expect(loadConfig({ json: { name: 'x', config: { ...base, 'value.converter': JSON_CONVERTER } }, env: {} }).warnings).toEqual([]);
    // The key is not read unless something uses it: no warning about it.
    const v = loadConfig({ json: { name: 'x', config: base }, env: {} }).warnings;
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^value\.converter is not set: values are read with Kafka Connect's worker default/);
    const k = loadConfig({ json: { name: 'x', config: { ...base, 'value.converter': JSON_CONVERTER, 'pk.mode': 'record_key', 'insert.mode': 'upsert' } }, env: {} }).warnings;
    expect(k).toHaveLength(1);
    expect(k[0]).toMatch(/^key\.converter is not set: keys are read with Kafka Connect's worker default, org\.apache\.kafka\.connect\.json\.JsonConverter with schemas\.enable=true/);
  });
});
