// The REST contract checked with an independent Kafka Connect REST client
// (kafka-connect-py from PyPI, installed into .venv by scripts/python-readers.sh):
// an operator's script drives `sluice worker`'s REST server (over an in-memory
// Herder) over plain http, and over https with basic auth.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readRestConfig } from '../../src/connect-worker/rest/config.js';
import { RestServer } from '../../src/connect-worker/rest/server.js';
import { FakeHerder } from '../helpers/fake-herder.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const SCRIPT = path.join(ROOT, 'test/integration/connect-rest-client.py');
const run = promisify(execFile);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-rest-contract-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const servers: RestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(props: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const server = new RestServer(new FakeHerder(), readRestConfig(new Map(Object.entries(props)), { env }));
  servers.push(server);
  const [l] = await server.start();
  return l!.url;
}

async function client(...args: string[]): Promise<string[]> {
  const { stdout } = await run(PYTHON, [SCRIPT, ...args], { timeout: 60_000 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`kafka-connect-py script failed: ${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { passed: string[] }).passed;
}

describe('Kafka Connect REST contract with kafka-connect-py', () => {
  it('the client is installed (scripts/python-readers.sh)', async () => {
    const { stdout } = await run(PYTHON, ['-c', 'import importlib.metadata as m; print(m.version("kafka-connect-py"))']);
    expect(stdout.trim()).toBe('1.0.0');
  });

  it('an operator script runs unchanged over http', async () => {
    const url = await serve({ listeners: 'http://127.0.0.1:0' });
    const passed = await client(url);
    expect(passed).toContain('create again is 409');
    expect(passed).toContain('restart with tasks (202 + status)');
    expect(passed).toContain('validate hides the password');
    expect(passed).toContain('delete all');
    // the script stops at its first failed check: all 35 ran
    expect(passed).toHaveLength(35);
    expect(passed.at(-1)).toBe('restart unknown raises');
  });

  it('and over https with basic auth; a wrong password is 401 to the client', async () => {
    const key = path.join(tmp, 'server.key');
    const crt = path.join(tmp, 'server.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(tmp, 'users'), 'operator: op-pass-7\n');
    fs.writeFileSync(path.join(tmp, 'jaas.conf'), `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${path.join(tmp, 'users')}";\n};\n`);
    const url = await serve(
      {
        listeners: 'https://127.0.0.1:0',
        'listeners.https.ssl.keystore.type': 'PEM',
        'listeners.https.ssl.keystore.key': fs.readFileSync(key, 'utf8'),
        'listeners.https.ssl.keystore.certificate.chain': fs.readFileSync(crt, 'utf8'),
        'rest.extension.classes': 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
      },
      { KAFKA_OPTS: `-Djava.security.auth.login.config=${path.join(tmp, 'jaas.conf')}` },
    );
    const passed = await client(url, 'operator:op-pass-7', crt);
    expect(passed).toContain('create');
    expect(passed).toContain('deleted is 404');

    const { stdout } = await run(PYTHON, [
      '-c',
      'import sys\nfrom kafka_connect import KafkaConnect\nfrom requests.exceptions import HTTPError\ntry:\n  KafkaConnect(url=sys.argv[1], auth="operator:wrong", ssl_verify=sys.argv[2]).list_connectors()\nexcept HTTPError as e:\n  print(e.response.status_code, e.response.text)',
      url,
      crt,
    ]);
    expect(stdout.trim()).toBe('401 User cannot access the resource.');
  });
});
