/**
 * What the process-level drills share: a private stack (Temporal, S3, the model server with a fixed
 * Predict latency so the job is mid-flight when the fault hits, and one or more workers), a real
 * `delimited_files` job with `include_input`, the drill's fault injected while it runs, then the
 * output checked item by item and the predictions counted at the model server.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import { startPrivateStack, type PrivateStack } from '../bench/benchStack';
import type { PartName } from '../src/stack/parts';
import type { RunningPart } from '../src/stack/stack';
import { demoUserId, uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { isFinal, NightshiftModel, NightshiftStatus, type JobProgress } from '../src/job/messages';
import { parseJobSpec, type JobSpecInput } from '../src/job/spec';
import type { batchJob } from '../workflows';
import { checkJobOutput } from './checkOutput';
import { commonProblems, type DrillOptions, type DrillReport, type DrillSize } from './drill';
import { ModelServerAdmin } from '../src/model-server/adminClient';
import { extraBatchAttemptsIn, jobHistories, predictedAtMostOnce, predictionCount } from './predictionCount';

export interface DrillJobShape {
  items: number;
  /** Input objects the items are spread over. */
  files: number;
  batchSize: number;
  parallelism: number;
  /** Fixed latency the model server adds to every Predict call. */
  latencyMs: number;
  /** Longest the job may take, faults included, before the drill gives up on it. */
  timeoutMs: number;
}

/**
 * The job of every process drill unless it says otherwise. Full: default batch size and parallelism,
 * long enough (80 batches of 4 Predict calls) to be mid-flight at each fault. Small: what `npm test`
 * can afford, still several rounds of the window so there is work before and after each fault.
 */
export const DRILL_JOBS: Record<DrillSize, DrillJobShape> = {
  full: { items: 40_000, files: 8, batchSize: 500, parallelism: 8, latencyMs: 250, timeoutMs: 15 * 60_000 },
  small: { items: 2_400, files: 3, batchSize: 100, parallelism: 4, latencyMs: 1000, timeoutMs: 3 * 60_000 },
};

type Figures = DrillReport['figures'];

/** What a drill's fault sees while the job runs. */
export interface FaultRun {
  stack: PrivateStack;
  client: Client;
  jobId: string;
  log: (line: string) => void;
  figures: Figures;
  /** The job's progress, or undefined while Temporal (or the worker answering the query) is away. */
  progress(): Promise<JobProgress | undefined>;
  /**
   * Polls the progress until `pred` holds; fails when the job's timeout passes, or (unless
   * `endIsEarly` is false) when the job ends first: the fault never hit it mid-flight.
   */
  waitFor(what: string, pred: (p: JobProgress) => boolean, endIsEarly?: boolean): Promise<JobProgress>;
}

export interface ProcessDrillOptions {
  name: string;
  opts: DrillOptions;
  shape: DrillJobShape;
  /** Worker processes beside the stack's own. */
  extraWorkers?: number;
  /** The fault must have cut at least one batch attempt short (a killed worker with batches in flight). */
  expectRetries: boolean;
  inject(run: FaultRun): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(2));

/** The job ended before the drill could inject its fault: the drill proved nothing. */
class JobEndedEarly extends Error {}

export async function runProcessDrill(o: ProcessDrillOptions): Promise<DrillReport> {
  const { shape, opts } = o;
  const log = opts.log;
  const figures: Figures = { items: shape.items, batch_size: shape.batchSize, parallelism: shape.parallelism, model_latency_ms: shape.latencyMs };
  const problems: string[] = [];
  const tStack = performance.now();
  const stack = await startPrivateStack({
    parts: ['temporal', 's3', 'model-server', 'worker'],
    label: `drill-${o.name}`,
    env: { NIGHTSHIFT_MODEL_SERVER_FAULTS: JSON.stringify({ latency: { kind: 'fixed', ms: shape.latencyMs } }) },
    log,
  });
  const s3 = createS3Client(stack.config.s3);
  let client: Client | undefined;
  try {
    for (let i = 0; i < (o.extraWorkers ?? 0); i++) await stack.addWorker();
    figures.stack_start_s = secondsSince(tStack);
    const { bucket } = stack.config.s3;
    const admin = new ModelServerAdmin(stack.config.modelServer.adminAddr);
    await ensureBucket(s3, bucket);
    await uploadDemoUsers(s3, bucket, 'drill/in/', { users: shape.items, files: shape.files });
    client = await connectClient(stack.config.temporal);

    const jobId = `drill-${o.name}-${randomBytes(3).toString('hex')}`;
    const outputPath = `s3://${bucket}/drill/out/`;
    const predictedBefore = (await admin.predict()).items;
    const t0 = performance.now();
    const firstRunId = await submit(client, stack.config.temporal.taskQueue, {
      job_id: jobId,
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: [`s3://${bucket}/drill/in/`], batch_size: shape.batchSize } },
      output: { s3_path: outputPath, include_input: true },
      parallelism: shape.parallelism,
    });
    log(`job ${jobId}: ${shape.items} items in batches of ${shape.batchSize}, parallelism ${shape.parallelism}, ${shape.latencyMs} ms per Predict call`);

    const c = client;
    const deadline = Date.now() + shape.timeoutMs;
    const progress = async (): Promise<JobProgress | undefined> => {
      try {
        return await c.workflow.getHandle(jobId).query<JobProgress>('status');
      } catch {
        return undefined;
      }
    };
    const waitFor = async (what: string, pred: (p: JobProgress) => boolean, endIsEarly = true): Promise<JobProgress> => {
      for (;;) {
        const p = await progress();
        if (p && pred(p)) return p;
        if (p && endIsEarly && isFinal(p.status)) throw new JobEndedEarly(`the job ended ${p.status} before ${what}`);
        if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${shape.timeoutMs / 1000} s; last progress: ${JSON.stringify(p)}`);
        await sleep(100);
      }
    };

    try {
      await o.inject({ stack, client: c, jobId, log, figures, progress, waitFor });
    } catch (err) {
      if (!(err instanceof JobEndedEarly)) throw err;
      problems.push(`${err.message}: the fault did not hit the job mid-flight (make the job bigger or slower)`);
    }
    const final = await waitFor('the job to end', (p) => isFinal(p.status), false);
    const wallS = secondsSince(t0);
    log(`job ${final.status} after ${wallS} s`);

    const output = await checkJobOutput(s3, outputPath, jobId, { items: shape.items, inputAt: (i) => ({ user_id: demoUserId(i + 1) }) });
    const extraAttempts = extraBatchAttemptsIn(await jobHistories(c, jobId, firstRunId));
    const count = predictionCount(((await admin.predict()).items) - predictedBefore, { items: shape.items, batchSize: shape.batchSize, extraAttempts });
    Object.assign(figures, { predicted: count.predicted, retried_attempts: extraAttempts, load_1m: Number(loadavg()[0]!.toFixed(2)) });
    problems.push(...commonProblems(final.status, 'succeeded', output));
    if (final.error) problems.push(`the job's error: ${final.error}`);
    if (!predictedAtMostOnce(count)) {
      problems.push(`the model server predicted ${count.predicted} items; every item once with ${extraAttempts} retried attempts allows ${count.min}..${count.max}`);
    }
    if (o.expectRetries && extraAttempts === 0) problems.push('no batch attempt was retried: the fault cut no batch short, so it proved nothing');
    return { name: o.name, status: final.status, expected_status: 'succeeded', output, figures, problems, wall_s: wallS };
  } finally {
    await client?.connection.close();
    s3.destroy();
    await stack.dispose();
  }
}

