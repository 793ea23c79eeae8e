/**
 * The job under the failures users meet: a flaky, slow TF Serving, a poisoned item, and people
 * cancelling, pausing and re-sizing jobs in flight. Each test runs its own model server with
 * fault injection and checks the data in S3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ensureBucket, listObjects, putObject } from '../src/storage/s3';
import { jobLocation } from '../src/job/layout';
import type { JobProgress } from '../src/job/messages';
import { startModelServer } from '../src/model-server/server';
import { TfServingClients } from '../src/tfserving/clients';
import {
  BUCKET,
  allLines,
  config,
  eventually,
  exactlyOnce,
  extraBatchAttempts,
  predictedAtMostOnce,
  predictionCount,
  readOutputs,
  s3,
  silentLogger,
  startJob,
  temporalClient,
  uniqueId,
  users,
  waitForProgress,
  withWorker,
} from './helpers/jobHarness';

type ModelServer = Awaited<ReturnType<typeof startModelServer>>;
const output = `s3://${BUCKET}/test-out/`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function partKeys(jobId: string): Promise<string[]> {
  const loc = jobLocation(output, jobId);
  const keys: string[] = [];
  for await (const o of listObjects(s3, loc.bucket, `${loc.prefix}part-`)) keys.push(o.key);
  return keys;
}

describe('batchJob under faults', { timeout: 600_000 }, () => {
  let server: ModelServer;
  let target: string;
  const taskQueue = uniqueId('faults');

  before(async () => {
    await ensureBucket(s3, BUCKET);
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    target = `127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.stop();
    await (await temporalClient()).connection.close();
  });

  it('30% UNAVAILABLE and added latency: succeeded, every item exactly once', async () => {
    server.faults.set({ error_rates: { UNAVAILABLE: 0.3 }, latency: { kind: 'uniform', min_ms: 5, max_ms: 40 }, seed: 7 });
    const jobId = uniqueId('flaky');
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: target, maxPredictBatch: 25 }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { item_list: { items: users(0, 600), batch_size: 50 } },
          output: { s3_path: output },
          parallelism: 4,
          retry: { max_attempts: 30, initial_interval: '50ms', max_interval: '200ms' },
        });
        return handle.result();
      });
      assert.equal(result.status, 'succeeded', result.error ?? '');
      const out = await readOutputs(output, jobId);
      assert.deepEqual(exactlyOnce(allLines(out.parts), 600), { duplicates: [], missing: [] });
      assert.ok(server.faults.stats().errors['UNAVAILABLE']! > 0, 'faults were really injected');
    } finally {
      server.faults.set({});
    }
  });

  it('predictions counted at the model server catch a batch predicted twice, which S3 keys cannot show', async () => {
    const jobId = uniqueId('twice');
    const before = server.stats().rpcs.Predict.items;
    const { result, extraAttempts } = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items: users(0, 100), batch_size: 20 } },
        output: { s3_path: output },
      });
      return { result: await handle.result(), extraAttempts: await extraBatchAttempts(handle) };
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    const job = { items: 100, batchSize: 20, extraAttempts };
    const once = predictionCount(server.stats().rpcs.Predict.items - before, job);
    assert.ok(predictedAtMostOnce(once), `each item predicted once: ${JSON.stringify(once)}`);
    // Batch 0 again, as a re-run batch (or a part written twice) would predict it: S3 looks the same.
    const clients = new TfServingClients({ ...config.tfserving, target });
    try {
      await clients.forModel('recommender').predict({ name: 'recommender', signature_name: 'serving_default' }, users(0, 20));
    } finally {
      clients.close();
    }
    const twice = predictionCount(server.stats().rpcs.Predict.items - before, job);
    assert.equal(predictedAtMostOnce(twice), false, `the duplicate is caught: ${JSON.stringify(twice)}`);
    assert.deepEqual(exactlyOnce(allLines((await readOutputs(output, jobId)).parts), 100), { duplicates: [], missing: [] }, 'the keys in S3 cannot show it');
  });

  it('a .gz input under faults: each of its 10 batches is its own task, predicted exactly once', async () => {
    const jobId = uniqueId('gzresume');
    const key = `test-in/${jobId}/users.jsonl.gz`;
    await putObject(s3, BUCKET, key, gzipSync(users(0, 200).map((u) => JSON.stringify(u)).join('\n')));
    server.faults.set({ error_rates: { UNAVAILABLE: 0.25 }, seed: 11 });
    const before = server.stats().rpcs.Predict.ok;
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { delimited_files: { s3_paths: [`s3://${BUCKET}/${key}`], batch_size: 20 } },
          output: { s3_path: output },
          retry: { max_attempts: 40, initial_interval: '50ms', max_interval: '100ms' },
        });
        return handle.result();
      });
      assert.equal(result.status, 'succeeded', result.error ?? '');
      assert.equal(result.batches_total, 10);
      assert.ok(server.faults.stats().errors['UNAVAILABLE']! > 0, 'batches really failed and were retried');
      assert.equal(server.stats().rpcs.Predict.ok - before, 10, 'each of the 10 batches was predicted exactly once');
      const out = await readOutputs(output, jobId);
      assert.equal(out.parts.size, 10);
      assert.deepEqual(exactlyOnce(allLines(out.parts), 200), { duplicates: [], missing: [] });
    } finally {
      server.faults.set({});
    }
  });

  it('a poisoned item lands in errors/ with its reason; its batch-mates succeed', async () => {
    const jobId = uniqueId('poison');
    const items: unknown[] = users(0, 120);
    items[37] = { user_id: 987654321 };
    items[90] = { user_id: 'not-a-number' };
    const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items, batch_size: 40 } },
        output: { s3_path: output },
        max_failure_ratio: 0.05,
      });
      return handle.result();
    });
    assert.equal(result.status, 'completed_with_errors', result.error ?? '');
    assert.equal(result.items_succeeded, 118);
    assert.equal(result.items_failed, 2);
    const out = await readOutputs(output, jobId);
    const errors = allLines(out.errors);
    assert.deepEqual(errors.map((e) => e.index).sort((a, b) => a - b), [37, 90]);
    const poisoned = errors.find((e) => e.index === 37)!;
    assert.equal(poisoned.error!.code, 'INVALID_ARGUMENT');
    assert.match(poisoned.error!.message, /987654321/);
    assert.equal(poisoned.input, undefined, 'no input on error lines without include_input');
    const ok = allLines(out.parts);
    assert.equal(ok.length, 118);
    assert.ok(ok.some((l) => l.index === 36) && ok.some((l) => l.index === 38), 'batch-mates are in the part');
    assert.equal(out.manifest.status, 'completed_with_errors');
    assert.ok(!out.success, 'no _SUCCESS unless succeeded');
  });

  it('with the default max_failure_ratio of 0 a failed item fails the job early', async () => {
    const jobId = uniqueId('strict');
    const items: unknown[] = users(0, 400);
    items[3] = { user_id: 987654321 };
    const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items, batch_size: 10 } },
        output: { s3_path: output },
        parallelism: 1,
      });
      return handle.result();
    });
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /max_failure_ratio/);
    assert.ok(result.batches_succeeded < 40, 'stopped before running every batch');
  });

  for (const how of ['signal', 'temporal'] as const) {
    it(`cancel mid-job (${how}): cancelled, in-flight Predict calls aborted, the manifest lists the parts done`, async () => {
      server.faults.set({ latency: { kind: 'fixed', ms: 400 } });
      const jobId = uniqueId(`cancel-${how}`);
      const cancelledBefore = server.stats().rpcs.Predict.cancelled;
      let hung = 0;
      try {
        const result = await withWorker({ taskQueue, tfservingTarget: target, maxPredictBatch: 10 }, async () => {
          const handle = await startJob(taskQueue, {
            job_id: jobId,
            model: { name: 'recommender' },
            input: { item_list: { items: users(0, 800), batch_size: 20 } },
            output: { s3_path: output },
            parallelism: 3,
          });
          await waitForProgress(handle, (p) => p.batches_succeeded >= 2 && p.batches_in_flight > 0);
          // From here no Predict call is answered, so the ones in flight at the cancel are certain to exist.
          const hungBefore = server.faults.stats().hung;
          server.faults.set({ hang_rate: 1 });
          await eventually('a Predict call in flight', () => server.faults.stats().hung > hungBefore);
          if (how === 'signal') await handle.signal('cancel', 'test');
          else await handle.cancel();
          const ended = await handle.result();
          // Checked while the worker still runs (its shutdown would close every call): a call the
          // cancelled batch left open instead of aborting stays unanswered and uncounted here.
          hung = server.faults.stats().hung - hungBefore;
          await eventually('the hung Predict calls to be cancelled', () => server.stats().rpcs.Predict.cancelled - cancelledBefore >= hung);
          return ended;
        });
        assert.equal(result.status, 'cancelled');
        assert.ok(hung > 0, 'Predict calls were in flight at the cancel');
        assert.ok(server.stats().rpcs.Predict.cancelled - cancelledBefore >= hung, 'every in-flight Predict call was cancelled by the client');
        assert.equal(result.batches_in_flight, 0);
        assert.ok(result.batches_succeeded < 40);
        const before = await partKeys(jobId);
        assert.equal(before.length, result.batches_succeeded, 'a part for each batch done, none for the cancelled ones');
        const out = await readOutputs(output, jobId);
        assert.equal(out.manifest.status, 'cancelled');
        assert.equal(out.manifest.parts.length, before.length);
        await sleep(1500);
        assert.deepEqual(await partKeys(jobId), before, 'no batch writes after the job ended');
      } finally {
        server.faults.set({});
      }
    });
  }

  it('pause stops new batches, resume completes, setParallelism widens the window', async () => {
    server.faults.set({ latency: { kind: 'fixed', ms: 150 } });
    const jobId = uniqueId('pause');
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { item_list: { items: users(0, 300), batch_size: 10 } },
          output: { s3_path: output },
          parallelism: 1,
        });
        await waitForProgress(handle, (p) => p.batches_succeeded >= 2);
        await handle.signal('pause');
        const paused = await waitForProgress(handle, (p) => p.status === 'paused' && p.batches_in_flight === 0);
        await sleep(1000);
        const still = await handle.query<JobProgress>('status');
        assert.equal(still.batches_succeeded, paused.batches_succeeded, 'no batch ran while paused');
        await assert.rejects(handle.executeUpdate('setParallelism', { args: [0] }), (err: Error) => {
          assert.match(String((err.cause as Error | undefined)?.message), /parallelism must be an integer from 1 to 1000/);
          return true;
        });
        assert.equal(await handle.executeUpdate('setParallelism', { args: [5] }), 5);
        await handle.signal('resume');
        const wide = await waitForProgress(handle, (p) => p.batches_in_flight > 1 || p.status !== 'running', 30_000);
        assert.equal(wide.parallelism, 5);
        assert.ok(wide.batches_in_flight > 1, `window widened: ${JSON.stringify(wide)}`);
        return handle.result();
      });
      assert.equal(result.status, 'succeeded', result.error ?? '');
      assert.deepEqual(exactlyOnce(allLines((await readOutputs(output, jobId)).parts), 300), { duplicates: [], missing: [] });
    } finally {
      server.faults.set({});
    }
  });

  it('timeout: timed_out, with a manifest of what was done', async () => {
    server.faults.set({ latency: { kind: 'fixed', ms: 300 } });
    const jobId = uniqueId('timeout');
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { item_list: { items: users(0, 200), batch_size: 5 } },
          output: { s3_path: output },
          parallelism: 1,
          timeout: '3s',
        });
        return handle.result();
      });
      assert.equal(result.status, 'timed_out');
      assert.match(result.error ?? '', /timeout of 3s/);
      const out = await readOutputs(output, jobId);
      assert.equal(out.manifest.status, 'timed_out');
      assert.equal(out.manifest.parts.length, result.batches_succeeded);
      assert.ok(result.batches_succeeded < 40);
    } finally {
      server.faults.set({});
    }
  });
});
