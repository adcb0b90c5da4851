// What the results were measured on: cores, memory, and the versions of
// every part a figure depends on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Kafka from '@confluentinc/kafka-javascript';
import { sql } from './pg.js';
import { withAdmin } from './kafka.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  kernel: string;
  node: string;
  v8: string;
  librdkafka: string;
  kafkaJavascript: string;
  kafkaBroker: string;
  postgres: string;
  parquetWasm: string;
  apacheArrow: string;
  avsc: string;
  piscina: string;
  sluiceCommit: string;
  /** Load average when the run started: other work on the machine skews figures. */
  loadAverage: number[];
}

function pkgVersion(root: string, name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(root: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${sha}+uncommitted-src-changes` : sha;
  } catch {
    // Outside a git checkout (an exported tree), the caller can say what it is.
    return process.env.BENCH_COMMIT ?? 'unknown';
  }
}

async function kafkaVersion(brokers: string): Promise<string> {
  // The broker reports no version over the protocol the client exposes; the
  // stack script installs a known one, recorded by its jar name.
  try {
    await withAdmin(brokers, (a) => a.listTopics());
  } catch {
    return 'unreachable';
  }
  const cache = process.env.SLUICE_CACHE_DIR ?? path.join(os.homedir(), '.cache/sluice');
  try {
    const kafkaDirs = fs.readdirSync(cache).filter((d) => d.startsWith('kafka-')).sort();
    return kafkaDirs.length ? kafkaDirs[kafkaDirs.length - 1]!.slice('kafka-'.length) : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(root: string, brokers: string, pgUrl: string): Promise<Machine> {
  const cpus = os.cpus();
  let postgres = 'unknown';
  try {
    postgres = String((await sql(pgUrl, 'SHOW server_version'))[0]?.server_version ?? 'unknown');
  } catch {
    postgres = 'unreachable';
  }
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.arch()}`,
    kernel: os.release(),
    node: process.versions.node,
    v8: process.versions.v8,
    librdkafka: (Kafka as unknown as { librdkafkaVersion: string }).librdkafkaVersion,
    kafkaJavascript: pkgVersion(root, '@confluentinc/kafka-javascript'),
    kafkaBroker: await kafkaVersion(brokers),
    postgres,
    parquetWasm: pkgVersion(root, 'parquet-wasm'),
    apacheArrow: pkgVersion(root, 'apache-arrow'),
    avsc: pkgVersion(root, 'avsc'),
    piscina: pkgVersion(root, 'piscina'),
    sluiceCommit: gitCommit(root),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
