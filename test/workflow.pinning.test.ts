/**
 * A job sees one model: with no version in the spec, every batch calls the version planning resolved, even when
 * a new version is rolled out while the job runs; `follow_latest: true` moves to the new version. Each test runs
 * its own slowed model server over a temp model dir, pauses the job mid-way (so the rollout lands mid-job
 * deterministically), adds version 2 to the dir and reloads, then resumes. Checked against the S3 output lines
 * (each item's answer compared with what each version answers for it) and the model server's per-version counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateModels } from '../src/model-server/generateModels';
import { startModelServer, type ModelServer } from '../src/model-server/server';
import { TfServingClient } from '../src/tfserving/client';
import { pauseSignal, resumeSignal } from '../src/job/messages';
import { parseJobSpec } from '../src/job/spec';
import { BUCKET, allLines, exactlyOnce, readOutputs, silentLogger, startJob, uniqueId, jobSuiteHooks, users, waitForProgress, withWorker } from './helpers/jobHarness';
import { tempModels } from './helpers/modelServerKit';

const output = `s3://${BUCKET}/test-out/`;
const USERS = 120;
const MODEL = { numUsers: USERS, numItems: 300, dim: 8, maxBatchSize: 64, maxEnqueuedBatches: 64 };

interface Rollout {
  status: string;
  manifestModel: Record<string, unknown>;
  planPinned: unknown;
  /** Per item index: 1 or 2, the version whose answer the output line holds. */
  servedBy: Map<number, number>;
  rows: { v1: number; v2: number };
}

/** Runs one job over users 0..USERS with a rollout of version 2 while it is paused mid-way. */
async function jobWithRollout(model: { name: string; follow_latest?: boolean }): Promise<Rollout> {
  const models = tempModels({ recommender: { ...MODEL, version: 1, seed: 1 }, echoBytes: false });
  let server: ModelServer | undefined;
  try {
    // Slowed, so the pause lands while most batches are still to run.
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: models.basePath, threads: 1, logger: silentLogger, faults: { latency: { kind: 'uniform', min_ms: 20, max_ms: 40 } } });
    const target = `127.0.0.1:${server.port}`;
    const taskQueue = uniqueId('pinning');
    const jobId = uniqueId('pin');
    const result = await withWorker({ taskQueue, tfservingTarget: target }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model,
        input: { item_list: { items: users(0, USERS), batch_size: 10 } },
        output: { s3_path: output },
        parallelism: 2,
      });
      await waitForProgress(handle, (p) => p.items_succeeded >= 20);
      await handle.signal(pauseSignal);
      const paused = await waitForProgress(handle, (p) => p.batches_in_flight === 0);
      assert.ok(paused.items_succeeded < USERS, `the job is still mid-way at the rollout (${paused.items_succeeded} done)`);
      generateModels({ basePath: models.basePath, recommender: { ...MODEL, version: 2, seed: 2 }, echoBytes: false });
      assert.deepEqual(server!.reload(), ['recommender/2']);
      await handle.signal(resumeSignal);
      return handle.result();
    });
    const stats = server.stats().models;
    const rows = { v1: stats.find((m) => m.version === 1)!.rows, v2: stats.find((m) => m.version === 2)!.rows };
    const out = await readOutputs(output, jobId);
    const lines = allLines(out.parts);
    assert.deepEqual(exactlyOnce(lines, USERS), { duplicates: [], missing: [] });
    // What each version answers for each user, asked by version.
    const client = new TfServingClient({ target, maxBatchSize: 32 });
    const answers = async (version: number) =>
      (await client.predict({ name: 'recommender', version }, users(0, USERS))).outputs.map((o) => JSON.stringify(o['item_ids']));
    const [a1, a2] = [await answers(1), await answers(2)];
    client.close();
    const servedBy = new Map<number, number>();
    for (const l of lines) {
      const got = JSON.stringify(l.outputs!['item_ids']);
      assert.notEqual(a1[l.index], a2[l.index], `versions 1 and 2 answer user ${l.index} differently`);
      assert.ok(got === a1[l.index] || got === a2[l.index], `item ${l.index} holds an answer of version 1 or 2`);
      servedBy.set(l.index, got === a1[l.index] ? 1 : 2);
    }
    return { status: result.status, manifestModel: out.manifest['model'] as Record<string, unknown>, planPinned: (out.manifest['plan'] as Record<string, unknown>)['pinned_version'], servedBy, rows };
  } finally {
    await server?.stop();
    models.cleanup();
  }
}

describe('model pinning', { timeout: 300_000 }, () => {
  jobSuiteHooks();

  it('a job without a version calls the planned version in every batch, through a rollout', async () => {
    const r = await jobWithRollout({ name: 'recommender' });
    assert.equal(r.status, 'succeeded');
    assert.deepEqual([...new Set(r.servedBy.values())], [1], 'every output line is version 1');
    assert.deepEqual(r.rows, { v1: USERS, v2: 0 }, 'the model server predicted every item with version 1 only');
    assert.equal(r.manifestModel['pinned_version'], '1');
    assert.equal(r.manifestModel['served_version'], '1');
    assert.equal(r.manifestModel['follow_latest'], false);
    assert.equal(r.planPinned, '1');
  });

  it('follow_latest: later batches use the new version', async () => {
    const r = await jobWithRollout({ name: 'recommender', follow_latest: true });
    assert.equal(r.status, 'succeeded');
    const byVersion = [1, 2].map((v) => [...r.servedBy.values()].filter((x) => x === v).length);
    assert.ok(byVersion[0]! >= 20 && byVersion[1]! > 0, `both versions served (v1 ${byVersion[0]}, v2 ${byVersion[1]})`);
    assert.deepEqual(r.rows, { v1: byVersion[0], v2: byVersion[1] }, 'the model server counts agree with the output');
    assert.equal(r.manifestModel['pinned_version'], null);
    assert.equal(r.manifestModel['served_version'], '2');
    assert.equal(r.manifestModel['follow_latest'], true);
  });

  it('follow_latest is exclusive with version and version_label', () => {
    for (const extra of [{ version: 1 }, { version_label: 'stable' }]) {
      const r = parseJobSpec({ model: { name: 'm', follow_latest: true, ...extra }, input: { item_list: { items: [1] } }, output: { s3_path: 's3://bucket/out/' } });
      assert.ok(!r.ok);
      assert.deepEqual(r.issues, [{ field: 'model.follow_latest', reason: 'follow_latest cannot be combined with version or version_label' }]);
    }
    const ok = parseJobSpec({ model: { name: 'm', version: 3, follow_latest: false }, input: { item_list: { items: [1] } }, output: { s3_path: 's3://bucket/out/' } });
    assert.ok(ok.ok);
  });
});
