import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignConnector, tasksMax } from '../../src/connect-worker/assignment.js';
import { HerderError } from '../../src/connect-worker/herder.js';
import { parseOffsetsBody } from '../../src/connect-worker/offsets.js';
import { connectorPluginConfig, connectorPlugins, validateConnectorConfig } from '../../src/connect-worker/plugins.js';
import { envKey, readWorkerSettings } from '../../src/connect-worker/worker-config.js';
import { parsePropertiesText } from '../../src/config/providers.js';
import { ConfigError } from '../../src/errors.js';

describe('assignment', () => {
  const workers = ['w3:8083', 'w1:8083', 'w2:8083'];

  it('is the same whatever order the workers are listed in', () => {
    for (const name of ['a', 'orders-pg', 'events-s3', 'x'.repeat(50)]) {
      expect(assignConnector(name, 2, workers)).toEqual(assignConnector(name, 2, [...workers].reverse()));
    }
  });

  it('runs a connector on tasks.max distinct workers, all of them when fewer, task ids from 0', () => {
    const two = assignConnector('c', 2, workers);
    expect(two.map((t) => t.id)).toEqual([0, 1]);
    expect(new Set(two.map((t) => t.workerId)).size).toBe(2);
    const many = assignConnector('c', 10, workers);
    expect(many.map((t) => t.workerId).sort()).toEqual([...workers].sort());
    expect(assignConnector('c', 1, [])).toEqual([]);
  });

  it('spreads single-task connectors over the workers', () => {
    const used = new Set<string>();
    for (let i = 0; i < 30; i++) used.add(assignConnector(`connector-${i}`, 1, workers)[0]!.workerId);
    expect(used.size).toBe(3);
  });

  it('moves a dead worker\'s connector to a live one', () => {
    const before = assignConnector('c', 1, workers)[0]!.workerId;
    const after = assignConnector('c', 1, workers.filter((w) => w !== before));
    expect(after).toHaveLength(1);
    expect(after[0]!.workerId).not.toBe(before);
  });

  it('a worker joining takes connectors without moving the others between the workers already there', () => {
    const names = Array.from({ length: 40 }, (_v, i) => `connector-${i}`);
    const before = new Map(names.map((n) => [n, assignConnector(n, 1, workers)[0]!.workerId]));
    const after = new Map(names.map((n) => [n, assignConnector(n, 1, [...workers, 'w4:8083'])[0]!.workerId]));
    const moved = names.filter((n) => before.get(n) !== after.get(n));
    expect(moved.length).toBeGreaterThan(0);
    for (const n of moved) expect(after.get(n)).toBe('w4:8083');
    // tasks.max=2: a connector keeps at least one of its two workers.
    for (const n of names) {
      const two = new Set(assignConnector(n, 2, workers).map((t) => t.workerId));
      expect(assignConnector(n, 2, [...workers, 'w4:8083']).filter((t) => two.has(t.workerId)).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('reads tasks.max as Connect does (string, default 1)', () => {
    expect(tasksMax({ 'tasks.max': '3' })).toBe(3);
    expect(tasksMax({})).toBe(1);
    expect(tasksMax({ 'tasks.max': 'x' })).toBe(1);
  });
});

describe('KIP-875 offsets body', () => {
  it('reads sink partitions and offsets, null meaning reset', () => {
    expect(parseOffsetsBody({ offsets: [
      { partition: { kafka_topic: 't', kafka_partition: 1 }, offset: { kafka_offset: 42 } },
      { partition: { kafka_topic: 't', kafka_partition: 0 }, offset: null },
    ] })).toEqual([{ topic: 't', partition: 1, offset: 42 }, { topic: 't', partition: 0, offset: null }]);
  });

  it('names what is wrong', () => {
    expect(() => parseOffsetsBody({})).toThrow(/"offsets" array/);
    expect(() => parseOffsetsBody({ offsets: [{ partition: { kafka_partition: 0 }, offset: { kafka_offset: 1 } }] })).toThrow(/offsets\[0\]: kafka_topic/);
    expect(() => parseOffsetsBody({ offsets: [{ partition: { kafka_topic: 't', kafka_partition: -1 }, offset: null }] })).toThrow(/kafka_partition/);
    expect(() => parseOffsetsBody({ offsets: [{ partition: { kafka_topic: 't', kafka_partition: 0 }, offset: { kafka_offset: 1.5 } }] })).toThrow(/kafka_offset/);
  });
});

describe('worker settings', () => {
  const file = (text: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-test-'));
    const f = path.join(dir, 'connect-distributed.properties');
    fs.writeFileSync(f, text);
    return f;
  };

  it('reads Connect\'s distributed keys, with defaults', () => {
    const s = readWorkerSettings(file('bootstrap.servers=k:9092\ngroup.id=g\nconfig.storage.topic=cfg\nstatus.storage.topic=st\noffset.storage.topic=off\n'), {});
    expect(s).toMatchObject({ groupId: 'g', bootstrapServers: 'k:9092', configTopic: 'cfg', statusTopic: 'st', statusPartitions: 5, heartbeatMs: 3000, sessionTimeoutMs: 10_000 });
    expect(s.configReplication).toBeUndefined();
  });

  it('takes CONNECT_* variables over the file, and hands connectors one merged file', () => {
    expect(envKey('CONNECT_CONFIG_STORAGE_TOPIC')).toBe('config.storage.topic');
    expect(envKey('CONNECTOR')).toBeUndefined();
    const s = readWorkerSettings(file('bootstrap.servers=k:9092\ngroup.id=g\nconfig.storage.topic=cfg\nstatus.storage.topic=st\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n'),
      { CONNECT_GROUP_ID: 'other', CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: 'false' });
    expect(s.groupId).toBe('other');
    const merged = parsePropertiesText(fs.readFileSync(s.mergedFile!, 'utf8'));
    expect(merged.get('group.id')).toBe('other');
    expect(merged.get('value.converter.schemas.enable')).toBe('false');
    expect(merged.get('value.converter')).toBe('org.apache.kafka.connect.json.JsonConverter');
  });

  it('names every missing required key and its variable', () => {
    try {
      readWorkerSettings(undefined, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const k of ['group.id', 'bootstrap.servers', 'config.storage.topic', 'status.storage.topic']) expect(msg).toContain(k);
      expect(msg).toContain('CONNECT_CONFIG_STORAGE_TOPIC');
    }
  });

  it('refuses a session timeout not above the heartbeat', () => {
    expect(() => readWorkerSettings(undefined, { CONNECT_GROUP_ID: 'g', CONNECT_BOOTSTRAP_SERVERS: 'k', CONNECT_CONFIG_STORAGE_TOPIC: 'c', CONNECT_STATUS_STORAGE_TOPIC: 's', CONNECT_SESSION_TIMEOUT_MS: '1000', CONNECT_HEARTBEAT_INTERVAL_MS: '3000' }))
      .toThrow(/session.timeout.ms/);
  });
});

describe('plugins and validation', () => {
  it('lists the sink classes of the registry, the converters, transforms and predicates', () => {
    const plugins = connectorPlugins();
    const sinks = plugins.filter((p) => p.type === 'sink').map((p) => p.class);
    expect(sinks).toEqual(expect.arrayContaining(['io.confluent.connect.jdbc.JdbcSinkConnector', 'io.confluent.connect.s3.S3SinkConnector']));
    expect(plugins.some((p) => p.type === 'transformation' && p.class === 'org.apache.kafka.connect.transforms.ReplaceField$Value')).toBe(true);
    expect(plugins.some((p) => p.type === 'predicate')).toBe(true);
  });

  it('describes a plugin\'s keys by full or simple class name; an unknown one is 404', async () => {
    const keys = (await connectorPluginConfig('S3SinkConnector')).map((k) => k.name);
    expect(keys).toContain('s3.bucket.name');
    expect(keys).toContain('topics');
    await expect(connectorPluginConfig('com.example.Nope')).rejects.toSatisfy((e) => e instanceof HerderError && e.status === 404);
  });

  it('puts each problem on the key it names, hides literal secrets, counts the errors', async () => {
    const infos = await validateConnectorConfig({
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      topics: 't',
      'connection.url': 'jdbc:postgresql://127.0.0.1:5432/db',
      'connection.password': 'hunter2',
      'batch.max.records': 'lots',
    }, undefined, {});
    expect(infos.name).toBe('io.confluent.connect.jdbc.JdbcSinkConnector');
    const byName = new Map(infos.configs.map((c) => [c.value.name, c]));
    expect(byName.get('batch.max.records')!.value.errors.join(' ')).toMatch(/integer/);
    expect(byName.get('connection.password')!.value.value).toBe('[hidden]');
    expect(byName.get('topics')!.value.errors).toEqual([]);
    expect(infos.error_count).toBe(infos.configs.reduce((n, c) => n + c.value.errors.length, 0));
    expect(JSON.stringify(infos)).not.toContain('hunter2');
  });
});
