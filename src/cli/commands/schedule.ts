/**
 * `schedule create|list|show|update|pause|unpause|trigger|backfill|delete`: recurring jobs through
 * the gateway's `/v1/schedules`. Schedule files are JSON or YAML, read like job spec files; the
 * gateway checks them (the template as the job spec every run will be) and names the fields it
 * refuses. `--json` prints the gateway's answer.
 */
import { Command, Option } from 'commander';
import type { ScheduleRun, ScheduleSummary, ScheduleView } from '../../gateway/apiTypes';
import { MAX_SCHEDULE_LIST_LIMIT } from '../../gateway/apiSchemas';
import { OVERLAP_POLICIES, type OverlapPolicy, type ScheduleDefinitionInput, type ScheduleSpec } from '../../schedule/scheduleDefinition';
import { action, printJson, type CliRun, type CommandFactory } from '../command';
import type { CommandContext } from '../context';
import type { SchedulePatchInput } from '../gatewayClient';
import { readDocument } from '../readSpec';
import { formatTable } from '../table';
import { isoDateTime, UsageError, wholeNumber } from '../usage';

/** The fields `update` sends (`PATCH /v1/schedules/{id}`). */
export const PATCH_FIELDS = ['spec', 'job', 'overlap', 'catchup_window', 'pause_on_failure'] as const;
/** Fields of a full schedule file that `update` does not send: `pause`/`unpause` change them. */
const STATE_FIELDS = ['paused', 'note'] as const;

// ---- text ------------------------------------------------------------------------------------

/** "0 3 * * * (Europe/Berlin)" or "every 24h (UTC)". */
export function whenText(spec: ScheduleSpec): string {
  const what = spec.cron ?? (spec.interval !== undefined ? `every ${spec.interval}` : '(changed outside Nightshift)');
  return `${what} (${spec.timezone})`;
}

function specText(spec: ScheduleSpec): string {
  const extra = [
    spec.jitter !== undefined ? `jitter ${spec.jitter}` : null,
    spec.start_at !== undefined ? `from ${spec.start_at}` : null,
    spec.end_at !== undefined ? `until ${spec.end_at}` : null,
  ].filter((e) => e !== null);
  return [whenText(spec), ...extra].join(', ');
}

