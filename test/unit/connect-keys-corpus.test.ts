// Keys found in public connector configs (test/fixtures/connect-configs/)
// that Kafka Connect or the connector ignores: accepted with a notice that
// says so, or refused where the connector class would act on them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';
import { wholeMatch } from '../../src/transforms/java-regex.js';
import type { OpenSearchConfig } from '../../src/sinks/opensearch/config.js';
import type { PostgresConfig } from '../../src/sinks/postgres/config.js';
import { clientSettings } from '../../src/sinks/opensearch/client.js';
import { dataStreamNameOf } from '../../src/sinks/opensearch/sink.js';

const es = {
  'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
  topics: 'app-logs',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'http://es:9200',
  'key.ignore': 'true',
};
const pg = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://db:5432/postgres',
};

function problems(config: Record<string, unknown>): string[] {
  try {
    loadConfig({ json: { name: 'x', config }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('connector keys Kafka Connect ignores', () => {
  it('consumer.* in a connector config is a notice and sets nothing (Connect reads it from the worker only); consumer.override.* still acts', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...pg, 'consumer.auto.offset.reset': 'latest', 'consumer.override.max.poll.interval.ms': '600000' } }, env: {} });
    expect(c.notices.some((n) => n.startsWith('consumer.auto.offset.reset: accepted, no effect: Kafka Connect reads consumer.* from the worker file only'))).toBe(true);
    // Nothing set: the consumer keeps Connect's sink default (earliest, src/source/source.ts).
    expect(c.kafka['auto.offset.reset']).toBeUndefined();
    expect(c.kafka['max.poll.interval.ms']).toBe('600000');
  });

  it('consumer settings at the top level (auto.offset.reset) are notices and set nothing, as Connect passes them to no consumer', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...pg, 'auto.offset.reset': 'latest', 'max.poll.records': '10' } }, env: {} });
    expect(c.notices.some((n) => n.startsWith('auto.offset.reset: accepted, no effect: Kafka Connect passes it to no consumer there (consumer.override.auto.offset.reset'))).toBe(true);
    expect(c.notices.some((n) => n.startsWith('max.poll.records: accepted, no effect'))).toBe(true);
    expect(c.kafka['auto.offset.reset']).toBeUndefined();
    expect(c.kafka['max.poll.records']).toBeUndefined();
  });

  it('worker consumer.* keys keep acting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-keys-'));
    const worker = path.join(dir, 'w.properties');
    fs.writeFileSync(worker, 'bootstrap.servers=127.0.0.1:9092\nconsumer.auto.offset.reset=latest\n');
    const c = loadConfig({ json: { name: 'x', config: pg }, worker, env: {} });
    expect(c.kafka['auto.offset.reset']).toBe('latest');
  });

  it('producer serializer and consumer deserializer keys are notices, whatever follows them', () => {
    const c = loadConfig({
      json: {
        name: 'x', config: {
          ...es,
          'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
          'value.serializer': 'org.apache.kafka.common.serialization.JSONSerializer',
          'key.serializer.schemas.enable': 'false',
          'value.deserializer': 'org.apache.kafka.common.serialization.ByteArrayDeserializer',
        },
      },
      env: {},
    });
    for (const k of ['key.serializer', 'value.serializer', 'key.serializer.schemas.enable', 'value.deserializer']) {
      expect(c.notices.some((n) => n.startsWith(`${k}: accepted, no effect`)), k).toBe(true);
    }
    // Converters still decide the formats.
    expect(c.valueFormat).toBe('connect-json');
  });

  it('a key outside these families is an unknown key: ignored with a warning, as Connect does', () => {
    expect(problems({ ...es, 'key.serialiser': 'x' })).toEqual([]);
    const c = loadConfig({ json: { name: 'x', config: { ...es, 'key.serialiser': 'x' } }, env: {} });
    expect(c.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^key\.serialiser: unknown key, ignored/)]));
  });
});

