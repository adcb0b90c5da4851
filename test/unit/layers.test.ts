// The layer rule of native-notes/architecture.md, checked on the source: no
// import runs up the layers, and a worker thread loads no main-thread-only
// module (database clients, the AWS SDK) to find its encoder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Bottom to top; a file may import from its own layer and those below. */
const LAYERS: [string, (f: string) => boolean][] = [
  ['core', (f) => f.startsWith('core/') || f === 'errors.ts'],
  ['records', (f) => f.startsWith('workers/') || f.startsWith('transforms/')],
  ['config', (f) => f.startsWith('config/')],
  ['source', (f) => f.startsWith('source/')],
  ['sinks', (f) => f.startsWith('sinks/') && !TOP_SINK_FILES.has(f)],
  ['pipeline', (f) => f.startsWith('pipeline/')],
  ['top', (f) => TOP_SINK_FILES.has(f) || !f.includes('/')],
];
/** The registry and the two views of it. */
const TOP_SINK_FILES = new Set(['sinks/registry.ts', 'sinks/index.ts', 'sinks/worker-encoders.ts']);
/** The one import that runs up, by design: a worker finds its sink's encoder through the registry's worker-side entry. */
const ALLOWED_UP = new Set(['workers/worker.ts -> sinks/worker-encoders.ts']);

function layerOf(file: string): number {
  const i = LAYERS.findIndex(([, is]) => is(file));
  if (i < 0) throw new Error(`${file}: in no layer`);
  return i;
}

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(SRC, p)] : [];
  });
}

interface Import { target: string; dynamic: boolean; typeOnly: boolean }

/** Relative imports (static, re-exports and dynamic) of a source file, as paths under src/; packages as their names. */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const out: Import[] = [];
  const add = (spec: string, dynamic: boolean, typeOnly: boolean) => {
    if (!spec.startsWith('.')) {
      out.push({ target: spec, dynamic, typeOnly });
      return;
    }
    const resolved = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), spec)).replace(/\.js$/, '.ts');
    out.push({ target: resolved, dynamic, typeOnly });
  };
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) add(m[2]!, false, m[1] !== undefined);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) add(m[1]!, false, false);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, true, false);
  return out;
}

describe('layers', () => {
  const files = sourceFiles();

  it('no import runs up the layers', () => {
    const up: string[] = [];
    for (const f of files) {
      for (const { target } of importsOf(f)) {
        if (!target.endsWith('.ts')) continue;
        const edge = `${f} -> ${target}`;
        if (layerOf(target) > layerOf(f) && !ALLOWED_UP.has(edge)) up.push(`${edge} (${LAYERS[layerOf(f)]![0]} -> ${LAYERS[layerOf(target)]![0]})`);
      }
    }
    expect(up).toEqual([]);
    expect(files).toContain('workers/worker.ts');
  });

  it('the source does not import the pipeline or the sinks, and workers reach sinks only through the registry', () => {
    for (const f of files) {
      const targets = importsOf(f).map((i) => i.target);
      if (f.startsWith('source/')) expect(targets.filter((t) => t.startsWith('pipeline/') || t.startsWith('sinks/')), f).toEqual([]);
      if (f.startsWith('workers/')) expect(targets.filter((t) => t.startsWith('sinks/') && t !== 'sinks/worker-encoders.ts'), f).toEqual([]);
    }
  });

  it('a worker thread loads no database client, AWS SDK or main-thread sink half at start', () => {
    // Everything a worker loads statically, from its task module on.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const i of importsOf(f)) {
        if (i.dynamic || i.typeOnly) continue;
        if (i.target.endsWith('.ts')) walk(i.target);
        else packages.add(i.target);
      }
    };
    walk('workers/worker.ts');
    expect(seen).toContain('sinks/registry.ts');
    expect([...packages].filter((p) => /^(pg|pg-copy-streams|@aws-sdk\/.*|@confluentinc\/.*|piscina|parquet-wasm|apache-arrow)$/.test(p))).toEqual([]);
    expect([...seen].filter((f) => /^sinks\/[^/]+\/(sink|service|encoding|format-encoder)\.ts$/.test(f))).toEqual([]);
  });
});
