// The Kafka Connect REST API of `sluice worker`, route by route, over real
// HTTP against an in-memory Herder: status codes, bodies and the error shape
// as Kafka Connect's resources answer them, secret masking, forwarding, basic
// auth as BasicAuthSecurityRestExtension, and TLS listeners.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseListeners, readRestConfig } from '../../src/connect-worker/rest/config.js';
import { maskValue } from '../../src/connect-worker/rest/secrets.js';
import { RestServer } from '../../src/connect-worker/rest/server.js';
import { FakeHerder, JDBC_SINK } from '../helpers/fake-herder.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-rest-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const servers: RestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(herder: FakeHerder, props: Record<string, string> = {}, log?: pino.Logger): Promise<{ url: string; server: RestServer }> {
  const config = readRestConfig(new Map(Object.entries({ listeners: 'http://127.0.0.1:0', ...props })), { env: {} });
  const server = new RestServer(herder, config, { log });
  servers.push(server);
  const [l] = await server.start();
  return { url: l!.url, server };
}

interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, body: parsed, text, headers: r.headers };
}

const SECRET = 'hunter2-very-secret';
const jdbc = (name: string, extra: Record<string, string> = {}) => ({
  name,
  config: {
    'connector.class': JDBC_SINK,
    'tasks.max': '2',
    topics: 'orders',
    'connection.url': 'jdbc:postgresql://db:5432/shop',
    'connection.user': 'app',
    'connection.password': SECRET,
    ...extra,
  },
});

