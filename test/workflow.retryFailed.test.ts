/**
 * Retrying what failed: a job that ends `completed_with_errors` (a bad row, and an outage longer
 * than its retries over plain and gzip batches) is completed by its retry job, which predicts only
 * what the original lacks and writes beside it; the union of both jobs' parts holds every item
 * exactly once. Also: error lines carry the input only when `include_input` says so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ensureBucket, headObject, putObject } from '../src/storage/s3';
import { jobLocation, partKey } from '../src/job/layout';
import { startModelServer } from '../src/model-server/server';
import { HttpError } from '../src/gateway/errors';
import { retrySpecFor } from '../src/gateway/retryFailed';
import {
  BUCKET,
  allLines,
  exactlyOnce,
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

/** Every line the same length, so a bad row can be fixed in place without moving any byte range. */
const row = (userId: number): string => `{"user_id":${String(userId).padStart(9)}}`;

async function waitForPart(jobId: string, batch: number, timeoutMs = 60_000): Promise<void> {
  const loc = jobLocation(output, jobId);
  const deadline = Date.now() + timeoutMs;
  while (!(await headObject(s3, loc.bucket, partKey(loc, batch)))) {
    if (Date.now() > deadline) throw new Error(`part ${batch} of ${jobId} never appeared`);
    await sleep(25);
  }
}

