/**
 * Long failure messages cannot outgrow Temporal's payload limit: 210 batches failing with 16 KB
 * messages (the job keeps 200 of them) once pushed the manifest's input past 2 MB and the job
 * stuck in `aggregating`; now every message is cut to MAX_ERROR_MESSAGE_CHARS where it enters the
 * job's state, and the job ends as it should.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ERROR_MESSAGE_CHARS } from '../src/job/bounds';
import { BUCKET, readOutputs, startJob, suiteModelServer, uniqueId, users, withWorker } from './helpers/jobHarness';

const output = `s3://${BUCKET}/test-out/`;
const BATCHES = 210;
const MESSAGE_BYTES = 16 * 1024;

describe('bounded payloads', { timeout: 600_000 }, () => {
  const ms = suiteModelServer();
  const taskQueue = uniqueId('bounds');

  it(`${BATCHES} batches failing with 16 KB messages: completed_with_errors, messages truncated in the manifest`, async () => {
    // FAILED_PRECONDITION is not retryable and not an item's fault (no bisection): each batch fails whole.
    ms.server.faults.set({ error_rates: { FAILED_PRECONDITION: 1 }, message_bytes: MESSAGE_BYTES });
    const jobId = uniqueId('longerr');
    try {
      const result = await withWorker({ taskQueue, tfservingTarget: ms.target }, async () => {
        const handle = await startJob(taskQueue, {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { item_list: { items: users(0, BATCHES), batch_size: 1 } },
          output: { s3_path: output },
          parallelism: 16,
          max_failure_ratio: 1,
          retry: { max_attempts: 1 },
        });
        return handle.result();
      });
      assert.equal(result.status, 'completed_with_errors', result.error ?? '');
      assert.equal(result.batches_failed, BATCHES);
      assert.equal(result.items_failed, BATCHES);
      assert.ok((ms.server.faults.stats().errors['FAILED_PRECONDITION'] ?? 0) >= BATCHES, 'every batch met the long message');
      const { manifest } = await readOutputs(output, jobId);
      assert.equal(manifest.status, 'completed_with_errors');
      const failed = manifest.failed_batches as { batch: number; code: string; message: string }[];
      assert.equal(failed.length + (manifest.failed_batches_omitted as number), BATCHES);
      for (const f of failed) {
        assert.equal(f.code, 'FAILED_PRECONDITION');
        assert.ok(f.message.length <= MAX_ERROR_MESSAGE_CHARS, `message of ${f.message.length} chars`);
        assert.match(f.message, /^injected fault: FAILED_PRECONDITION x+… \[\d+ more chars\]$/);
      }
    } finally {
      ms.server.faults.set({});
    }
  });
});