describe('Kafka Connect REST routes', () => {
  let herder: FakeHerder;
  let base: string;
  beforeEach(async () => {
    herder = new FakeHerder();
    base = (await start(herder)).url;
  });

  it('GET / answers ServerInfo', async () => {
    const r = await call(`${base}/`, 'GET');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual({ version: '0.1.0', commit: 'fake', kafka_cluster_id: 'fake-cluster' });
  });

  it('POST /connectors creates (201, Location, ConnectorInfo with secrets hidden); again is 409', async () => {
    const r = await call(`${base}/connectors`, 'POST', jdbc('orders-sink'));
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${base}/connectors/orders-sink`);
    expect(r.body).toEqual({
      name: 'orders-sink',
      config: { ...jdbc('orders-sink').config, name: 'orders-sink', 'connection.password': '[hidden]' },
      tasks: [
        { connector: 'orders-sink', task: 0 },
        { connector: 'orders-sink', task: 1 },
      ],
      type: 'sink',
    });
    expect(r.text).not.toContain(SECRET);
    // the herder got the password as written
    expect(herder.connectorsMap.get('orders-sink')!.config['connection.password']).toBe(SECRET);

    const again = await call(`${base}/connectors`, 'POST', jdbc('orders-sink'));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error_code: 409, message: 'Connector orders-sink already exists' });
  });

  it('POST /connectors: trims the name, takes initial_state, refuses a mismatched or missing name and a missing config', async () => {
    const r = await call(`${base}/connectors`, 'POST', { ...jdbc('  spaced  '), initial_state: 'paused' });
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('spaced');
    expect(herder.calls).toContain('put spaced replace=false state=PAUSED');
    expect((await call(`${base}/connectors/spaced/status`, 'GET')).body.connector.state).toBe('PAUSED');

    const mismatch = await call(`${base}/connectors`, 'POST', { name: 'a', config: { ...jdbc('x').config, name: 'b' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ error_code: 400, message: "Connector name configuration (b) doesn't match connector name in the URL (a)" });

    const noConfig = await call(`${base}/connectors`, 'POST', { name: 'a' });
    expect(noConfig.status).toBe(400);
    expect(noConfig.body.error_code).toBe(400);

    const noName = await call(`${base}/connectors`, 'POST', { config: jdbc('x').config });
    expect(noName.status).toBe(400);
    expect(noName.body.message).toMatch(/^Connector configuration is invalid and contains the following 1 error\(s\):\nInvalid value  for configuration name: String may not be empty/);
    const onlyInConfig = await call(`${base}/connectors`, 'POST', { config: { ...jdbc('x').config, name: 'x' } });
    expect(onlyInConfig.body).toEqual({ error_code: 400, message: "Connector name configuration (x) doesn't match connector name in the URL ()" });

    const badState = await call(`${base}/connectors`, 'POST', { ...jdbc('c'), initial_state: 'SLEEPING' });
    expect(badState.status).toBe(400);
  });

  it('an invalid config is 400 with Connect\'s message and never echoes a secret', async () => {
    const r = await call(`${base}/connectors`, 'POST', jdbc('bad', { 'connector.class': 'com.example.Nope', 'tasks.max': 'x' }));
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe(400);
    expect(r.body.message).toBe(
      'Connector configuration is invalid and contains the following 2 error(s):\n' +
        'Invalid value com.example.Nope for configuration connector.class: Class com.example.Nope could not be found.\n' +
        'Invalid value x for configuration tasks.max: Not a number of type INT\n' +
        'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    );
  });

  it('Map<String,String> bodies: numbers and booleans become their text exactly; objects and nulls are 400', async () => {
    const body = { name: 'n', config: { ...jdbc('n').config, 'tasks.max': 3, 'batch.max.records': 9223372036854775807, 'delete.enabled': true, 'x.ratio': 1.50 } };
    // JSON.stringify would turn 1.50 into 1.5 and round 2^63-1: write the text by hand
    const text = JSON.stringify(body).replace('"x.ratio":1.5', '"x.ratio":1.50').replace('9223372036854776000', '9223372036854775807');
    const r = await call(`${base}/connectors`, 'POST', text);
    expect(r.status).toBe(201);
    const stored = herder.connectorsMap.get('n')!.config;
    expect(stored['tasks.max']).toBe('3');
    expect(stored['batch.max.records']).toBe('9223372036854775807');
    expect(stored['delete.enabled']).toBe('true');
    expect(stored['x.ratio']).toBe('1.50');

    const nested = await call(`${base}/connectors/n/config`, 'PUT', { ...jdbc('n').config, topics: ['a', 'b'] });
    expect(nested.status).toBe(400);
    expect(nested.body.message).toMatch(/topics/);
    const nul = await call(`${base}/connectors/n/config`, 'PUT', { ...jdbc('n').config, topics: null });
    expect(nul.status).toBe(400);
  });

  it('GET /connectors lists names; ?expand=status, ?expand=info and both', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('a'));
    await call(`${base}/connectors`, 'POST', jdbc('b'));
    expect((await call(`${base}/connectors`, 'GET')).body.sort()).toEqual(['a', 'b']);
    expect((await call(`${base}/connectors/`, 'GET')).status).toBe(200);

    const status = await call(`${base}/connectors?expand=status`, 'GET');
    expect(Object.keys(status.body).sort()).toEqual(['a', 'b']);
    expect(status.body.a).toEqual({
      status: {
        name: 'a',
        connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' },
        tasks: [
          { id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083' },
          { id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' },
        ],
        type: 'sink',
      },
    });

    const both = await call(`${base}/connectors?expand=status&expand=info`, 'GET');
    expect(Object.keys(both.body.b).sort()).toEqual(['info', 'status']);
    expect(both.body.b.info.config['connection.password']).toBe('[hidden]');
    expect(both.text).not.toContain(SECRET);

    const unknown = await call(`${base}/connectors?expand=nothing`, 'GET');
    expect(unknown.body).toEqual({ a: {}, b: {} });
  });

  it('GET …/config shows ${file:…}/${env:…} placeholders as written and literal secrets as [hidden]', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('p', {
      'connection.password': '${file:/etc/secrets/db.properties:password}',
      'connection.user': '${env:DB_USER}',
      'value.converter.basic.auth.user.info': 'reg-user:reg-pass',
      'kafka.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
      'connection.url': 'jdbc:postgresql://db:5432/shop?user=app&password=inline-secret',
    }));
    const r = await call(`${base}/connectors/p/config`, 'GET');
    expect(r.status).toBe(200);
    expect(r.body['connection.password']).toBe('${file:/etc/secrets/db.properties:password}');
    expect(r.body['connection.user']).toBe('${env:DB_USER}');
    expect(r.body['value.converter.basic.auth.user.info']).toBe('[hidden]');
    expect(r.body['kafka.sasl.jaas.config']).toBe('[hidden]');
    expect(r.body['connection.url']).toBe('jdbc:postgresql://db:5432/shop?user=app&password=[hidden]');
    expect(r.text).not.toMatch(/reg-pass|inline-secret|password="p"/);

    const tasks = await call(`${base}/connectors/p/tasks`, 'GET');
    expect(tasks.status).toBe(200);
    expect(tasks.body).toHaveLength(2);
    expect(tasks.body[0].id).toEqual({ connector: 'p', task: 0 });
    expect(tasks.text).not.toMatch(/reg-pass|inline-secret/);

    const info = await call(`${base}/connectors/p`, 'GET');
    expect(info.body.config['value.converter.basic.auth.user.info']).toBe('[hidden]');
  });

  it('PUT …/config creates (201) or updates (200); PATCH merges and null removes a key', async () => {
    const created = await call(`${base}/connectors/q/config`, 'PUT', jdbc('q').config);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${base}/connectors/q`);
    expect(created.body.config.name).toBe('q');
    const updated = await call(`${base}/connectors/q/config`, 'PUT', { ...jdbc('q').config, 'tasks.max': '1' });
    expect(updated.status).toBe(200);
    expect(updated.body.tasks).toEqual([{ connector: 'q', task: 0 }]);
    expect(herder.calls).toContain('put q replace=true state=');

    const mismatch = await call(`${base}/connectors/q/config`, 'PUT', { ...jdbc('q').config, name: 'other' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe("Connector name configuration (other) doesn't match connector name in the URL (q)");

    const patched = await call(`${base}/connectors/q/config`, 'PATCH', { 'tasks.max': '3', 'connection.user': null });
    expect(patched.status).toBe(200);
    expect(patched.body.config['tasks.max']).toBe('3');
    expect(patched.body.config).not.toHaveProperty('connection.user');
    expect(patched.body.config['connection.password']).toBe('[hidden]');
    expect((await call(`${base}/connectors/zz/config`, 'PATCH', { a: 'b' })).status).toBe(404);
  });

  it('a config read back ([hidden] secrets) and PUT or PATCHed keeps the stored secrets', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('rt', { 'connection.url': 'jdbc:postgresql://db/shop?password=url-secret' }));
    const got = (await call(`${base}/connectors/rt/config`, 'GET')).body;
    expect(got['connection.password']).toBe('[hidden]');
    const put = await call(`${base}/connectors/rt/config`, 'PUT', { ...got, 'tasks.max': '1' });
    expect(put.status).toBe(200);
    let stored = herder.connectorsMap.get('rt')!.config;
    expect(stored['connection.password']).toBe(SECRET);
    expect(stored['connection.url']).toBe('jdbc:postgresql://db/shop?password=url-secret');
    expect(stored['tasks.max']).toBe('1');
    await call(`${base}/connectors/rt/config`, 'PATCH', { 'connection.password': '[hidden]', 'tasks.max': '2' });
    stored = herder.connectorsMap.get('rt')!.config;
    expect(stored['connection.password']).toBe(SECRET);
    // a new value replaces it
    await call(`${base}/connectors/rt/config`, 'PATCH', { 'connection.password': 'new-one' });
    expect(herder.connectorsMap.get('rt')!.config['connection.password']).toBe('new-one');
  });

  it('unknown connectors are 404 with Connect\'s message on every route', async () => {
    const name = 'ghost';
    const expect404 = async (method: string, p: string, body?: unknown) => {
      const r = await call(`${base}${p}`, method, body);
      expect(r.status, `${method} ${p}`).toBe(404);
      expect(r.body, `${method} ${p}`).toEqual({ error_code: 404, message: `Connector ${name} not found` });
    };
    await expect404('GET', `/connectors/${name}`);
    await expect404('GET', `/connectors/${name}/config`);
    await expect404('DELETE', `/connectors/${name}`);
    await expect404('GET', `/connectors/${name}/status`);
    await expect404('GET', `/connectors/${name}/tasks`);
    await expect404('GET', `/connectors/${name}/tasks/0/status`);
    await expect404('GET', `/connectors/${name}/topics`);
    await expect404('PUT', `/connectors/${name}/topics/reset`);
    await expect404('PUT', `/connectors/${name}/pause`);
    await expect404('PUT', `/connectors/${name}/resume`);
    await expect404('PUT', `/connectors/${name}/stop`);
    await expect404('POST', `/connectors/${name}/restart`);
    await expect404('POST', `/connectors/${name}/restart?includeTasks=true`);
    await expect404('POST', `/connectors/${name}/tasks/0/restart`);
    await expect404('GET', `/connectors/${name}/offsets`);
    await expect404('DELETE', `/connectors/${name}/offsets`);
  });

  it('status, task status, topics and their reset', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('s'));
    const st = await call(`${base}/connectors/s/status`, 'GET');
    expect(st.status).toBe(200);
    expect(st.body.name).toBe('s');
    expect(st.body.tasks.map((t: { id: number }) => t.id)).toEqual([0, 1]);
    const t1 = await call(`${base}/connectors/s/tasks/1/status`, 'GET');
    expect(t1.body).toEqual({ id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' });
    const t9 = await call(`${base}/connectors/s/tasks/9/status`, 'GET');
    expect(t9.status).toBe(404);
    expect(t9.body).toEqual({ error_code: 404, message: 'Unknown task: s-9' });
    expect((await call(`${base}/connectors/s/tasks/abc/status`, 'GET')).status).toBe(404);

    const topics = await call(`${base}/connectors/s/topics`, 'GET');
    expect(topics.body).toEqual({ s: { topics: ['orders'] } });
    const reset = await call(`${base}/connectors/s/topics/reset`, 'PUT');
    expect(reset.status).toBe(202);
    expect(reset.text).toBe('');
    expect((await call(`${base}/connectors/s/topics`, 'GET')).body).toEqual({ s: { topics: [] } });
  });

  it('a failed connector\'s trace never carries its literal secrets', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('f'));
    const real = herder.connectorStatus.bind(herder);
    herder.connectorStatus = async (n) => {
      const s = await real(n);
      return { ...s, connector: { ...s.connector, trace: '' }, tasks: s.tasks.map((t) => ({ ...t, trace: '' })) };
    };
    const empty = await call(`${base}/connectors/f/status`, 'GET');
    expect(empty.text).not.toContain('trace');
    herder.connectorStatus = real;
    herder.connectorsMap.get('f')!.failure = `org.postgresql.util.PSQLException: password authentication failed (tried ${SECRET})\n\tat x`;
    const st = await call(`${base}/connectors/f/status`, 'GET');
    expect(st.body.connector.state).toBe('FAILED');
    expect(st.body.connector.trace).toContain('password authentication failed');
    expect(st.text).not.toContain(SECRET);
    const t = await call(`${base}/connectors/f/tasks/0/status`, 'GET');
    expect(t.text).not.toContain(SECRET);
    const exp = await call(`${base}/connectors?expand=status`, 'GET');
    expect(exp.text).not.toContain(SECRET);
  });

  it('pause and resume are 202, stop 204, restart 204 or 202 with the status, task restart 204', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('r'));
    const pause = await call(`${base}/connectors/r/pause`, 'PUT');
    expect(pause.status).toBe(202);
    expect(pause.text).toBe('');
    expect((await call(`${base}/connectors/r/status`, 'GET')).body.connector.state).toBe('PAUSED');
    expect((await call(`${base}/connectors/r/resume`, 'PUT')).status).toBe(202);
    expect((await call(`${base}/connectors/r/status`, 'GET')).body.connector.state).toBe('RUNNING');

    const plain = await call(`${base}/connectors/r/restart`, 'POST');
    expect(plain.status).toBe(204);
    expect(herder.calls).toContain('restart r');
    const explicitFalse = await call(`${base}/connectors/r/restart?includeTasks=false&onlyFailed=false`, 'POST');
    expect(explicitFalse.status).toBe(204);

    const withTasks = await call(`${base}/connectors/r/restart?includeTasks=true&onlyFailed=false`, 'POST');
    expect(withTasks.status).toBe(202);
    expect(withTasks.body.connector.state).toBe('RESTARTING');
    expect(withTasks.body.tasks.every((t: { state: string }) => t.state === 'RESTARTING')).toBe(true);
    expect(herder.calls).toContain('restart r includeTasks=true onlyFailed=false');
    const onlyFailed = await call(`${base}/connectors/r/restart?includeTasks=True&onlyFailed=TRUE`, 'POST');
    expect(onlyFailed.status).toBe(202);
    expect(onlyFailed.body.connector.state).toBe('RUNNING');

    const task = await call(`${base}/connectors/r/tasks/1/restart`, 'POST');
    expect(task.status).toBe(204);
    expect(herder.calls).toContain('restart r-1');
    expect((await call(`${base}/connectors/r/tasks/7/restart`, 'POST')).status).toBe(404);

    const stop = await call(`${base}/connectors/r/stop`, 'PUT');
    expect(stop.status).toBe(204);
    const st = await call(`${base}/connectors/r/status`, 'GET');
    expect(st.body.connector.state).toBe('STOPPED');
    expect(st.body.tasks).toEqual([]);
  });

  it('DELETE removes the connector (204)', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('d'));
    const r = await call(`${base}/connectors/d`, 'DELETE');
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await call(`${base}/connectors`, 'GET')).body).toEqual([]);
  });

  it('offsets (KIP-875): read, altered and reset only while STOPPED, with Connect\'s messages', async () => {
    await call(`${base}/connectors`, 'POST', jdbc('o'));
    expect((await call(`${base}/connectors/o/offsets`, 'GET')).body).toEqual({ offsets: [] });
    const body = { offsets: [{ partition: { kafka_topic: 'orders', kafka_partition: 2 }, offset: { kafka_offset: 9007199254740993 } }] };
    const text = JSON.stringify(body).replace('9007199254740992', '9007199254740993');
    const running = await call(`${base}/connectors/o/offsets`, 'PATCH', text);
    expect(running.status).toBe(400);
    expect(running.body.message).toBe(
      "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/o/stop' endpoint",
    );
    await call(`${base}/connectors/o/stop`, 'PUT');
    const altered = await call(`${base}/connectors/o/offsets`, 'PATCH', text);
    expect(altered.status).toBe(200);
    expect(altered.body).toEqual({ message: 'The offsets for this connector have been altered successfully' });
    // past 2^53 the offset reaches the herder and comes back exactly
    expect(herder.connectorsMap.get('o')!.offsets.get('orders/2')!.offset).toEqual({ kafka_offset: 9007199254740993n });
    const got = await call(`${base}/connectors/o/offsets`, 'GET');
    expect(got.text).toContain('"kafka_offset":9007199254740993');

    const empty = await call(`${base}/connectors/o/offsets`, 'PATCH', { offsets: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('Partitions / offsets need to be provided for an alter offsets request');
    expect((await call(`${base}/connectors/o/offsets`, 'PATCH', {})).status).toBe(400);
    expect((await call(`${base}/connectors/o/offsets`, 'PATCH', { offsets: [{ partition: 'x' }] })).status).toBe(400);

    const reset = await call(`${base}/connectors/o/offsets`, 'DELETE');
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ message: 'The offsets for this connector have been reset successfully' });
    expect((await call(`${base}/connectors/o/offsets`, 'GET')).body).toEqual({ offsets: [] });
  });

  it('connector plugins, their config definition and validate (ConfigInfos, passwords hidden)', async () => {
    const plugins = await call(`${base}/connector-plugins`, 'GET');
    expect(plugins.status).toBe(200);
    expect(plugins.body.map((p: { class: string }) => p.class)).toEqual([JDBC_SINK, 'io.confluent.connect.s3.S3SinkConnector']);
    const allPlugins = await call(`${base}/connector-plugins?connectorsOnly=false`, 'GET');
    expect(allPlugins.body.map((p: { type: string }) => p.type)).toContain('transformation');

    const def = await call(`${base}/connector-plugins/JdbcSinkConnector/config`, 'GET');
    expect(def.status).toBe(200);
    expect(def.body[0]).toMatchObject({ name: 'name', type: 'STRING', required: true, order: 1 });
    expect((await call(`${base}/connector-plugins/Nope/config`, 'GET')).body).toEqual({ error_code: 404, message: 'Unknown plugin Nope.' });

    const cfg = { 'connector.class': JDBC_SINK, name: 'v', 'connection.password': SECRET, 'tasks.max': 'many' };
    const v = await call(`${base}/connector-plugins/${JDBC_SINK}/config/validate`, 'PUT', cfg);
    expect(v.status).toBe(200);
    expect(v.body.name).toBe(JDBC_SINK);
    expect(v.body.error_count).toBe(2);
    expect(v.body.groups).toEqual(['Common']);
    const byName = Object.fromEntries(v.body.configs.map((c: { value: { name: string } }) => [c.value.name, c]));
    expect(byName['connection.password'].value.value).toBe('[hidden]');
    expect(byName['connection.url'].value.errors).toEqual(['Missing required configuration "connection.url" which has no default value.']);
    expect(byName['tasks.max'].definition).toMatchObject({ name: 'tasks.max', type: 'INT', default_value: '1' });
    expect(v.text).not.toContain(SECRET);

    // the short alias of the class matches, as in Connect
    expect((await call(`${base}/connector-plugins/JdbcSink/config/validate`, 'PUT', cfg)).status).toBe(200);
    const mismatch = await call(`${base}/connector-plugins/S3SinkConnector/config/validate`, 'PUT', cfg);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe(`Included connector type ${JDBC_SINK} does not match request type S3SinkConnector`);
  });

  it('admin loggers: list, get, set per worker (200 with the loggers changed) or cluster (204)', async () => {
    expect((await call(`${base}/admin/loggers`, 'GET')).body).toEqual({ root: { level: 'INFO', last_modified: null } });
    expect((await call(`${base}/admin/loggers/root`, 'GET')).body).toEqual({ level: 'INFO', last_modified: null });
    const missing = await call(`${base}/admin/loggers/nope`, 'GET');
    expect(missing.body).toEqual({ error_code: 404, message: 'Logger nope not found.' });
    const set = await call(`${base}/admin/loggers/sluice.sink`, 'PUT', { level: 'debug' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual(['sluice.sink']);
    expect((await call(`${base}/admin/loggers/sluice.sink`, 'GET')).body.level).toBe('DEBUG');
    const cluster = await call(`${base}/admin/loggers/sluice?scope=cluster`, 'PUT', { level: 'WARN' });
    expect(cluster.status).toBe(204);
    const bad = await call(`${base}/admin/loggers/x`, 'PUT', { level: 'LOUD' });
    expect(bad.body).toEqual({ error_code: 404, message: "invalid log level 'LOUD'." });
    const none = await call(`${base}/admin/loggers/x`, 'PUT', { lvl: 'INFO' });
    expect(none.body).toEqual({ error_code: 400, message: "Desired 'level' parameter was not specified in request." });
  });

  it('unknown routes 404, wrong methods 405, non-JSON bodies 415, malformed JSON 400 — all as {error_code, message}', async () => {
    const nf = await call(`${base}/nope`, 'GET');
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    const deep = await call(`${base}/connectors/a/b/c/d`, 'GET');
    expect(deep.status).toBe(404);

    const m = await call(`${base}/connectors`, 'DELETE');
    expect(m.status).toBe(405);
    expect(m.body).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });
    expect(m.headers.get('allow')).toContain('POST');
    expect((await call(`${base}/connectors/x/pause`, 'POST')).status).toBe(405);

    const form = await call(`${base}/connectors`, 'POST', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.error_code).toBe(415);
    const textPlain = await call(`${base}/connectors/x/config`, 'PUT', '{}', { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);

    // JSON with parameters or in another case is JSON; no content type with a body is 415, as Jersey
    const cfg = JSON.stringify(jdbc('ct'));
    expect((await call(`${base}/connectors`, 'POST', cfg, { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(201);
    expect((await call(`${base}/connectors/ct/config`, 'PUT', JSON.stringify(jdbc('ct').config), { 'content-type': 'Application/JSON;charset=utf-8' })).status).toBe(200);
    expect((await call(`${base}/connectors/ct/config`, 'PUT', JSON.stringify(jdbc('ct').config), { 'content-type': 'application/vnd.api+json' })).status).toBe(200);
    const noType = await fetch(`${base}/connectors`, { method: 'POST', body: new Blob([cfg]) });
    expect(noType.status).toBe(415);

    const broken = await call(`${base}/connectors`, 'POST', '{"name": "x", "config": {');
    expect(broken.status).toBe(400);
    expect(broken.body.error_code).toBe(400);
    expect(typeof broken.body.message).toBe('string');
    const empty = await call(`${base}/connectors`, 'POST', '');
    expect(empty.status).toBe(400);
    const array = await call(`${base}/connectors/x/config`, 'PUT', '[1,2]');
    expect(array.status).toBe(400);
  });

  it('topic tracking switched off by the worker: 403 as Connect', async () => {
    const h = new FakeHerder();
    const { url } = await start(h, { 'topic.tracking.enable': 'false' });
    await call(`${url}/connectors`, 'POST', jdbc('t'));
    expect((await call(`${url}/connectors/t/topics`, 'GET')).body).toEqual({ error_code: 403, message: 'Topic tracking is disabled.' });
    const { url: url2 } = await start(h, { 'topic.tracking.allow.reset': 'false' });
    expect((await call(`${url2}/connectors/t/topics`, 'GET')).status).toBe(200);
    expect((await call(`${url2}/connectors/t/topics/reset`, 'PUT')).body).toEqual({ error_code: 403, message: 'Topic tracking reset is disabled.' });
  });

  it('GET /health: 200 healthy, 503 while starting, 500 when unhealthy', async () => {
    expect((await call(`${base}/health`, 'GET')).body).toEqual({ status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' });
    herder.healthy = false;
    herder.ready = false;
    const starting = await call(`${base}/health`, 'GET');
    expect(starting.status).toBe(503);
    expect(starting.body.status).toBe('starting');
    herder.ready = true;
    const bad = await call(`${base}/health`, 'GET');
    expect(bad.status).toBe(500);
    expect(bad.body.status).toBe('unhealthy');
  });

  it('a herder that does not answer in time is a 500 "Request timed out", as Connect', async () => {
    const h = new FakeHerder();
    h.connectorStatus = () => new Promise(() => {});
    const config = readRestConfig(new Map([['listeners', 'http://127.0.0.1:0']]), { env: {} });
    const server = new RestServer(h, config, { requestTimeoutMs: 200 });
    servers.push(server);
    const [l] = await server.start();
    const r = await call(`${l!.url}/connectors/x/status`, 'GET');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error_code: 500, message: 'Request timed out' });
  });

  it('a herder failure that is not a HerderError is a 500 with its message, and is logged without request bodies', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const h = new FakeHerder();
    h.putConnectorConfig = async () => {
      throw new Error('config topic write failed');
    };
    const { url } = await start(h, {}, log);
    const r = await call(`${url}/connectors`, 'POST', jdbc('e'));
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error_code: 500, message: 'config topic write failed' });
    expect(lines.join('')).toContain('config topic write failed');
    expect(lines.join('')).not.toContain(SECRET);
  });
});

