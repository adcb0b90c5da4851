// Summarises V8 .cpuprofile files (node --cpu-prof): self time per function,
// so a missed target can say where the time goes.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  top: HotFunction[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) return clean.slice(nm + 'node_modules/'.length);
  const dist = clean.indexOf('/dist/');
  return dist >= 0 ? clean.slice(dist + 1) : path.basename(clean);
}

export function summariseProfile(file: string, topN = 15): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const byFn = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    total += us;
    if (name === '(idle)' || name === '(program)') {
      if (name === '(idle)') idle += us;
    }
    const where = `${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    const key = `${name}@${where}`;
    const e = byFn.get(key) ?? { name, where, us: 0 };
    e.us += us;
    byFn.set(key, e);
  }
  const busy = total - idle;
  const top = [...byFn.values()]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: busy > 0 ? f.us / busy : 0 }));
  return { file, totalMs: total / 1000, idleMs: idle / 1000, top };
}

export function formatProfile(s: ProfileSummary, topN = 10): string {
  const lines = [`${path.basename(s.file)}: ${(s.totalMs - s.idleMs).toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms`];
  for (const f of s.top.slice(0, topN)) lines.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  return lines.join('\n');
}

// `node dist/bench/lib/profile.js <file-or-dir>...` prints the summaries.
if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  for (const arg of process.argv.slice(2)) {
    const files = fs.statSync(arg).isDirectory() ? fs.readdirSync(arg).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(arg, f)) : [arg];
    for (const f of files) console.log(formatProfile(summariseProfile(f, 20), 20) + '\n');
  }
}
