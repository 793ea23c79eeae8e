/**
 * Drill `model-cap`: two jobs at once against one model, each asking for far more batches in flight
 * than the worker's per-model cap (NIGHTSHIFT_WORKER_PER_MODEL_LIMIT=2). Counted at the model
 * server, Predict calls in flight never exceed the cap (and reach it, so the count can tell), the two
 * jobs really overlap, and both end succeeded with every item once.
 */
import { randomBytes } from 'node:crypto';
import { checkJobOutput, type OutputCheck } from './checkOutput';
import { commonProblems, type Drill, type DrillReport } from './drill';
import { extraBatchAttempts, putUsers, startDrillJob, userAt, waitForJob } from './drillJob';
import { finishReport, withDrillStack } from './drillStack';

const CAP = 2;
const PARALLELISM = 16;
const BATCH_SIZE = 256;

export const drill: Drill = {
  name: 'model-cap',
  description: `two jobs at parallelism ${PARALLELISM} against one model under a per-model cap of ${CAP}: Predict calls in flight at the model server never exceed it; both succeed, every item once`,
  async run({ size, log }): Promise<DrillReport> {
    const t0 = performance.now();
    const items = size === 'full' ? 25_600 : 1_536;
    const env = { NIGHTSHIFT_WORKER_PER_MODEL_LIMIT: String(CAP) };
    return withDrillStack({ parts: ['temporal', 's3', 'model-server', 'worker'], env, log, label: 'drill-modelcap' }, async ({ stack, s3, client, admin, bucket }) => {
      const { config } = stack;
      const input = await putUsers(s3, bucket, 'drill/users.jsonl', items);
      const output = `s3://${bucket}/drill-out/`;
      const suffix = randomBytes(3).toString('hex');
      const handles = await Promise.all(
        ['a', 'b'].map((j) =>
          startDrillJob(client, config.temporal.taskQueue, {
            job_id: `drill-cap-${j}-${suffix}`,
            model: { name: 'recommender' },
            input: { delimited_files: { s3_paths: [input], batch_size: BATCH_SIZE } },
            output: { s3_path: output, include_input: true },
            parallelism: PARALLELISM,
          }),
        ),
      );
      log(`two jobs of ${items} items, batch ${BATCH_SIZE}, parallelism ${PARALLELISM}, per-model cap ${CAP}`);
      const ends = await Promise.all(handles.map((h) => waitForJob(h)));
      const stats = await admin.stats();
      const extra = (await Promise.all(handles.map((h) => extraBatchAttempts(client, h)))).reduce((a, b) => a + b, 0);
      const checks: OutputCheck[] = [];
      for (const h of handles) checks.push(await checkJobOutput(s3, output, h.workflowId, { items, inputAt: userAt }));

      const problems: string[] = [];
      ends.forEach((end, i) => problems.push(...commonProblems(end.status, 'succeeded', checks[i]!).map((p) => `${end.job_id}: ${p}`)));
      const maxInFlight = stats.rpcs.Predict.max_in_flight;
      if (maxInFlight > CAP) problems.push(`model server saw ${maxInFlight} Predict calls in flight at once, over the cap of ${CAP}`);
      if (maxInFlight < CAP) problems.push(`model server saw at most ${maxInFlight} Predict calls in flight: the cap was never reached, so the drill proved nothing`);
      // Each job's batch phase must overlap the other's: otherwise the cap was not shared.
      const [a, b] = ends.map((e) => ({ from: Date.parse(e.started_at ?? ''), to: Date.parse(e.finished_at ?? '') }));
      const overlapS = (Math.min(a!.to, b!.to) - Math.max(a!.from, b!.from)) / 1000;
      if (!(overlapS > 0)) problems.push(`the two jobs did not run at the same time (overlap ${overlapS} s)`);
      const predicted = stats.rpcs.Predict.items;
      const predictedMax = 2 * items + extra * BATCH_SIZE;
      if (predicted < 2 * items || predicted > predictedMax) problems.push(`model server predicted ${predicted} items, expected ${2 * items}..${predictedMax}`);
      const worse = ends.find((e) => e.status !== 'succeeded') ?? ends[0]!;
      const merged: OutputCheck = {
        ...checks[0]!,
        failed_by_code: { ...checks[0]!.failed_by_code },
        items: checks[0]!.items + checks[1]!.items,
        succeeded: checks[0]!.succeeded + checks[1]!.succeeded,
        missing: checks[0]!.missing + checks[1]!.missing,
        duplicated: checks[0]!.duplicated + checks[1]!.duplicated,
        altered: checks[0]!.altered + checks[1]!.altered,
        unknown: checks[0]!.unknown + checks[1]!.unknown,
        manifest: checks[0]!.manifest && checks[1]!.manifest,
        problems: [...checks[0]!.problems, ...checks[1]!.problems],
      };
      for (const [code, n] of Object.entries(checks[1]!.failed_by_code)) merged.failed_by_code[code] = (merged.failed_by_code[code] ?? 0) + n;
      return finishReport(
        {
        name: drill.name,
        status: worse.status,
        expected_status: 'succeeded',
        output: merged,
        figures: {
          items_per_job: items,
          batch_size: BATCH_SIZE,
          parallelism: PARALLELISM,
          per_model_cap: CAP,
          max_in_flight: maxInFlight,
          predict_calls: stats.rpcs.Predict.requests,
          overlap_s: Number(overlapS.toFixed(1)),
          extra_batch_attempts: extra,
          predicted,
          predicted_max: predictedMax,
        },
        problems,
        },
        t0,
      );
    });
  },
};
