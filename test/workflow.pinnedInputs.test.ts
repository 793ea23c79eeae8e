/**
 * A job sees one input and one output: inputs are pinned to the ETag planning saw (a change mid-job
 * fails the batches that read it afterwards with InputChanged, never shifted lines), S3 errors no
 * retry can fix end an activity on its first attempt, an output prefix holding an earlier job's
 * parts is refused unless `output.overwrite`, and a batch that fails for good leaves no part.
 * Real Temporal, S3 and model server; attempts are read from the workflow history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { deleteObject, getObjectText, listObjects, putObject } from '../src/storage/s3';
import { earlierOutputKey, clearJobOutput } from '../src/job/earlierOutput';
import { jobLocation, stagedItemsKey } from '../src/job/layout';
import type { WorkflowHandle } from '@temporalio/client';
import { NightshiftModel, NightshiftStatus, type JobProgress } from '../src/job/messages';
import type { JobSpecInput } from '../src/job/spec';
import type { batchJob } from '../workflows';
import { BUCKET, putJsonLines, readOutputs, s3, startJob, suiteModelServer, temporalClient, uniqueId, users, waitForProgress, withWorker } from './helpers/jobHarness';
import { itemListSpec, startGateway, type GatewayHarness } from './helpers/gatewayHarness';

type Handle = WorkflowHandle<typeof batchJob>;
const output = `s3://${BUCKET}/test-out/`;
const BATCH = 10;

/** Keys under the job's prefix, relative to it. */
async function keysOf(jobId: string): Promise<string[]> {
  const loc = jobLocation(output, jobId);
  const keys: string[] = [];
  for await (const o of listObjects(s3, loc.bucket, loc.prefix)) keys.push(o.key.slice(loc.prefix.length));
  return keys;
}

const partNames = (keys: string[]): string[] => keys.filter((k) => /^(errors\/)?part-\d+\.jsonl$/.test(k)).sort();

/** The `attempt` of every started activity of a type, from the history (a retried activity shows its last attempt). */
async function attemptsOf(jobId: string, activityType: string): Promise<number[]> {
  const history: temporal.api.history.v1.IHistory = await (await temporalClient()).workflow.getHandle(jobId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, string>();
  for (const e of events) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) scheduled.set(String(e.eventId), a.activityType?.name ?? '');
  }
  return events.flatMap((e) => {
    const a = e.activityTaskStartedEventAttributes;
    return a && scheduled.get(String(a.scheduledEventId)) === activityType ? [a.attempt ?? 0] : [];
  });
}

/** Starts a job already paused (the signal rides with the start), so a test can act between planning and the batches. */
async function startPaused(taskQueue: string, spec: JobSpecInput & { job_id: string }) {
  const c = await temporalClient();
  return c.workflow.signalWithStart<typeof batchJob, []>('batchJob', {
    workflowId: spec.job_id,
    taskQueue,
    args: [spec],
    signal: 'pause',
    signalArgs: [],
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: spec.model.name },
    ],
  });
}

/** A recommender job's spec; tests spread their changes over it. */
const jobSpec = (jobId: string, input: JobSpecInput['input'], more: Partial<JobSpecInput> = {}): JobSpecInput & { job_id: string } => ({
  job_id: jobId,
  model: { name: 'recommender' },
  input,
  output: { s3_path: output },
  ...more,
});
const items = (n: number): JobSpecInput['input'] => ({ item_list: { items: users(0, n), batch_size: BATCH } });
const quickRetries = (maxAttempts: number) => ({ max_attempts: maxAttempts, initial_interval: '50ms', max_interval: '100ms' });