describe('CORS and request logging', () => {
  it('sends access.control.allow.origin and answers preflights (before basic auth)', async () => {
    const jaas = path.join(tmp, 'cors.jaas');
    fs.writeFileSync(path.join(tmp, 'cors.users'), 'u: p\n');
    fs.writeFileSync(jaas, `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${path.join(tmp, 'cors.users')}"; };`);
    const { url } = await start(new FakeHerder(), {
      'access.control.allow.origin': 'https://ui.example.com',
      'access.control.allow.methods': 'GET,POST,PUT,DELETE',
      'rest.extension.classes': 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
      'java.security.auth.login.config': jaas,
    });
    const pre = await call(`${url}/connectors`, 'OPTIONS', undefined, { origin: 'https://ui.example.com', 'access-control-request-method': 'POST' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,DELETE');
    const get = await call(`${url}/connectors`, 'GET', undefined, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    expect((await call(`${url}/connectors`, 'GET')).status).toBe(401);
  });

  it('response.http.headers.config adds headers to every response, validated as Connect', async () => {
    const { url } = await start(new FakeHerder(), { 'response.http.headers.config': 'set X-Frame-Options: DENY, add Cache-Control: no-store, "set X-Note: a,b", setDate Expires: 3600000' });
    for (const p of ['/connectors', '/nope']) {
      const r = await call(`${url}${p}`, 'GET');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('x-note')).toBe('a,b');
      expect(Date.parse(r.headers.get('expires')!)).toBeGreaterThan(Date.now() + 3_000_000);
    }
    const bad = (v: string) => () => readRestConfig(new Map([['response.http.headers.config', v]]), { env: {} });
    expect(bad('put X: y')).toThrow(/invalid header config action: 'put'/);
    expect(bad('set X')).toThrow(/Expected: '\[header name\]:\[header value\]'/);
    expect(bad('set X Y: z')).toThrow(/cannot contain whitespace/);
  });

  it('logs one debug line per request with method, path and status, never bodies or query values', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const { url } = await start(new FakeHerder(), {}, log);
    await call(`${url}/connectors?expand=info`, 'POST', jdbc('logged'));
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'REST request');
    expect(line).toMatchObject({ method: 'POST', path: '/connectors', status: 201 });
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).not.toContain('expand');
  });
});

