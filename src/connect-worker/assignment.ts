// Which workers run which connector. Every worker computes the same answer
// from the same inputs (the live workers heard in the status topic, the
// connectors in the config topic), so no leader is needed. A connector with
// tasks.max = n runs on the n live workers (all of them when fewer) that rank
// highest for it by rendezvous hashing (a hash of connector and worker id):
// connectors spread over the group, and a worker joining or leaving moves
// only the connectors it enters or leaves the top n of, as Connect's
// incremental cooperative rebalancing keeps the others where they are. The
// records themselves are shared among a connector's workers by Kafka's
// consumer group connect-<name>.
import { createHash } from 'node:crypto';

export interface TaskAssignment {
  readonly id: number;
  readonly workerId: string;
}

export function tasksMax(config: Readonly<Record<string, unknown>>): number {
  const n = Number(config['tasks.max'] ?? 1);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

function rank(name: string, worker: string): bigint {
  return createHash('sha256').update(name).update('\u0000').update(worker).digest().readBigUInt64BE(0);
}

/** The tasks of one connector: task i runs on the worker ranked i-th for it. */
export function assignConnector(name: string, max: number, liveWorkers: readonly string[]): TaskAssignment[] {
  const workers = [...new Set(liveWorkers)]
    .map((w) => ({ w, r: rank(name, w) }))
    // Highest rank first; ties (never in practice) by id, so every worker orders alike.
    .sort((a, b) => (a.r === b.r ? (a.w < b.w ? -1 : 1) : a.r > b.r ? -1 : 1));
  const n = Math.min(Math.max(1, max), workers.length);
  return workers.slice(0, n).map((x, i) => ({ id: i, workerId: x.w }));
}