describe('pinned inputs, permanent S3 errors, output prefixes', { timeout: 600_000 }, () => {
  const ms = suiteModelServer();
  const taskQueue = uniqueId('pinned');

  /** Runs a job on a worker; `paused`: it starts paused and `during` runs once it is planned (and resumes it). */
  const runJob = (spec: JobSpecInput & { job_id: string }, opts: { paused?: boolean; during?: (h: Handle) => Promise<void> } = {}): Promise<JobProgress> =>
    withWorker({ taskQueue, tfservingTarget: ms.target }, async () => {
      const handle = opts.paused ? await startPaused(taskQueue, spec) : await startJob(taskQueue, spec);
      if (opts.paused) await waitForProgress(handle, (p) => p.status === 'paused');
      await opts.during?.(handle);
      return handle.result();
    });

  for (const change of ['overwritten', 'deleted'] as const) {
    it(`an input ${change} mid-job: later batches fail with InputChanged, earlier parts intact, no line shifted`, async () => {
      ms.server.faults.set({ latency: { kind: 'fixed', ms: 300 } });
      const jobId = uniqueId(`pin-${change}`);
      const key = `test-in/${jobId}/users.jsonl`;
      const total = 120;
      const batches = total / BATCH;
      const url = await putJsonLines(key, users(0, total));
      const loc = jobLocation(output, jobId);
      try {
        let succeededBefore = -1;
        const spec = jobSpec(jobId, { delimited_files: { s3_paths: [url], batch_size: BATCH } }, {
          output: { s3_path: output, include_input: true },
          parallelism: 1,
          max_failure_ratio: 1,
          retry: quickRetries(3),
        });
        const result = await runJob(spec, {
          during: async (handle) => {
            await waitForProgress(handle, (p) => p.batches_succeeded >= 2);
            await handle.signal('pause');
            const paused = await waitForProgress(handle, (p) => p.status === 'paused' && p.batches_in_flight === 0);
            assert.ok(paused.batches_succeeded < batches, `paused before the end: ${JSON.stringify(paused)}`);
            succeededBefore = paused.batches_succeeded;
          // As if an earlier attempt of the last batch had written a part: it must not survive its batch failing.
            await putObject(s3, loc.bucket, `${loc.prefix}part-${String(batches - 1).padStart(6, '0')}.jsonl`, '{"index":0,"stale":true}\n');
            if (change === 'overwritten') {
              // One line more at the top: every byte range of the plan now starts one line later.
              await putJsonLines(key, [{ user_id: 999_999 }, ...users(0, total)]);
            } else {
              await deleteObject(s3, BUCKET, key);
            }
            await handle.signal('resume');
          },
        });
        assert.equal(result.status, 'completed_with_errors', result.error ?? '');
        assert.equal(result.batches_succeeded, succeededBefore, 'no batch read the changed input successfully');
        assert.equal(result.batches_failed, batches - succeededBefore);
        assert.equal(result.items_failed, (batches - succeededBefore) * BATCH);
        const out = await readOutputs(output, jobId);
        const failed = out.manifest['failed_batches'] as { batch: number; code: string; message: string }[];
        assert.equal(failed.length, batches - succeededBefore);
        for (const f of failed) {
          assert.equal(f.code, 'InputChanged', JSON.stringify(f));
          assert.ok(f.message.includes(url), `names the object: ${f.message}`);
          assert.match(f.message, change === 'overwritten' ? /overwritten/ : /deleted/);
        }
        // Parts exist exactly for the batches done before the change, with the lines planned.
        const expectedParts = Array.from({ length: succeededBefore }, (_, b) => `part-${String(b).padStart(6, '0')}.jsonl`);
        assert.deepEqual([...out.parts.keys()].sort(), expectedParts);
        assert.equal(out.errors.size, 0);
        for (const lines of out.parts.values()) {
          assert.equal(lines.length, BATCH);
          for (const l of lines) {
            assert.deepEqual(l.input, { user_id: l.index }, 'no shifted line');
            assert.equal(l.line, l.index + 1);
            assert.equal(l.source, url);
          }
        }
        assert.equal(out.manifest.parts.length, succeededBefore, 'manifest and parts agree');
        // Every batch that met the change gave up on its first attempt.
        const attempts = await attemptsOf(jobId, 'predictBatch');
        assert.equal(attempts.length, batches);
        assert.deepEqual(
          attempts.filter((a) => a !== 1),
          [],
        );
      } finally {
        ms.server.faults.set({});
      }
    });
  }

  it('an input bucket that does not exist fails planning on its first attempt (S3:NoSuchBucket)', async () => {
    const jobId = uniqueId('nobucket');
    const result = await runJob(jobSpec(jobId, { delimited_files: { s3_paths: [`s3://nightshift-no-such-bucket-${jobId.slice(-8)}/in/`], batch_size: BATCH } }));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /planning failed: S3 NoSuchBucket on s3:\/\/nightshift-no-such-bucket-/);
    assert.deepEqual(await attemptsOf(jobId, 'planJob'), [1]);
  });

  it('a staged item list that vanished after planning: batches fail with S3:NoSuchKey, no retry, no Predict', async () => {
    const jobId = uniqueId('vanished');
    const loc = jobLocation(output, jobId);
    const predictsBefore = ms.server.stats().rpcs.Predict.ok;
    const result = await runJob(jobSpec(jobId, items(30), { parallelism: 1, max_failure_ratio: 1, retry: quickRetries(5) }), {
      paused: true,
      during: async (handle) => {
        await deleteObject(s3, loc.bucket, stagedItemsKey(loc));
        await handle.signal('resume');
      },
    });
    assert.equal(result.status, 'completed_with_errors', result.error ?? '');
    assert.equal(result.batches_failed, 3);
    const out = await readOutputs(output, jobId);
    const failed = out.manifest['failed_batches'] as { code: string; message: string }[];
    assert.deepEqual(
      failed.map((f) => f.code),
      ['S3:NoSuchKey', 'S3:NoSuchKey', 'S3:NoSuchKey'],
    );
    assert.ok(failed[0]!.message.includes(`s3://${loc.bucket}/${stagedItemsKey(loc)}`), failed[0]!.message);
    assert.deepEqual(await attemptsOf(jobId, 'predictBatch'), [1, 1, 1]);
    assert.equal(ms.server.stats().rpcs.Predict.ok, predictsBefore);
  });

  it('a job whose output prefix holds parts of an earlier job is refused at planning (OutputExists)', async () => {
    const jobId = uniqueId('taken');
    const loc = jobLocation(output, jobId);
    const earlier = `${loc.prefix}part-000000.jsonl`;
    await putObject(s3, loc.bucket, earlier, '{"index":0,"earlier":true}\n');
    const result = await runJob(jobSpec(jobId, items(20)));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /already holds parts of an earlier job .*output\.overwrite: true/);
    assert.deepEqual(await attemptsOf(jobId, 'planJob'), [1]);
    assert.deepEqual(await attemptsOf(jobId, 'predictBatch'), []);
    assert.equal(await getObjectText(s3, loc.bucket, earlier), '{"index":0,"earlier":true}\n', "the earlier job's part is untouched");
  });

  it('output.overwrite: true clears the prefix first; only this job’s parts remain', async () => {
    const jobId = uniqueId('overwrite');
    const loc = jobLocation(output, jobId);
    for (const k of ['part-000042.jsonl', 'errors/part-000042.jsonl', 'part-000001.jsonl', 'manifest.json', '_SUCCESS']) {
      await putObject(s3, loc.bucket, `${loc.prefix}${k}`, '{"stale":true}\n');
    }
    const result = await runJob(jobSpec(jobId, items(30), { output: { s3_path: output, overwrite: true } }));
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.deepEqual(partNames(await keysOf(jobId)), ['part-000000.jsonl', 'part-000001.jsonl', 'part-000002.jsonl']);
    const out = await readOutputs(output, jobId);
    assert.deepEqual(
      [...out.parts.values()].flat().map((l) => l.index).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
    assert.equal(out.manifest.status, 'succeeded');
  });

  it('a planning retry is not refused by its own _plan/ (nor by a staged list); clearing keeps _input/', async () => {
    const loc = jobLocation(output, uniqueId('ownplan'));
    await putObject(s3, loc.bucket, `${loc.prefix}_plan/plan.json`, '{}');
    await putObject(s3, loc.bucket, stagedItemsKey(loc), '{"user_id":1}\n');
    assert.equal(await earlierOutputKey(s3, loc), undefined);
    await putObject(s3, loc.bucket, `${loc.prefix}errors/part-000003.jsonl`, '{}\n');
    assert.equal(await earlierOutputKey(s3, loc), `${loc.prefix}errors/part-000003.jsonl`);
    assert.equal(await clearJobOutput(s3, loc), 2);
    const left: string[] = [];
    for await (const o of listObjects(s3, loc.bucket, loc.prefix)) left.push(o.key);
    assert.deepEqual(left, [stagedItemsKey(loc)]);
  });

  it('a batch that times out on its last attempt leaves no part from any attempt', async () => {
    ms.server.faults.set({ latency: { kind: 'fixed', ms: 20_000 } });
    const jobId = uniqueId('lostpart');
    const loc = jobLocation(output, jobId);
    try {
      const spec = jobSpec(jobId, items(20), { parallelism: 2, max_failure_ratio: 1, batch_timeout: '1s', retry: quickRetries(1) });
      const result = await runJob(spec, {
        paused: true,
        during: async (handle) => {
          // What an earlier attempt of each batch could have left.
          for (const k of ['part-000000.jsonl', 'errors/part-000000.jsonl', 'part-000001.jsonl']) {
            await putObject(s3, loc.bucket, `${loc.prefix}${k}`, '{"index":0,"stale":true}\n');
          }
          await handle.signal('resume');
        },
      });
      assert.equal(result.status, 'completed_with_errors', result.error ?? '');
      assert.equal(result.batches_failed, 2);
      const out = await readOutputs(output, jobId);
      const failed = out.manifest['failed_batches'] as { code: string }[];
      assert.deepEqual(
        failed.map((f) => f.code),
        // The batch keeps its own batch_timeout clock (permit waits excluded) and gives up itself.
        ['BatchTimeout', 'BatchTimeout'],
      );
      assert.deepEqual(partNames(await keysOf(jobId)), []);
      assert.deepEqual(out.manifest.parts, []);
    } finally {
      ms.server.faults.set({});
    }
  });

  describe('gateway', () => {
    let gw: GatewayHarness;
    before(async () => {
      gw = await startGateway();
    });
    after(async () => {
      await gw.close();
    });

    it('submit answers 409 when the output prefix holds parts of an earlier job, 201 with output.overwrite', async () => {
      const jobId = gw.jobId('taken');
      const loc = jobLocation(gw.outputPath, jobId);
      await putObject(gw.s3, loc.bucket, `${loc.prefix}part-000000.jsonl`, '{"index":0}\n');
      const spec = { ...itemListSpec(gw.outputPath), job_id: jobId };
      const refused = await gw.post('/v1/jobs', spec);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, 'failed_precondition');
      assert.match(refused.body.error?.message ?? '', /already holds parts of an earlier job/);
      assert.deepEqual(
        refused.body.error?.fields?.map((f) => f.field),
        ['job_id'],
      );
      let described = true;
      await gw.temporal.workflow
        .getHandle(jobId)
        .describe()
        .catch(() => (described = false));
      assert.equal(described, false, 'no workflow was started');
      const accepted = await gw.post('/v1/jobs', { ...spec, output: { ...spec.output, overwrite: true } });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    });
  });
});
