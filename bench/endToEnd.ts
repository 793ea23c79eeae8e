/**
 * Scenario 2, end to end: a `delimited_files` job submitted through the gateway (POST /v1/jobs)
 * with the default job settings except batch_size, timed from the submit request until
 * GET /v1/jobs/{id} says `succeeded`, against the ceiling measured in the same stack just before.
 * Batch sizes 10..2000 show the per-batch overhead; a second worker process shows what another
 * worker buys on this machine. Each run also records the CPU every part used (scenario 6, cost).
 *
 * The measurement is made once per bench process and shared by the `end-to-end` and `cost` scenarios.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadavg } from 'node:os';
import { GatewayClient } from '../src/cli/gatewayClient';
import type { JobView } from '../src/gateway/jobView';
import { isFinal } from '../src/job/messages';
import { uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { ceilingFigures, ceilingOptions, sweepCeiling, type CeilingSweep } from './ceiling';
import { cpuBetween, isLinux, sampleCpu, type CpuUse } from './procCpu';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from './scenario';
import { openScenarioStack, type ScenarioStack } from './scenarioStack';
import { round } from './table';

/** The target: end to end at batch size >= 100 with defaults reaches this share of the best ceiling. */
export const TARGET_RATIO = 0.9;
const TARGET_MIN_BATCH = 100;
// As often as `npm run demo` follows a job; each poll is a status query the worker answers (counted in cost).
const POLL_MS = 500;

interface RunPlan {
  batch_size: number;
  workers: number;
}

export interface EndToEndPlan {
  items: number;
  files: number;
  warmup_items: number;
  runs: RunPlan[];
  job_timeout_s: number;
}

export function endToEndPlan(quick: boolean): EndToEndPlan {
  return quick
    ? { items: 20_000, files: 4, warmup_items: 2_000, runs: [{ batch_size: 100, workers: 1 }, { batch_size: 500, workers: 1 }], job_timeout_s: 300 }
    : {
        items: 200_000,
        files: 20,
        warmup_items: 5_000,
        runs: [
          { batch_size: 10, workers: 1 },
          { batch_size: 100, workers: 1 },
          { batch_size: 500, workers: 1 },
          { batch_size: 2000, workers: 1 },
          { batch_size: 500, workers: 2 },
        ],
        job_timeout_s: 1800,
      };
}

export interface EndToEndRun {
  label: string;
  job_id: string;
  batch_size: number;
  workers: number;
  items: number;
  batches: number | null;
  /** Submit request sent → GET /v1/jobs/{id} first answers `succeeded` (polled every 500 ms). */
  wall_s: number;
  items_per_s: number;
  ratio_to_ceiling: number;
  /**
   * started_at → finished_at of the job itself: without submit, planning and the last poll. Null when
   * the gateway answered without the workflow (its status query timed out on a loaded machine).
   */
  batch_phase_s: number | null;
  items_per_s_batch_phase: number | null;
  ratio_to_ceiling_batch_phase: number | null;
  load_average_after: number[];
  /** CPU per part during the job; absent with --use-running (not our processes). */
  cpu?: CpuUse;
}

export interface EndToEndMeasurement {
  plan: EndToEndPlan;
  stack: ScenarioStack['origin'];
  ceiling: CeilingSweep;
  runs: EndToEndRun[];
  /** Why a planned run was left out (e.g. a second worker cannot be added to a running stack). */
  skipped: string[];
}

/**
 * The recommender knows user ids below its num_users (100,000 in the bundled model; an unknown id is
 * INVALID_ARGUMENT, as in TF), so a larger input is the demo users 1..50,000 several times over, one
 * copy per sub-prefix. Every line is an item of its own; the model's cost per item does not depend on the id.
 */
