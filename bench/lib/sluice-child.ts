// A compiled `sluice run` as a child process for the single-sink benches
// (s3-parquet.ts, opensearch.ts): start it on a connector config, wait for
// its partitions, time it from there to every offset committed (committed
// means delivered), and read its peak RSS at that moment.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fullyCommitted } from '../../test/helpers/kafka.js';
import { waitFor } from '../../test/helpers/stack.js';
import { memory } from './proc.js';

/** The compiled CLI beside the compiled bench (dist/bench/lib → dist/src/cli.js). */
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli.js');

export interface BenchSluice {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once partitions are assigned; rejects with the log tail if Sluice exits first. */
  assigned(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function startBenchSluice(config: Record<string, unknown>, name: string, env: Record<string, string>): BenchSluice {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const file = path.join(dir, 'connector.json');
  fs.writeFileSync(file, JSON.stringify({ name, config }));
  const child = spawn(process.execPath, [CLI, 'run', '--config', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Never leave a Sluice behind, whatever happens to the benchmark.
  process.on('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  return {
    child,
    output: () => out,
    assigned: async () => {
      await waitFor('partitions assigned', async () => /assigned/.test(out) || (child.exitCode !== null ? Promise.reject(new Error(out.slice(-3000))) : false), 120_000, 50);
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Seconds from partition assignment to every offset of the topic committed by
 * the connector's group, and the peak RSS then; Sluice is stopped afterwards
 * (its log tail goes to stderr when it exits non-zero). TIMEOUT_S bounds the wait.
 */
export async function timeToCommitted(sluice: BenchSluice, name: string, topic: string): Promise<{ seconds: number; peakRss: number }> {
  try {
    await sluice.assigned();
    const t0 = performance.now();
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), Number(process.env.TIMEOUT_S ?? 600) * 1000, 100)
      .catch((err: Error) => Promise.reject(new Error(`${err.message}\n${sluice.output().slice(-5000)}`)));
    return { seconds: (performance.now() - t0) / 1000, peakRss: memory(sluice.child.pid!).peakRss };
  } finally {
    const code = await sluice.stop();
    if (code !== 0) process.stderr.write(sluice.output().slice(-3000));
  }
}
