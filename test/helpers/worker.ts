// A cluster of `sluice worker` processes for tests: each a child process with
// its own REST port (bound on port 0 and read back from its log), all in one
// worker group with their own config and status topics; and a small client
// for Kafka Connect's REST API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSluice, type RunningSluice } from './sluice.js';
import { KAFKA, uniqueName, waitFor } from './stack.js';

export interface TestWorker {
  readonly url: string;
  readonly sluice: RunningSluice;
  readonly pid: number;
}

export interface TestCluster {
  readonly group: string;
  readonly workers: TestWorker[];
  /** Starts one more worker of the group. */
  add(): Promise<TestWorker>;
  /** Stops every worker still running (SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

export async function startCluster(size: number, extraProps: Record<string, string> = {}, env: Record<string, string> = {}): Promise<TestCluster> {
  const group = uniqueName('wg');
  const props: Record<string, string> = {
    'bootstrap.servers': KAFKA,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'status.storage.topic': `${group}-status`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.partitions': '2',
    'config.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    // Short, so a killed worker's connectors move within seconds.
    'heartbeat.interval.ms': '1000',
    'session.timeout.ms': '5000',
    'consumer.session.timeout.ms': '6000',
    'consumer.heartbeat.interval.ms': '1000',
    listeners: 'http://127.0.0.1:0',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    ...extraProps,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cluster-'));
  const file = path.join(dir, 'connect-distributed.properties');
  fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const workers: TestWorker[] = [];
  const add = async (): Promise<TestWorker> => {
    const sluice = startSluice(['worker', '--worker', file], { SLUICE_WORKER_THREADS: '1', ...env });
    let url: string;
    try {
      const line = await sluice.waitForLine(/REST API listening/, 60_000);
      url = (JSON.parse(line) as { url: string }).url;
      await sluice.waitForLine(/worker joined its group/, 60_000);
    } catch (err) {
      // A worker that did not start is not left behind.
      await sluice.stop('SIGKILL');
      throw err;
    }
    const w = { url, sluice, pid: sluice.child.pid! };
    workers.push(w);
    return w;
  };
  try {
    for (let i = 0; i < size; i++) await add();
  } catch (err) {
    for (const w of workers) w.sluice.child.kill('SIGKILL');
    throw err;
  }
  return {
    group,
    workers,
    add,
    async close() {
      await Promise.all(workers.map(async (w) => {
        if (w.sluice.child.exitCode !== null || w.sluice.child.signalCode !== null) return;
        const t = setTimeout(() => w.sluice.child.kill('SIGKILL'), 30_000);
        await w.sluice.stop('SIGTERM');
        clearTimeout(t);
      }));
    },
  };
}

export function alive(w: TestWorker): boolean {
  return w.sluice.child.exitCode === null && w.sluice.child.signalCode === null;
}

export interface RestReply<T = any> {
  status: number;
  body: T;
}

export async function rest<T = any>(base: string, method: string, pathname: string, body?: unknown): Promise<RestReply<T>> {
  const res = await fetch(base + pathname, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
}

/** Waits until the connector's status, as `base` reports it, satisfies `ok`. */
export async function waitForStatus(base: string, name: string, ok: (s: Status) => boolean, what: string, timeoutMs = 60_000): Promise<Status> {
  let last: unknown;
  try {
    return await waitFor(`${name}: ${what}`, async () => {
      const r = await rest<Status>(base, 'GET', `/connectors/${encodeURIComponent(name)}/status`);
      last = r.body;
      return r.status === 200 && ok(r.body) ? r.body : undefined;
    }, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

export const running = (n: number) => (s: Status) => s.connector.state === 'RUNNING' && s.tasks.length === n && s.tasks.every((t) => t.state === 'RUNNING');
