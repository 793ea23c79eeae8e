/**
 * The first path end to end through the gateway: POST a job, a real worker runs it against the
 * model server, GET reports `succeeded` with its counts, and the results are in S3. Also the
 * controls on a job that really runs, and the job view once no worker is left to answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isFinal } from '../src/job/messages';
import { allLines, exactlyOnce, readOutputs, users, withWorker } from './helpers/jobHarness';
import { createPreflight } from '../src/gateway/preflight';
import { createS3Client } from '../src/storage/s3';
import { itemListSpec, startGateway, type AnswerBody, type GatewayHarness } from './helpers/gatewayHarness';

async function waitFor(gw: GatewayHarness, jobId: string, pred: (b: AnswerBody) => boolean, timeoutMs = 120_000): Promise<AnswerBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await gw.get(`/v1/jobs/${jobId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (pred(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`timed out; last view ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('gateway end to end', { timeout: 300_000 }, () => {
  let gw: GatewayHarness;
  before(async () => {
    gw = await startGateway({ queryTimeoutMs: 3000, updateTimeoutMs: 10_000 });
  });
  after(async () => {
    await gw?.close();
  });

  test('a staged item list runs to succeeded; GET reports its counts, also after the worker is gone', async () => {
    const items = users(0, 16_000);
    const jobId = gw.jobId('e2e');
    const final = await withWorker({ taskQueue: gw.config.temporal.taskQueue }, async () => {
      const res = await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath, items), job_id: jobId, input: { item_list: { items, batch_size: 2000 } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return waitFor(gw, jobId, (b) => isFinal(b.status!));
    });
    assert.equal(final.status, 'succeeded', final.error ?? '');
    assert.equal(final.items_total, 16_000);
    assert.equal(final.items_succeeded, 16_000);
    assert.equal(final.batches_total, 8);
    assert.equal(final.output_path, `${gw.outputPath}${jobId}/`);
    assert.equal(final.manifest_path, `${gw.outputPath}${jobId}/manifest.json`);

    const out = await readOutputs(gw.outputPath, jobId);
    assert.deepEqual(exactlyOnce(allLines(out.parts), 16_000), { duplicates: [], missing: [] });
    assert.equal(out.success, true);

    // No worker polls the queue now: the view comes from describe() and the manifest.
    const after = await gw.get(`/v1/jobs/${jobId}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.status, 'succeeded');
    assert.equal(after.body.items_total, 16_000);
    assert.equal(after.body.items_succeeded, 16_000);
    assert.equal(after.body.manifest_path, `${gw.outputPath}${jobId}/manifest.json`);
  });

  test('pre-flight validation against S3 and the model server names the bad field', async () => {
    const preflight = createPreflight(gw.config, createS3Client(gw.config.s3));
    const strict = await startGateway({ validateJob: preflight.validateJob });
    try {
      const cases: [string, unknown, string, RegExp][] = [
        [
          'inputs matching nothing',
          { ...itemListSpec(gw.outputPath), input: { delimited_files: { s3_paths: [`${gw.outputPath}no-such-input/`] } } },
          'input.delimited_files.s3_paths',
          /matches no object/,
        ],
        ['an unknown model', { ...itemListSpec(gw.outputPath), model: { name: 'no_such_model' } }, 'model.name', /NOT_FOUND/],
        ['an item the signature does not take', itemListSpec(gw.outputPath, [{ colour: 'red' }]), 'input.item_list.items[0]', /colour/],
      ];
      for (const [name, spec, field, reason] of cases) {
        const res = await strict.post('/v1/jobs', spec);
        assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
        const issue = res.body.error?.fields?.find((f) => f.field === field);
        assert.ok(issue, `${name}: ${JSON.stringify(res.body.error)}`);
        assert.match(issue.reason, reason);
      }
      assert.equal((await strict.post('/v1/jobs', itemListSpec(gw.outputPath))).status, 201, 'a good job passes');
    } finally {
      await strict.close();
      preflight.close();
    }
  });

  test('pause holds a running job, parallelism changes its window, resume lets it finish', async () => {
    const items = users(0, 600);
    const jobId = gw.jobId('controls');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath, items), job_id: jobId, parallelism: 1 })).status, 201);
    // Paused before any worker runs it: the signal waits in history and applies on the first task.
    assert.equal((await gw.post(`/v1/jobs/${jobId}/pause`, {})).status, 202);
    const final = await withWorker({ taskQueue: gw.config.temporal.taskQueue }, async () => {
      const paused = await waitFor(gw, jobId, (b) => b.status === 'paused', 60_000);
      assert.equal(paused.batches_in_flight, 0);
      const res = await gw.post(`/v1/jobs/${jobId}/parallelism`, { parallelism: 3 });
      assert.deepEqual(res, { status: 200, body: { job_id: jobId, parallelism: 3 } });
      assert.equal((await gw.get(`/v1/jobs/${jobId}`)).body.parallelism, 3);
      assert.equal((await gw.post(`/v1/jobs/${jobId}/resume`, {})).status, 202);
      return waitFor(gw, jobId, (b) => isFinal(b.status!));
    });
    assert.equal(final.status, 'succeeded', final.error ?? '');
    assert.equal(final.items_succeeded, 600);
  });

  test('cancel ends a running job as cancelled', async () => {
    const items = users(0, 2000);
    const jobId = gw.jobId('cancel');
    const final = await withWorker({ taskQueue: gw.config.temporal.taskQueue }, async () => {
      assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath, items), job_id: jobId, parallelism: 1 })).status, 201);
      await waitFor(gw, jobId, (b) => b.status === 'running' || isFinal(b.status!), 60_000);
      assert.equal((await gw.post(`/v1/jobs/${jobId}/cancel`, { reason: 'e2e test' })).status, 202);
      return waitFor(gw, jobId, (b) => isFinal(b.status!));
    });
    assert.equal(final.status, 'cancelled');
    assert.match(final.error ?? '', /e2e test/);
  });
});