describe('retry-failed', { timeout: 600_000 }, () => {
  let server: ModelServer;
  let target: string;
  const taskQueue = uniqueId('retry');
  const rowsPredicted = (): number => server.stats().models.reduce((n, m) => n + m.rows, 0);

  before(async () => {
    await ensureBucket(s3, BUCKET);
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    target = `127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.stop();
    await (await temporalClient()).connection.close();
  });

  it('a retry completes a job with a bad row and an outage: every item exactly once across both, only the missing ones predicted', async () => {
    const jobId = uniqueId('orig');
    const plainKey = `test-in/${jobId}/a.jsonl`;
    const gzKey = `test-in/${jobId}/b.jsonl.gz`;
    const POISONED = 15;
    const plainRows = (poisoned: boolean) =>
      users(0, 100)
        .map((u) => row(poisoned && u.user_id === POISONED ? 987654321 : u.user_id))
        .join('\n') + '\n';
    await putObject(s3, BUCKET, plainKey, plainRows(true));
    await putObject(s3, BUCKET, gzKey, gzipSync(users(100, 200).map((u) => row(u.user_id)).join('\n')));
    const outage = { error_rates: { UNAVAILABLE: 1 } };
    server.faults.set({ latency: { kind: 'fixed', ms: 60 } });

    try {
      // ----- the original: 10 plain batches (0-9), then the .gz file's 10 (10-19), staged at planning
      const original = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { delimited_files: { s3_paths: [`s3://${BUCKET}/test-in/${jobId}/`], batch_size: 10 } },
          output: { s3_path: output, include_input: false },
          parallelism: 1,
          retry: { max_attempts: 2, initial_interval: '50ms', max_interval: '50ms' },
          max_failure_ratio: 0.9,
        });
        await waitForPart(jobId, 2);
        server.faults.set({ ...outage, latency: { kind: 'fixed', ms: 60 } });
        await waitForProgress(handle, (p) => p.batches_failed >= 1);
        server.faults.set({ latency: { kind: 'fixed', ms: 60 } });
        await waitForPart(jobId, 12);
        server.faults.set({ ...outage, latency: { kind: 'fixed', ms: 60 } });
        return handle.result();
      });
      server.faults.set({});
      assert.equal(original.status, 'completed_with_errors', original.error ?? '');
      assert.equal(original.items_total, 200);
      const before = await readOutputs(output, jobId);
      const inOriginal = allLines(before.parts);
      assert.ok(inOriginal.length < 200 - 10, `some whole batches failed: ${inOriginal.length} items in parts`);
      assert.ok(inOriginal.length > 30, 'some batches succeeded');
      assert.equal(before.manifest.items_in_parts, inOriginal.length);
      const poisonLines = allLines(before.errors).filter((e) => e.index === POISONED);
      assert.equal(poisonLines.length, 1, 'the bad row is an error item');
      assert.equal(poisonLines[0]!.error!.code, 'INVALID_ARGUMENT');
      assert.ok(
        allLines(before.errors).every((e) => !('input' in e)),
        'without include_input an error line does not copy the input',
      );
      assert.ok(
        before.parts.has('part-000001.jsonl') && inOriginal.some((l) => l.index === POISONED + 1),
        'the bad row\'s batch has its part (the retry runs that one item only)',
      );
      assert.ok(
        before.parts.has('part-000010.jsonl') && !before.parts.has('part-000019.jsonl'),
        'the .gz file\'s batches failed midway (the retry runs only its later batches)',
      );
      const missing = 200 - inOriginal.length;

      // ----- fix the row in place, then retry
      await putObject(s3, BUCKET, plainKey, plainRows(false));
      const spec = retrySpecFor(before.manifest, jobId);
      assert.equal(spec.job_id, `${jobId}-retry`);
      assert.equal(spec.retry_of, jobId);
      const rowsBefore = rowsPredicted();
      const retried = await withWorker({ taskQueue, tfservingTarget: target }, async () => (await startJob(taskQueue, spec)).result());
      assert.equal(retried.status, 'succeeded', retried.error ?? '');
      assert.equal(retried.items_total, missing, 'the retry planned exactly the items the original lacks');
      assert.equal(rowsPredicted() - rowsBefore, missing, 'the model server predicted only the missing items');

      const retry = await readOutputs(output, spec.job_id);
      const union = [...inOriginal, ...allLines(retry.parts)];
      assert.deepEqual(exactlyOnce(union, 200), { duplicates: [], missing: [] });
      assert.ok(union.every((l) => l.outputs !== undefined && l.error === undefined));
      assert.equal(retry.errors.size, 0);
      for (const name of retry.parts.keys()) {
        const lacking = !before.parts.has(name) || before.errors.has(`errors/${name}`);
        assert.ok(lacking, `retry part ${name} keeps the numbering of a batch the original lacked`);
      }
      assert.deepEqual(
        allLines(retry.parts).find((l) => l.index === POISONED)?.source,
        `s3://${BUCKET}/${plainKey}`,
        'the fixed row was read again from the input',
      );
      assert.equal(retry.manifest.retry_of, jobId);
      const retriedGz = allLines(retry.parts).filter((l) => l.index >= 100);
      assert.ok(retriedGz.length > 0, 'the retry ran some of the .gz file\'s items');
      assert.ok(
        retriedGz.every((l) => l.source === `s3://${BUCKET}/${gzKey}` && l.line === l.index - 99),
        'items of the .gz file keep its URL and line numbers in the retry',
      );

      // ----- the original's manifest now says it is complete, and by whom
      const after = await readOutputs(output, jobId);
      assert.deepEqual(after.manifest.retried_by, [
        {
          job_id: spec.job_id,
          status: 'succeeded',
          manifest_path: `s3://${BUCKET}/test-out/${spec.job_id}/manifest.json`,
          items_succeeded: missing,
          items_failed: 0,
        },
      ]);
      assert.deepEqual(after.manifest.completion, { items_total: 200, items_in_parts: 200, items_missing: 0, complete: true });
      assert.equal(after.manifest.status, 'completed_with_errors', 'the original keeps its own status');
      assert.throws(
        () => retrySpecFor(after.manifest, jobId),
        (err: HttpError) => err.code === 'failed_precondition' && /every item/.test(err.message),
      );
    } finally {
      server.faults.set({});
    }
  });

  it('error lines carry the input only with include_input', async () => {
    for (const includeInput of [false, true]) {
      const jobId = uniqueId(`errinput-${String(includeInput)}`);
      const items: unknown[] = users(0, 20);
      items[7] = { user_id: 987654321 };
      const result = await withWorker({ taskQueue, tfservingTarget: target }, async () =>
        (
          await startJob(taskQueue, {
            job_id: jobId,
            model: { name: 'recommender' },
            input: { item_list: { items, batch_size: 10 } },
            output: { s3_path: output, include_input: includeInput },
            max_failure_ratio: 0.5,
          })
        ).result(),
      );
      assert.equal(result.status, 'completed_with_errors', result.error ?? '');
      const errors = allLines((await readOutputs(output, jobId)).errors);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.index, 7);
      if (includeInput) assert.deepEqual(errors[0]!.input, { user_id: 987654321 });
      else assert.ok(!('input' in errors[0]!), `no input without include_input: ${JSON.stringify(errors[0])}`);
    }
  });

  it('retrySpecFor refuses jobs that are running, succeeded or never planned', () => {
    const base = { items_total: 10, items_in_parts: 5, plan: {}, spec: { model: { name: 'recommender' }, input: { item_list: { items_s3_path: 's3://nightshift/x.jsonl' } }, output: { s3_path: output } } };
    const refused = (m: object, why: RegExp) =>
      assert.throws(
        () => retrySpecFor(m, 'j1'),
        (err: HttpError) => err.code === 'failed_precondition' && why.test(err.message),
      );
    refused({ ...base, status: 'running' }, /only a finished job/);
    refused({ ...base, status: 'succeeded' }, /nothing failed/);
    refused({ ...base, status: 'failed', plan: null }, /before it was planned/);
    refused({ ...base, status: 'completed_with_errors', items_in_parts: 10 }, /every item/);
    const spec = retrySpecFor({ ...base, status: 'cancelled' }, 'j1');
    assert.equal(spec.job_id, 'j1-retry');
    assert.equal(spec.retry_of, 'j1');
    assert.equal(retrySpecFor({ ...base, status: 'completed_with_errors', items_in_parts: 10 }, 'j1', { retryExists: true }).job_id, 'j1-retry');
  });
});
