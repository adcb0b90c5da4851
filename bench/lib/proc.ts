// Per-thread CPU time and peak memory of a process, from Linux /proc. The
// e2e runner splits Sluice's CPU into the main thread, the worker threads,
// librdkafka's threads and the rest (GC, libuv) with this.
import fs from 'node:fs';

export interface ThreadCpu {
  tid: number;
  name: string;
  /** On-CPU time in ns (schedstat; clock ticks from stat when schedstat is missing). */
  cpuNs: number;
}

const TICK_NS = 1e9 / 100; // USER_HZ is 100 on Linux

function readThread(pid: number | 'self', tid: string): ThreadCpu | undefined {
  const dir = `/proc/${pid}/task/${tid}`;
  try {
    const name = fs.readFileSync(`${dir}/comm`, 'utf8').trim();
    let cpuNs: number;
    try {
      cpuNs = Number(fs.readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      const stat = fs.readFileSync(`${dir}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuNs = (Number(f[11]) + Number(f[12])) * TICK_NS;
    }
    return { tid: Number(tid), name, cpuNs };
  } catch {
    return undefined; // the thread ended between readdir and read
  }
}

export function threadCpu(pid: number | 'self' = 'self'): ThreadCpu[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.map((t) => readThread(pid, t)).filter((t): t is ThreadCpu => t !== undefined);
}

export interface CpuSplit {
  mainS: number;
  workersS: number;
  librdkafkaS: number;
  otherS: number;
  totalS: number;
}

/** CPU spent between two snapshots, by thread role. */
export function cpuSplit(before: ThreadCpu[], after: ThreadCpu[], mainTid: number, workerTids: ReadonlySet<number>): CpuSplit {
  const start = new Map(before.map((t) => [t.tid, t.cpuNs]));
  const s: CpuSplit = { mainS: 0, workersS: 0, librdkafkaS: 0, otherS: 0, totalS: 0 };
  for (const t of after) {
    const d = (t.cpuNs - (start.get(t.tid) ?? 0)) / 1e9;
    if (t.tid === mainTid) s.mainS += d;
    else if (workerTids.has(t.tid)) s.workersS += d;
    else if (t.name.startsWith('rdk:')) s.librdkafkaS += d;
    else s.otherS += d;
    s.totalS += d;
  }
  return s;
}

/** Peak and current resident set size in bytes (VmHWM, VmRSS). */
export function memory(pid: number | 'self' = 'self'): { peakRss: number; rss: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { peakRss: 0, rss: 0 };
  }
}

/** Machine-wide CPU jiffies (all cores): busy and total, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user)
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Share of all cores busy between two machineCpu() readings (0..1). */
export function busyShare(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  const t = b.total - a.total;
  return t > 0 ? (b.busy - a.busy) / t : 0;
}
