/**
 * Scenario 5, recovery: kill -9 the only worker mid-job and start another at once. Measured at the
 * model server (its Predict item counter, sampled every 100 ms) and in the job's history:
 *
 * - resume: kill → the first item predicted again (by the new worker), and kill → the first batch
 *   completed after the kill. What bounds it: the killed batches are retried only once their
 *   heartbeat timeout (10 s for predictBatch) passes since their last recorded heartbeat; a workflow
 *   task sent to the dead worker's sticky queue waits for stickyQueueScheduleToStartTimeout before
 *   any worker may take it; and the new worker's start time.
 * - throughput: items/s in the 10 s before the kill, over the recovery window (kill → resumed + 10 s)
 *   and after; the items the outage cost at the rate before it.
 * - correctness: the output read back item by item against the input (`include_input`: every line's
 *   echoed input is compared), every item exactly once, and the predictions the model server
 *   answered within items + one batch per retried attempt.
 */
import { randomBytes } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { startPrivateStack } from './benchStack';
import { gatewayJson, pollUntil } from './benchPolling';
import { ModelServerAdmin } from '../src/model-server/adminClient';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from './scenario';
import { checkJobOutput, type OutputCheck } from '../drill/checkOutput';
import { demoUserId, uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { isFinal, type JobStatus } from '../src/job/messages';

/** predictBatch's heartbeat timeout (workflows/batchJob.ts): the target is resuming within it + 5 s. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
const TARGET_SLACK_MS = 5_000;
const BATCH_SIZE = 500;
const SAMPLE_MS = 100;
/** The kill comes once this share of the items was predicted. */
const KILL_AT = 0.35;
const RATE_WINDOW_MS = 10_000;

interface Sample {
  t: number;
  /** Rows the server predicted: counted when computed, even for a call whose client is gone. */
  items: number;
  /** Calls received: the first one after the dead worker's calls left is the new worker's. */
  requests: number;
  in_flight: number;
}

export interface RecoveryFigures {
  job_id: string;
  status: JobStatus;
  items: number;
  items_at_kill: number;
  /** SIGKILL sent → the killed process gone. */
  kill_ms: number;
  /** Kill → the new worker polling (its start time). */
  worker_start_ms: number;
  /** Kill → the first Predict call of the new worker at the model server. */
  resumed_predicting_ms: number;
  /** Kill → the first predictBatch completed after it (history event time). */
  first_batch_completed_ms: number | null;
  items_per_s_before: number;
  items_per_s_window: number;
  items_per_s_after: number;
  /** Items the recovery window would have predicted at the rate before the kill, minus what it did. */
  items_lost_to_outage: number;
  predicted_at_server: number;
  predicted_max_allowed: number;
  retried_attempts: number;
  output: OutputCheck;
}

const ratePerS = (samples: Sample[], from: number, to: number): number => {
  const inside = samples.filter((s) => s.t >= from && s.t <= to);
  if (inside.length < 2) return 0;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  return b.t > a.t ? Math.round(((b.items - a.items) * 1000) / (b.t - a.t)) : 0;
};

/** Retried predictBatch attempts, and the first predictBatch completed at or after `sinceMs`, from the history. */
function readHistory(events: temporal.api.history.v1.IHistoryEvent[], sinceMs: number): { retried: number; firstCompletedMs: number | null } {
  const predicts = new Set<string>();
  let retried = 0;
  let firstCompletedMs: number | null = null;
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'predictBatch') predicts.add(String(e.eventId));
    const started = e.activityTaskStartedEventAttributes;
    if (started?.attempt && started.attempt > 1 && predicts.has(String(started.scheduledEventId))) retried += started.attempt - 1;
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && predicts.has(String(completed.scheduledEventId)) && e.eventTime) {
      const at = tsToMs(e.eventTime);
      if (at >= sinceMs && (firstCompletedMs === null || at < firstCompletedMs)) firstCompletedMs = at;
    }
  }
  return { retried, firstCompletedMs };
}

