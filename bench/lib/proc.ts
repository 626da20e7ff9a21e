import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

/** Linux only: everything here reads /proc. USER_HZ is 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

const readOr = (path: string, fallback = '') => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** A /proc/<pid>/status field in kB (VmHWM = peak RSS, VmRSS = current), null when the process is gone. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readOr(`/proc/${pid}/status`));
  return match ? Number(match[1]) : null;
}

/** User + system CPU seconds a process has used so far (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11] ?? 0);
  const stime = Number(fields[12] ?? 0);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** CPU seconds of every process with this command name (postgres backends, redis-server). */
export function cpuSecondsOfCommand(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readOr(`/proc/${entry}/comm`).trim() === comm) total += cpuSeconds(Number(entry));
  }
  return total;
}

/** Machine-wide busy and total CPU seconds since boot, from the first line of /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const parts = readOr('/proc/stat').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = parts.reduce((a, b) => a + b, 0);
  const idle = (parts[3] ?? 0) + (parts[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export function loadAverage(): number[] {
  return readOr('/proc/loadavg').split(' ').slice(0, 3).map(Number);
}

export function machineFacts() {
  const cpuinfo = readOr('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? null;
  return {
    nproc: availableParallelism(),
    cpu_model: model,
    cpu_mhz: mhz === null ? null : Number(mhz),
    memory_total_mib: Math.round(totalmem() / 1024 / 1024),
    kernel: readOr('/proc/sys/kernel/osrelease').trim(),
    node: process.version,
  };
}

const benchCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** CPU used by each party over an interval, in cores (CPU seconds / wall seconds). */
export type CpuMeter = { stop(groupsAtEnd?: Record<string, number[]>): Record<string, number> };

/**
 * `pids`: single processes. `groups`: sets of processes (e.g. the database sessions of the server),
 * listed again at stop(); a member that appeared meanwhile counts from 0, as it started in the interval.
 */
export function startCpuMeter(pids: Record<string, number>, groups: Record<string, number[]> = {}): CpuMeter {
  const read = () => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])),
    postgres_all: cpuSecondsOfCommand('postgres'),
    redis: cpuSecondsOfCommand('redis-server'),
    bench: benchCpuSeconds(),
  });
  const before = read();
  const groupBefore = new Map(Object.values(groups).flat().map((pid) => [pid, cpuSeconds(pid)]));
  const machineBefore = machineCpu();
  const t0 = performance.now();
  return {
    stop(groupsAtEnd = {}) {
      const after = read();
      const machineAfter = machineCpu();
      const wall = (performance.now() - t0) / 1000;
      const cores = (x: number) => Math.round((x / wall) * 100) / 100;
      const out: Record<string, number> = {};
      // A process that exits takes its CPU time with it: a sum over processes can shrink, never below 0.
      for (const [k, v] of Object.entries(after)) out[k] = Math.max(0, cores(v - (before as Record<string, number>)[k]!));
      for (const name of new Set([...Object.keys(groups), ...Object.keys(groupsAtEnd)])) {
        const members = new Set([...(groups[name] ?? []), ...(groupsAtEnd[name] ?? [])]);
        let used = 0;
        for (const pid of members) used += Math.max(0, cpuSeconds(pid) - (groupBefore.get(pid) ?? 0));
        out[name] = cores(used);
      }
      out.machine_busy = cores(machineAfter.busy - machineBefore.busy);
      out.machine_total = cores(machineAfter.total - machineBefore.total);
      // Whatever else ran meanwhile (other users' tests, builds): the benchmark competed with it.
      const ours = Object.entries(out)
        .filter(([k]) => !k.startsWith('machine_') && !(k in groups) && !(k in groupsAtEnd))
        .reduce((sum, [, v]) => sum + v, 0);
      out.everything_else = Math.round(Math.max(0, out.machine_busy - ours) * 100) / 100;
      return out;
    },
  };
}

/** Processes whose command line mentions `text` (e.g. our temp dir): what a child may have left behind. */
export function pidsMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (readOr(`/proc/${entry}/cmdline`).includes(text)) found.push(Number(entry));
  }
  return found;
}
