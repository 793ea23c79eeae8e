/**
 * Worker versioning: a worker that states its Worker Deployment version runs a job once that
 * version is current, and the job records the version and behaviour it ran on (what keeps a
 * PINNED job on its old workers while a new version rolls out). Real dev server, real worker.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBucket } from '../src/storage/s3';
import { s3, BUCKET, config, putJsonLines, startJob, temporalClient, uniqueId, users, withWorker } from './helpers/jobHarness';
import { defaultBuildId } from '../src/worker/workerDeployment';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `temporal worker deployment set-current-version`, through the client's workflow service. */
async function setCurrentVersion(deploymentName: string, buildId: string): Promise<void> {
  const { workflowService } = (await temporalClient()).connection;
  // The version exists once its worker has polled; until then the server answers NOT_FOUND.
  for (let attempt = 0; ; attempt++) {
    try {
      await workflowService.setWorkerDeploymentCurrentVersion({ namespace: config.temporal.namespace, deploymentName, buildId, identity: 'deployment test' });
      return;
    } catch (err) {
      if (attempt >= 100) throw err;
      await sleep(300);
    }
  }
}

describe('worker deployment versioning', { timeout: 180_000 }, () => {
  before(() => ensureBucket(s3, BUCKET));
  after(async () => (await temporalClient()).connection.close());

  it('the derived build id is the package version and the workflow bundle hash', () => {
    assert.match(defaultBuildId(), /^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
  });

  it('a PINNED worker runs a job once its version is current; the job records that version', async () => {
    const taskQueue = uniqueId('deploy');
    const deploymentName = uniqueId('nightshift');
    const buildId = 'build-1';
    const jobId = uniqueId('versioned');
    const input = await putJsonLines(`test-in/${jobId}/users.jsonl`, users(0, 20));
    const { result, description } = await withWorker({ taskQueue, deployment: { name: deploymentName, buildId, behavior: 'PINNED' } }, async () => {
      await setCurrentVersion(deploymentName, buildId);
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 10 } },
        output: { s3_path: `s3://${BUCKET}/test-out/` },
      });
      const result = await handle.result();
      return { result, description: await handle.describe() };
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    const info = description.raw.workflowExecutionInfo?.versioningInfo;
    assert.ok(info, 'the job has versioning info');
    assert.equal(info.behavior, 1 /* VERSIONING_BEHAVIOR_PINNED */);
    assert.equal(info.deploymentVersion?.deploymentName, deploymentName);
    assert.equal(info.deploymentVersion?.buildId, buildId);
  });
});
