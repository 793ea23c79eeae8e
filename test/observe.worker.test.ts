/**
 * What an operator sees of a worker, checked on the real stack: its Prometheus endpoint (a real
 * worker process, as deployed: the SDK runtime and its metrics exporter exist once per process),
 * the fields on every activity log line, and the Temporal user metadata the Web UI shows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { ensureBucket } from '../src/storage/s3';
import { freePort } from '../src/stack/freePort';
import { BUCKET, capturingLogger, s3, startJob, temporalClient, uniqueId, users, withWorker } from './helpers/jobHarness';

const REPO_ROOT = join(__dirname, '..', '..');

/** `name{labels} value` lines of a Prometheus text exposition, as name+labels → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `labels`. */
function total(s: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of s) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

async function scrape(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('observable workers', { timeout: 300_000 }, () => {
  before(async () => {
    await ensureBucket(s3, BUCKET);
  });
  after(async () => {
    await (await temporalClient()).connection.close();
  });

  it('a worker process serves temporal_* and nightshift_* metrics on NIGHTSHIFT_WORKER_METRICS_ADDR', async () => {
    const taskQueue = uniqueId('metrics');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    let log = '';
    const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'lib', 'src', 'worker', 'main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NIGHTSHIFT_TASK_QUEUE: taskQueue, NIGHTSHIFT_WORKER_METRICS_ADDR: `127.0.0.1:${port}`, NIGHTSHIFT_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The worker says it polls once it is ready; /metrics is up before that.
      for (let i = 0; !log.includes('worker running'); i++) {
        if (child.exitCode !== null) assert.fail(`worker exited early:\n${log}`);
        if (i > 1200) assert.fail(`worker not ready after 120 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const before = samples((await scrape(url)).text);
      assert.equal(total(before, 'nightshift_items_processed_total'), 0, 'nothing processed yet');

      const jobId = uniqueId('metrics-job');
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items: users(0, 45), batch_size: 10 } },
        output: { s3_path: `s3://${BUCKET}/test-out/` },
        parallelism: 3,
      });
      const result = await handle.result();
      assert.equal(result.status, 'succeeded', result.error ?? '');

      const res = await scrape(url);
      assert.equal(res.status, 200);
      assert.match(res.type, /^text\/plain/);
      const s = samples(res.text);
      // Ours, counted from what the job did: 45 items in 5 batches of one model.
      assert.equal(total(s, 'nightshift_items_processed_total', { model: 'recommender' }), 45);
      assert.equal(total(s, 'nightshift_items_failed_total'), 0);
      assert.equal(total(s, 'nightshift_batches_total', { model: 'recommender', outcome: 'succeeded' }), 5);
      assert.ok(total(s, 'nightshift_predict_duration_seconds_count', { model: 'recommender', outcome: 'ok' }) >= 5, 'one Predict per batch at least');
      assert.equal(total(s, 'nightshift_predict_errors_total'), 0);
      assert.ok(total(s, 'nightshift_s3_request_duration_seconds_count', { operation: 'GetObject', outcome: 'ok' }) >= 5, 'each batch reads its items');
      assert.ok(total(s, 'nightshift_s3_request_duration_seconds_count', { operation: 'PutObject', outcome: 'ok' }) >= 5, 'each batch writes its part');
      // The plain tally of S3 requests (bench/scale.ts: requests per 1,000 items) agrees with the histogram.
      const puts = total(s, 'nightshift_s3_requests_total', { operation: 'PutObject' });
      assert.ok(puts >= 5, 'each batch writes its part');
      assert.equal(puts, total(s, 'nightshift_s3_request_duration_seconds_count', { operation: 'PutObject' }));
      assert.ok(total(s, 'nightshift_worker_process_cpu_seconds_total') > 0, 'process metrics');
      // The SDK's, through the same endpoint, with their own prefix.
      const sdkNames = new Set([...s.keys()].filter((k) => k.startsWith('temporal_')).map((k) => k.replace(/[{].*$/, '')));
      for (const name of ['temporal_worker_task_slots_available', 'temporal_activity_schedule_to_start_latency_count', 'temporal_sticky_cache_size']) {
        assert.ok(sdkNames.has(name), `${name} in ${[...sdkNames].join(', ')}`);
      }
      assert.ok(total(s, 'temporal_activity_execution_latency_count', { activity_type: 'predictBatch' }) >= 5, 'SDK counted the batches too');
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('every activity log line names job, workflow, run, activity and attempt; the Web UI metadata tells the story', async () => {
    const taskQueue = uniqueId('story');
    const { logger, lines } = capturingLogger();
    const jobId = uniqueId('story-job');
    const output = `s3://${BUCKET}/test-out/`;
    const { handle, result, metadata } = await withWorker({ taskQueue, logger }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items: users(0, 25), batch_size: 10 } },
        output: { s3_path: output },
        parallelism: 2,
      });
      const result = await handle.result();
      // What the Web UI asks a workflow for its current details (answered by the worker, hence inside withWorker).
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return { handle, result, metadata };
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');

    // Logs: the planner's and each batch's lines, all with the activity's fields.
    const planned = lines.filter((l) => l.msg === 'job planned');
    const batches = lines.filter((l) => l.msg === 'batch done');
    assert.equal(planned.length, 1);
    assert.equal(batches.length, 3);
    assert.ok(lines.length >= 4);
    const activityIds = new Set<unknown>();
    for (const l of lines) {
      assert.equal(l.job_id, jobId, JSON.stringify(l));
      assert.equal(l.workflow_id, jobId);
      assert.equal(l.run_id, handle.firstExecutionRunId);
      assert.equal(typeof l.activity_id, 'string');
      assert.ok((l.activity_id as string).length > 0);
      assert.equal(l.attempt, 1);
      activityIds.add(l.activity_id);
    }
    assert.equal(planned[0]!.activity_type, 'planJob');
    assert.ok(batches.every((l) => l.activity_type === 'predictBatch'));
    assert.equal(activityIds.size, 4, 'the plan and three batches, each its own activity');

    // Static summary and details, as started.
    const d = await handle.describe();
    const summary = await d.staticSummary();
    const details = await d.staticDetails();
    assert.equal(summary, `recommender (latest) · 25 inline items → ${output}${jobId}/`);
    assert.match(details ?? '', /\*\*Model:\*\* recommender \(latest\)/);
    assert.match(details ?? '', new RegExp(`\\*\\*Output:\\*\\* ${output}${jobId}/`));

    // One summary per batch activity, in the history the Web UI shows.
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'predictBatch');
    const summaries = scheduled.map((e) => {
      const p = e.userMetadata?.summary;
      return p ? defaultPayloadConverter.fromPayload<string>(p) : null;
    });
    assert.deepEqual(summaries.sort(), [0, 1, 2].map((t) => `task ${t} of 3 (job: 25 items in 3 batches)`));

    // Current details: the final progress, item count included.
    const current = metadata.currentDetails ?? '';
    assert.match(current, /\*\*Status:\*\* succeeded/);
    assert.match(current, /\*\*Items:\*\* 25 of 25 done \(25 succeeded, 0 failed\)/);
    assert.match(current, /\*\*Manifest:\*\* s3:\/\//);
  });
});
