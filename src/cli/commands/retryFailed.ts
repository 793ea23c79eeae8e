import { Command } from 'commander';
import { action, type CommandFactory } from '../command';
import { reportStarted, waitOptions, type WaitOptions } from './submit';

/** `retry-failed <job_id> [--wait]`: a new job `<job_id>-retry` over the items that failed. */
export const retryFailedCommand: CommandFactory = (cli) =>
  waitOptions(
    new Command('retry-failed')
      .description('Start a new job (<job_id>-retry) over the failed items of a finished job; prints its id.')
      .argument('<job_id>'),
    'the new job',
  ).action(action<[string], WaitOptions>(cli, async (ctx, opts, jobId) => reportStarted(ctx, await ctx.client.retryFailed(jobId), opts)));
