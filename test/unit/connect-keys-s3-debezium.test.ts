// Keys of Confluent's S3 sink and Debezium's JDBC sink that real configs
// carry: accepted and acted on, accepted with a notice, or refused naming the
// key; aliases that agree; messages that name the key the user wrote and
// never mask key names as secrets.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';
import { redact } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { s3ServiceFor } from '../../src/sinks/s3-parquet/service.js';
import type { S3Config } from '../../src/sinks/s3-parquet/config.js';
import { redactText } from '../../src/connect-worker/rest/secrets.js';

const S3 = {
  'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
  'bootstrap.servers': '127.0.0.1:9092',
  topics: 'orders',
  's3.bucket.name': 'bucket',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};
const DEBEZIUM = {
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  'bootstrap.servers': '127.0.0.1:9092',
  topics: 'orders',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};

const load = (config: Record<string, unknown>) => loadConfig({ json: { name: 'keys', config }, env: {} });

function problems(config: Record<string, unknown>): string[] {
  try {
    load(config);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const log = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, child() { return log; } } as never;

describe('Confluent S3 sink keys', () => {
  it('keys at Confluent\'s values are accepted, each with a one-line notice where it has no effect', () => {
    const c = load({
      ...S3,
      'retry.backoff.ms': '5000',
      'schema.cache.size': '1000',
      'enhanced.avro.schema.support': 'true',
      'connect.meta.data': 'true',
      'directory.delim': '/',
      'file.delim': '+',
      's3.schema.partition.affix.type': 'NONE',
      's3.http.send.expect.continue': 'true',
      's3.elastic.buffer.enable': 'false',
      's3.elastic.buffer.init.capacity': '131072',
      's3.proxy.url': '',
      's3.proxy.user': '',
      's3.proxy.password': '',
    });
    for (const k of ['retry.backoff.ms', 'schema.cache.size', 'enhanced.avro.schema.support', 'connect.meta.data', 's3.http.send.expect.continue',
      's3.elastic.buffer.enable', 's3.elastic.buffer.init.capacity']) {
      expect(c.notices.filter((n) => n.startsWith(`${k}: accepted, no effect`)), k).toHaveLength(1);
    }
    // Empty proxy keys (Confluent's default) mean no proxy: acted on, no notice (test/unit/s3-proxy.test.ts).
    expect(c.notices.filter((n) => n.startsWith('s3.proxy.'))).toEqual([]);
    expect(c.options['s3.proxy.url']).toBeUndefined();
    expect(c.options['directory.delim']).toBe('/');
    expect(c.options['file.delim']).toBe('+');
    expect(c.options['filename.offset.zero.pad.width']).toBe(10);
    expect(c.options['s3.wan.mode']).toBe(false);
  });

  it('filename.offset.zero.pad.width is read (Confluent\'s default 10), negative refused', () => {
    expect(load({ ...S3, 'filename.offset.zero.pad.width': '20' }).options['filename.offset.zero.pad.width']).toBe(20);
    expect(load({ ...S3, 'filename.offset.zero.pad.width': 0 }).options['filename.offset.zero.pad.width']).toBe(0);
    expect(problems({ ...S3, 'filename.offset.zero.pad.width': '-1' })).toEqual([expect.stringMatching(/^filename\.offset\.zero\.pad\.width: expected an integer of at least 0/)]);
  });

  it('values that would change what lands, and Sluice cannot write, are errors naming the key and why', () => {
    const p = problems({
      ...S3,
      'directory.delim': '_',
      'file.delim': '-',
      's3.schema.partition.affix.type': 'PREFIX',
      'connect.meta.data': 'false',
      'enhanced.avro.schema.support': 'false',
    });
    expect(p).toHaveLength(5);
    expect(p).toContainEqual(expect.stringMatching(/^directory\.delim: expected "\/" \(.*\), got "_"$/));
    expect(p).toContainEqual(expect.stringMatching(/^file\.delim: expected "\+" \(.*\), got "-"$/));
    expect(p).toContainEqual(expect.stringMatching(/^s3\.schema\.partition\.affix\.type: expected "NONE" \(PREFIX and SUFFIX are not supported/));
    expect(p).toContainEqual(expect.stringMatching(/^connect\.meta\.data: expected "true" \(.*false would drop them\), got "false"$/));
    expect(p).toContainEqual(expect.stringMatching(/^enhanced\.avro\.schema\.support: expected "true"/));
    // Case as Java's boolean parsing takes it.
    expect(problems({ ...S3, 'connect.meta.data': 'TRUE', 's3.schema.partition.affix.type': 'none' })).toEqual([]);
  });

  it('s3.wan.mode=true uses the Transfer Acceleration endpoint; with store.url it is refused', () => {
    const c = load({ ...S3, 's3.wan.mode': 'true' });
    const common = c.common;
    expect(s3ServiceFor(c.options as unknown as S3Config, common, log, 1).clientConfig().useAccelerateEndpoint).toBe(true);
    const d = load(S3);
    expect(s3ServiceFor(d.options as unknown as S3Config, d.common, log, 1).clientConfig().useAccelerateEndpoint).toBeUndefined();
    expect(problems({ ...S3, 's3.wan.mode': 'true', 'store.url': 'http://127.0.0.1:9000' })).toEqual([expect.stringMatching(/^s3\.wan\.mode: .*not with store\.url/)]);
  });

  it('rotate.interval.ms with a partitioner that is not time-based is ignored with a warning, as Confluent\'s TopicPartitionWriter ignores it', () => {
    expect(load({ ...S3, 'rotate.interval.ms': '60000' }).warnings).toContainEqual(expect.stringMatching(/^rotate\.interval\.ms: ignored with io\.confluent\.connect\.storage\.partitioner\.DefaultPartitioner/));
    const timed = { ...S3, 'rotate.interval.ms': '60000', 'partitioner.class': 'io.confluent.connect.storage.partitioner.HourlyPartitioner', locale: 'en', timezone: 'UTC' };
    expect(load(timed).warnings.filter((w) => w.startsWith('rotate.interval.ms'))).toEqual([]);
  });
});

describe('Debezium JDBC sink keys', () => {
  it('Debezium\'s default naming strategies are accepted with a notice; a custom class is refused naming the key', () => {
    const c = load({
      ...DEBEZIUM,
      'collection.naming.strategy': 'io.debezium.sink.naming.DefaultCollectionNamingStrategy',
      'column.naming.strategy': 'io.debezium.connector.jdbc.naming.DefaultColumnNamingStrategy',
      'dialect.postgres.postgis.schema': 'public',
      'hibernate.c3p0.idle_test_period': '300',
    });
    for (const k of ['collection.naming.strategy', 'column.naming.strategy', 'dialect.postgres.postgis.schema', 'hibernate.c3p0.idle_test_period']) {
      expect(c.notices.filter((n) => n.startsWith(`${k}: accepted, no effect`)), k).toHaveLength(1);
    }
    expect(problems({ ...DEBEZIUM, 'table.naming.strategy': 'io.debezium.connector.jdbc.naming.DefaultTableNamingStrategy', 'column.naming.strategy': 'io.debezium.sink.naming.DefaultColumnNamingStrategy' })).toEqual([]);
    const p = problems({ ...DEBEZIUM, 'collection.naming.strategy': 'com.acme.UpperCaseNaming', 'column.naming.strategy': 'com.acme.Snake', 'table.naming.strategy': 'com.acme.T' });
    expect(p).toHaveLength(3);
    expect(p[0]).toMatch(/^collection\.naming\.strategy: expected Debezium's default class io\.debezium\.sink\.naming\.DefaultCollectionNamingStrategy \(a custom naming strategy .*\), got "com\.acme\.UpperCaseNaming"$/);
    expect(p[1]).toMatch(/^column\.naming\.strategy: expected Debezium's default class io\.debezium\.connector\.jdbc\.naming\.DefaultColumnNamingStrategy/);
    expect(p[2]).toMatch(/^table\.naming\.strategy: /);
  });

  it('flush.failure.max.retries and flush.failure.retries.wait.ms set the write retries', () => {
    const c = load({ ...DEBEZIUM, 'flush.failure.max.retries': '7', 'flush.failure.retries.wait.ms': '1500' });
    expect(c.options['max.retries']).toBe(7);
    expect(c.options['retry.backoff.ms']).toBe(1500);
    expect(problems({ ...DEBEZIUM, 'flush.failure.max.retries': '7', 'max.retries': '3' })).toEqual([expect.stringMatching(/same option as .*different value/)]);
  });

  it('delete.enabled names the primary key setting as the user spelled it', () => {
    expect(problems({ ...DEBEZIUM, 'delete.enabled': 'true', 'primary.key.mode': 'record_value', 'primary.key.fields': 'id' }))
      .toEqual(['delete.enabled: needs primary.key.mode=record_key (a tombstone names the row by its key)']);
    expect(problems({ ...DEBEZIUM, 'delete.enabled': 'true' })).toEqual(['delete.enabled: needs primary.key.mode=record_key (a tombstone names the row by its key)']);
    expect(problems({ ...DEBEZIUM, 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'delete.enabled': 'true', 'pk.mode': 'kafka' }))
      .toEqual(['delete.enabled: needs pk.mode=record_key (a tombstone names the row by its key)']);
    expect(problems({ ...DEBEZIUM, 'insert.mode': 'upsert' })).toEqual([expect.stringMatching(/^insert\.mode: "upsert" needs a primary key; set primary\.key\.mode /)]);
  });

  it('use.time.zone and database.time_zone may both be set when they agree; differing values are refused', () => {
    expect(load({ ...DEBEZIUM, 'use.time.zone': 'Europe/Paris', 'database.time_zone': 'Europe/Paris' }).options['db.timezone']).toBe('Europe/Paris');
    expect(problems({ ...DEBEZIUM, 'use.time.zone': 'UTC', 'database.time_zone': 'Europe/Paris' }))
      .toEqual(['database.time_zone: same option as use.time.zone, with a different value; give only one of them']);
  });

  it("keys only the other JDBC sink defines are ignored with a warning, as Connect never hands them to the connector", () => {
    // Debezium's sink reads primary.key.mode and schema.evolution, never pk.mode or auto.create.
    const dbz = load({ ...DEBEZIUM, 'pk.mode': 'record_value', 'pk.fields': 'id', 'auto.create': 'true', 'auto.evolve': 'true', 'fields.whitelist': 'id', 'db.timezone': 'Asia/Kolkata' });
    expect([dbz.options['pk.mode'], dbz.options['pk.fields'], dbz.options['auto.create'], dbz.options['auto.evolve'], dbz.options['fields.whitelist'], dbz.options['db.timezone']])
      .toEqual(['none', undefined, false, false, undefined, 'UTC']);
    expect(dbz.warnings).toEqual(expect.arrayContaining([
      "pk.mode: not a key of Debezium's JDBC sink (io.debezium.connector.jdbc.JdbcSinkConnector), which Kafka Connect never hands it, so it is ignored here too; that sink reads primary.key.mode",
      expect.stringMatching(/^auto\.create: not a key of Debezium's JDBC sink .* reads schema\.evolution=basic$/),
    ]));
    // So an upsert keyed by pk.mode is refused as Debezium would run it: without a primary key.
    expect(problems({ ...DEBEZIUM, 'insert.mode': 'upsert', 'pk.mode': 'record_key' })).toEqual([expect.stringMatching(/^insert\.mode: "upsert" needs a primary key; set primary\.key\.mode /)]);
    // schema.evolution=basic still creates and evolves, whatever auto.create says.
    const basic = load({ ...DEBEZIUM, 'schema.evolution': 'basic', 'auto.create': 'false' });
    expect([basic.options['auto.create'], basic.options['auto.evolve']]).toEqual([true, true]);

    // Confluent's sink reads pk.mode and auto.create, never Debezium's names.
    const confluent = { ...DEBEZIUM, 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector' };
    const cfl = load({ ...confluent, 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', 'collection.name.format': 'x_${topic}', 'database.time_zone': 'Asia/Kolkata' });
    expect([cfl.options['pk.mode'], cfl.options['auto.create'], cfl.options['table.name.format'], cfl.options['db.timezone']]).toEqual(['none', false, '${topic}', 'UTC']);
    expect(cfl.warnings).toEqual(expect.arrayContaining([
      "primary.key.mode: not a key of Confluent's JDBC sink, which Kafka Connect never hands it, so it is ignored here too; that sink reads pk.mode",
      expect.stringMatching(/^schema\.evolution: .* reads auto\.create and auto\.evolve$/),
    ]));
    // Each class's own spellings are read without a warning, and Sluice's own class reads both.
    const classWarnings = (c: { warnings: readonly string[] }) => c.warnings.filter((w) => w.includes('not a key of'));
    expect(classWarnings(load({ ...confluent, 'pk.mode': 'record_key', 'auto.create': 'true' }))).toEqual([]);
    expect(classWarnings(load({ ...DEBEZIUM, 'primary.key.mode': 'record_key', 'schema.evolution': 'basic' }))).toEqual([]);
    const own = load({ ...DEBEZIUM, 'connector.class': 'sluice.postgres', 'primary.key.mode': 'kafka', 'auto.create': 'true' });
    expect([own.options['pk.mode'], own.options['auto.create'], classWarnings(own)]).toEqual(['kafka', true, []]);
  });
});

describe('secrets are masked in values, never inside key names', () => {
  it('a password that is part of a key name leaves the key whole and is masked where it is the value', () => {
    const p = problems({ ...DEBEZIUM, 'connection.password': 'postgres', 'dialect.postgres.postgis.schema': '', 'insert.mode': 'postgres' });
    expect(p).toContain('dialect.postgres.postgis.schema: expected a non-empty string, got ""');
    expect(p).toContainEqual(expect.stringMatching(/^insert\.mode: expected one of .*, got "\*\*\*"$/));
    const c = load({ ...DEBEZIUM, 'connection.password': 'postgres', 'dialect.postgres.postgis.schema': 'public' });
    const notice = c.notices.find((n) => n.startsWith('dialect.'))!;
    expect(redact(notice, c.secrets)).toMatch(/^dialect\.postgres\.postgis\.schema: accepted, no effect/);
  });

  it('redact masks every occurrence outside key names, a secret equal to a whole key name, and one spanning past a key', () => {
    redact('', []); // key names are known once a config has been loaded
    load(DEBEZIUM);
    expect(redact('dialect.postgres.postgis.schema: got "postgres" (postgres)', ['postgres'])).toBe('dialect.postgres.postgis.schema: got "***" (***)');
    expect(redact('postgres://u:postgres@h/db', ['postgres'])).toBe('***://u:***@h/db');
    // A key the secret is exactly is still masked: then the token is the secret.
    expect(redact('password was connection.url', ['connection.url'])).toBe('password was ***');
    expect(redact('got x.connection.url.y', ['x.connection.url.y'])).toBe('got ***');
    expect(redact('connection.url=jdbc:postgresql://h/db', ['url=jdbc'])).toBe('connection.***:postgresql://h/db');
    expect(redactText('dialect.postgres.postgis.schema needs postgres', ['postgres'])).toBe('dialect.postgres.postgis.schema needs [hidden]');
  });
});
