/**
 * Workers in a shared fleet: a hung Predict costs one stall limit (not the batch_timeout), a slow
 * one is not killed by the heartbeat timeout, a cancel reaches in-flight calls, two jobs share a
 * model's per-worker cap in turn, and waiting for a Predict permit does not eat batch_timeout.
 * Counts are taken at the model server (its in-process stats) and results read from S3.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { JobProgress } from '../src/job/messages';
import type { JobSpecInput } from '../src/job/spec';
import { startModelServer } from '../src/model-server/server';
import type { batchJob } from '../workflows';
import {
  BUCKET,
  allLines,
  config,
  exactlyOnce,
  readOutputs,
  silentLogger,
  startJob,
  suiteModelServer,
  uniqueId,
  users,
  waitForProgress,
  withWorker,
  type TestModelServer,
  type WorkerOptions,
} from './helpers/jobHarness';

const output = `s3://${BUCKET}/test-out/`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` every 50 ms (a wait bound, not a timed assertion). */
async function until(pred: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The `lastFailure` Temporal recorded for retried batch attempts (on their ActivityTaskStarted events). */
async function retriedFailures(handle: WorkflowHandle<typeof batchJob>): Promise<{ type: string; message: string }[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskStartedEventAttributes?.lastFailure)
    .filter((f) => f != null)
    .map((f) => ({ type: f.applicationFailureInfo?.type ?? '', message: f.message ?? '' }));
}