describe('forwarding (?forward) to the worker that can serve a request', () => {
  it('forwards once to the named worker and passes its answer back; ?forward=false answers 409', async () => {
    const leader = new FakeHerder();
    const follower = new FakeHerder();
    const { url: leaderUrl } = await start(leader);
    follower.forwardTo = leaderUrl;
    const { url } = await start(follower);
    const r = await call(`${url}/connectors`, 'POST', jdbc('fw'));
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('fw');
    expect(r.text).not.toContain(SECRET);
    expect(leader.connectorsMap.has('fw')).toBe(true);
    expect(follower.connectorsMap.has('fw')).toBe(false);

    const again = await call(`${url}/connectors`, 'POST', jdbc('fw'));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error_code: 409, message: 'Connector fw already exists' });

    const noHop = await call(`${url}/connectors/fw/stop?forward=false`, 'PUT');
    expect(noHop.status).toBe(409);
    expect(noHop.body).toEqual({ error_code: 409, message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)' });

    follower.forwardTo = undefined;
    follower.putConnectorConfig = async () => {
      throw (await import('../../src/connect-worker/herder.js')).HerderError.forward(undefined);
    };
    const noLeader = await call(`${url}/connectors`, 'POST', jdbc('x'));
    expect(noLeader.status).toBe(409);
    expect(noLeader.body.message).toBe('Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.');
  });
});

