import { Command, Option } from 'commander';
import { action, printJson, type CommandFactory } from '../command';
import type { CommandContext, ExitCode } from '../context';
import type { SubmitAnswer } from '../gatewayClient';
import { readSpec } from '../readSpec';
import { secondsAsMs } from '../usage';
import { finalLine, waitForJob } from '../waitForJob';

export interface WaitOptions {
  wait?: boolean;
  interval: number;
}

export const waitOptions = (cmd: Command, what: string): Command =>
  cmd
    .option('--wait', `follow ${what} until it ends (live progress on stderr); exit 0 only when it succeeded`)
    .addOption(new Option('--interval <seconds>', 'how often --wait polls').argParser(secondsAsMs(0.1, 3600)).default(1000, '1'));

/**
 * After a job was started (by `submit` or `retry-failed`): its id on stdout, or with `--wait` its
 * end. `--json` prints the 201/200 body, or the final job view with `--wait`.
 */
export async function reportStarted(ctx: CommandContext, answer: SubmitAnswer, opts: WaitOptions & { json?: boolean }): Promise<ExitCode> {
  const jobId = answer.job.job_id;
  ctx.err(
    answer.created
      ? `job ${jobId} submitted -> ${answer.job.output_path}`
      : `job ${jobId} already exists (${answer.job.status}); not submitted again`,
  );
  ctx.err(`web ui: ${answer.job.links.ui}`);
  if (!opts.wait) {
    if (opts.json) printJson(ctx, { created: answer.created, ...answer.job });
    else ctx.out(jobId);
    return 0;
  }
  const final = await waitForJob(ctx, jobId, opts.interval);
  if (opts.json) printJson(ctx, final);
  else ctx.out(finalLine(final));
  if (final.error) ctx.err(`error: ${final.error}`);
  return final.status === 'succeeded' ? 0 : 1;
}

/** `submit <spec.json|-> [--wait]`: checked here first, so a bad spec fails before any network call. */
export const submitCommand: CommandFactory = (cli) =>
  waitOptions(
    new Command('submit')
      .description('Submit a job spec (a file, or - for stdin); prints the job id.')
      .argument('<spec.json|->', 'the job spec (docs/jobs.md)'),
    'the job',
  ).action(
    action<[string], WaitOptions>(cli, async (ctx, opts, source) => {
      const spec = await readSpec(ctx, source);
      if (spec === undefined) return 1;
      return reportStarted(ctx, await ctx.client.submit(spec), opts);
    }),
  );
