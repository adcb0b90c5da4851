// A real Kafka Connect worker (connect-standalone from Apache Kafka's jars,
// with Debezium's JDBC sink as an isolated plugin; scripts/stack/connect.sh
// fetches both) for tests that race Sluice against it on the same records.
// Each run gets its own offsets file, REST port and log, and is stopped by
// the caller; waiting is on data (the caller's condition), never on a clock.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PG_JDBC } from './connectors.js';
import { KAFKA, PG_URL } from './stack.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..').replace(/\/dist$/, '');

interface ConnectPaths { libs: string; plugins: string }
let paths: ConnectPaths | undefined;

/** Where the Connect runtime and the plugin live (fetched on first use, then cached). */
export function connectPaths(): ConnectPaths {
  if (paths) return paths;
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/stack/connect.sh'), 'paths'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = (k: string) => {
    const v = out.split('\n').find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
    if (!v) throw new Error(`scripts/stack/connect.sh paths printed no ${k}: ${out}`);
    return v;
  };
  paths = { libs: line('CONNECT_LIBS'), plugins: line('CONNECT_PLUGINS') };
  return paths;
}

/**
 * A database of the stack's PostgreSQL for Kafka Connect to write into (made when missing), so that its
 * tables never meet Sluice's: its URL for pg clients and its JDBC URL for the connector config.
 */
export async function connectDatabase(name: string): Promise<{ url: string; jdbc: string }> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { url: PG_URL.replace(/\/[^/]*$/, `/${name}`), jdbc: PG_JDBC.replace(/\/[^/?]*(\?|$)/, `/${name}$1`) };
}

export interface ConnectorConfig { name: string; config: Record<string, string> }

export class ConnectStandalone {
  readonly dir: string;
  private readonly child: ChildProcess;
  private readonly logFile: string;

  constructor(connectors: ConnectorConfig[], worker: Record<string, string> = {}) {
    const { libs, plugins } = connectPaths();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-connect-'));
    this.logFile = path.join(this.dir, 'connect.log');
    const props = {
      'bootstrap.servers': KAFKA,
      // Kafka's shipped worker defaults: JSON with schemas for keys and values.
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': path.join(this.dir, 'offsets'),
      'plugin.path': plugins,
      'plugin.discovery': 'only_scan',
      listeners: 'http://127.0.0.1:0',
      ...worker,
    };
    const workerFile = path.join(this.dir, 'worker.properties');
    fs.writeFileSync(workerFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    const log4j = path.join(this.dir, 'log4j2.properties');
    fs.writeFileSync(log4j, [
      'rootLogger.level=INFO', 'rootLogger.appenderRef.stdout.ref=STDOUT',
      'appender.stdout.type=Console', 'appender.stdout.name=STDOUT',
      'appender.stdout.layout.type=PatternLayout', 'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
      'logger.reflections.name=org.reflections', 'logger.reflections.level=ERROR',
    ].join('\n') + '\n');
    const files = connectors.map((c) => {
      const f = path.join(this.dir, `${c.name}.json`);
      fs.writeFileSync(f, JSON.stringify(c));
      return f;
    });
    const out = fs.openSync(this.logFile, 'w');
    this.child = spawn('java', [
      '-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`,
      '-cp', `${libs}/*`, 'org.apache.kafka.connect.cli.ConnectStandalone', workerFile, ...files,
    ], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
  }

  get pid(): number | undefined {
    return this.child.exitCode === null ? this.child.pid : undefined;
  }

  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Polls `done` until it holds; fails at once when the worker exits or a task dies, with the log's tail. */
  async waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await done().catch(() => false)) return;
      const log = this.log();
      const failed = /Task threw an uncaught and unrecoverable exception|Failed to start connector|Stopping due to error/.exec(log);
      if (failed || this.child.exitCode !== null) {
        const at = failed ? Math.max(0, failed.index - 200) : Math.max(0, log.length - 4000);
        throw new Error(`Kafka Connect failed while waiting for ${what}:\n${log.slice(at, at + 4000)}`);
      }
      if (Date.now() > deadline) throw new Error(`Kafka Connect: timed out after ${timeoutMs} ms waiting for ${what}:\n${log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
