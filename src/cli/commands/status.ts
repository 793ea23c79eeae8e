import { Command, Option } from 'commander';
import { progressLine } from '../../job/progressLine';
import type { JobView } from '../../gateway/jobView';
import { action, printJson, type CommandFactory } from '../command';
import type { CommandContext } from '../context';
import { secondsAsMs } from '../usage';
import { waitForJob } from '../waitForJob';

function modelLine(m: JobView['model']): string {
  const asked = m.version !== null ? `version ${m.version}` : m.version_label !== null ? `label ${m.version_label}` : 'latest';
  const served = m.served_version !== null ? `, served ${m.served_version}` : '';
  return `${m.name} (${asked}, signature ${m.signature_name}${served})`;
}

function printView(ctx: CommandContext, view: JobView): void {
  const rows: [string, string | null][] = [
    ['status', view.status],
    ['progress', progressLine(view)],
    ['model', modelLine(view.model)],
    ['parallelism', String(view.parallelism)],
    ['output', view.output_path],
    ['manifest', view.manifest_path],
    ['created', view.created_at],
    ['started', view.started_at],
    ['finished', view.finished_at],
    ['error', view.error],
    ['web ui', view.links.ui],
  ];
  ctx.out(`job ${view.job_id}`);
  for (const [k, v] of rows) if (v !== null && v !== '') ctx.out(`  ${k.padEnd(12)}${v}`);
}

/** `status <job_id> [--watch]`: the job view; `--watch` follows it to its end first (exit 0 only when it succeeded). */
export const statusCommand: CommandFactory = (cli) =>
  new Command('status')
    .description("Show a job's progress.")
    .argument('<job_id>')
    .option('--watch', 'follow the job until it ends (live progress on stderr); exit 0 only when it succeeded')
    .addOption(new Option('--interval <seconds>', 'how often --watch polls').argParser(secondsAsMs(0.1, 3600)).default(1000, '1'))
    .action(
      action<[string], { watch?: boolean; interval: number }>(cli, async (ctx, opts, jobId) => {
        const view = opts.watch ? await waitForJob(ctx, jobId, opts.interval) : await ctx.client.job(jobId);
        if (opts.json) printJson(ctx, view);
        else printView(ctx, view);
        return opts.watch && view.status !== 'succeeded' ? 1 : 0;
      }),
    );
