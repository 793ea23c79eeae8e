import { Command, Option } from 'commander';
import { JOB_STATUSES, type JobStatus } from '../../job/messages';
import type { JobSummary } from '../../gateway/apiTypes';
import { MAX_LIST_LIMIT } from '../../gateway/apiSchemas';
import { action, printJson, type CommandFactory } from '../command';
import { formatTable } from '../table';
import { wholeNumber } from '../usage';

interface ListOptions {
  status?: JobStatus;
  model?: string;
  createdAfter?: string;
  schedule?: string;
  limit: number;
  pageToken?: string;
}

const num = (v: number | null): string => (v === null ? '?' : v.toLocaleString('en-US'));

function rows(jobs: JobSummary[]): string[] {
  const table = [
    ['JOB ID', 'STATUS', 'MODEL', 'ITEMS', 'FAILED', 'CREATED'],
    ...jobs.map((j) => [j.job_id, j.status, j.model ?? '?', `${num(j.items_succeeded + j.items_failed)}/${num(j.items_total)}`, num(j.items_failed), j.created_at]),
  ];
  return formatTable(table);
}

/** `list [--status s] [--model m] [--schedule id] [--limit n]`: newest first, one page. */
export const listCommand: CommandFactory = (cli) =>
  new Command('list')
    .description('List jobs, newest first.')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--model <name>', 'only jobs of this model')
    .option('--created-after <time>', 'only jobs created after this ISO-8601 time')
    .option('--schedule <schedule_id>', 'only the runs of this schedule')
    .option('--limit <n>', 'jobs per page', wholeNumber(1, MAX_LIST_LIMIT), 20)
    .option('--page-token <token>', 'the next page (printed under a full page)')
    .action(
      action<[], ListOptions>(cli, async (ctx, opts) => {
        const page = await ctx.client.list({
          status: opts.status,
          model: opts.model,
          created_after: opts.createdAfter,
          schedule_id: opts.schedule,
          limit: opts.limit,
          page_token: opts.pageToken,
        });
        if (opts.json) {
          printJson(ctx, page);
          return 0;
        }
        if (page.jobs.length === 0) ctx.err('no jobs');
        else for (const line of rows(page.jobs)) ctx.out(line);
        if (page.next_page_token !== null) ctx.err(`more: nightshift list --page-token ${page.next_page_token}`);
        return 0;
      }),
    );