/** Starts the job as the gateway does (spec resolved, search attributes set); returns its first run id. */
async function submit(client: Client, taskQueue: string, input: JobSpecInput & { job_id: string }): Promise<string> {
  const parsed = parseJobSpec(input);
  if (!parsed.ok) throw new Error(`invalid drill job spec: ${JSON.stringify(parsed.issues)}`);
  const handle = await client.workflow.start<typeof batchJob>('batchJob', {
    workflowId: input.job_id,
    taskQueue,
    args: [{ ...parsed.spec, job_id: input.job_id }],
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: parsed.spec.model.name },
    ],
  });
  return handle.firstExecutionRunId;
}

/**
 * One outage of a part: once `at` of the batches are done (with batches in flight), the part is
 * killed (SIGKILL, as a crash), stays down `downMs`, and is started again on the same ports and data
 * unless `restart` is false; `pick` chooses which process of the part dies (default: its newest). Figures (suffixed with `key`): downtime_s, from the kill to the part
 * healthy again; predict_resumed_after_s, from the kill to the first Predict call reaching the model
 * server after that; resumed_after_s, from the kill to the first batch that succeeded after that.
 */
export async function partOutage(
  run: FaultRun,
  part: PartName,
  o: { at: number; downMs: number; restart?: boolean; key?: string; pick?: (run: FaultRun) => Promise<RunningPart> },
): Promise<void> {
  const suffix = o.key ? `_${o.key}` : '';
  const at = await run.waitFor(`${Math.round(o.at * 100)}% of the batches`, (p) => p.batches_total !== null && p.batches_succeeded >= o.at * p.batches_total && p.batches_in_flight > 0);
  const t0 = performance.now();
  const victim = o.pick ? await o.pick(run) : part;
  await run.stack.kill(victim);
  run.log(`killed ${typeof victim === 'string' ? part : `${part} pid ${String(victim.pid)}`} (SIGKILL) at ${at.batches_succeeded}/${at.batches_total} batches, ${at.batches_in_flight} in flight`);
  if (o.downMs > 0) await sleep(o.downMs);
  if (o.restart !== false) {
    await run.stack.start(part);
    run.figures[`downtime${suffix}_s`] = secondsSince(t0);
    run.log(`${part} back after ${run.figures[`downtime${suffix}_s`]} s`);
  }
  const admin = new ModelServerAdmin(run.stack.config.modelServer.adminAddr);
  const callsWhenBack = (await admin.predict()).requests;
  const back = await run.waitFor(`the job to answer after the ${part} outage`, () => true);
  // Work resumed: a new Predict call reached the model server (a batch's own duration not included).
  for (;;) {
    if ((await admin.predict()).requests > callsWhenBack) break;
    const p = await run.progress();
    if (p && isFinal(p.status)) break;
    await sleep(100);
  }
  run.figures[`predict_resumed_after${suffix}_s`] = secondsSince(t0);
  const resumed = await run.waitFor(`a batch to succeed after the ${part} outage`, (p) => p.batches_succeeded > back.batches_succeeded || isFinal(p.status), false);
  run.figures[`resumed_after${suffix}_s`] = secondsSince(t0);
  run.log(`resumed: batch ${resumed.batches_succeeded}/${resumed.batches_total} succeeded ${run.figures[`resumed_after${suffix}_s`]} s after the kill`);
}
