/**
 * Fault drill: the Temporal server itself goes down mid-job and comes back on the same database.
 * The worker and the client reconnect on their own, the job completes, S3 holds every item
 * exactly once, and the model server predicted each item once (plus at most the retried batches).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { startStack, type Stack } from '../src/stack/stack';
import { freePort } from '../src/stack/freePort';
import { ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { startModelServer } from '../src/model-server/server';
import { NightshiftModel, NightshiftStatus, isFinal, type JobProgress } from '../src/job/messages';
import type { batchJob } from '../workflows';
import { BUCKET, allLines, config, exactlyOnce, assertPredictedOnce, putJsonLines, readOutputs, s3, silentLogger, uniqueId, users } from './helpers/jobHarness';

type ModelServer = Awaited<ReturnType<typeof startModelServer>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a Temporal server restart', { timeout: 300_000 }, () => {
  let server: ModelServer;
  let worker: ChildProcess | undefined;
  let temporal: Stack | undefined;
  let client: Client | undefined;
  const dataDir = `.data/test/restart-${randomBytes(3).toString('hex')}`;
  let env: Record<string, string>;

  before(async () => {
    await ensureBucket(s3, BUCKET);
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    server.faults.set({ latency: { kind: 'fixed', ms: 100 } });
    env = {
      NIGHTSHIFT_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      NIGHTSHIFT_TEMPORAL_UI_PORT: String(await freePort()),
      NIGHTSHIFT_DATA_DIR: dataDir,
    };
  });
  after(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await client?.connection.close();
    await temporal?.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startTemporal = (wipeData: boolean) => startStack({ parts: ['temporal'], env, wipeData, log: () => undefined });

  /** The status query, retried while the server is away. */
  async function status(handle: { query: (name: string) => Promise<unknown> }): Promise<JobProgress | undefined> {
    try {
      return (await handle.query('status')) as JobProgress;
    } catch {
      return undefined;
    }
  }

  it('loses nothing and writes nothing twice', async () => {
    temporal = await startTemporal(true);
    const temporalConfig = { ...config.temporal, address: env['NIGHTSHIFT_TEMPORAL_ADDRESS']! };
    client = await connectClient(temporalConfig);
    const taskQueue = uniqueId('restart');
    worker = spawn(process.execPath, [require.resolve('../src/worker/main')], {
      env: {
        ...process.env,
        NIGHTSHIFT_TEMPORAL_ADDRESS: temporalConfig.address,
        NIGHTSHIFT_TASK_QUEUE: taskQueue,
        NIGHTSHIFT_TFSERVING_TARGET: `127.0.0.1:${server.port}`,
        NIGHTSHIFT_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const jobId = uniqueId('restart');
    const input = await putJsonLines(`test-in/${jobId}/users.jsonl`, users(0, 1500));
    const output = `s3://${BUCKET}/test-out/`;
    const predictedBefore = server.stats().rpcs.Predict.items;
    const handle = await client.workflow.start<typeof batchJob>('batchJob', {
      workflowId: jobId,
      taskQueue,
      args: [{ model: { name: 'recommender' }, input: { delimited_files: { s3_paths: [input], batch_size: 25 } }, output: { s3_path: output }, parallelism: 4 }],
      typedSearchAttributes: [
        { key: NightshiftStatus, value: 'planning' },
        { key: NightshiftModel, value: 'recommender' },
      ],
    });
    for (let p = await status(handle); !p || p.batches_succeeded < 8; p = await status(handle)) await sleep(200);

    await temporal.stop();
    await sleep(2000);
    temporal = await startTemporal(false);

    let final: JobProgress | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const p = await status(client.workflow.getHandle(jobId));
      if (p && isFinal(p.status)) {
        final = p;
        break;
      }
      await sleep(500);
    }
    assert.ok(final, 'the job finished after the restart');
    assert.equal(final.status, 'succeeded', final.error ?? '');
    const out = await readOutputs(output, jobId);
    assert.deepEqual(exactlyOnce(allLines(out.parts), 1500), { duplicates: [], missing: [] });
    assert.equal(out.manifest.status, 'succeeded');
    await assertPredictedOnce(client.workflow.getHandle(jobId), server.stats().rpcs.Predict.items - predictedBefore, { items: 1500, batchSize: 25 });
  });
});
