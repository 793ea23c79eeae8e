/**
 * Drill `s3-denied-prefix`: the S3 server refuses writes under one prefix of the job's output, as a
 * bucket policy denying s3:PutObject on `<job>/part-00001*` (batches 10-19) does on AWS. versitygw
 * enforces bucket policies only for accounts other than its root, so the drill runs it with an IAM
 * directory, creates a writer account, and runs the worker as that writer; the job is submitted
 * (and the output read back) as root.
 *
 * Expected: each denied batch fails at once (AccessDenied is permanent: no retry is spent on it)
 * with `S3:AccessDenied` in the manifest's failed_batches; nothing of it is left under the prefix
 * (no part, no error part); every other item is in a part exactly once; the job ends
 * completed_with_errors, as its max_failure_ratio of 0.5 allows.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { getObjectText, listObjects } from '../src/storage/s3';
import { jobLocation, manifestKey } from '../src/job/layout';
import { VERSITYGW_BIN } from '../src/stack/parts/s3';
import { WORKER_READY_MESSAGE } from '../src/stack/parts/worker';
import { REPO_ROOT } from '../src/stack/paths';
import { logHasMessage } from '../src/stack/probes';
import { freePort } from '../src/stack/freePort';
import { spawnInGroup, stopGroup, type GroupProcess } from '../src/stack/processGroup';
import { checkJobOutput } from './checkOutput';
import { commonProblems, type Drill, type DrillReport } from './drill';
import { extraBatchAttempts, putUsers, startDrillJob, until, userAt, waitForJob } from './drillJob';
import { finishReport, withDrillStack } from './drillStack';

const WRITER = 'drill-writer';
const WRITER_SECRET = 'drill-writer-secret';
/** Batches 10..19: their part keys, and only theirs, start with `part-00001` (6-digit part numbers). */
const DENIED_BATCHES = Array.from({ length: 10 }, (_, i) => 10 + i);
const DENIED_KEY_PREFIX = 'part-00001';
const DENIED_CODE = 'S3:AccessDenied';

const run = promisify(execFile);

