// Keys found in public connector configs (test/fixtures/connect-configs/)
// that Kafka Connect or the connector ignores: accepted with a notice that
// says so, or refused where the connector class would act on them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';

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

  it('a key outside these families is still an unknown key', () => {
    expect(problems({ ...es, 'key.serialiser': 'x' })).toEqual([expect.stringMatching(/^key\.serialiser: unknown key/)]);
  });
});

describe('topic.index.map', () => {
  it('is a notice with Confluent\'s Elasticsearch sink class, which ignores it since 11.0', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...es, 'topic.index.map': 'app-logs:logs-index' } }, env: {} });
    expect(c.notices.some((n) => n.startsWith('topic.index.map: accepted, no effect: Confluent\'s sink ignores it since 11.0'))).toBe(true);
  });

  it('is refused with Aiven\'s OpenSearch class, where it still names the index', () => {
    const p = problems({ ...es, 'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector', 'topic.index.map': 'app-logs:logs-index' });
    expect(p).toEqual([expect.stringMatching(/^topic\.index\.map: not supported with this connector class .*RegexRouter/)]);
    expect(problems({ ...es, 'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector', 'topic.index.map': '' })).toEqual([]);
  });
});