/** "12.3s", "4m05s", "2h07m". */
export function durationText(s: number): string {
  if (s < 60) return `${s}s`;
  const total = Math.round(s);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m` : `${m}m${pad(sec)}s`;
}

/** What comes next for a schedule, for the one-line confirmations. */
function nextText(view: ScheduleView): string {
  if (view.paused) return 'paused: no runs until unpaused';
  return view.next_runs[0] ? `next run ${view.next_runs[0]}` : 'no runs ahead';
}

function templateText(job: Record<string, unknown>): string {
  const model = (job.model as { name?: unknown } | undefined)?.name;
  const output = (job.output as { s3_path?: unknown } | undefined)?.s3_path;
  return `${typeof model === 'string' ? model : '?'} -> ${typeof output === 'string' ? output : '?'}`;
}

function runRows(runs: ScheduleRun[]): string[] {
  return formatTable([
    ['JOB ID', 'STATUS', 'DURATION', 'STARTED'],
    ...runs.map((r) => [r.job_id, r.status ?? '(expired)', r.duration_s === null ? (r.status === null ? '-' : 'running') : durationText(r.duration_s), r.started_at]),
  ]);
}

export function showLines(v: ScheduleView): string[] {
  const rows: [string, string | null][] = [
    ['schedule', specText(v.spec)],
    ['job', `${templateText(v.job)}  (--json for the whole template)`],
    ['overlap', v.overlap],
    ['catchup', v.catchup_window],
    ['on failure', v.pause_on_failure ? 'pause the schedule' : 'keep running'],
    ['paused', v.paused ? 'yes' : 'no'],
    ['note', v.note],
    ['owner', v.owner],
    ['created', v.created_at],
    ['updated', v.updated_at],
    ['runs', `${v.actions_taken} started, ${v.skipped_overlap} skipped (overlap), ${v.missed_catchup_window} missed (catch-up window)`],
    ['running', v.running_job_ids.length ? v.running_job_ids.join(', ') : null],
    ['web ui', v.links.ui],
  ];
  const lines = [`schedule ${v.schedule_id}`];
  for (const [k, val] of rows) if (val !== null && val !== '') lines.push(`  ${k.padEnd(12)}${val}`);
  lines.push(v.next_runs.length ? 'next runs:' : 'next runs: none');
  for (const t of v.next_runs) lines.push(`  ${t}`);
  if (v.recent_runs.length) {
    lines.push('recent runs:');
    for (const l of runRows(v.recent_runs)) lines.push(`  ${l}`);
  } else lines.push('recent runs: none');
  return lines;
}

export function listLines(schedules: ScheduleSummary[]): string[] {
  return formatTable([
    ['ID', 'SCHEDULE', 'PAUSED', 'NEXT RUN', 'LAST RUN'],
    ...schedules.map((s) => [s.schedule_id, whenText(s.spec), s.paused ? 'yes' : 'no', s.next_run ?? '-', s.last_run?.scheduled_time ?? '-']),
  ]);
}

// ---- files -----------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A schedule file as an object, or undefined after saying why not. */
async function readScheduleFile(ctx: CommandContext, source: string): Promise<Record<string, unknown> | undefined> {
  const doc = await readDocument(ctx, source);
  if (doc === undefined) return undefined;
  if (!isObject(doc)) {
    ctx.err(`${source === '-' ? 'stdin' : source}: must hold an object (a schedule: schedule_id, spec, job, ...)`);
    return undefined;
  }
  return doc;
}

/**
 * What `update <id> <file>` sends: the file's fields, without those of a full schedule file that
 * are not the update's (`schedule_id`, which must be `<id>`; `paused` and `note`, which `pause`
 * and `unpause` change: named in `ignored`). Other fields go as written, for the gateway to judge.
 */
export function patchFromFile(id: string, doc: Record<string, unknown>): { patch: SchedulePatchInput; ignored: string[] } {
  const { schedule_id: fileId, ...rest } = doc;
  if (fileId !== undefined && fileId !== id) {
    throw new UsageError(`the file is for schedule ${JSON.stringify(fileId)}, not "${id}"`);
  }
  const ignored = STATE_FIELDS.filter((f) => f in rest);
  for (const f of ignored) delete rest[f];
  return { patch: rest as SchedulePatchInput, ignored };
}

// ---- commands --------------------------------------------------------------------------------

const overlapOption = (what: string) => new Option('--overlap <policy>', `overlap policy for ${what}`).choices(OVERLAP_POLICIES);
const noteOption = (what: string) => new Option('--note <text>', `why; shown with the schedule (default: who ${what} it)`);
const runsHint = (id: string) => `see the runs: nightshift list --schedule ${id}`;

const create = (cli: CliRun) =>
  new Command('create')
    .description('Create a schedule from a file (JSON or YAML: schedule_id, spec, job, overlap, ...; - for stdin).')
    .argument('<file>', 'the schedule (docs/schedules.md)')
    .action(
      action<[string], object>(cli, async (ctx, opts, source) => {
        const def = await readScheduleFile(ctx, source);
        if (def === undefined) return 1;
        const view = await ctx.client.createSchedule(def as unknown as ScheduleDefinitionInput);
        if (opts.json) printJson(ctx, view);
        else ctx.out(`schedule ${view.schedule_id} created: ${whenText(view.spec)}; ${nextText(view)}`);
        return 0;
      }),
    );

const list = (cli: CliRun) =>
  new Command('list')
    .description('List schedules.')
    .option('--limit <n>', 'schedules per page', wholeNumber(1, MAX_SCHEDULE_LIST_LIMIT), 20)
    .option('--page-token <token>', 'the next page (printed under a full page)')
    .action(
      action<[], { limit: number; pageToken?: string }>(cli, async (ctx, opts) => {
        const page = await ctx.client.listSchedules({ limit: opts.limit, page_token: opts.pageToken });
        if (opts.json) {
          printJson(ctx, page);
          return 0;
        }
        if (page.schedules.length === 0) ctx.err('no schedules');
        else for (const line of listLines(page.schedules)) ctx.out(line);
        if (page.next_page_token !== null) ctx.err(`more: nightshift schedule list --page-token ${page.next_page_token}`);
        return 0;
      }),
    );

const show = (cli: CliRun) =>
  new Command('show')
    .description('Show a schedule: when it runs, its policies, its next and recent runs.')
    .argument('<id>')
    .action(
      action<[string], object>(cli, async (ctx, opts, id) => {
        const view = await ctx.client.schedule(id);
        if (opts.json) printJson(ctx, view);
        else for (const line of showLines(view)) ctx.out(line);
        return 0;
      }),
    );

const update = (cli: CliRun) =>
  new Command('update')
    .description(
      `Change a schedule: the file holds the fields to replace (${PATCH_FIELDS.join(', ')}), or is a full schedule file (its paused and note are ignored: use pause/unpause).`,
    )
    .argument('<id>')
    .argument('<file>', 'JSON or YAML; - for stdin')
    .action(
      action<[string, string], object>(cli, async (ctx, opts, id, source) => {
        const doc = await readScheduleFile(ctx, source);
        if (doc === undefined) return 1;
        const { patch, ignored } = patchFromFile(id, doc);
        if (ignored.length) ctx.err(`ignoring ${ignored.join(' and ')} in ${source === '-' ? 'stdin' : source}: update does not change them (use nightshift schedule pause|unpause ${id} [--note <text>])`);
        const view = await ctx.client.updateSchedule(id, patch);
        if (opts.json) printJson(ctx, view);
        else ctx.out(`schedule ${view.schedule_id} updated (${Object.keys(patch).join(', ')}): ${whenText(view.spec)}; ${nextText(view)}`);
        return 0;
      }),
    );

const pauseOrUnpause = (cli: CliRun, pause: boolean) =>
  new Command(pause ? 'pause' : 'unpause')
    .description(pause ? 'Pause a schedule: no runs start until it is unpaused; running jobs go on.' : 'Unpause a schedule.')
    .argument('<id>')
    .addOption(noteOption(pause ? 'paused' : 'unpaused'))
    .action(
      action<[string], { note?: string }>(cli, async (ctx, opts, id) => {
        const view = pause ? await ctx.client.pauseSchedule(id, opts.note) : await ctx.client.unpauseSchedule(id, opts.note);
        if (opts.json) printJson(ctx, view);
        else ctx.out(`schedule ${view.schedule_id} ${pause ? 'paused' : 'unpaused'}${view.note ? ` (note: ${view.note})` : ''}; ${nextText(view)}`);
        return 0;
      }),
    );

const trigger = (cli: CliRun) =>
  new Command('trigger')
    .description('Start one run of a schedule now (scheduled time: now).')
    .argument('<id>')
    .addOption(overlapOption('this run (default allow_all: run even if a run is going)'))
    .action(
      action<[string], { overlap?: OverlapPolicy }>(cli, async (ctx, opts, id) => {
        const accepted = await ctx.client.triggerSchedule(id, opts.overlap);
        if (opts.json) printJson(ctx, accepted);
        else {
          ctx.out(`schedule ${accepted.schedule_id}: a run now was accepted${opts.overlap ? ` (overlap ${opts.overlap})` : ''}`);
          ctx.out(runsHint(accepted.schedule_id));
        }
        return 0;
      }),
    );

const backfill = (cli: CliRun) =>
  new Command('backfill')
    .description('Run every time a schedule would have run from --start to --end (both inclusive), each writing the date it stands for.')
    .argument('<id>')
    .requiredOption('--start <time>', 'first scheduled time to run (ISO-8601 with zone, inclusive)', isoDateTime)
    .requiredOption('--end <time>', 'last scheduled time to run (ISO-8601 with zone, inclusive)', isoDateTime)
    .addOption(overlapOption('the runs (default buffer_all: one after another, oldest first)'))
    .action(
      action<[string], { start: string; end: string; overlap?: OverlapPolicy }>(cli, async (ctx, opts, id) => {
        // Equal times are the gateway's to judge.
        if (Date.parse(opts.end) < Date.parse(opts.start)) throw new UsageError(`--end (${opts.end}) must not be before --start (${opts.start})`);
        const accepted = await ctx.client.backfillSchedule(id, { start: opts.start, end: opts.end, ...(opts.overlap ? { overlap: opts.overlap } : {}) });
        if (opts.json) printJson(ctx, accepted);
        else {
          ctx.out(`schedule ${accepted.schedule_id}: backfill from ${opts.start} to ${opts.end} accepted${opts.overlap ? ` (overlap ${opts.overlap})` : ''}`);
          ctx.out(runsHint(accepted.schedule_id));
        }
        return 0;
      }),
    );

const remove = (cli: CliRun) =>
  new Command('delete')
    .description('Delete a schedule: no more runs; running jobs go on and past results stay in S3.')
    .argument('<id>')
    .action(
      action<[string], object>(cli, async (ctx, opts, id) => {
        const answer = await ctx.client.deleteSchedule(id);
        if (opts.json) printJson(ctx, answer);
        else ctx.out(`schedule ${answer.schedule_id} deleted; running jobs go on, past results stay`);
        return 0;
      }),
    );

/** `schedule <subcommand>`: one commander command holding the nine. */
export const scheduleCommand: CommandFactory = (cli) =>
  new Command('schedule')
    .description('Recurring jobs: create, list, show, update, pause, unpause, trigger, backfill and delete schedules.')
    .addCommand(create(cli))
    .addCommand(list(cli))
    .addCommand(show(cli))
    .addCommand(update(cli))
    .addCommand(pauseOrUnpause(cli, true))
    .addCommand(pauseOrUnpause(cli, false))
    .addCommand(trigger(cli))
    .addCommand(backfill(cli))
    .addCommand(remove(cli));
