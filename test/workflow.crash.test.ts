/**
 * kill -9 a worker process mid-job and start another: the job completes and every item is in
 * S3 exactly once (retried batches overwrite their own deterministic part keys), and the model
 * server predicted each item once, plus at most the batches whose attempt the kill cut short.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ensureBucket } from '../src/storage/s3';
import { startModelServer } from '../src/model-server/server';
import { BUCKET, allLines, exactlyOnce, assertPredictedOnce, putJsonLines, readOutputs, s3, silentLogger, startJob, temporalClient, uniqueId, waitForProgress, users } from './helpers/jobHarness';

type ModelServer = Awaited<ReturnType<typeof startModelServer>>;

function startWorkerProcess(taskQueue: string, target: string): ChildProcess {
  const child = spawn(process.execPath, [require.resolve('../src/worker/main')], {
    env: { ...process.env, NIGHTSHIFT_TASK_QUEUE: taskQueue, NIGHTSHIFT_TFSERVING_TARGET: target, NIGHTSHIFT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

describe('a killed worker', { timeout: 300_000 }, () => {
  let server: ModelServer;
  const children: ChildProcess[] = [];

  before(async () => {
    await ensureBucket(s3, BUCKET);
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    server.faults.set({ latency: { kind: 'fixed', ms: 100 } });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await server.stop();
    await (await temporalClient()).connection.close();
  });

  it('loses no item and writes none twice when killed with SIGKILL mid-job', async () => {
    const taskQueue = uniqueId('crash');
    const target = `127.0.0.1:${server.port}`;
    const jobId = uniqueId('crash');
    const input = await putJsonLines(`test-in/${jobId}/users.jsonl`, users(0, 1500));
    const output = `s3://${BUCKET}/test-out/`;
    const predictedBefore = server.stats().rpcs.Predict.items;
    const first = startWorkerProcess(taskQueue, target);
    children.push(first);
    const handle = await startJob(taskQueue, {
      job_id: jobId,
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: [input], batch_size: 25 } },
      output: { s3_path: output },
      parallelism: 4,
    });
    const mid = await waitForProgress(handle, (p) => p.batches_succeeded >= 8 && p.batches_in_flight > 0, 120_000);
    assert.ok(mid.batches_succeeded < 60, 'killed mid-job');
    first.kill('SIGKILL');
    await once(first, 'exit');
    const second = startWorkerProcess(taskQueue, target);
    children.push(second);
    const result = await handle.result();
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.items_succeeded, 1500);
    const out = await readOutputs(output, jobId);
    assert.equal(out.parts.size, 60);
    assert.deepEqual(exactlyOnce(allLines(out.parts), 1500), { duplicates: [], missing: [] });
    const count = await assertPredictedOnce(handle, server.stats().rpcs.Predict.items - predictedBefore, { items: 1500, batchSize: 25 });
    assert.ok(count.extraAttempts > 0, 'the kill cut at least one batch attempt short');
    second.kill('SIGTERM');
    await once(second, 'exit');
  });
});
