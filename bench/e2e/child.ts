// Harness side of the e2e runner: forks bench/e2e/runner.js, hands it a job,
// relays progress and commit events, and returns its result. The child is
// killed if it outlives the job's time limit.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessMessage, RunnerJob, RunnerMessage, RunnerResult } from './protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNNER = path.join(here, 'runner.js');
const THREAD_TAG = path.join(here, '../lib/thread-tag.js');

export interface ChildOptions {
  /** Write .cpuprofile files (main thread and each worker) here. */
  profileDir?: string;
  onProgress?: (records: number, durable: number, partitions: number) => void;
  onCommit?: (partition: number, committed: number, t: number) => void;
  /** Gets a function that asks the runner to stop (until: 'stop' jobs). */
  onStarted?: (stop: () => void) => void;
}

export class RunnerFailed extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export function runInChild(job: RunnerJob, opts: ChildOptions = {}): Promise<RunnerResult> {
  const execArgv = ['--import', THREAD_TAG];
  if (opts.profileDir) {
    fs.mkdirSync(opts.profileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  }
  const child = fork(RUNNER, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  // A send to a runner that already exited is not an error of the harness.
  child.on('error', () => {});
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise<RunnerResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      fn();
    };
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new RunnerFailed(`runner did not finish within ${job.timeoutMs + 60_000} ms`, output)));
    }, job.timeoutMs + 60_000);
    child.on('message', (m: RunnerMessage) => {
      switch (m.type) {
        case 'started':
          opts.onStarted?.(() => child.connected && child.send({ type: 'stop' } satisfies HarnessMessage));
          break;
        case 'progress':
          opts.onProgress?.(m.records, m.durable, m.partitions);
          break;
        case 'commit':
          opts.onCommit?.(m.partition, m.committed, m.t);
          break;
        case 'result':
          settle(() => resolve(m.result));
          break;
        case 'failed':
          settle(() => reject(new RunnerFailed(m.message, output)));
          break;
      }
    });
    child.on('exit', (code, signal) => {
      // Give a result already on its way a moment to arrive.
      setTimeout(() => settle(() => reject(new RunnerFailed(`runner exited (${signal ?? code}) without a result`, output))), 100);
    });
    child.send({ type: 'run', job } satisfies HarnessMessage);
  });
}