describe('Elasticsearch / OpenSearch sink keys of other versions and of Aiven\'s sink', () => {
  const aiven = { ...es, 'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector' };

  it('topic.index.map is a notice with either class: Confluent\'s sink ignores it since 11.0, Aiven\'s since 3.0', () => {
    for (const config of [es, aiven]) {
      const c = loadConfig({ json: { name: 'x', config: { ...config, 'topic.index.map': 'app-logs:logs-index' } }, env: {} });
      expect(c.notices.some((n) => n.startsWith('topic.index.map: accepted, no effect: Confluent\'s sink ignores it since 11.0'))).toBe(true);
      // The config meant another index: a warning says where the documents go instead.
      expect(c.warnings).toContain('topic.index.map: app-logs:logs-index not applied: each topic is written to the index named after it (in lower case), as Confluent\'s sink since 11.0 and Aiven\'s since 3.0 do; to write to logs-index rename the topic with a RegexRouter transform');
    }
    // A map to the topic's own lower-case name changes nothing: no warning.
    const same = loadConfig({ json: { name: 'x', config: { ...es, topics: 'ATM_FRAUD', 'topic.index.map': 'ATM_FRAUD:atm_fraud' } }, env: {} });
    expect(same.warnings.filter((w) => w.startsWith('topic.index.map'))).toEqual([]);
  });

  it('index.write.method (Aiven) is write.method; both given must agree', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...aiven, 'index.write.method': 'upsert' } }, env: {} });
    expect((c.options as OpenSearchConfig)['write.method']).toBe('upsert');
    expect(problems({ ...aiven, 'index.write.method': 'upsert', 'write.method': 'insert' })).toEqual([expect.stringMatching(/^write\.method: same option as index\.write\.method/)]);
    expect(problems({ ...aiven, 'index.write.method': 'merge' })).toEqual([expect.stringMatching(/^index\.write\.method: expected one of insert \| upsert/)]);
  });

  it('behavior.on.version.conflict (Aiven) is a notice for each of its values, and refuses others', () => {
    for (const v of ['ignore', 'WARN', 'report', 'fail']) {
      const c = loadConfig({ json: { name: 'x', config: { ...aiven, 'behavior.on.version.conflict': v } }, env: {} });
      expect(c.notices.some((n) => n.startsWith('behavior.on.version.conflict: accepted, no effect: a version conflict means'))).toBe(true);
    }
    expect(problems({ ...aiven, 'behavior.on.version.conflict': 'retry' })).toEqual([expect.stringMatching(/^behavior\.on\.version\.conflict: expected one of/)]);
  });
});

describe('Java regular expressions of RegexRouter / TopicNameMatches', () => {
  it('a backslash before a character that is not a letter or digit quotes it, as in Java', () => {
    // demo-scene maritime-ais: "(.*)\_V[0-9]{2}$" renames SHIP_STATUS_V01 to SHIP_STATUS.
    const re = wholeMatch('(.*)\\_V[0-9]{2}$');
    expect(re.exec('SHIP_STATUS_V01')?.[1]).toBe('SHIP_STATUS');
    expect(re.test('SHIP_STATUS-V01')).toBe(false);
    expect(wholeMatch('a\\-b\\#c\\:d\\@e').test('a-b#c:d@e')).toBe(true);
    expect(wholeMatch('[\\w\\-\\_]+').test('ab-c_d')).toBe(true);
    expect(wholeMatch('[\\w\\-]+').test('a.b')).toBe(false);
  });

  it('syntax escapes, classes and Java anchors keep their meaning; \\Q…\\E quotes literally', () => {
    expect(wholeMatch('a\\.b').test('axb')).toBe(false);
    expect(wholeMatch('\\d+\\s\\w').test('12 x')).toBe(true);
    expect(wholeMatch('\\\\_').test('\\_')).toBe(true);
    expect(wholeMatch('\\Aorders\\z').test('orders')).toBe(true);
    expect(wholeMatch('\\Qa.b*\\E-[0-9]').test('a.b*-1')).toBe(true);
    expect(wholeMatch('\\Qa.b*\\E-[0-9]').test('aab-1')).toBe(false);
    expect(wholeMatch('\\Qa.b').test('a.b')).toBe(true);
    expect(() => wholeMatch('abc\\')).toThrow(/trailing backslash/);
  });

  it('RegexRouter takes such a pattern (demo-scene maritime-ais)', () => {
    const { topics: _topics, ...noTopics } = es;
    const c = loadConfig({
      json: {
        name: 'x', config: {
          ...noTopics, 'topics.regex': 'SHIP_.*',
          transforms: 'topicname', 'transforms.topicname.type': 'org.apache.kafka.connect.transforms.RegexRouter',
          'transforms.topicname.regex': '(.*)\\_V[0-9]{2}$', 'transforms.topicname.replacement': '$1',
        },
      },
      env: {},
    });
    expect(c.sink).toBe('opensearch');
  });
});

