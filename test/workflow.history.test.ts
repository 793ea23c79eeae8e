/**
 * A job of 20,000 tiny batches: the workflow continues as new before any run reaches 10,000
 * history events. The histories are read back from the server and counted.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { ensureBucket } from '../src/storage/s3';
import { BUCKET, putJsonLines, readOutputs, s3, startJob, temporalClient, uniqueId, users, withWorker } from './helpers/jobHarness';

const BATCHES = 20_000;

describe('bounded history', { timeout: 1_800_000 }, () => {
  after(async () => {
    await (await temporalClient()).connection.close();
  });

  it(`${BATCHES} batches: every run stays under 10,000 events`, async (t) => {
    await ensureBucket(s3, BUCKET);
    const taskQueue = uniqueId('history');
    const jobId = uniqueId('history');
    const input = await putJsonLines(`test-in/${jobId}/users.jsonl`, users(0, BATCHES).map((u) => ({ user_id: u.user_id % 1000 })));
    const output = `s3://${BUCKET}/test-out/`;
    const client = await temporalClient();
    let firstRunId = '';
    const result = await withWorker({ taskQueue, maxActivities: 200 }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 1 } },
        output: { s3_path: output },
        parallelism: 100,
      });
      firstRunId = handle.firstExecutionRunId;
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.batches_succeeded, BATCHES);

    // Follow the continue-as-new chain from the first run and count each run's events.
    const counts: number[] = [];
    let runId: string | null | undefined = firstRunId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(jobId, runId).fetchHistory();
      const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
      counts.push(events.length);
      runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    t.diagnostic(`${counts.length} runs, events per run: ${counts.join(', ')}`);
    assert.ok(counts.length > 1, `continued as new (runs: ${counts.join(', ')})`);
    assert.ok(Math.max(...counts) < 10_000, `runs' history lengths: ${counts.join(', ')}`);
    const out = await readOutputs(output, jobId);
    assert.equal(out.manifest.parts.length, BATCHES);
    assert.equal(out.manifest.parts.reduce((n, p) => n + p.items, 0), BATCHES);
  });
});