const USERS_PER_COPY = 50_000;
async function uploadItems(s3: S3Client, bucket: string, prefix: string, items: number, files: number): Promise<void> {
  const copies = Math.ceil(items / USERS_PER_COPY);
  if (items % copies !== 0 || files % copies !== 0) throw new Error(`end-to-end: ${items} items in ${files} files cannot be split into ${copies} equal copies`);
  for (let c = 0; c < copies; c++) {
    await uploadDemoUsers(s3, bucket, `${prefix}copy-${c}/`, { users: items / copies, files: files / copies });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runLabel = (r: RunPlan) => `batch ${r.batch_size}, ${r.workers} worker${r.workers > 1 ? 's' : ''}`;

/** Submits a job through the gateway and polls it to its end; the default settings except batch_size. */
async function runJob(gw: GatewayClient, bucket: string, inputPrefix: string, batchSize: number, timeoutS: number, log: (l: string) => void) {
  const jobId = `bench-e2e-b${batchSize}-${randomBytes(3).toString('hex')}`;
  const spec = {
    job_id: jobId,
    model: { name: 'recommender' },
    input: { delimited_files: { s3_paths: [`s3://${bucket}/${inputPrefix}`], batch_size: batchSize } },
    output: { s3_path: `s3://${bucket}/bench/out/` },
  };
  const t0 = performance.now();
  await gw.submit(spec);
  let view: JobView;
  let lastLog = t0;
  for (;;) {
    view = await gw.job(jobId);
    if (isFinal(view.status)) break;
    const now = performance.now();
    if (now - t0 > timeoutS * 1000) throw new Error(`job ${jobId} still ${view.status} after ${timeoutS} s (${view.items_succeeded} items done)`);
    if (now - lastLog > 10_000) {
      log(`end-to-end: ${jobId} ${view.status}, ${view.items_succeeded}/${view.items_total ?? '?'} items`);
      lastLog = now;
    }
    await sleep(POLL_MS);
  }
  const wallS = (performance.now() - t0) / 1000;
  if (view.status !== 'succeeded') throw new Error(`job ${jobId} ended ${view.status}: ${view.error ?? 'no reason given'}`);
  return { jobId, view, wallS };
}

async function measure(ctx: BenchContext): Promise<EndToEndMeasurement> {
  const plan = endToEndPlan(ctx.quick);
  const stack = await openScenarioStack(ctx, ['temporal', 's3', 'model-server', 'worker', 'gateway'], 'bench-e2e');
  const s3 = createS3Client(stack.config.s3);
  try {
    const bucket = stack.config.s3.bucket;
    const gw = new GatewayClient(stack.config.gateway.url, { apiKey: stack.config.cli.apiKey });
    await ensureBucket(s3, bucket);
    const inputPrefix = `bench/users-${plan.items}/`;
    await uploadItems(s3, bucket, inputPrefix, plan.items, plan.files);
    await uploadDemoUsers(s3, bucket, 'bench/warmup/', { users: plan.warmup_items, files: 1 });
    ctx.log(`end-to-end: ${plan.items.toLocaleString('en-US')} users in ${plan.files} files under s3://${bucket}/${inputPrefix}`);

    const ceiling = await sweepCeiling(stack.config, ceilingOptions(ctx.quick), ctx.log);
    const best = ceiling.best.items_per_s;
    ctx.log(`end-to-end: ceiling ${best.toFixed(0)} items/s at concurrency ${ceiling.best.concurrency}`);
    // Not measured: the first job of a fresh worker pays for loading code paths and connections.
    await runJob(gw, bucket, 'bench/warmup/', 500, plan.job_timeout_s, ctx.log);

    const runs: EndToEndRun[] = [];
    const skipped: string[] = [];
    let workers = 1;
    for (const r of plan.runs) {
      while (workers < r.workers) {
        if (!stack.addWorker) break;
        await stack.addWorker();
        workers++;
      }
      if (workers < r.workers) {
        skipped.push(`${runLabel(r)}: --use-running cannot add worker processes`);
        continue;
      }
      const cpuBefore = isLinux() && stack.origin === 'private' ? sampleCpu(stack.parts) : undefined;
      const { jobId, view, wallS } = await runJob(gw, bucket, inputPrefix, r.batch_size, plan.job_timeout_s, ctx.log);
      const cpu = cpuBefore ? cpuBetween(cpuBefore, sampleCpu(stack.parts)) : undefined;
      if (view.items_succeeded !== plan.items || view.items_failed !== 0) {
        throw new Error(`job ${jobId}: ${view.items_succeeded} items succeeded and ${view.items_failed} failed, expected ${plan.items} and 0`);
      }
      const batchS = view.started_at && view.finished_at ? (Date.parse(view.finished_at) - Date.parse(view.started_at)) / 1000 : null;
      const run: EndToEndRun = {
        label: runLabel(r),
        job_id: jobId,
        batch_size: r.batch_size,
        workers: r.workers,
        items: plan.items,
        batches: view.batches_total,
        wall_s: round(wallS, 2),
        items_per_s: round(plan.items / wallS),
        ratio_to_ceiling: round(plan.items / wallS / best, 3),
        batch_phase_s: batchS === null ? null : round(batchS, 2),
        items_per_s_batch_phase: batchS === null ? null : round(plan.items / batchS),
        ratio_to_ceiling_batch_phase: batchS === null ? null : round(plan.items / batchS / best, 3),
        load_average_after: loadavg().map((l) => round(l, 2)),
        ...(cpu ? { cpu } : {}),
      };
      runs.push(run);
      ctx.log(`end-to-end: ${run.label}: ${run.wall_s} s, ${run.items_per_s} items/s, ${run.ratio_to_ceiling} of the ceiling`);
    }
    return { plan, stack: stack.origin, ceiling, runs, skipped };
  } finally {
    s3.destroy();
    await stack.dispose();
  }
}

let measured: Promise<EndToEndMeasurement> | undefined;
/** The end-to-end runs, made at most once per bench process (both `end-to-end` and `cost` report on them). */
export function measureEndToEnd(ctx: BenchContext): Promise<EndToEndMeasurement> {
  measured ??= measure(ctx);
  return measured;
}

export function endToEndParameters(m: EndToEndMeasurement): Record<string, unknown> {
  return {
    items: m.plan.items,
    input_files: m.plan.files,
    input: `delimited_files, JSON lines {"user_id": N}, N = 1..${Math.min(m.plan.items, USERS_PER_COPY)} repeated to ${m.plan.items} lines, model recommender`,
    job_settings: 'defaults (parallelism 8, retry, timeouts) except batch_size',
    runs: m.plan.runs.map(runLabel),
    warmup_items: m.plan.warmup_items,
    ceiling_levels: m.ceiling.levels.map((l) => l.concurrency),
    ceiling_seconds_per_level: m.ceiling.seconds_per_level,
    ceiling_request_items: m.ceiling.request_items,
    stack: m.stack,
    skipped: m.skipped,
  };
}

export const scenario: Scenario = {
  name: 'end-to-end',
  description: 'a delimited_files job through the gateway, submit -> succeeded, at batch sizes 10..2000 and 1-2 workers, vs the ceiling',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const m = await measureEndToEnd(ctx);
    const best = m.ceiling.best;
    const targets: TargetCheck[] = m.runs
      .filter((r) => r.batch_size >= TARGET_MIN_BATCH)
      .map((r) => ({
        target: `end to end >= ${TARGET_RATIO} of the best ceiling (${r.label}, defaults otherwise)`,
        value: r.ratio_to_ceiling,
        met: r.ratio_to_ceiling >= TARGET_RATIO,
        note: `${r.items_per_s} vs ${round(best.items_per_s)} items/s (raw client at concurrency ${best.concurrency}); batch phase alone ${r.ratio_to_ceiling_batch_phase ?? 'unknown'}`,
      }));
    return {
      scenario: 'end-to-end',
      parameters: endToEndParameters(m),
      figures: { ceiling: ceilingFigures(m.ceiling), runs: m.runs.map(({ cpu: _cpu, ...r }) => r) },
      table: {
        columns: ['run', 'batches', 'wall s', 'items/s', 'x ceiling', 'batch phase s', 'items/s', 'x ceiling', 'load 1m'],
        rows: [
          [`raw client, concurrency ${best.concurrency}`, '-', '-', round(best.items_per_s), '1.000', '-', '-', '-', '-'],
          ...m.runs.map((r) => [
            r.label,
            r.batches ?? '-',
            r.wall_s.toFixed(1),
            r.items_per_s,
            r.ratio_to_ceiling.toFixed(3),
            r.batch_phase_s?.toFixed(1) ?? '-',
            r.items_per_s_batch_phase ?? '-',
            r.ratio_to_ceiling_batch_phase?.toFixed(3) ?? '-',
            r.load_average_after[0]!.toFixed(2),
          ]),
        ],
      },
      targets,
    };
  },
};
