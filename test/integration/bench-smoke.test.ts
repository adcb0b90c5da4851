// The benchmark harness end to end in quick mode against the real stack:
// it finishes by itself and writes a JSON result with every part in it.
// Figures are not checked (a tiny run's timings mean nothing), only that the
// structure is there and every measured ratio is a positive number.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/lib/results.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/bench/run.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it('writes a complete result file', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-smoke-'));
    const { code, output } = await runBench(['--quick', '--no-progress', '--micro-time', '100', '--out', out], 220_000);
    expect(code, output.slice(-3000)).toBe(0);

    for (const f of ['latest.json', 'latest.md', 'latest.svg']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const r = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8')) as BenchResult;

    expect(r.version).toBe(1);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.memoryBytes).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.versions.node);
    expect(r.settings.quick).toBe(true);
    expect(positive(r.settings.n)).toBe(true);
    expect(positive(r.settings.defaults.workerThreads)).toBe(true);

    // Every baseline is measured on the same rows.
    expect(r.baselines.map((b) => b.name).sort()).toEqual(['copy', 'copy-upsert', 'parquet-encode', 'raw-consume']);
    for (const b of r.baselines) expect(positive(b.recordsPerS), b.name).toBe(true);

    // Every target is either measured, with a positive ratio to its baseline, or skipped with a reason.
    for (const target of ['drop', 'pg-insert', 'pg-upsert', 's3']) {
      const row = r.e2e.find((e) => e.shape === 'order' && e.target === target);
      const skip = r.skipped.find((s) => s.what === `e2e order ${target}`);
      expect(row !== undefined || skip !== undefined, `${target} neither measured nor skipped`).toBe(true);
      if (row) {
        expect(positive(row.ratio), `${target} ratio`).toBe(true);
        expect(positive(row.recordsPerS)).toBe(true);
        expect(positive(row.peakRssBytes)).toBe(true);
        expect(row.cpu.mainS).toBeGreaterThan(0);
        expect(row.cpu.workersS).toBeGreaterThan(0);
      } else expect(skip!.reason.length).toBeGreaterThan(0);
    }
    // PostgreSQL insert and consume + decode work today: they must be measured.
    expect(r.e2e.some((e) => e.target === 'pg-insert')).toBe(true);
    expect(r.e2e.some((e) => e.target === 'drop')).toBe(true);

    expect(r.latency).not.toBeNull();
    expect(positive(r.latency!.p50Ms)).toBe(true);
    expect(r.latency!.p99Ms).toBeGreaterThanOrEqual(r.latency!.p50Ms);

    expect(r.sweeps).not.toBeNull();
    expect(r.sweeps!.threads.length).toBeGreaterThanOrEqual(2);
    expect(r.sweeps!.batchSizes.length).toBeGreaterThanOrEqual(2);
    for (const p of [...r.sweeps!.threads, ...r.sweeps!.batchSizes]) expect(positive(p.recordsPerS)).toBe(true);

    expect(r.micro).not.toBeNull();
    const groups = new Set(r.micro!.rows.map((m) => m.group));
    for (const g of ['decode', 'encode', 'pack', 'pool']) expect(groups.has(g), g).toBe(true);
    for (const m of r.micro!.rows) expect(positive(m.recordsPerS), m.name).toBe(true);
    expect(positive(r.micro!.poolScaling?.ratio)).toBe(true);
    expect(r.micro!.dispatch.length).toBeGreaterThan(0);

    expect(r.targets.length).toBe(8);
    for (const t of r.targets.filter((x) => x.unit === '×' && x.measured !== null)) expect(positive(t.measured), t.name).toBe(true);
    expect(fs.readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('## Targets');
    expect(fs.readFileSync(path.join(out, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>/);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
