/**
 * Scenario 6, the cost of orchestration: CPU seconds each process of the stack (worker(s), Temporal,
 * S3 server, model server, gateway) used per 1,000 items during the end-to-end runs, and its share of
 * the stack's total. On 2 cores, every CPU-second the orchestration takes is one the model server
 * does not get. Read from /proc for each part's whole process group, before and after each job.
 */
import { endToEndParameters, measureEndToEnd, type EndToEndRun } from './endToEnd';
import type { BenchContext, Scenario, ScenarioResult } from './scenario';
import { round } from './table';

/** Parts in the order the table lists them. */
const PARTS = ['worker', 'temporal', 's3', 'model-server', 'gateway'] as const;

interface RunCost {
  label: string;
  items: number;
  wall_s: number;
  /** Per part: CPU seconds in the job, per 1,000 items, share of the stack's total. */
  parts: Record<string, { processes: number; cpu_s: number; cpu_s_per_1k_items: number; share: number }>;
  stack_cpu_s: number;
  stack_cpu_s_per_1k_items: number;
  /** The stack's CPU over the wall time: how many of the machine's cores it kept busy. */
  stack_cores_busy: number;
  bench_cpu_s: number;
  /** Everything else the machine ran meanwhile (other users' load). */
  other_cpu_s: number;
}

function costOf(r: EndToEndRun): RunCost | undefined {
  if (!r.cpu) return undefined;
  const total = Object.values(r.cpu.parts).reduce((s, p) => s + p.cpu_s, 0);
  const per1k = (s: number) => round((s / r.items) * 1000, 4);
  const parts: RunCost['parts'] = {};
  for (const [name, p] of Object.entries(r.cpu.parts)) {
    parts[name] = { processes: p.processes, cpu_s: round(p.cpu_s, 2), cpu_s_per_1k_items: per1k(p.cpu_s), share: round(total ? p.cpu_s / total : 0, 3) };
  }
  return {
    label: r.label,
    items: r.items,
    wall_s: r.wall_s,
    parts,
    stack_cpu_s: round(total, 2),
    stack_cpu_s_per_1k_items: per1k(total),
    stack_cores_busy: round(total / r.wall_s, 2),
    bench_cpu_s: round(r.cpu.bench_cpu_s, 2),
    other_cpu_s: round(Math.max(0, r.cpu.machine_busy_cpu_s - total - r.cpu.bench_cpu_s), 2),
  };
}

export const scenario: Scenario = {
  name: 'cost',
  description: 'CPU seconds per 1,000 items of each process (worker, Temporal, S3, model server, gateway) in the end-to-end runs',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const m = await measureEndToEnd(ctx);
    const costs = m.runs.map(costOf).filter((c): c is RunCost => c !== undefined);
    const cell = (c: RunCost, part: string) => {
      const p = c.parts[part];
      return p ? `${p.cpu_s_per_1k_items.toFixed(3)} (${(p.share * 100).toFixed(0)}%)` : '-';
    };
    const rows: (string | number)[][] = [
      ...PARTS.map((part) => [part, ...costs.map((c) => cell(c, part))]),
      ['stack total', ...costs.map((c) => c.stack_cpu_s_per_1k_items.toFixed(3))],
      ['stack cores busy', ...costs.map((c) => c.stack_cores_busy.toFixed(2))],
      ['bench process', ...costs.map((c) => ((c.bench_cpu_s / c.items) * 1000).toFixed(3))],
      ['other processes', ...costs.map((c) => ((c.other_cpu_s / c.items) * 1000).toFixed(3))],
    ];
    return {
      scenario: 'cost',
      parameters: {
        ...endToEndParameters(m),
        method: 'utime+stime (+ reaped children) of every process in each part\'s process group, from /proc, before and after each job',
        unit: 'CPU seconds per 1,000 items (share of the stack total)',
        ...(costs.length ? {} : { unavailable: m.stack === 'running' ? '--use-running: the stack\'s processes are not ours' : 'no /proc (not Linux)' }),
      },
      figures: { runs: costs },
      table: { columns: ['CPU s / 1k items', ...costs.map((c) => c.label)], rows },
      targets: [],
    };
  },
};