export const drill: Drill = {
  name: 's3-denied-prefix',
  description: 'S3 refuses writes under one output prefix (AccessDenied for batches 10-19): those batches fail at once with the S3 code, nothing half-written, every other item once',
  async run({ size, log }): Promise<DrillReport> {
    const t0 = performance.now();
    if (!existsSync(VERSITYGW_BIN)) throw new Error(`s3-denied-prefix needs versitygw (${VERSITYGW_BIN}); run npm run setup`);
    const batchSize = size === 'full' ? 250 : 50;
    const batches = size === 'full' ? 200 : 40;
    const items = batches * batchSize;
    const iamDir = mkdtempSync(join(tmpdir(), 'nightshift-drill-iam-'));
    // versitygw reads its IAM directory from the environment: with it, it can hold a non-root account.
    const env = { VGW_IAM_DIR: iamDir };
    let worker: GroupProcess | undefined;
    try {
      return await withDrillStack({ parts: ['temporal', 's3', 'model-server'], env, log, label: 'drill-s3denied' }, async ({ stack, s3, client, admin, bucket }) => {
      const { config } = stack;
      try {
      const input = await putUsers(s3, bucket, 'drill/users.jsonl', items);
      const output = `s3://${bucket}/drill-out/`;
      const jobId = `drill-s3denied-${randomBytes(3).toString('hex')}`;
      const loc = jobLocation(output, jobId);

      await run(VERSITYGW_BIN, ['admin', '-a', config.s3.accessKeyId, '-s', config.s3.secretAccessKey, '--er', config.s3.endpoint!, 'create-user', '-a', WRITER, '-s', WRITER_SECRET, '-r', 'user']);
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: [WRITER] }, Action: ['s3:*'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
          { Effect: 'Deny', Principal: { AWS: [WRITER] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/${loc.prefix}${DENIED_KEY_PREFIX}*`] },
        ],
      };
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      log(`bucket policy: ${WRITER} may not PutObject under s3://${bucket}/${loc.prefix}${DENIED_KEY_PREFIX}*`);

      const logFile = join(stack.logsDir, 'worker-writer.log');
      const metrics = await freePort();
      worker = spawnInGroup(process.execPath, [join(REPO_ROOT, 'lib', 'src', 'worker', 'main.js')], {
        cwd: REPO_ROOT,
        env: { ...stack.env, NIGHTSHIFT_S3_ACCESS_KEY: WRITER, NIGHTSHIFT_S3_SECRET_KEY: WRITER_SECRET, NIGHTSHIFT_WORKER_METRICS_ADDR: `127.0.0.1:${metrics}` },
        logFile,
      });
      const w = worker;
      await until(`the worker running as ${WRITER} (log ${logFile})`, async () => {
        if (w.hasExited()) throw new Error(`worker exited during startup; log ${logFile}`);
        return logHasMessage(logFile, WORKER_READY_MESSAGE);
      });
      log(`worker running as ${WRITER}`);

      const handle = await startDrillJob(client, config.temporal.taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: batchSize } },
        output: { s3_path: output, include_input: true },
        max_failure_ratio: 0.5,
      });
      const end = await waitForJob(handle);
      const stats = await admin.stats();
      const extra = await extraBatchAttempts(client, handle);
      const outputCheck = await checkJobOutput(s3, output, jobId, { items, inputAt: userAt });
      const deniedItems = DENIED_BATCHES.length * batchSize;

      const problems: string[] = [];
      // The denied batches' items are missing by design (a failed batch has no part); any other missing item is a problem.
      const missingLine = `${outputCheck.missing} items missing from the output`;
      const expectedStatus = 'completed_with_errors';
      problems.push(...commonProblems(end.status, expectedStatus, outputCheck).filter((p) => !(p === missingLine && outputCheck.missing === deniedItems)));
      if (outputCheck.missing !== deniedItems) problems.push(`${outputCheck.missing} items missing, expected the ${deniedItems} of the denied batches`);

      const manifest = JSON.parse(await getObjectText(s3, bucket, manifestKey(loc))) as { failed_batches?: { batch: number; code: string }[]; items_failed?: number };
      const failed = (manifest.failed_batches ?? []).map((f) => f.batch).sort((a, b) => a - b);
      if (JSON.stringify(failed) !== JSON.stringify(DENIED_BATCHES)) problems.push(`manifest failed_batches ${JSON.stringify(failed)}, expected ${JSON.stringify(DENIED_BATCHES)}`);
      const codes = [...new Set((manifest.failed_batches ?? []).map((f) => f.code))];
      if (codes.length !== 1 || codes[0] !== DENIED_CODE) problems.push(`failed batches' codes ${JSON.stringify(codes)}, expected ${DENIED_CODE}`);
      if (manifest.items_failed !== deniedItems) problems.push(`manifest items_failed ${String(manifest.items_failed)}, expected ${deniedItems}`);
      const leftovers: string[] = [];
      for (const p of [`${loc.prefix}${DENIED_KEY_PREFIX}`, `${loc.prefix}errors/${DENIED_KEY_PREFIX}`]) {
        for await (const o of listObjects(s3, bucket, p)) leftovers.push(o.key);
      }
      if (leftovers.length) problems.push(`half-written: ${leftovers.length} objects under the denied prefix (${leftovers.slice(0, 3).join(', ')})`);
      const predicted = stats.rpcs.Predict.items;
      const predictedMax = items + extra * batchSize;
      if (predicted < items || predicted > predictedMax) problems.push(`model server predicted ${predicted} items, expected ${items}..${predictedMax}`);

      return finishReport(
        {
        name: drill.name,
        status: end.status,
        expected_status: expectedStatus,
        output: outputCheck,
        figures: {
          items,
          batches,
          batch_size: batchSize,
          denied_batches: `${DENIED_BATCHES[0]}-${DENIED_BATCHES.at(-1)}`,
          failed_batches: failed.length,
          failed_codes: codes.join(','),
          items_failed: manifest.items_failed ?? -1,
          objects_under_denied_prefix: leftovers.length,
          extra_batch_attempts: extra,
          predicted,
          predicted_max: predictedMax,
        },
        problems,
        },
        t0,
      );
      } finally {
        // Before the stack: a worker outliving Temporal would only log reconnect errors.
        if (worker) await stopGroup(worker, 20_000);
      }
      });
    } finally {
      rmSync(iamDir, { recursive: true, force: true });
    }
  },
};
