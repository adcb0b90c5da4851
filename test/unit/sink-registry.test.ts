// The sink registry: one record per sink, and everything derived from it
// (config loading per sink, docs, the worker-side encoder lookup).
import { describe, expect, it } from 'vitest';
import { loadConfigWith } from '../../src/config/load.js';
import { int, str } from '../../src/config/options.js';
import type { SinkConfigSpec } from '../../src/config/sink-spec.js';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, optionsMarkdown } from '../../src/sinks/index.js';
import { SINKS } from '../../src/sinks/registry.js';
import { createWorkerEncoder } from '../../src/sinks/worker-encoders.js';

const common = { name: 'x', topics: 't', 'bootstrap.servers': 'k:9092' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('sink registry', () => {
  it('has one record per kind, each connector class running exactly one sink', () => {
    const kinds = SINKS.map((s) => s.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const s of SINKS) {
      for (const cls of s.connectorClasses) {
        const owners = SINKS.filter((o) => o.connectorClasses.some((c) => c.toLowerCase() === cls.toLowerCase()));
        expect(owners.map((o) => o.kind), cls).toEqual([s.kind]);
      }
      expect(optionsMarkdown()).toContain(`## ${s.title}`);
    }
  });

  it('picks the sink from connector.class as before: any JDBC sink class is PostgreSQL, S3SinkConnector is S3, case aside', () => {
    const kind = (cls: string, extra: Record<string, string>) => loadConfig({ json: { ...common, 'connector.class': cls, ...extra }, env: {} }).sink;
    const pg = { 'connection.url': 'jdbc:postgresql://h/db' };
    expect(kind('io.confluent.connect.jdbc.JdbcSinkConnector', pg)).toBe('postgres');
    expect(kind('io.debezium.connector.jdbc.JdbcSinkConnector', pg)).toBe('postgres');
    expect(kind('io.aiven.connect.jdbc.JdbcSinkConnector', pg)).toBe('postgres');
    expect(kind('SLUICE.POSTGRES', pg)).toBe('postgres');
    expect(kind('io.confluent.connect.s3.S3SinkConnector', { 's3.bucket.name': 'b' })).toBe('s3');
    expect(kind('sluice.s3', { 's3.bucket.name': 'b' })).toBe('s3');
    const refused = problemsOf(() => loadConfig({ json: { ...common, 'connector.class': 'com.example.Nope' }, env: {} }));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^connector\.class: "com\.example\.Nope" is not a sink Sluice runs \(/);
    for (const s of SINKS) expect(refused[0]).toContain(s.classesDoc);
  });

  it('checks S3\'s cross-key rules while loading, all problems at once, each naming its key', () => {
    const got = problemsOf(() => loadConfig({
      json: {
        ...common, 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 's3.bucket.name': 'b',
        'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner', 'format.class': 'x.CsvFormat', 'aws.access.key.id': 'AKIA',
      },
      env: {},
    }));
    expect(got).toEqual([
      'partition.field.name: required by the field partitioner',
      expect.stringMatching(/^format\.class: "x\.CsvFormat" is not a format Sluice writes/),
      'aws.access.key.id / aws.secret.access.key: give both, or neither to use the standard AWS credential chain',
    ]);
    // Connect JSON envelopes (JsonConverter's default schemas.enable=true) are projected; schemaless values behave as NONE, as in Confluent: no warning.
    for (const extra of [{}, { 'value.converter.schemas.enable': 'false' }, { 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' }]) {
      const c = loadConfig({ json: { ...common, ...extra, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'BACKWARD' }, env: {} });
      expect(c.warnings.filter((w) => w.includes('schema.compatibility'))).toEqual([]);
    }
    expect(() => loadConfig({ json: { ...common, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'FULL', 'store.kafka.key.column': true }, env: {} }))
      .toThrow(/store.kafka.key.column: not with schema.compatibility=FULL/);
    expect(problemsOf(() => loadConfig({
      json: { ...common, 'value.converter.schemas.enable': 'false', 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'FULL', 'store.kafka.key.column': true }, env: {},
    }))).toEqual([]);
    const avro = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': 'http://r:8081' };
    const projected = loadConfig({ json: { ...common, ...avro, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'FULL' }, env: {} });
    expect(projected.warnings.filter((w) => w.includes('schema.compatibility'))).toEqual([]);
    for (const converter of ['io.confluent.connect.protobuf.ProtobufConverter', 'io.confluent.connect.json.JsonSchemaConverter']) {
      const c = loadConfig({ json: { ...common, ...avro, 'value.converter': converter, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'BACKWARD' }, env: {} });
      expect(c.warnings.filter((w) => w.includes('schema.compatibility'))).toEqual([]);
    }
    const strategy = (v: string) => problemsOf(() => loadConfig({
      json: { ...common, ...avro, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'BACKWARD', 'value.converter.value.subject.name.strategy': v }, env: {},
    }));
    expect(strategy('io.confluent.kafka.serializers.subject.TopicRecordNameStrategy')).toEqual([]);
    expect(strategy('com.example.MyStrategy')).toEqual([expect.stringMatching(/^value\.converter\.value\.subject\.name\.strategy: "com\.example\.MyStrategy" is not TopicNameStrategy/)]);
    expect(() => loadConfig({ json: { ...common, ...avro, 'connector.class': 'sluice.s3', 's3.bucket.name': 'b', 'schema.compatibility': 'forward', 'store.kafka.metadata': true }, env: {} }))
      .toThrow(/store.kafka.metadata: not with schema.compatibility=FORWARD/);
  });

  it('lets two sinks declare the same key, each with its own meaning, and says which sink a key belongs to', () => {
    const a: SinkConfigSpec = {
      kind: 'a', title: 'A sink', shortTitle: 'A', connectorClasses: ['sluice.a'], classesDoc: 'sluice.a',
      options: [str({ key: 'connection.url', required: true, pattern: /^a:\/\//, doc: 'A URL.' }), int({ key: 'a.only', default: 1, doc: 'A.' })],
      check: (c) => {
        if (c.get('a.only') === 7) c.problem('a.only: not 7');
        if (!c.isSet('a.only')) c.warning(`a.only: the default, ${c.get('a.only')}`);
      },
    };
    const b: SinkConfigSpec = {
      kind: 'b', title: 'B sink', shortTitle: 'B', connectorClasses: ['sluice.b'], classesDoc: 'sluice.b',
      options: [str({ key: 'connection.url', pattern: /^https?:\/\//, default: 'http://localhost:9200', doc: 'B hosts.' })],
    };
    const sinks = [a, b];
    const load = (cfg: Record<string, unknown>) => loadConfigWith(sinks, { json: { ...common, ...cfg }, env: {} });
    expect(load({ 'connector.class': 'sluice.a', 'connection.url': 'a://x' }).options['connection.url']).toBe('a://x');
    expect(load({ 'connector.class': 'sluice.b', 'connection.url': 'https://h:9200' }).options['connection.url']).toBe('https://h:9200');
    expect(load({ 'connector.class': 'sluice.b' }).options['connection.url']).toBe('http://localhost:9200');
    expect(load({ 'connector.class': 'sluice.b' }).options['a.only']).toBeUndefined();
    expect(problemsOf(() => load({ 'connector.class': 'sluice.b', 'connection.url': 'a://x' }))).toEqual(['connection.url: expected a non-empty string, got "a://x"']);
    expect(problemsOf(() => load({ 'connector.class': 'sluice.b', 'a.only': '2' }))).toEqual(['a.only: not an option of the b sink']);
    expect(problemsOf(() => load({ 'connector.class': 'sluice.a' }))).toEqual([expect.stringMatching(/^connection\.url: required/)]);
    expect(problemsOf(() => load({ 'connector.class': 'sluice.a', 'connection.url': 'a://x', 'a.only': '7' }))).toEqual(['a.only: not 7']);
    expect(load({ 'connector.class': 'sluice.a', 'connection.url': 'a://x' }).warnings).toContain('a.only: the default, 1');
    expect(load({ 'connector.class': 'sluice.a', 'connection.url': 'a://x', 'a.only': '1' }).warnings).not.toContain('a.only: the default, 1');
    // The environment reaches either sink's keys.
    expect(loadConfigWith(sinks, { json: { ...common, 'connector.class': 'sluice.b' }, env: { SLUICE_CONNECTION_URL: 'http://e:1' } }).options['connection.url']).toBe('http://e:1');
  });

  it('finds each sink\'s worker encoder by kind, and names a kind it does not have', async () => {
    for (const s of SINKS) {
      const encoder = await createWorkerEncoder(s.kind);
      expect(typeof encoder.begin).toBe('function');
      expect(typeof encoder.finish).toBe('function');
    }
    await expect(createWorkerEncoder('nope')).rejects.toThrow(/no sink "nope" in the registry/);
  });
});
