/**
 * `npm run bench [-- <scenario ...>] [--quick] [--json] [--use-running]`: runs the scenarios of issue #10
 * (every one without a name) in registry order, prints each one's table and then every target met or
 * not, and writes bench/results/<date>-<commit>.json (bench/resultsFile.ts). Exits non-zero when a
 * scenario failed to run (a missed target is a figure, not a failure).
 *
 * `npm run bench -- tfserving [flags]` and `npm run bench -- job [flags]` run the two older
 * standalone benches with their own flags (see the top of bench/tfserving.ts and bench/job.ts).
 */
import '../src/stack/quietAwsNodeWarning';
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { REPO_ROOT } from '../src/stack/paths';
import { stopStacksOnSignals } from '../src/stack/signals';
import { gitState, machineNow, writeResults } from './resultsFile';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from './scenario';
import { formatTable, round } from './table';

/**
 * The scenarios, in the order a full run makes them. Each module exports `scenario: Scenario` whose
 * name is the key here. `cost` reports on the end-to-end runs (made once per process, shared).
 */
const SCENARIOS: readonly { name: string; load: () => Promise<Scenario> }[] = [
  { name: 'ceiling', load: async () => (await import('./ceiling')).scenario },
  { name: 'end-to-end', load: async () => (await import('./endToEnd')).scenario },
  { name: 'scale', load: async () => (await import('./scale')).scenario },
  { name: 'cancel', load: async () => (await import('./cancel')).scenario },
  { name: 'recovery', load: async () => (await import('./recovery')).scenario },
  { name: 'cost', load: async () => (await import('./cost')).scenario },
];

/** Standalone benches with flags of their own (not part of a full run). */
const TOOLS: Record<string, () => Promise<{ DESCRIPTION: string; run(argv: string[]): Promise<void> }>> = {
  tfserving: () => import('./tfserving'),
  job: () => import('./job'),
};

const FLAGS = ['--quick', '--json', '--use-running', '--help'];

async function usage(problem?: string): Promise<number> {
  const scenarios = await Promise.all(SCENARIOS.map(async (s) => `  ${s.name.padEnd(12)} ${(await s.load()).description}`));
  const tools = await Promise.all(Object.entries(TOOLS).map(async ([n, l]) => `  ${n.padEnd(12)} ${(await l()).DESCRIPTION}`));
  console.error(
    `${problem ? `${problem}\n\n` : ''}usage: npm run bench -- [scenario ...] [--quick] [--json] [--use-running]\n` +
      `       npm run bench -- tfserving|job [flags]\n\nscenarios (all when none is named):\n${scenarios.join('\n')}\n\nstandalone benches:\n${tools.join('\n')}`,
  );
  return problem ? 2 : 0;
}

interface Outcome {
  scenario: string;
  duration_s: number;
  result?: ScenarioResult;
  error?: string;
}

function printResult(r: ScenarioResult, durationS: number): void {
  console.log(`\n== ${r.scenario} (${durationS.toFixed(0)} s)`);
  console.log(formatTable(r.table.columns, r.table.rows, '  '));
}

function targetRows(outcomes: Outcome[]): { scenario: string; check: TargetCheck }[] {
  const rows: { scenario: string; check: TargetCheck }[] = [];
  for (const o of outcomes) {
    if (o.error) rows.push({ scenario: o.scenario, check: { target: 'scenario ran', value: 'error', met: false, note: o.error.split('\n')[0] } });
    for (const check of o.result?.targets ?? []) rows.push({ scenario: o.scenario, check });
  }
  return rows;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const tool = args[0] ? TOOLS[args[0]] : undefined;
  if (tool) {
    await (await tool()).run(args.slice(1));
    return 0;
  }
  const unknownFlag = args.find((a) => a.startsWith('--') && !FLAGS.includes(a));
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknownFlag) return usage(`unknown flag: ${unknownFlag}`);
  if (unknown.length) return usage(`unknown scenario: ${unknown.join(', ')}`);
  if (args.includes('--help')) return usage();

  // Ctrl-C or a SIGTERM mid-run stops the scenario's stack instead of leaving its processes behind.
  stopStacksOnSignals();
  const json = args.includes('--json');
  const ctx: BenchContext = {
    quick: args.includes('--quick'),
    useRunning: args.includes('--use-running'),
    log: json ? () => undefined : (line) => console.log(line),
  };
  const chosen = SCENARIOS.filter((s) => !names.length || names.includes(s.name));
  const startedAt = new Date();
  const machine = machineNow();
  const git = gitState();
  ctx.log(
    `bench: ${chosen.map((s) => s.name).join(', ')}${ctx.quick ? ' (quick)' : ''} on ${machine.cores} cores, load ${machine.load_average_start.join(' ')}, ` +
      `commit ${git.short}${git.dirty ? ' (dirty)' : ''}, ${ctx.useRunning ? 'the running stack' : 'private stacks'}`,
  );

  const outcomes: Outcome[] = [];
  for (const entry of chosen) {
    const t0 = performance.now();
    ctx.log(`\nbench: ${entry.name}`);
    try {
      const scenario = await entry.load();
      const result = await scenario.run(ctx);
      const duration = (performance.now() - t0) / 1000;
      outcomes.push({ scenario: entry.name, duration_s: round(duration, 1), result });
      if (!json) printResult(result, duration);
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      outcomes.push({ scenario: entry.name, duration_s: round((performance.now() - t0) / 1000, 1), error });
      ctx.log(`bench: ${entry.name} FAILED: ${error}`);
    }
  }

  machine.load_average_end = loadavg().map((l) => round(l, 2));
  const targets = targetRows(outcomes);
  const finishedAt = new Date();
  const doc = {
    format: 'nightshift-bench/1',
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_s: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
    command: ['npm', 'run', 'bench', '--', ...args].join(' '),
    quick: ctx.quick,
    use_running: ctx.useRunning,
    machine,
    git,
    scenarios: outcomes.map((o) => (o.result ? { ...o.result, duration_s: o.duration_s } : { scenario: o.scenario, duration_s: o.duration_s, error: o.error })),
    targets: targets.map((t) => ({ scenario: t.scenario, ...t.check })),
  };
  const file = writeResults(doc, { startedAt, git, scenarios: names.length ? chosen.map((s) => s.name) : 'all', quick: ctx.quick });

  if (json) console.log(JSON.stringify(doc));
  else {
    console.log(`\n== targets${ctx.quick ? ' (quick sizes: indicative only)' : ''}`);
    console.log(
      targets.length
        ? formatTable(['scenario', 'target', 'value', 'met', 'note'], targets.map((t) => [t.scenario, t.check.target, t.check.value, t.check.met ? 'met' : 'NOT MET', t.check.note ?? '']), '  ')
        : '  (no targets in these scenarios)',
    );
    console.log(`\nbench: load ${machine.load_average_start.join(' ')} at start, ${machine.load_average_end.join(' ')} at end; ${doc.duration_s} s in all`);
    console.log(`bench: results in ${relative(REPO_ROOT, file)}`);
  }
  return outcomes.some((o) => o.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
