/**
 * Nightly runs on Temporal Schedules, end to end: the real gateway creates schedules on the real
 * dev server, whose runs a real worker executes against a model server with injected latency.
 * Every test reads what the runs wrote in S3 (dated folders, parts, the LATEST pointer), and the
 * overlap tests compare the runs' scheduled times with when the run before them closed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getObjectText, listObjects } from '../src/storage/s3';
import { parseS3Url } from '../src/storage/s3Url';
import { startModelServer } from '../src/model-server/server';
import { formatDate } from '../src/schedule/template';
import { LatestPointerSchema, type LatestPointer } from '../src/schedule/latestPointer';
import type { JobList, JobSummary, ScheduleRun, ScheduleView } from '../src/gateway/apiTypes';
import { BUCKET, allLines, putJsonLines, readOutputs, s3, silentLogger, uniqueId, users, withWorker } from './helpers/jobHarness';
import { deleteSchedules, startGateway, type GatewayHarness } from './helpers/gatewayHarness';

type ModelServer = Awaited<ReturnType<typeof startModelServer>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('schedules end to end', { timeout: 900_000 }, () => {
  let server: ModelServer;
  let gw: GatewayHarness;
  const taskQueue = uniqueId('schedules');
  const created = new Set<string>();
  const base = `s3://${BUCKET}/${uniqueId('sched')}`;

  before(async () => {
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    gw = await startGateway({ taskQueue });
  });
  after(async () => {
    await deleteSchedules(gw.temporal, created);
    // Runs still going (the slowed ones) are stopped, so the stack can shut down.
    for await (const w of gw.temporal.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await gw.temporal.workflow.getHandle(w.workflowId).terminate('schedule test cleanup').catch(() => undefined);
    }
    await gw.close();
    await server.stop();
  });

  const worker = <T>(fn: () => Promise<T>) => withWorker({ taskQueue, tfservingTarget: `127.0.0.1:${server.port}`, maxPredictBatch: 1 }, fn);

  async function createSchedule(body: Record<string, unknown>): Promise<ScheduleView> {
    const res = await gw.post('/v1/schedules', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created.add(body.schedule_id as string);
    return res.body as unknown as ScheduleView;
  }
  async function view(id: string): Promise<ScheduleView> {
    const res = await gw.get(`/v1/schedules/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as unknown as ScheduleView;
  }
  async function runsOf(id: string): Promise<JobSummary[]> {
    const res = await gw.get(`/v1/jobs?schedule_id=${id}&limit=100`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as unknown as JobList).jobs;
  }
  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(500);
    }
  }
  /** The schedule's runs once `n` of them have closed and none is running. */
  const settledRuns = (id: string, n: number, timeoutMs?: number) =>
    until(
      `${n} finished runs of ${id}`,
      async () => {
        const v = await view(id);
        const closed = v.recent_runs.filter((r) => r.closed_at !== null);
        return closed.length >= n && v.running_job_ids.length === 0 ? v.recent_runs : undefined;
      },
      timeoutMs,
    );
  async function pointer(url: string): Promise<LatestPointer> {
    const { bucket, key } = parseS3Url(url);
    return LatestPointerSchema.parse(JSON.parse(await getObjectText(s3, bucket, key)));
  }
  const template = (name: string, input: Record<string, unknown>, dateFormat: string, extra: Record<string, unknown> = {}) => ({
    model: { name: 'recommender' },
    input,
    output: {
      s3_path: `${base}/${name}/{{scheduled_time | date: "${dateFormat}"}}/`,
      latest_pointer: `${base}/${name}/LATEST`,
      include_input: true,
    },
    ...extra,
  });
  const itemList = (n: number) => ({ item_list: { items: users(1, n + 1), batch_size: 1 } });

  it('an interval of 10 s runs twice: distinct job ids, distinct dated outputs, LATEST names the newer run', async () => {
    const id = uniqueId('every10s');
    await worker(async () => {
      await createSchedule({ schedule_id: id, spec: { interval: '10s', timezone: 'Europe/Berlin' }, job: template(id, itemList(3), 'YYYY-MM-DD/HH-mm-ss') });
      await until('two runs started', async () => ((await view(id)).actions_taken >= 2 ? true : undefined), 60_000);
      await gw.post(`/v1/schedules/${id}/pause`, { note: 'test has its two runs' });
      const runs = await settledRuns(id, 2);
      assert.ok(runs.length >= 2);
      const ids = new Set(runs.map((r) => r.job_id));
      assert.equal(ids.size, runs.length, 'every run has its own job id');
      for (const r of runs) {
        assert.equal(r.status, 'succeeded', JSON.stringify(r));
        assert.equal(r.job_id, `${id}-${r.scheduled_time}`, 'job id = schedule id + scheduled time');
        // The dated folder is the scheduled time in the schedule's zone (Berlin), and it holds the run's results.
        const dated = `${base}/${id}/${formatDate(new Date(r.scheduled_time), 'YYYY-MM-DD/HH-mm-ss', 'Europe/Berlin')}/`;
        const out = await readOutputs(dated, r.job_id);
        assert.equal(out.manifest.status, 'succeeded');
        assert.deepEqual(allLines(out.parts).map((l) => (l.input as { user_id: number }).user_id).sort(), [1, 2, 3]);
      }
      const dates = new Set(runs.map((r) => formatDate(new Date(r.scheduled_time), 'YYYY-MM-DD/HH-mm-ss', 'Europe/Berlin')));
      assert.equal(dates.size, runs.length, 'distinct dated outputs');
      const newest = runs.reduce((a, b) => (a.scheduled_time > b.scheduled_time ? a : b));
      const latest = await pointer(`${base}/${id}/LATEST`);
      assert.equal(latest.job_id, newest.job_id);
      assert.equal(latest.scheduled_time, newest.scheduled_time);
      assert.equal(latest.schedule_id, id);
      assert.equal(latest.items_succeeded, 3);
      assert.match(latest.output_path, new RegExp(`/${newest.job_id}/$`));
      // The manifest it names is there.
      const m = parseS3Url(latest.manifest_path);
      assert.equal((JSON.parse(await getObjectText(s3, m.bucket, m.key)) as { status: string }).status, 'succeeded');
    });
  });

  it('overlap: skip leaves out the times a slow run covers and counts them; buffer_one runs one of them after', async () => {
    // Each run makes three 4-second Predict calls one after another, so it outlasts the 5 s interval.
    server.faults.set({ latency: { kind: 'fixed', ms: 4000 } });
    const skip = uniqueId('skip');
    const buffered = uniqueId('buffer');
    const job = (name: string) => template(name, itemList(3), 'YYYYMMDD-HHmmss', { parallelism: 1 });
    try {
      await worker(async () => {
        await createSchedule({ schedule_id: skip, spec: { interval: '5s' }, overlap: 'skip', job: job(skip) });
        await createSchedule({ schedule_id: buffered, spec: { interval: '5s' }, overlap: 'buffer_one', job: job(buffered) });
        for (const id of [skip, buffered]) {
          await until(`two runs of ${id}`, async () => ((await view(id)).actions_taken >= 2 ? true : undefined), 180_000);
          await gw.post(`/v1/schedules/${id}/pause`, {});
        }
        const byStart = (runs: ScheduleRun[]) => [...runs].sort((a, b) => a.started_at.localeCompare(b.started_at));
        const skipRuns = byStart(await settledRuns(skip, 2, 180_000));
        const skipView = await view(skip);
        assert.ok(skipView.skipped_overlap >= 1, `skip recorded the times it left out: ${JSON.stringify(skipView)}`);
        for (let i = 1; i < skipRuns.length; i++) {
          // Never two at once, and no run stands for a time that came while the one before was running.
          assert.ok(skipRuns[i]!.started_at >= skipRuns[i - 1]!.closed_at!, 'skip: runs never overlap');
          assert.ok(Date.parse(skipRuns[i]!.scheduled_time) >= Date.parse(skipRuns[i - 1]!.closed_at!) - 1000, 'skip: a time due during a run was not run later');
        }
        const bufRuns = byStart(await settledRuns(buffered, 2, 180_000));
        const laterOnes = bufRuns.slice(1);
        assert.ok(
          laterOnes.some((r, i) => Date.parse(r.scheduled_time) < Date.parse(bufRuns[i]!.closed_at!)),
          `buffer_one ran a time that was due while the previous run still ran: ${JSON.stringify(bufRuns)}`,
        );
        for (let i = 1; i < bufRuns.length; i++) assert.ok(bufRuns[i]!.started_at >= bufRuns[i - 1]!.closed_at!, 'buffer_one: one at a time');
        for (const r of [...skipRuns, ...bufRuns]) assert.equal(r.status, 'succeeded', JSON.stringify(r));
      });
    } finally {
      server.faults.set({});
    }
  });

  it('a three-day backfill writes the three past dates and LATEST ends on the newest though the oldest finishes last; trigger runs once now', async () => {
    const id = uniqueId('nightly');
    const day = (d: string) => `${base}/${id}-users/${d}.jsonl`;
    // The oldest day has many users, so with every run started at once it finishes last.
    const sizes: Record<string, number> = { '2026-11-01': 40, '2026-11-02': 2, '2026-11-03': 2 };
    for (const [d, n] of Object.entries(sizes)) await putJsonLines(parseS3Url(day(d)).key, users(1, n + 1));
    const today = formatDate(new Date(), 'YYYY-MM-DD', 'UTC');
    await putJsonLines(parseS3Url(day(today)).key, users(1, 4));
    server.faults.set({ latency: { kind: 'fixed', ms: 150 } });
    try {
      await worker(async () => {
        await createSchedule({
          schedule_id: id,
          spec: { cron: '0 3 * * *' },
          paused: true,
          job: {
            ...template(id, { delimited_files: { s3_paths: [`${base}/${id}-users/{{scheduled_time | date: "YYYY-MM-DD"}}.jsonl`], batch_size: 1 } }, 'YYYY/MM/DD', {
              parallelism: 1,
            }),
          },
        });

        // backfill: 01, 02 and 03 November at 03:00 UTC (start and end inclusive), all at once
        const b = await gw.post(`/v1/schedules/${id}/backfill`, { start: '2026-11-01T03:00:00Z', end: '2026-11-03T03:00:00Z', overlap: 'allow_all' });
        assert.equal(b.status, 202, JSON.stringify(b.body));
        const filled = (await settledRuns(id, 3, 240_000)).sort((a, b) => a.scheduled_time.localeCompare(b.scheduled_time));
        assert.deepEqual(
          filled.map((r) => r.scheduled_time),
          ['2026-11-01T03:00:00Z', '2026-11-02T03:00:00Z', '2026-11-03T03:00:00Z'],
        );
        for (const r of filled) {
          assert.equal(r.status, 'succeeded', JSON.stringify(r));
          const d = r.scheduled_time.slice(0, 10);
          const out = await readOutputs(`${base}/${id}/${d.replace(/-/g, '/')}/`, r.job_id);
          // Each run read its own day's file: the users of that date, each once.
          assert.deepEqual(
            allLines(out.parts).map((l) => (l.input as { user_id: number }).user_id).sort((x, y) => x - y),
            users(1, sizes[d]! + 1).map((u) => u.user_id),
          );
        }
        const [oldest, , newest] = filled;
        assert.ok(oldest!.closed_at! > newest!.closed_at!, `precondition: the oldest run finished last (${JSON.stringify(filled)})`);
        const latest = await pointer(`${base}/${id}/LATEST`);
        assert.equal(latest.job_id, newest!.job_id, 'the late, older run did not move LATEST back');
        assert.equal(latest.scheduled_time, '2026-11-03T03:00:00Z');

        // A backfill over a night that completed starts that job id again; it reports the earlier result and computes nothing.
        const predictsBefore = server.stats().rpcs.Predict.requests;
        const again = await gw.post(`/v1/schedules/${id}/backfill`, { start: '2026-11-02T03:00:00Z', end: '2026-11-02T03:00:00Z' });
        assert.equal(again.status, 202, JSON.stringify(again.body));
        const rerun = await until('the re-run of 2 November', async () => {
          const v = await view(id);
          const r = v.recent_runs[0];
          return v.recent_runs.length >= 4 && r?.closed_at && v.running_job_ids.length === 0 ? r : undefined;
        });
        assert.equal(rerun.job_id, filled[1]!.job_id);
        const rerunView = await gw.get(`/v1/jobs/${encodeURIComponent(rerun.job_id)}`);
        assert.equal(rerunView.body.status, 'succeeded', JSON.stringify(rerunView.body));
        assert.equal(rerunView.body.items_succeeded, 2, 'it reports the earlier run');
        assert.equal(server.stats().rpcs.Predict.requests, predictsBefore, 'no Predict call for a night that already ran');
        assert.equal((await pointer(`${base}/${id}/LATEST`)).job_id, newest!.job_id);

        // trigger: one extra run, now, though the schedule is paused; LATEST moves forward to it
        const t = await gw.post(`/v1/schedules/${id}/trigger`, {});
        assert.equal(t.status, 202, JSON.stringify(t.body));
        const runs = await settledRuns(id, 5);
        assert.equal(runs.length, 5, 'exactly one more run');
        const triggered = runs.find((r) => !filled.some((f) => f.job_id === r.job_id))!;
        assert.equal(triggered.status, 'succeeded');
        assert.equal(triggered.scheduled_time.slice(0, 10), today, 'a triggered run stands for now');
        assert.equal((await pointer(`${base}/${id}/LATEST`)).job_id, triggered.job_id);
      });
    } finally {
      server.faults.set({});
    }
  });

  it('pause stops new runs and unpause resumes; delete stops them and leaves past results', async () => {
    const id = uniqueId('pausing');
    await worker(async () => {
      await createSchedule({ schedule_id: id, spec: { interval: '5s' }, job: template(id, itemList(1), 'HHmmss') });
      await until('a first run', async () => ((await view(id)).actions_taken >= 1 ? true : undefined), 60_000);
      const paused = await gw.post(`/v1/schedules/${id}/pause`, { note: 'maintenance' });
      assert.equal(paused.status, 200);
      assert.equal((paused.body as unknown as ScheduleView).paused, true);
      assert.equal((paused.body as unknown as ScheduleView).note, 'maintenance');
      const before = (await settledRuns(id, 1)).length;
      await sleep(12_000); // more than two intervals
      assert.equal((await view(id)).actions_taken, before, 'no run while paused');
      assert.equal((await runsOf(id)).length, before);

      const unpaused = await gw.post(`/v1/schedules/${id}/unpause`, {});
      assert.equal((unpaused.body as unknown as ScheduleView).paused, false);
      await until('a run after unpause', async () => ((await view(id)).actions_taken > before ? true : undefined), 60_000);
      const del = await gw.request('DELETE', `/v1/schedules/${id}`);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      await until('runs settled', async () => {
        const jobs = await runsOf(id);
        return jobs.every((j) => j.closed_at !== null) ? true : undefined;
      });
      const afterDelete = (await runsOf(id)).length;
      await sleep(12_000);
      assert.equal((await runsOf(id)).length, afterDelete, 'no run after delete');
      assert.equal((await gw.get(`/v1/schedules/${id}`)).status, 404);
      // Every run's results are still there.
      for (const j of await runsOf(id)) {
        assert.equal(j.status, 'succeeded');
        const { bucket, key } = parseS3Url(j.output_path!);
        const keys: string[] = [];
        for await (const o of listObjects(s3, bucket, key)) keys.push(o.key);
        assert.ok(keys.some((k) => k.endsWith('manifest.json')) && keys.some((k) => /part-\d{6}\.jsonl$/.test(k)), `results of ${j.job_id} kept`);
      }
    });
  });
});
