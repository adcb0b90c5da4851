// Which workers run which connector. Every worker computes the same answer
// from the same inputs (the live workers heard in the status topic, the
// connectors in the config topic), so no leader is needed: a connector with
// tasks.max = n runs on n of the live workers (all of them when fewer),
// taken in sorted worker-id order from a start that depends on the connector's
// name, so connectors spread over the group. The records themselves are
// shared among those workers by Kafka's consumer group connect-<name>.
import { createHash } from 'node:crypto';

export interface TaskAssignment {
  readonly id: number;
  readonly workerId: string;
}

export function tasksMax(config: Readonly<Record<string, unknown>>): number {
  const n = Number(config['tasks.max'] ?? 1);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

function startOf(name: string, workers: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % workers;
}

/** The tasks of one connector: task i runs on the i-th chosen worker. */
export function assignConnector(name: string, max: number, liveWorkers: readonly string[]): TaskAssignment[] {
  const workers = [...new Set(liveWorkers)].sort();
  if (workers.length === 0) return [];
  const n = Math.min(Math.max(1, max), workers.length);
  const start = startOf(name, workers.length);
  return Array.from({ length: n }, (_v, i) => ({ id: i, workerId: workers[(start + i) % workers.length]! }));
}
