// Confluent's Elasticsearch sink connector JSON (and Aiven's OpenSearch sink
// class) load unchanged; keys the JDBC or S3 sink also declare take this
// sink's meaning; secrets stay out of messages.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import type { OpenSearchConfig } from '../../src/sinks/opensearch/config.js';
import { ConfigError } from '../../src/errors.js';
import { clientSettings } from '../../src/sinks/opensearch/client.js';

const confluent = {
  'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
  topics: 'orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'http://es1:9200,http://es2:9200',
  'connection.username': 'elastic',
  'connection.password': 'es-secret-pass',
  'key.ignore': 'true',
  'schema.ignore': 'true',
  'behavior.on.null.values': 'DELETE',
  'behavior.on.malformed.documents': 'warn',
  'write.method': 'UPSERT',
  'batch.size': '1000',
  'max.in.flight.requests': '3',
  'max.buffered.records': '20000',
  'linger.ms': '10',
  'flush.timeout.ms': '60000',
  'max.retries': '8',
  'retry.backoff.ms': '250',
  'drop.invalid.message': 'true',
  'type.name': '_doc',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

function problems(config: Record<string, unknown>): string[] {
  try {
    loadConfig({ json: { name: 'es', config }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('OpenSearch sink config', () => {
  it('reads Confluent\'s connector JSON with its defaults and notices', () => {
    const c = loadConfig({ json: { name: 'es', config: confluent }, env: {} });
    expect(c.sink).toBe('opensearch');
    const o = c.options as OpenSearchConfig;
    expect(o['connection.url']).toEqual(['http://es1:9200', 'http://es2:9200']);
    expect(o['behavior.on.null.values']).toBe('delete');
    expect(o['write.method']).toBe('upsert');
    expect(o['batch.size']).toBe(1000);
    expect(o['max.retries']).toBe(8);
    expect(o['retry.backoff.ms']).toBe(250);
    expect(o['compact.map.entries']).toBe(true);
    expect(o['read.timeout.ms']).toBe(3000);
    expect(c.notices.some((n) => n.startsWith('linger.ms: accepted, no effect'))).toBe(true);
    expect(c.notices.some((n) => n.startsWith('type.name: accepted, no effect'))).toBe(true);
    expect(c.secrets).toContain('es-secret-pass');
    // Aiven's OpenSearch sink class and Sluice's own name run the same sink.
    for (const cls of ['io.aiven.kafka.connect.opensearch.OpensearchSinkConnector', 'sluice.opensearch']) {
      expect(loadConfig({ json: { name: 'x', config: { ...confluent, 'connector.class': cls } }, env: {} }).sink).toBe('opensearch');
    }
  });

  it('keys the JDBC sink declares too keep their JDBC meaning there', () => {
    const jdbc = loadConfig({ json: { name: 'pg', config: { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: 't', 'bootstrap.servers': 'k:9092', 'connection.url': 'jdbc:postgresql://h/db', 'max.retries': '3' } }, env: {} });
    expect(jdbc.options['connection.url']).toBe('jdbc:postgresql://h/db');
    expect(jdbc.options['max.retries']).toBe(3);
    expect(problems({ ...confluent, 'connection.user': 'x' })).toEqual(['connection.user: not an option of the opensearch sink']);
  });

  it('refuses bad values naming the key, and data streams without a dataset or with upserts', () => {
    expect(problems({ ...confluent, 'behavior.on.null.values': 'write' })[0]).toMatch(/^behavior.on.null.values: expected one of ignore \| delete \| fail/);
    expect(problems({ ...confluent, 'write.method': 'insert', 'data.stream.type': 'logs' })).toEqual(['data.stream.type: needs data.stream.dataset (data streams are named <type>-<dataset>-<topic>)']);
    expect(problems({ ...confluent, 'data.stream.type': 'logs', 'data.stream.dataset': 'app' })[0]).toMatch(/^write.method: upsert cannot write to data streams/);
  });

  it('takes user:password from connection.url as basic auth, and keeps the password out of the hosts and messages', () => {
    const c = loadConfig({ json: { name: 'es', config: { ...confluent, 'connection.url': 'https://bob:url%20pass@es1:9200/', 'connection.username': '', 'connection.password': '' } }, env: {} });
    expect(c.secrets).toContain('url pass');
    const s = clientSettings(c);
    expect(s.urls).toEqual(['https://es1:9200']);
    expect(s.username).toBe('bob');
    expect(s.password).toBe('url pass');
    const bad = problems({ ...confluent, 'connection.url': 'http://a:9200,es2:9200 es-secret-pass' });
    expect(bad).toEqual(['connection.url: "es2:9200 ***" is not an http:// or https:// URL']);
  });
});
