// The settings `sluice worker` itself reads from Kafka Connect's worker
// properties (connect-distributed.properties), with CONNECT_<KEY> environment
// variables over the file, as Confluent's Connect images take them
// (CONNECT_GROUP_ID=x sets group.id). The connectors' own share of the file
// (converters, consumer.*, config.providers) is read by config/load.ts from the
// merged file this writes, so one file serves both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { translateKafkaSecurity } from '../config/kafka-security.js';
import { parsePropertiesText } from '../config/providers.js';
import { commonOptions } from '../config/spec.js';
import { envName, type OptionSpec } from '../config/options.js';

export interface WorkerSettings {
  /** The worker group: workers with the same group.id share connectors and state. */
  readonly groupId: string;
  readonly bootstrapServers: string;
  readonly configTopic: string;
  readonly statusTopic: string;
  readonly configReplication?: number;
  readonly statusReplication?: number;
  readonly statusPartitions: number;
  /** How often this worker announces itself in the status topic. */
  readonly heartbeatMs: number;
  /** A worker not heard from for this long is gone: its connectors move to the others. */
  readonly sessionTimeoutMs: number;
  /** Worker threads shared by every connector of this worker (worker.threads). */
  readonly threads: number;
  /** One byte budget for every connector of this worker (inflight.max.bytes). */
  readonly inflightMaxBytes: number;
  /** librdkafka properties of the worker's own clients (top-level security keys, translated). */
  readonly kafka: Readonly<Record<string, string>>;
  /** Secrets among the worker's keys, for redaction. */
  readonly secrets: readonly string[];
  /** Every property, file then environment, as read. */
  readonly properties: ReadonlyMap<string, string>;
  /** The merged properties file for config/load.ts (undefined: neither a file nor CONNECT_* variables). */
  readonly mergedFile?: string;
}

/** CONNECT_GROUP_ID → group.id (Confluent's image convention: lower case, _ → .). */
export function envKey(name: string): string | undefined {
  if (!name.startsWith('CONNECT_') || name.length <= 'CONNECT_'.length) return undefined;
  return name.slice('CONNECT_'.length).toLowerCase().replace(/_/g, '.');
}

const SECURITY_PREFIXES = ['security.protocol', 'sasl.', 'ssl.'];

function int(props: ReadonlyMap<string, string>, key: string, dflt: number | undefined, problems: string[]): number | undefined {
  const v = props.get(key);
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n)) {
    problems.push(`${key}: must be an integer, got "${v}"`);
    return dflt;
  }
  return n;
}

export function readWorkerSettings(file: string | undefined, env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const props = new Map<string, string>();
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`--worker: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    for (const [k, v] of parsePropertiesText(text)) props.set(k, v);
  }
  let fromEnv = 0;
  for (const [name, value] of Object.entries(env)) {
    const key = envKey(name);
    if (key === undefined || value === undefined) continue;
    props.set(key, value);
    fromEnv++;
  }
  const problems: string[] = [];
  const required = (key: string): string => {
    const v = props.get(key)?.trim();
    if (!v) {
      problems.push(`${key}: required for sluice worker (in the worker properties file, or CONNECT_${key.toUpperCase().replace(/\./g, '_')})`);
      return '';
    }
    return v;
  };
  const groupId = required('group.id');
  const bootstrapServers = required('bootstrap.servers');
  const configTopic = required('config.storage.topic');
  const statusTopic = required('status.storage.topic');
  const security: Record<string, string> = {};
  for (const [k, v] of props) if (SECURITY_PREFIXES.some((p) => k.startsWith(p))) security[k] = v;
  const translated = translateKafkaSecurity(security, { nameOf: (p) => `${p} (worker)` });
  problems.push(...translated.problems);
  const heartbeatMs = int(props, 'heartbeat.interval.ms', 3000, problems)!;
  const sessionTimeoutMs = int(props, 'session.timeout.ms', 10_000, problems)!;
  if (sessionTimeoutMs <= heartbeatMs) problems.push(`session.timeout.ms (${sessionTimeoutMs}) must be larger than heartbeat.interval.ms (${heartbeatMs})`);
  const shared = (key: 'worker.threads' | 'inflight.max.bytes'): number => {
    // Sluice's own option, worker-wide here: SLUICE_<KEY> over the worker property, else its declared default.
    const spec = commonOptions.find((o) => o.key === key) as OptionSpec<number>;
    const raw = env[envName(key)] ?? props.get(key);
    if (raw === undefined || raw.trim() === '') return spec.default!;
    const r = spec.schema.safeParse(raw);
    if (!r.success) {
      problems.push(`${key}: ${r.error.issues[0]?.message ?? 'invalid'} (expected ${spec.expects})`);
      return spec.default!;
    }
    return r.data;
  };
  const settings = {
    groupId,
    threads: shared('worker.threads'),
    inflightMaxBytes: shared('inflight.max.bytes'),
    bootstrapServers,
    configTopic,
    statusTopic,
    configReplication: int(props, 'config.storage.replication.factor', undefined, problems),
    statusReplication: int(props, 'status.storage.replication.factor', undefined, problems),
    statusPartitions: int(props, 'status.storage.partitions', 5, problems)!,
    heartbeatMs,
    sessionTimeoutMs,
    kafka: translated.properties,
    secrets: translated.secrets,
    properties: props,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  if (fromEnv === 0) return { ...settings, ...(file !== undefined ? { mergedFile: file } : {}) };
  // Connectors read the same settings (converters, consumer.*, providers): one merged file, private to this process.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-'));
  const merged = path.join(dir, 'worker.properties');
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  fs.writeFileSync(merged, [...props].map(([k, v]) => `${esc(k).replace(/([=:\s])/g, '\\$1')}=${esc(v)}`).join('\n') + '\n', { mode: 0o600 });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return { ...settings, mergedFile: merged };
}