export async function measureRecovery(ctx: BenchContext, users: number, env: Record<string, string> = {}): Promise<RecoveryFigures> {
  const stack = await startPrivateStack({ parts: ['temporal', 's3', 'model-server', 'worker', 'gateway'], env, log: (l) => ctx.log(`  ${l}`), label: 'bench-recovery' });
  const { config } = stack;
  const s3 = createS3Client(config.s3);
  const client = await connectClient(config.temporal);
  const admin = new ModelServerAdmin(config.modelServer.adminAddr);
  const samples: Sample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const p = await admin.predict();
      samples.push({ t: Date.now(), items: p.items, requests: p.requests, in_flight: p.in_flight });
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  try {
    const bucket = config.s3.bucket;
    await ensureBucket(s3, bucket);
    await uploadDemoUsers(s3, bucket, 'bench/recovery-users/', { users, files: 10 });
    const jobId = `bench-recovery-${randomBytes(4).toString('hex')}`;
    const outputPath = `s3://${bucket}/bench/recovery-out/`;
    const jobs = `${config.gateway.url}/v1/jobs`;
    const itemsBefore = (await admin.predict()).items;
    await gatewayJson(jobs, {
      method: 'POST',
      body: {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [`s3://${bucket}/bench/recovery-users/`], batch_size: BATCH_SIZE } },
        output: { s3_path: outputPath, include_input: true },
      },
    });
    await pollUntil('the job to be a third done', () => admin.predict(), (p) => p.items - itemsBefore >= users * KILL_AT, { everyMs: 50 });
    const tKill = Date.now();
    await stack.kill('worker');
    const killMs = Date.now() - tKill;
    ctx.log(`recovery: worker killed (kill -9) after ${killMs} ms; starting another`);
    await stack.start('worker');
    const workerStartMs = Date.now() - tKill;
    const view = await pollUntil('the job to end', () => gatewayJson<{ status?: JobStatus }>(`${jobs}/${jobId}`), (v) => v.status !== undefined && isFinal(v.status), {
      everyMs: 250,
      timeoutMs: 900_000,
    });
    sampling = false;
    await sampler;
    const final = await admin.predict();

    // The dead worker's calls are gone once nothing is in flight; the next call is the new worker's.
    const settled = samples.find((s) => s.t > tKill && s.in_flight === 0);
    if (!settled) throw new Error('the killed worker’s Predict calls never left the model server');
    const resumed = samples.find((s) => s.t > settled.t && s.requests > settled.requests);
    if (!resumed) throw new Error('no Predict call after the kill');
    const resumedMs = resumed.t - tKill;
    const windowEnd = resumed.t + RATE_WINDOW_MS;
    const before = ratePerS(samples, tKill - RATE_WINDOW_MS, tKill);
    const windowRate = ratePerS(samples, tKill, windowEnd);
    const after = ratePerS(samples, resumed.t, windowEnd);
    const itemsInWindow = (samples.filter((s) => s.t <= windowEnd).at(-1)?.items ?? settled.items) - settled.items;

    const history = await client.workflow.getHandle(jobId).fetchHistory();
    const { retried, firstCompletedMs } = readHistory(history.events ?? [], tKill);
    const output = await checkJobOutput(s3, outputPath, jobId, { items: users, inputAt: (i) => ({ user_id: demoUserId(i + 1) }) });
    return {
      job_id: jobId,
      status: view.status!,
      items: users,
      items_at_kill: settled.items - itemsBefore,
      kill_ms: killMs,
      worker_start_ms: workerStartMs,
      resumed_predicting_ms: resumedMs,
      first_batch_completed_ms: firstCompletedMs === null ? null : firstCompletedMs - tKill,
      items_per_s_before: before,
      items_per_s_window: windowRate,
      items_per_s_after: after,
      items_lost_to_outage: Math.max(0, Math.round((before * (windowEnd - tKill)) / 1000 - itemsInWindow)),
      predicted_at_server: final.items - itemsBefore,
      predicted_max_allowed: users + BATCH_SIZE * retried,
      retried_attempts: retried,
      output,
    };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
    s3.destroy();
    await client.connection.close();
    await stack.dispose();
  }
}

export const scenario: Scenario = {
  name: 'recovery',
  description: 'kill -9 the worker mid-job and start another at once: time to resume, items/s lost, output checked item by item',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    if (ctx.useRunning) ctx.log('recovery: starts its own stack (it kills the worker), --use-running ignored');
    const users = ctx.quick ? 12_000 : 200_000;
    const r = await measureRecovery(ctx, users);
    const bound = HEARTBEAT_TIMEOUT_MS + TARGET_SLACK_MS;
    const predictedOk = r.predicted_at_server >= r.items && r.predicted_at_server <= r.predicted_max_allowed;
    const targets: TargetCheck[] = [
      { target: 'zero lost (every input item in the output)', value: r.output.missing, met: r.output.missing === 0 && r.status === 'succeeded' },
      {
        target: 'zero duplicated (output lines; predictions at the model server within items + one batch per retried attempt)',
        value: `${r.output.duplicated} duplicated lines, ${r.predicted_at_server} predicted (allowed ${r.items}-${r.predicted_max_allowed})`,
        met: r.output.duplicated === 0 && predictedOk,
      },
      { target: 'output checked item by item: no problem', value: r.output.problems.join('; ') || 'none', met: r.output.problems.length === 0 },
      {
        target: `resumed (the new worker predicting) within heartbeat timeout + 5 s = ${bound} ms of the kill`,
        value: r.resumed_predicting_ms,
        met: r.resumed_predicting_ms <= bound,
        note: `new worker polling after ${r.worker_start_ms} ms; first batch completed after the kill at ${r.first_batch_completed_ms ?? 'none'} ms`,
      },
    ];
    return {
      scenario: 'recovery',
      parameters: { users, batch_size: BATCH_SIZE, parallelism: 8, kill_at: KILL_AT, model: 'recommender', include_input: true, heartbeat_timeout_ms: HEARTBEAT_TIMEOUT_MS },
      figures: { ...r },
      table: {
        columns: ['what', 'value'],
        rows: [
          ['worker start after the kill (ms)', r.worker_start_ms],
          ['kill → first Predict call of the new worker (ms)', r.resumed_predicting_ms],
          ['kill → first batch completed (ms)', r.first_batch_completed_ms ?? 'none'],
          ['items/s before the kill', r.items_per_s_before],
          ['items/s kill → resumed + 10 s', r.items_per_s_window],
          ['items/s resumed → + 10 s', r.items_per_s_after],
          ['items lost to the outage (at the rate before)', r.items_lost_to_outage],
          ['retried batch attempts', r.retried_attempts],
          ['predicted at the model server / items', `${r.predicted_at_server} / ${r.items}`],
          ['output: missing / duplicated / altered', `${r.output.missing} / ${r.output.duplicated} / ${r.output.altered}`],
        ],
      },
      targets,
    };
  },
};
