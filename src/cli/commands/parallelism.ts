import { Command } from 'commander';
import { MAX_PARALLELISM, MIN_PARALLELISM } from '../../job/messages';
import { action, printJson, type CommandFactory } from '../command';
import { wholeNumber } from '../usage';

/** `parallelism <job_id> <n>`: answers with the value the workflow took. */
export const parallelismCommand: CommandFactory = (cli) =>
  new Command('parallelism')
    .description(`Change how many batches of a job run at once (${MIN_PARALLELISM}..${MAX_PARALLELISM}).`)
    .argument('<job_id>')
    .argument('<n>', 'batches in flight', wholeNumber(MIN_PARALLELISM, MAX_PARALLELISM))
    .action(
      action<[string, number], object>(cli, async (ctx, opts, jobId, n) => {
        const now = await ctx.client.setParallelism(jobId, n);
        if (opts.json) printJson(ctx, { job_id: jobId, parallelism: now });
        else ctx.out(`job ${jobId}: parallelism ${now}`);
        return 0;
      }),
    );
