// Summarises V8 .cpuprofile files (node --cpu-prof): where a thread's busy
// time goes, by area (Sluice's engine, a sink, avsc, the Kafka binding, GC,
// native code) and by function, so a missed target can say what costs.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hot {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  files: string[];
  /** Time on CPU (samples not idle, not a worker waiting for a task). */
  busyMs: number;
  wallMs: number;
  areas: Hot[];
  functions: Hot[];
}

/** Samples that are not work: the event loop waiting, a Piscina worker waiting for a task. */
const IDLE = new Set(['(idle)', 'atomicsWaitLoop']);

function shortUrl(url: string): string {
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) return clean.slice(nm + 'node_modules/'.length);
  const dist = clean.indexOf('/dist/');
  return dist >= 0 ? clean.slice(dist + '/dist/'.length) : clean;
}

function areaOf(name: string, url: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'native (binding C++, event loop, V8)';
  if (name.startsWith('wasm-function')) return 'WebAssembly (parquet-wasm)';
  if (!url) return 'native builtins';
  const u = shortUrl(url);
  if (u.startsWith('src/pipeline/')) return 'Sluice engine (src/pipeline)';
  if (u.startsWith('src/source/')) return 'Sluice Kafka source (src/source)';
  if (u.startsWith('src/workers/')) return 'Sluice worker + decoders (src/workers)';
  if (u.startsWith('src/sinks/')) return `Sluice sink (src/sinks/${u.split('/')[2]})`;
  if (u.startsWith('src/')) return 'Sluice other (src)';
  if (u.startsWith('bench/')) return 'benchmark runner';
  if (url.includes('node_modules/')) {
    const parts = u.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return 'Node.js internals';
}

export function summariseProfiles(files: string[], top = 12): ProfileSummary {
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  let wall = 0;
  for (const file of files) {
    const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < prof.samples.length; i++) {
      const us = prof.timeDeltas[i] ?? 0;
      wall += us;
      const n = byId.get(prof.samples[i]!)!;
      const name = n.callFrame.functionName || '(anonymous)';
      if (IDLE.has(name)) continue;
      busy += us;
      const url = n.callFrame.url;
      const area = areaOf(name, url);
      areas.set(area, (areas.get(area) ?? 0) + us);
      const key = url ? `${name} ${shortUrl(url)}:${n.callFrame.lineNumber + 1}` : name;
      fns.set(key, (fns.get(key) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));
  return { files, busyMs: busy / 1000, wallMs: wall / 1000, areas: rank(areas), functions: rank(fns) };
}

export function formatProfile(s: ProfileSummary, top = 10): string {
  const pct = (h: Hot) => `${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(6)} ms  ${h.name}`;
  return [
    `${s.files.length} profile(s): ${s.busyMs.toFixed(0)} ms on CPU (idle and waiting-for-task samples left out)`,
    'by area:',
    ...s.areas.slice(0, top).map((h) => '  ' + pct(h)),
    'by function (self time):',
    ...s.functions.slice(0, top).map((h) => '  ' + pct(h)),
  ].join('\n');
}

/** Profiles of one run directory: the main thread's, and the workers' merged. */
export function summariseRunDir(dir: string, top = 10): { thread: string; summary: string }[] {
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  const main = files.filter((f) => path.basename(f).split('.')[4] === '0');
  const workers = files.filter((f) => path.basename(f).split('.')[4] !== '0');
  const out: { thread: string; summary: string }[] = [];
  if (main.length) out.push({ thread: 'main thread', summary: formatProfile(summariseProfiles(main, top), top) });
  if (workers.length) out.push({ thread: `${workers.length} worker threads, merged`, summary: formatProfile(summariseProfiles(workers, top), top) });
  return out;
}

// `node dist/bench/lib/profile.js <dir>...` prints the summaries of run directories.
if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  for (const dir of process.argv.slice(2)) {
    for (const s of summariseRunDir(dir, 15)) console.log(`${dir}: ${s.thread}\n${s.summary}\n`);
  }
}