describe('both JDBC sinks\' names of one option, with different values', () => {
  const dbz = { ...pg, 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector' };

  it('the Debezium class reads primary.key.mode and ignores Confluent\'s pk.mode, as Debezium\'s sink does', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...dbz, 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'pk.mode': 'kafka' } }, env: {} });
    expect((c.options as PostgresConfig)['pk.mode']).toBe('record_key');
    expect(c.notices).toContain('pk.mode: accepted, no effect: io.debezium.connector.jdbc.JdbcSinkConnector reads primary.key.mode and ignores pk.mode');
    // Whatever order the keys come in.
    const d = loadConfig({ json: { name: 'x', config: { ...dbz, 'pk.fields': 'a', 'primary.key.fields': 'id', 'primary.key.mode': 'record_key' } }, env: {} });
    expect((d.options as PostgresConfig)['pk.fields']).toEqual(['id']);
  });

  it('Confluent\'s class reads pk.mode and ignores Debezium\'s primary.key.mode', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...pg, 'pk.mode': 'kafka', 'primary.key.mode': 'record_key' } }, env: {} });
    expect((c.options as PostgresConfig)['pk.mode']).toBe('kafka');
    expect(c.notices.some((n) => n.startsWith('primary.key.mode: accepted, no effect: io.confluent.connect.jdbc.JdbcSinkConnector reads pk.mode'))).toBe(true);
  });

  it('two names the class both reads (Debezium\'s use.time.zone and database.time_zone) still conflict', () => {
    expect(problems({ ...dbz, 'use.time.zone': 'UTC', 'database.time_zone': 'Europe/Paris' })).toEqual([expect.stringMatching(/same option as use\.time\.zone, with a different value/)]);
  });
});

describe('Elasticsearch connection.url without a scheme', () => {
  it('is http with Confluent\'s class, as its client reads host:port', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...es, 'connection.url': 'es01:9200,https://es02:9200, user:secret-pw@es03:9200' } }, env: {} });
    expect((c.options as OpenSearchConfig)['connection.url']).toEqual(['http://es01:9200', 'https://es02:9200', 'http://user:secret-pw@es03:9200']);
    expect(JSON.stringify(c.notices)).not.toContain('secret-pw');
    expect(c.secrets).toContain('secret-pw');
    expect(clientSettings(c).urls).toEqual(['http://es01:9200', 'https://es02:9200', 'http://es03:9200']);
  });

  it('is refused with Aiven\'s OpenSearch class, which requires one', () => {
    const p = problems({ ...es, 'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector', 'connection.url': 'es01:9200' });
    expect(p).toEqual([expect.stringMatching(/^connection\.url: "es01:9200" is not an http:\/\/ or https:\/\/ URL/)]);
  });
});

describe('Aiven\'s JDBC sink keys (io.aiven.connect.jdbc.JdbcSinkConnector)', () => {
  const aiven = { ...pg, 'connector.class': 'io.aiven.connect.jdbc.JdbcSinkConnector' };

  it('runs on the PostgreSQL sink; insert.mode=multi (multi-row INSERT statements) is insert', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...aiven, 'insert.mode': 'MULTI' } }, env: {} });
    expect(c.sink).toBe('postgres');
    expect((c.options as PostgresConfig)['insert.mode']).toBe('insert');
    expect(problems({ ...aiven, 'insert.mode': 'merge' })).toEqual([expect.stringMatching(/^insert\.mode: expected one of insert \| upsert \| update, got "merge"/)]);
  });

  it('sql.quote.identifiers=false is quote.sql.identifiers=never, true is always; a contradiction is refused', () => {
    const never = loadConfig({ json: { name: 'x', config: { ...aiven, 'sql.quote.identifiers': 'false' } }, env: {} });
    expect((never.options as PostgresConfig)['quote.sql.identifiers']).toBe('never');
    const always = loadConfig({ json: { name: 'x', config: { ...aiven, 'sql.quote.identifiers': 'true' } }, env: {} });
    expect((always.options as PostgresConfig)['quote.sql.identifiers']).toBe('always');
    expect(problems({ ...aiven, 'sql.quote.identifiers': 'false', 'quote.sql.identifiers': 'always' })).toEqual([expect.stringMatching(/^sql\.quote\.identifiers: false says quote\.sql\.identifiers=never/)]);
  });

  it('table.name.normalize=false and an empty topics.to.tables.mapping are notices; what Sluice cannot do is refused', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...aiven, 'table.name.normalize': 'false', 'topics.to.tables.mapping': '' } }, env: {} });
    expect(c.notices.some((n) => n.startsWith('table.name.normalize: accepted, no effect'))).toBe(true);
    expect(problems({ ...aiven, 'table.name.normalize': 'true', 'topics.to.tables.mapping': 'orders:t_orders' })).toEqual([
      expect.stringMatching(/^table\.name\.normalize: expected false \(Sluice names tables after the topics as they are/),
      expect.stringMatching(/^topics\.to\.tables\.mapping: expected empty \(per-topic table names are not supported/),
    ]);
  });
});