describe('workers in a shared fleet', { timeout: 600_000 }, () => {
  const ms = suiteModelServer();
  const taskQueue = uniqueId('fleet');
  const predict = () => ms.server.stats().rpcs.Predict;
  /** `n` users for model recommender in batches of `batchSize`, results under test-out/. */
  const jobSpec = (jobId: string, n: number, batchSize: number, extra: Partial<JobSpecInput> = {}): JobSpecInput & { job_id: string } => ({
    job_id: jobId,
    model: { name: 'recommender' },
    input: { item_list: { items: users(0, n), batch_size: batchSize } },
    output: { s3_path: output },
    ...extra,
  });
  /** Runs one job to its end on a worker of its own (the shared model server unless `worker` names another). */
  const runJob = (worker: Omit<WorkerOptions, 'taskQueue'>, spec: JobSpecInput & { job_id: string }): Promise<JobProgress> =>
    withWorker({ taskQueue, tfservingTarget: ms.target, ...worker }, async () => (await startJob(taskQueue, spec)).result());
  /** A model server of its own, for a test that counts every call it gets. */
  const freshServer = async (latencyMs = 0): Promise<TestModelServer> => {
    const fresh = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    if (latencyMs > 0) fresh.faults.set({ latency: { kind: 'fixed', ms: latencyMs } });
    return fresh;
  };


  it('a Predict that hangs past the stall limit is aborted and retried as Stalled; the job finishes, each item once', async () => {
    // 30% of calls take 60 s; the worker's stall limit is 1.5 s, the batch_timeout the default 10 minutes.
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 60_000, rate: 0.3 }, seed: 3 });
    const before = predict();
    const jobId = uniqueId('stall');
    try {
      const { result, failures } = await withWorker({ taskQueue, tfservingTarget: ms.target, stallLimitMs: 1500, maxPredictBatch: 20 }, async () => {
        const handle = await startJob(taskQueue, jobSpec(jobId, 200, 20, { parallelism: 4, retry: { max_attempts: 30, initial_interval: '50ms', max_interval: '100ms' } }));
        const result = await handle.result();
        return { result, failures: await retriedFailures(handle) };
      });
      assert.equal(result.status, 'succeeded', result.error ?? '');
      const out = await readOutputs(output, jobId);
      assert.deepEqual(exactlyOnce(allLines(out.parts), 200), { duplicates: [], missing: [] });
      const after = predict();
      const calls = after.requests - before.requests;
      const answered = after.ok - before.ok;
      const stalled = calls - answered;
      console.log(`# stall: ${calls} Predict calls, ${answered} answered, ${stalled} aborted by the worker after the 1.5 s stall limit`);
      assert.ok(stalled > 0, 'some calls really hung');
      assert.equal(answered, 10, 'each of the 10 batches was answered once');
      // A hung call still open at the server would be in flight for a minute: the worker cancelled every one.
      assert.equal(after.in_flight, 0, 'no hung call left open at the model server');
      assert.ok(failures.length > 0, 'Temporal recorded the failed attempts');
      for (const f of failures) {
        assert.equal(f.type, 'Stalled');
        assert.match(f.message, /^Predict recommender \(20 items\) made no progress for 1500 ms/);
      }
    } finally {
      ms.server.faults.set({});
    }
  });

  it('on the last attempt a stalled batch is a failed batch with code Stalled in the manifest', async () => {
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 60_000 } });
    const jobId = uniqueId('stall-last');
    try {
      const result = await runJob({ stallLimitMs: 1000 }, jobSpec(jobId, 5, 5, { max_failure_ratio: 1, retry: { max_attempts: 1 } }));
      assert.equal(result.status, 'completed_with_errors', result.error ?? '');
      const out = await readOutputs(output, jobId);
      const failed = out.manifest.failed_batches as { batch: number; code: string; message: string }[];
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.code, 'Stalled');
      assert.match(failed[0]!.message, /Predict recommender .* made no progress for 1000 ms/);
      assert.equal(predict().in_flight, 0);
    } finally {
      ms.server.faults.set({});
    }
  });

  it('a Predict slower than the heartbeat timeout (12 s > 10 s) but within the stall limit succeeds on its first attempt', async () => {
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 12_000 } });
    const before = predict();
    const jobId = uniqueId('slow');
    try {
      const result = await runJob({ stallLimitMs: 30_000 }, jobSpec(jobId, 5, 5, { retry: { max_attempts: 3, initial_interval: '50ms' } }));
      assert.equal(result.status, 'succeeded', result.error ?? '');
      const after = predict();
      assert.equal(after.requests - before.requests, 1, 'one call: the attempt was not timed out by the heartbeat timeout and retried');
      assert.equal(after.ok - before.ok, 1);
    } finally {
      ms.server.faults.set({});
    }
  });

  it('a cancel reaches the in-flight Predict calls of a batch with its next heartbeat (figure logged)', async () => {
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 30_000 } });
    const before = predict();
    const jobId = uniqueId('cancel');
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: ms.target }, async () => {
        const handle = await startJob(taskQueue, jobSpec(jobId, 40, 10, { parallelism: 2 }));
        await until(() => predict().in_flight === 2, 'two Predict calls in flight');
        // Past the first heartbeat of both batches, so the next one is throttled: the worst case.
        await sleep(1500);
        const t0 = Date.now();
        await handle.signal('cancel', 'fleet test');
        await until(() => predict().in_flight === 0, 'the calls to be cancelled');
        const ms = Date.now() - t0;
        console.log(
          `# cancel: the in-flight Predict calls were cancelled ${ms} ms after the cancel signal ` +
            `(heartbeat throttle ${config.worker.heartbeatThrottleMs} ms: a cancel waits at most for the next heartbeat)`,
        );
        return handle.result();
      });
      assert.equal(result.status, 'cancelled');
      assert.equal(predict().ok - before.ok, 0, 'the 30 s calls were cancelled, not answered');
      assert.equal(result.batches_succeeded, 0);
    } finally {
      ms.server.faults.set({});
    }
  });

  it('two jobs at once on one model: the per-model cap is never exceeded and both progress', async () => {
    const fresh = await freshServer(60);
    const a = uniqueId('fair-a');
    const b = uniqueId('fair-b');
    const samples: { a: JobProgress; b: JobProgress }[] = [];
    try {
      await withWorker({ taskQueue, tfservingTarget: `127.0.0.1:${fresh.port}`, maxActivities: 100, perModelLimit: 2, maxPredictCalls: 16, maxPredictBatch: 5 }, async () => {
        const ha = await startJob(taskQueue, jobSpec(a, 1200, 20, { parallelism: 1000 }));
        await waitForProgress(ha, (p) => p.items_succeeded > 0);
        const hb = await startJob(taskQueue, jobSpec(b, 100, 20, { parallelism: 1000 }));
        const done = (p: JobProgress) => p.finished_at !== null;
        for (;;) {
          const s = { a: await ha.query<JobProgress>('status'), b: await hb.query<JobProgress>('status') };
          samples.push(s);
          if (done(s.a) && done(s.b)) break;
          await sleep(150);
        }
        assert.equal((await ha.result()).status, 'succeeded');
        assert.equal((await hb.result()).status, 'succeeded');
      });
      const stats = fresh.stats().rpcs.Predict;
      console.log(`# fairness: max ${stats.max_in_flight} Predict calls in flight at the model server (cap 2), ${stats.ok} calls, ${samples.length} status samples`);
      assert.equal(stats.max_in_flight, 2, 'the cap was reached and never exceeded');
      const bothRunning = samples.filter((s) => s.a.finished_at === null && s.b.finished_at === null);
      assert.ok(
        bothRunning.some((s) => s.b.items_succeeded > 0 && s.a.items_succeeded > 0),
        'job b had succeeded items while job a was still running: it was not queued behind a',
      );
      // b (20 calls) shares the model in turn with a (240 calls), so it ends first; queued FIFO behind a's calls it would not.
      const bEnd = samples.findIndex((s) => s.b.finished_at !== null);
      console.log(`# fairness: when b finished, a had ${samples[bEnd]!.a.items_succeeded} of 1200 items`);
      assert.ok(samples[bEnd]!.a.finished_at === null, 'b finished while a was still running');
    } finally {
      await fresh.stop();
    }
  });

  it('waiting for a Predict permit does not count against batch_timeout', async () => {
    // One permit, 20 batches at once, 300 ms per call: the last batch waits ~6 s for its permit, three times its batch_timeout.
    const fresh = await freshServer(300);
    const jobId = uniqueId('permits');
    try {
      const result = await runJob(
        { tfservingTarget: `127.0.0.1:${fresh.port}`, maxActivities: 20, perModelLimit: 1 },
        jobSpec(jobId, 200, 10, { parallelism: 20, batch_timeout: '2s', retry: { max_attempts: 1 } }),
      );
      assert.equal(result.status, 'succeeded', result.error ?? '');
      const stats = fresh.stats().rpcs.Predict;
      assert.equal(stats.max_in_flight, 1);
      assert.equal(stats.ok, 20, 'one call per batch, none retried');
      const out = await readOutputs(output, jobId);
      assert.deepEqual(exactlyOnce(allLines(out.parts), 200), { duplicates: [], missing: [] });
    } finally {
      await fresh.stop();
    }
  });

  it('a batch that itself runs past batch_timeout fails as BatchTimeout', async () => {
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 5000 } });
    const jobId = uniqueId('btimeout');
    try {
      const result = await runJob({}, jobSpec(jobId, 5, 5, { batch_timeout: '1s', max_failure_ratio: 1, retry: { max_attempts: 1 } }));
      assert.equal(result.status, 'completed_with_errors', result.error ?? '');
      const out = await readOutputs(output, jobId);
      const failed = out.manifest.failed_batches as { code: string; message: string }[];
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.code, 'BatchTimeout');
      assert.match(failed[0]!.message, /batch_timeout of 1000 ms/);
    } finally {
      ms.server.faults.set({});
    }
  });
});
