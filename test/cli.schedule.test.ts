/**
 * `nightshift schedule ...` end to end through `run()`: an in-process gateway, a real worker,
 * Temporal and S3. One schedule's life: created from a file, listed, shown, updated, paused and
 * unpaused, triggered (its job succeeds and its files are in S3), backfilled over two past days
 * (each run writes the date it stands for), deleted. A bad file is refused by the gateway, naming
 * the field; as a process, that and a deleted schedule are exit 1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main';
import { GatewayClient, GatewayError } from '../src/cli/gatewayClient';
import type { JobList, JobSummary, ScheduleList, ScheduleView } from '../src/gateway/apiTypes';
import type { ScheduleAccepted } from '../src/gateway/apiTypes';
import { listObjects } from '../src/storage/s3';
import { BUCKET, s3, uniqueId, users, withWorker } from './helpers/jobHarness';
import { startGateway, type GatewayHarness } from './helpers/gatewayHarness';

const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');
const T = { timeout: 180_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The CLI as a process, without blocking this process's event loop (it serves the gateway). */
function cliProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** YYYY-MM-DD of `t` in UTC. */
const day = (t: Date) => t.toISOString().slice(0, 10);

describe('nightshift schedule end to end', { timeout: 900_000 }, () => {
  let gw: GatewayHarness;
  let dir: string;
  let stopWorker: () => void;
  let worker: Promise<void>;
  const scheduleId = uniqueId('cli-sched');
  const outputRoot = `s3://${BUCKET}/cli-sched/${scheduleId}/`;
  const template = {
    model: { name: 'recommender' },
    input: { item_list: { items: users(0, 30), batch_size: 10 } },
    output: { s3_path: `${outputRoot}{{scheduled_time | date: "YYYY-MM-DD"}}/` },
  };
  const definition = { schedule_id: scheduleId, spec: { cron: '0 3 * * *', timezone: 'UTC' }, job: template };
  // Two past days at the cron's 03:00 UTC.
  const today = new Date();
  const firstDay = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 3, 3));
  const secondDay = new Date(firstDay.getTime() + 86_400_000);
  const seenJobs = new Set<string>();

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, () => ({ client: new GatewayClient(gw.url), out: (l) => out.push(l), err: (l) => err.push(l) }));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const json = async <V>(args: string[]): Promise<V> => {
    const r = await cli([...args, '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as V;
  };
  const file = (name: string, content: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return p;
  };
  /** The schedule's jobs once `done` holds for them (visibility trails the workflows by a moment). */
  const runsUntil = async (done: (jobs: JobSummary[]) => boolean, what: string): Promise<JobSummary[]> => {
    let jobs: JobSummary[] = [];
    for (let i = 0; i < 300; i++) {
      jobs = (await json<JobList>(['list', '--schedule', scheduleId, '--limit', '100'])).jobs;
      for (const j of jobs) seenJobs.add(j.job_id);
      if (done(jobs)) return jobs;
      await sleep(500);
    }
    assert.fail(`${what}; the schedule's jobs: ${JSON.stringify(jobs.map((j) => [j.job_id, j.status, j.output_path]))}`);
  };
  const keysUnder = async (s3Url: string): Promise<string[]> => {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(s3Url);
    assert.ok(m, s3Url);
    const keys: string[] = [];
    for await (const o of listObjects(s3, m[1]!, m[2]!)) keys.push(o.key.slice(m[2]!.length));
    return keys;
  };

  before(async () => {
    gw = await startGateway({ taskQueue: uniqueId('cli-sched') });
    dir = mkdtempSync(join(tmpdir(), 'nightshift-cli-sched-'));
    worker = withWorker({ taskQueue: gw.config.temporal.taskQueue }, () => new Promise<void>((resolve) => (stopWorker = resolve)));
  });
  after(async () => {
    await gw?.temporal.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    for (const id of seenJobs) await gw.temporal.workflow.getHandle(id).terminate('cli schedule e2e cleanup').catch(() => undefined);
    stopWorker?.();
    await worker;
    await gw?.close();
  });

  test('create from a YAML file; list and show find it', T, async () => {
    const yaml = [
      `schedule_id: ${scheduleId}`,
      'spec:',
      '  cron: "0 3 * * *"',
      '  timezone: UTC',
      'job:',
      '  model: { name: recommender }',
      `  input: { item_list: { items: ${JSON.stringify(template.input.item_list.items)}, batch_size: 10 } }`,
      `  output: { s3_path: '${template.output.s3_path}' }`,
      '',
    ].join('\n');
    const created = await cli(['schedule', 'create', file('schedule.yaml', yaml)]);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, new RegExp(`^schedule ${scheduleId} created: 0 3 \\* \\* \\* \\(UTC\\); next run \\d{4}-\\d\\d-\\d\\dT03:00:00Z$`));

    const list = await json<ScheduleList>(['schedule', 'list', '--limit', '100']);
    const row = list.schedules.find((s) => s.schedule_id === scheduleId);
    assert.ok(row, 'listed');
    assert.deepEqual([row.spec, row.paused, row.overlap], [{ cron: '0 3 * * *', timezone: 'UTC' }, false, 'skip']);
    const text = await cli(['schedule', 'list', '--limit', '100']);
    assert.match(text.out, new RegExp(`^${scheduleId}\\s+0 3 \\* \\* \\* \\(UTC\\)\\s+no\\s+\\S+T03:00:00Z\\s+-$`, 'm'));

    const view = await json<ScheduleView>(['schedule', 'show', scheduleId]);
    assert.equal(view.schedule_id, scheduleId);
    assert.deepEqual(view.spec, definition.spec);
    assert.deepEqual(view.job, template);
    assert.deepEqual([view.overlap, view.catchup_window, view.pause_on_failure, view.paused], ['skip', '1h', false, false]);
    assert.equal(view.next_runs.length, 5);
    const shown = await cli(['schedule', 'show', scheduleId]);
    assert.match(shown.out, new RegExp(`^schedule ${scheduleId}\\n {2}schedule +0 3 \\* \\* \\* \\(UTC\\)\\n`));
    assert.match(shown.out, /^recent runs: none$/m);
  });

  test('update: overlap and a new template field, from a partial file and from a full one', T, async () => {
    const partial = await cli(['schedule', 'update', scheduleId, file('patch.json', { overlap: 'buffer_one' })]);
    assert.equal(partial.code, 0, partial.err);
    assert.match(partial.out, new RegExp(`^schedule ${scheduleId} updated \\(overlap\\)`));
    const full = file('full.json', { ...definition, job: { ...template, max_failure_ratio: 0.25 }, paused: true, note: 'not applied' });
    const r = await cli(['schedule', 'update', scheduleId, full]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /ignoring paused and note/);
    const view = await json<ScheduleView>(['schedule', 'show', scheduleId]);
    assert.equal(view.overlap, 'buffer_one', 'the partial update stays: a full file changes only what it holds');
    assert.equal(view.job.max_failure_ratio, 0.25);
    assert.equal(view.paused, false, 'paused in an update file is not applied');
    assert.match((await cli(['schedule', 'show', scheduleId])).out, /^ {2}overlap +buffer_one$/m);
  });

  test('pause with a note, then unpause', T, async () => {
    const p = await cli(['schedule', 'pause', scheduleId, '--note', 'model retraining']);
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out, `schedule ${scheduleId} paused (note: model retraining); paused: no runs until unpaused`);
    const paused = await json<ScheduleView>(['schedule', 'show', scheduleId]);
    assert.deepEqual([paused.paused, paused.note], [true, 'model retraining']);
    assert.match((await cli(['schedule', 'list', '--limit', '100'])).out, new RegExp(`^${scheduleId}\\s+\\S+ \\S+ \\S+ \\S+ \\S+ \\(UTC\\)\\s+yes\\s`, 'm'));

    const u = await json<ScheduleView>(['schedule', 'unpause', scheduleId]);
    assert.equal(u.paused, false);
    assert.match((await cli(['schedule', 'show', scheduleId])).out, /^ {2}paused +no$/m);
  });

  test('trigger: one run now, its job succeeds, its files are in S3', T, async () => {
    const r = await cli(['schedule', 'trigger', scheduleId]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `schedule ${scheduleId}: a run now was accepted\nsee the runs: nightshift list --schedule ${scheduleId}`);
    const jobs = await runsUntil((js) => js.some((j) => j.status === 'succeeded'), 'a triggered run succeeds');
    const job = jobs.find((j) => j.status === 'succeeded')!;
    assert.ok(job.job_id.startsWith(`${scheduleId}-`), job.job_id);
    assert.deepEqual([job.items_succeeded, job.items_failed, job.items_total], [30, 0, 30]);
    assert.equal(job.output_path, `${outputRoot}${day(new Date())}/${job.job_id}/`, 'the output path carries the run date');
    const keys = await keysUnder(job.output_path);
    for (const k of ['part-000000.jsonl', 'part-000001.jsonl', 'part-000002.jsonl', 'manifest.json']) assert.ok(keys.includes(k), `${k} in ${keys.join(' ')}`);

    const view = await json<ScheduleView>(['schedule', 'show', scheduleId]);
    const recent = view.recent_runs.find((x) => x.job_id === job.job_id);
    assert.ok(recent, 'show lists the run');
    assert.equal(recent.status, 'succeeded');
    assert.ok(recent.duration_s !== null && recent.duration_s >= 0);
    assert.match((await cli(['schedule', 'show', scheduleId])).out, new RegExp(`^ {2}${job.job_id}\\s+succeeded\\s+\\S+s\\s`, 'm'));
  });

  test('backfill two past days of the daily cron (start and end inclusive): two runs writing those dates', T, async () => {
    const start = firstDay.toISOString().replace('.000Z', 'Z');
    const end = secondDay.toISOString().replace('.000Z', 'Z');
    const accepted = await json<ScheduleAccepted>(['schedule', 'backfill', scheduleId, '--start', start, '--end', end]);
    assert.deepEqual([accepted.schedule_id, accepted.accepted], [scheduleId, 'backfill']);
    const ids = [`${scheduleId}-${start}`, `${scheduleId}-${end}`];
    const jobs = await runsUntil(
      (js) => ids.every((id) => js.some((j) => j.job_id === id && j.status === 'succeeded')),
      `backfilled runs ${ids.join(' and ')} succeed`,
    );
    for (const [id, t] of [[ids[0]!, firstDay] as const, [ids[1]!, secondDay] as const]) {
      const j = jobs.find((x) => x.job_id === id)!;
      assert.equal(j.output_path, `${outputRoot}${day(t)}/${id}/`, `${id} writes the date it stands for`);
      assert.ok((await keysUnder(j.output_path)).includes('manifest.json'), `${id} has its manifest in S3`);
    }
    const before = new Date(firstDay.getTime() - 86_400_000);
    assert.ok(!jobs.some((j) => j.job_id === `${scheduleId}-${before.toISOString().replace('.000Z', 'Z')}`), 'no run before --start');
  });

  test('a bad file is refused by the gateway, naming the field; as a process, exit 1', T, async () => {
    const badPlaceholder = file('bad-placeholder.json', {
      ...definition,
      schedule_id: `${scheduleId}-bad`,
      job: { ...template, output: { s3_path: `${outputRoot}{{scheduled_date}}/` } },
    });
    await assert.rejects(cli(['schedule', 'create', badPlaceholder]), (e) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.status, 400);
      assert.ok(e.fields.some((f) => f.field === 'job.output.s3_path' && /unknown placeholder "\{\{scheduled_date\}\}"/.test(f.reason)), JSON.stringify(e.fields));
      return true;
    });
    const badCron = file('bad-cron.json', { ...definition, schedule_id: `${scheduleId}-bad`, spec: { cron: '0 25 * * *' } });
    const p = await cliProcess(['--gateway', gw.url, 'schedule', 'create', badCron]);
    assert.equal(p.code, 1, p.stderr);
    assert.match(p.stderr, /^nightshift: rejected \(400 invalid_argument\):\n {2}spec\.cron: invalid cron expression/);
    assert.equal(p.stdout, '');
    // An update file is checked the same way.
    await assert.rejects(cli(['schedule', 'update', scheduleId, file('bad-patch.json', { overlap: 'sometimes' })]), (e) => e instanceof GatewayError && e.fields.some((f) => f.field === 'overlap'));
  });

  test('delete; then show is exit 1, not found', T, async () => {
    const d = await cli(['schedule', 'delete', scheduleId]);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, new RegExp(`^schedule ${scheduleId} deleted`));
    await assert.rejects(cli(['schedule', 'show', scheduleId]), (e) => e instanceof GatewayError && e.status === 404 && /not found/.test(e.message));
    const p = await cliProcess(['--gateway', gw.url, 'schedule', 'show', scheduleId]);
    assert.equal(p.code, 1, p.stderr);
    assert.equal(p.stderr, `nightshift: schedule "${scheduleId}" not found\n`);
    const list = await json<ScheduleList>(['schedule', 'list', '--limit', '100']);
    assert.ok(!list.schedules.some((s) => s.schedule_id === scheduleId), 'not listed any more');
    // The runs and their results stay.
    assert.ok((await json<JobList>(['list', '--schedule', scheduleId])).jobs.length >= 3);
  });
});
