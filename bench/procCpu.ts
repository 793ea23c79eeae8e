/**
 * CPU time of process groups from /proc (Linux): what a stack part (the leader and everything it
 * forked, e.g. Temporal or versitygw helpers) has used so far. Benches sample before and after a job
 * and take the difference.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
/** USER_HZ (clock ticks per second of /proc times); 100 on every common Linux, asked once. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pgrp: number;
  /** utime + stime + cutime + cstime: its own CPU and that of children it has reaped. */
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between the listing and the read
  }
  // Field 2 (comm) is in parentheses and may hold spaces: split after its closing one.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); pgrp is field 5, utime..cstime are fields 14..17.
  const n = (field: number) => Number(rest[field - 3]);
  return { pgrp: n(5), ticks: n(14) + n(15) + n(16) + n(17) };
}

/** CPU seconds used so far by every live process whose process group is one of `groups`, per group. */
export function groupCpuSeconds(groups: readonly number[]): Map<number, number> {
  const wanted = new Set(groups);
  const out = new Map<number, number>(groups.map((g) => [g, 0]));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux: every group reads 0
  }
  for (const pid of pids) {
    const s = readStat(pid);
    if (s && wanted.has(s.pgrp)) out.set(s.pgrp, out.get(s.pgrp)! + s.ticks / clockTicks());
  }
  return out;
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait) since boot. */
export function machineBusyCpuSeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + (cpu[7] ?? 0);
    return busy / clockTicks();
  } catch {
    return 0;
  }
}

export const isLinux = (): boolean => process.platform === 'linux';

/** CPU used so far by each part of a stack (by process group), this process, and the machine. */
export interface CpuSample {
  parts: { name: string; pid: number }[];
  groups: Map<number, number>;
  benchCpuS: number;
  machineBusyCpuS: number;
}

export interface CpuUse {
  /** Per part name (workers summed): how many process groups and their CPU seconds. */
  parts: Record<string, { processes: number; cpu_s: number }>;
  /** The bench process itself (it polls the gateway). */
  bench_cpu_s: number;
  /** Every process on the machine, the stack's included (others' load shows here). */
  machine_busy_cpu_s: number;
}

export function sampleCpu(parts: readonly { name: string; pid: number | undefined }[]): CpuSample {
  const known = parts.filter((p): p is { name: string; pid: number } => p.pid !== undefined);
  const usage = process.cpuUsage();
  return {
    parts: known.map((p) => ({ name: p.name, pid: p.pid })),
    groups: groupCpuSeconds(known.map((p) => p.pid)),
    benchCpuS: (usage.user + usage.system) / 1e6,
    machineBusyCpuS: machineBusyCpuSeconds(),
  };
}

/** What was used between two samples; parts that appeared in between count from zero. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuUse {
  const parts: CpuUse['parts'] = {};
  for (const p of after.parts) {
    const used = (after.groups.get(p.pid) ?? 0) - (before.groups.get(p.pid) ?? 0);
    const e = (parts[p.name] ??= { processes: 0, cpu_s: 0 });
    e.processes++;
    e.cpu_s += Math.max(0, used);
  }
  return { parts, bench_cpu_s: after.benchCpuS - before.benchCpuS, machine_busy_cpu_s: after.machineBusyCpuS - before.machineBusyCpuS };
}