describe('Elasticsearch / OpenSearch sink keys at their defaults (exported configs list them all)', () => {
  const defaults = {
    'proxy.host': '', 'proxy.port': '8080', 'proxy.username': '', 'proxy.password': '', 'kerberos.user.principal': '', 'kerberos.keytab.path': '',
    'use.autogenerated.ids': 'false', 'external.resource.usage': 'DISABLED', 'topic.to.external.resource.mapping': '',
    'max.external.resource.mappings': '15',
  };
  const aivenDefaults = { 'key.ignore.id.strategy': 'topic.partition.offset', 'data.stream.enabled': 'false', 'routing.type': 'none' };

  it('are accepted with a notice each (Confluent\'s and Aiven\'s)', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...es, ...defaults, ...aivenDefaults } }, env: {} });
    for (const k of [...Object.keys(defaults), ...Object.keys(aivenDefaults)]) expect(c.notices.some((n) => n.startsWith(`${k}: accepted, no effect`)), k).toBe(true);
  });

  it('data.stream.namespace names the data stream, ${topic} standing for the topic (confluentinc/examples: "defualt")', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...es, 'data.stream.type': 'logs', 'data.stream.dataset': 'auditd.log', 'data.stream.namespace': 'defualt' } }, env: {} });
    const o = c.options as OpenSearchConfig;
    expect(dataStreamNameOf(o['data.stream.type'], o['data.stream.dataset']!, 'App-Logs', o['data.stream.namespace'])).toBe('logs-auditd.log-defualt');
    const d = loadConfig({ json: { name: 'x', config: { ...es, 'data.stream.type': 'logs', 'data.stream.dataset': 'app' } }, env: {} });
    expect((d.options as OpenSearchConfig)['data.stream.namespace']).toBe('${topic}');
    expect(dataStreamNameOf('logs', 'app', 'App-Logs', 'prod_${topic}')).toBe('logs-app-prod_app-logs');
    expect(dataStreamNameOf('logs', 'app', 'App-Logs')).toBe('logs-app-app-logs');
  });

  it('are refused naming the key at a value that needs what Sluice does not do', () => {
    const p = problems({
      ...es, 'proxy.host': 'proxy.internal', 'proxy.password': 'proxy-secret', 'kerberos.user.principal': 'sluice@EXAMPLE.COM', 'data.stream.namespace': 'Prod',
      'use.autogenerated.ids': 'true', 'external.resource.usage': 'ALIAS_INDEX', 'topic.to.external.resource.mapping': 'app-logs:logs',
      'key.ignore.id.strategy': 'none', 'data.stream.enabled': 'true', 'routing.type': 'key',
    });
    expect(p.map((x) => x.split(':')[0])).toEqual(['proxy.host', 'proxy.password', 'kerberos.user.principal', 'data.stream.namespace', 'use.autogenerated.ids',
      'external.resource.usage', 'topic.to.external.resource.mapping', 'key.ignore.id.strategy', 'data.stream.enabled', 'routing.type']);
    expect(p.join('\n')).not.toContain('proxy-secret');
    expect(p[0]).toMatch(/^proxy\.host: expected empty \(Sluice sends Elasticsearch \/ OpenSearch requests directly/);
  });
});

describe('a config whose own name differs from the top-level name', () => {
  it('runs under the config\'s own name, with a warning that Kafka Connect\'s REST API refuses the pair (confluentinc/examples)', () => {
    const c = loadConfig({ json: { name: 'simple-elasticsearch-connector', config: { ...es, name: 'elasticsearch-sink-connector' } }, env: {} });
    expect(c.common.name).toBe('elasticsearch-sink-connector');
    expect(c.groupId).toBe('connect-elasticsearch-sink-connector');
    expect(c.warnings).toContain('name: the config\'s name "elasticsearch-sink-connector" differs from the top-level name "simple-elasticsearch-connector"; Sluice runs it as "elasticsearch-sink-connector", where Kafka Connect\'s REST API refuses the pair');
    const same = loadConfig({ json: { name: 'elasticsearch-sink', config: { ...es, name: 'elasticsearch-sink' } }, env: {} });
    expect(same.warnings.filter((w) => w.startsWith('name:'))).toEqual([]);
  });
});

describe('behavior.on.malformed.documents', () => {
  it('takes Aiven\'s report as fail (the errant record reporter: dead letters under errors.tolerance=all, else a stop)', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...es, 'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector', 'behavior.on.malformed.documents': 'REPORT' } }, env: {} });
    expect((c.options as OpenSearchConfig)['behavior.on.malformed.documents']).toBe('fail');
    expect(problems({ ...es, 'behavior.on.malformed.documents': 'drop' })).toEqual(['behavior.on.malformed.documents: expected one of ignore | warn | fail, got "drop"']);
  });
});