describe('basic auth as BasicAuthSecurityRestExtension', () => {
  const EXT = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
  function files(users: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, 'auth-'));
    fs.writeFileSync(path.join(dir, 'connect.password'), users);
    fs.writeFileSync(
      path.join(dir, 'connect.jaas'),
      `// the Connect docs' example\nKafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${path.join(dir, 'connect.password')}";\n};\n`,
    );
    return path.join(dir, 'connect.jaas');
  }
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  it('requires a user of the users file; 401 "User cannot access the resource." otherwise', async () => {
    const jaas = files('# users\nadmin: s3cret-admin\nops=ops-pass\n');
    const config = readRestConfig(new Map([['listeners', 'http://127.0.0.1:0'], ['rest.extension.classes', EXT]]), { env: { KAFKA_OPTS: `-Xmx1g -Djava.security.auth.login.config=${jaas}` } });
    const server = new RestServer(new FakeHerder(), config);
    servers.push(server);
    const [l] = await server.start();
    const none = await call(`${l!.url}/connectors`, 'GET');
    expect(none.status).toBe(401);
    expect(none.text).toBe('User cannot access the resource.');
    expect((await call(`${l!.url}/connectors`, 'GET', undefined, basic('admin', 'wrong'))).status).toBe(401);
    expect((await call(`${l!.url}/connectors`, 'GET', undefined, basic('nobody', 's3cret-admin'))).status).toBe(401);
    expect((await call(`${l!.url}/connectors`, 'GET', undefined, { authorization: 'Bearer abc' })).status).toBe(401);
    expect((await call(`${l!.url}/connectors`, 'GET', undefined, basic('admin', 's3cret-admin'))).status).toBe(200);
    expect((await call(`${l!.url}/connectors`, 'GET', undefined, basic('ops', 'ops-pass'))).status).toBe(200);
    // unknown routes are behind the password too
    expect((await call(`${l!.url}/nope`, 'GET')).status).toBe(401);
    const post = await call(`${l!.url}/connectors`, 'POST', jdbc('a'), basic('admin', 's3cret-admin'));
    expect(post.status).toBe(201);
  });

  it('the JAAS file can be the worker property; an empty users file lets every request through, as in Connect', async () => {
    const jaas = files('');
    const config = readRestConfig(new Map([['listeners', 'http://127.0.0.1:0'], ['rest.extension.classes', EXT], ['java.security.auth.login.config', jaas]]), { env: {} });
    const server = new RestServer(new FakeHerder(), config);
    servers.push(server);
    const [l] = await server.start();
    expect((await call(`${l!.url}/connectors`, 'GET')).status).toBe(200);
  });

  it('a missing JAAS file, entry or login module, or another extension, is a config error naming it', () => {
    const read = (props: Record<string, string>, env: NodeJS.ProcessEnv = {}) => () => readRestConfig(new Map(Object.entries({ 'rest.extension.classes': EXT, ...props })), { env });
    expect(read({})).toThrow(/KAFKA_OPTS=-Djava.security.auth.login.config/);
    expect(read({ 'java.security.auth.login.config': path.join(tmp, 'missing.jaas') })).toThrow(/cannot read .*missing\.jaas \(ENOENT\)/);
    const other = path.join(tmp, 'other.jaas');
    fs.writeFileSync(other, 'KafkaServer { x.Y required; };');
    expect(read({ 'java.security.auth.login.config': other })).toThrow(/has no KafkaConnect/);
    const ldap = path.join(tmp, 'ldap.jaas');
    fs.writeFileSync(ldap, 'KafkaConnect { com.sun.security.auth.module.LdapLoginModule required userProvider="ldap://x"; };');
    expect(read({ 'java.security.auth.login.config': ldap })).toThrow(/LdapLoginModule is not supported/);
    expect(() => readRestConfig(new Map([['rest.extension.classes', 'com.example.MyExtension']]), { env: {} })).toThrow(/com.example.MyExtension/);
  });
});

