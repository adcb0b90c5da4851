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

    // Both Kafka sources are measured when the native addon loads; otherwise the binding alone, with the reason.
    const nativeSkip = r.skipped.find((s) => s.what === 'native source');
    const sources = nativeSkip ? ['binding'] : ['native', 'binding'];
    expect(r.settings.sources).toEqual(sources);
    if (nativeSkip) expect(nativeSkip.reason).toMatch(/native consumer addon/);

    // Every baseline is measured on the same rows; (a′) when the native source runs.
    const baselines = nativeSkip ? ['copy', 'copy-upsert', 'parquet-encode', 'raw-consume'] : ['copy', 'copy-upsert', 'native-raw-consume', 'parquet-encode', 'raw-consume'];
    expect(r.baselines.map((b) => b.name).sort()).toEqual(baselines);
    for (const b of r.baselines) expect(positive(b.recordsPerS), b.name).toBe(true);

    // Every target of every source is either measured, with a positive ratio to its baseline, or skipped with a reason.
    for (const target of ['drop', 'pg-insert', 'pg-upsert', 's3']) {
      for (const source of sources) {
        const row = r.e2e.find((e) => e.shape === 'order' && e.target === target && e.source === source);
        const skip = r.skipped.find((s) => s.what === `e2e order ${target} ${source}`);
        expect(row !== undefined || skip !== undefined, `${target} ${source} neither measured nor skipped`).toBe(true);
        if (row) {
          expect(row.label).toContain(`${source} source`);
          expect(row.baseline).toBe(target === 'drop' ? (source === 'native' ? 'native-raw-consume' : 'raw-consume') : { 'pg-insert': 'copy', 'pg-upsert': 'copy-upsert', s3: 'parquet-encode' }[target]);
          expect(positive(row.ratio), `${target} ${source} ratio`).toBe(true);
          expect(positive(row.recordsPerS)).toBe(true);
          expect(positive(row.peakRssBytes)).toBe(true);
          expect(row.cpu.mainS).toBeGreaterThan(0);
          expect(row.cpu.workersS).toBeGreaterThan(0);
        } else expect(skip!.reason.length).toBeGreaterThan(0);
      }
    }
    // PostgreSQL insert and consume + decode work today: they must be measured, for every source.
    for (const source of sources) {
      expect(r.e2e.some((e) => e.target === 'pg-insert' && e.source === source), `pg-insert ${source}`).toBe(true);
      expect(r.e2e.some((e) => e.target === 'drop' && e.source === source), `drop ${source}`).toBe(true);
    }

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

    expect(r.targets.length).toBe(11);
    for (const t of r.targets.filter((x) => x.unit === '×' && x.measured !== null)) expect(positive(t.measured), t.name).toBe(true);
    // The native-source targets are evaluated from this run when the native source ran.
    for (const name of ['main-thread CPU per record, native source, output dropped', 'consume + decode, output dropped, native ÷ binding', 'PostgreSQL insert, native ÷ binding']) {
      const t = r.targets.find((x) => x.name === name);
      expect(t, name).toBeDefined();
      if (!nativeSkip) expect(positive(t!.measured), name).toBe(true);
    }
    expect(fs.readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('## Targets');
    expect(fs.readFileSync(path.join(out, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>/);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