describe('listeners and advertised URL', () => {
  it('binds 127.0.0.1:8083 by default; a listener with no host binds 127.0.0.1 with a notice', () => {
    const d = readRestConfig(new Map(), { env: {} });
    expect(d.listeners).toEqual([{ protocol: 'http', host: '127.0.0.1', port: 8083, spec: 'http://127.0.0.1:8083' }]);
    const { listeners, notices } = parseListeners('HTTP://:8083');
    expect(listeners[0]).toMatchObject({ protocol: 'http', host: '127.0.0.1', port: 8083 });
    expect(notices[0]).toMatch(/0\.0\.0\.0/);
    expect(parseListeners('http://[::1]:8083,http://0.0.0.0:9000').listeners.map((l) => l.host)).toEqual(['::1', '0.0.0.0']);
    expect(() => parseListeners('ftp://x:1')).toThrow(ConfigError);
    expect(() => parseListeners('http://x')).toThrow(/not a listener URL/);
    expect(() => parseListeners('http://x:70000')).toThrow(/out of range/);
    expect(readRestConfig(new Map([['listeners', 'http://0.0.0.0:8083']]), { env: {} }).notices.join('\n')).toMatch(/without authentication/);
  });

  it('serves several listeners at once and advertises rest.advertised.*', async () => {
    const config = readRestConfig(
      new Map([
        ['listeners', 'http://127.0.0.1:0, http://localhost:0'],
        ['rest.advertised.host.name', 'worker-1.internal'],
      ]),
      { env: {} },
    );
    const server = new RestServer(new FakeHerder(), config);
    servers.push(server);
    const bound = await server.start();
    expect(bound).toHaveLength(2);
    for (const b of bound) expect((await call(`${b.url}/`, 'GET')).status).toBe(200);
    expect(server.advertisedUrl()).toBe(`http://worker-1.internal:${bound[0]!.port}`);
    expect(server.workerId()).toBe(`worker-1.internal:${bound[0]!.port}`);
  });
});

describe('admin.listeners', () => {
  it('empty: no admin resources; a list: /admin/loggers only there, the API only on listeners', async () => {
    const { url } = await start(new FakeHerder(), { 'admin.listeners': '' });
    expect((await call(`${url}/admin/loggers`, 'GET')).status).toBe(404);
    expect((await call(`${url}/connectors`, 'GET')).status).toBe(200);

    const config = readRestConfig(new Map([['listeners', 'http://127.0.0.1:0'], ['admin.listeners', 'http://127.0.0.1:0']]), { env: {} });
    const server = new RestServer(new FakeHerder(), config);
    servers.push(server);
    const [api, admin] = await server.start();
    expect(admin!.admin).toBe(true);
    expect((await call(`${api!.url}/admin/loggers`, 'GET')).status).toBe(404);
    expect((await call(`${api!.url}/connectors`, 'GET')).status).toBe(200);
    expect((await call(`${admin!.url}/admin/loggers`, 'GET')).body).toEqual({ root: { level: 'INFO', last_modified: null } });
    expect((await call(`${admin!.url}/connectors`, 'GET')).status).toBe(404);
    expect(server.advertisedUrl()).toBe(api!.url);
  });
});

describe('TLS listeners', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'tls-'));
  const key = path.join(dir, 'server.key');
  const crt = path.join(dir, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const pemStore = path.join(dir, 'server.pem');
  fs.writeFileSync(pemStore, fs.readFileSync(key, 'utf8') + fs.readFileSync(crt, 'utf8'));
  const p12 = path.join(dir, 'server.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', crt, '-out', p12, '-passout', 'pass:store-pass'], { stdio: 'ignore' });
  const ca = fs.readFileSync(crt);
  const agent = new Agent({ connect: { ca } });

  async function httpsStart(props: Record<string, string>): Promise<string> {
    const config = readRestConfig(new Map(Object.entries({ listeners: 'https://127.0.0.1:0', ...props })), { env: {} });
    const server = new RestServer(new FakeHerder(), config);
    servers.push(server);
    const [l] = await server.start();
    return l!.url;
  }

  it('serves https with a PEM key store file (listeners.https.ssl.*)', async () => {
    const url = await httpsStart({ 'listeners.https.ssl.keystore.type': 'PEM', 'listeners.https.ssl.keystore.location': pemStore });
    expect(url).toMatch(/^https:/);
    const r = await undiciFetch(`${url}/connectors`, { dispatcher: agent });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([]);
    // plain http to the TLS port is refused
    await expect(fetch(url.replace('https:', 'http:') + '/connectors')).rejects.toThrow();
  });

  it('serves https with inline PEM (ssl.keystore.key / certificate.chain) and with PKCS12 (ssl.*)', async () => {
    const inline = await httpsStart({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': fs.readFileSync(key, 'utf8'), 'ssl.keystore.certificate.chain': fs.readFileSync(crt, 'utf8') });
    expect((await undiciFetch(`${inline}/`, { dispatcher: agent })).status).toBe(200);
    const pkcs = await httpsStart({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': p12, 'ssl.keystore.password': 'store-pass' });
    expect((await undiciFetch(`${pkcs}/`, { dispatcher: agent })).status).toBe(200);
  });

  it('requires client certificates with ssl.client.auth=required', async () => {
    const url = await httpsStart({ 'ssl.keystore.location': pemStore, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': crt, 'ssl.client.auth': 'required' });
    await expect(undiciFetch(`${url}/`, { dispatcher: agent })).rejects.toThrow();
    const withCert = new Agent({ connect: { ca, cert: fs.readFileSync(crt), key: fs.readFileSync(key) } });
    expect((await undiciFetch(`${url}/`, { dispatcher: withCert })).status).toBe(200);
  });

  it('refuses JKS naming the key, a wrong PKCS12 password naming the password key, and a missing certificate', () => {
    const jks = path.join(dir, 'server.jks');
    fs.writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    const read = (props: Record<string, string>) => () => readRestConfig(new Map(Object.entries({ listeners: 'https://127.0.0.1:0', ...props })), { env: {} });
    expect(read({ 'listeners.https.ssl.keystore.location': jks, 'listeners.https.ssl.keystore.password': 'pw-not-shown' })).toThrow(/listeners\.https\.ssl\.keystore\.location: a JKS store/);
    expect(read({ 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': pemStore })).toThrow(/ssl\.keystore\.location: a JKS store.*ssl\.keystore\.type=PEM/);
    let message = '';
    try {
      read({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': p12, 'ssl.keystore.password': 'wrong-pass-123' })();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/ssl\.keystore\.location: .*check it and ssl\.keystore\.password/);
    expect(message).not.toContain('wrong-pass-123');
    expect(read({})).toThrow(/an https listener needs a server certificate/);
    expect(read({ 'ssl.keystore.location': pemStore, 'ssl.client.auth': 'required' })).toThrow(/ssl\.client\.auth=required needs ssl\.truststore/);
  });
});

describe('secret masking', () => {
  it('hides literal secrets, keeps placeholders as written, masks passwords in URLs', () => {
    expect(maskValue('connection.password', 'abc')).toBe('[hidden]');
    expect(maskValue('connection.password', '${file:/s.properties:pw}')).toBe('${file:/s.properties:pw}');
    expect(maskValue('connection.password', ' ${env:PW} ')).toBe(' ${env:PW} ');
    // a literal around a placeholder is still a literal
    expect(maskValue('connection.password', 'pre-${env:PW}')).toBe('[hidden]');
    expect(maskValue('connection.password', '')).toBe('');
    expect(maskValue('aws.secret.access.key', 'AKIA/xyz')).toBe('[hidden]');
    expect(maskValue('s3.sse.customer.key', 'a2V5')).toBe('[hidden]');
    expect(maskValue('key.converter.basic.auth.user.info', 'u:p')).toBe('[hidden]');
    expect(maskValue('consumer.override.ssl.key.password', 'k')).toBe('[hidden]');
    expect(maskValue('value.converter.schema.registry.url', 'https://u:p@registry:8081')).toBe('https://u:[hidden]@registry:8081');
    expect(maskValue('connection.url', 'jdbc:postgresql://h/db?sslmode=require&password=pw;x=1')).toBe('jdbc:postgresql://h/db?sslmode=require&password=[hidden];x=1');
    expect(maskValue('topics', 'password')).toBe('password');
  });
});
