/**
 * Scenario 4, cancel latency: jobs cancelled through the gateway while their batches have Predict
 * calls in flight. Per heartbeat throttle setting, the time from the cancel request to the last
 * in-flight Predict aborted (the model server's own `last_cancelled_at_ms`) and to status
 * `cancelled` (the gateway's job view), p50 and max.
 *
 * Why the throttle decides it: an activity learns of its cancellation only from the answer to a
 * heartbeat, and the SDK sends at most one heartbeat per NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS
 * (batches call heartbeat() every second), so a cancel waits up to one throttle interval per batch.
 * The model server answers after a latency (uniform 300-900 ms, a slow model), so every batch has a
 * call in flight when the cancel comes; cancels fall at spread-out times after the first call.
 */
import { randomBytes } from 'node:crypto';
import { startPrivateStack, type PrivateStack } from './benchStack';
import { gatewayJson, pollUntil } from './benchPolling';
import { ModelServerAdmin } from '../src/model-server/adminClient';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from './scenario';
import { uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { loadConfig } from '../src/config';
import { isFinal, type JobStatus } from '../src/job/messages';

const TARGET_MS = 2000;
/** The setting before issue #10 (cancel took 4.4-4.6 s with it), measured beside the default for comparison. */
const PREVIOUS_THROTTLE_MS = 5000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CancelSample {
  job_id: string;
  /** Predict calls in flight at the server just before the request. */
  in_flight: number;
  /** Calls the server saw cancelled by this cancel. */
  aborted_calls: number;
  /** Request → the last in-flight Predict aborted at the server (or answered, if none was left to abort). */
  abort_ms: number;
  /** Request → the gateway's job view says `cancelled`. */
  status_ms: number;
}

interface SettingResult {
  throttle_ms: number;
  samples: CancelSample[];
  abort_p50_ms: number;
  abort_max_ms: number;
  status_p50_ms: number;
  status_max_ms: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};

/** One job: submit, wait until its calls are in flight plus `delayMs`, cancel, time both ends. */
async function cancelOne(stack: PrivateStack, admin: ModelServerAdmin, inputPrefix: string, delayMs: number): Promise<CancelSample> {
  const { config } = stack;
  const jobId = `bench-cancel-${randomBytes(4).toString('hex')}`;
  const jobs = `${config.gateway.url}/v1/jobs`;
  await gatewayJson(jobs, {
    method: 'POST',
    body: {
      job_id: jobId,
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: [inputPrefix], batch_size: 500 } },
      output: { s3_path: `s3://${config.s3.bucket}/bench/cancel-out/` },
      parallelism: 8,
    },
  });
  await pollUntil('Predict calls in flight', () => admin.predict(), (p) => p.in_flight > 0, { everyMs: POLL_MS });
  await sleep(delayMs);
  const before = await admin.predict();
  const t0 = Date.now();
  await gatewayJson(`${jobs}/${jobId}/cancel`, { method: 'POST', body: { reason: 'bench' } });
  const zero = await pollUntil('no Predict call in flight', () => admin.predict(), (p) => p.in_flight === 0, { everyMs: POLL_MS });
  const tZero = Date.now();
  const view = await pollUntil(
    'a final status',
    () => gatewayJson<{ status?: JobStatus }>(`${jobs}/${jobId}`),
    (v) => v.status !== undefined && isFinal(v.status),
    { everyMs: POLL_MS },
  );
  const tStatus = Date.now();
  if (view.status !== 'cancelled') throw new Error(`job ${jobId} ended ${String(view.status)}, not cancelled`);
  const after = await admin.predict();
  if (after.in_flight !== 0) throw new Error(`job ${jobId}: ${after.in_flight} Predict calls in flight after it was cancelled`);
  const aborted = zero.cancelled - before.cancelled;
  const lastAbort = aborted > 0 && zero.last_cancelled_at_ms !== null ? zero.last_cancelled_at_ms : tZero;
  return { job_id: jobId, in_flight: before.in_flight, aborted_calls: aborted, abort_ms: lastAbort - t0, status_ms: tStatus - t0 };
}

export async function measureSetting(ctx: BenchContext, throttleMs: number, cancels: number, users: number): Promise<SettingResult> {
  ctx.log(`cancel: stack with NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS=${throttleMs}`);
  const stack = await startPrivateStack({
    parts: ['temporal', 's3', 'model-server', 'worker', 'gateway'],
    env: { NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS: String(throttleMs) },
    log: (l) => ctx.log(`  ${l}`),
    label: 'bench-cancel',
  });
  const s3 = createS3Client(stack.config.s3);
  try {
    const admin = new ModelServerAdmin(stack.config.modelServer.adminAddr);
    await ensureBucket(s3, stack.config.s3.bucket);
    await uploadDemoUsers(s3, stack.config.s3.bucket, 'bench/cancel-users/', { users, files: 4 });
    await admin.setFaults({ latency: { kind: 'uniform', min_ms: 300, max_ms: 900 }, seed: 10 });
    const samples: CancelSample[] = [];
    for (let i = 0; i < cancels; i++) {
      // Spread over more than one throttle interval after the first call, so cancels land at every phase of the heartbeats.
      const delayMs = 1500 + Math.round((i * Math.max(throttleMs, 1000)) / cancels);
      const s = await cancelOne(stack, admin, `s3://${stack.config.s3.bucket}/bench/cancel-users/`, delayMs);
      ctx.log(`  cancel ${i + 1}/${cancels}: ${s.in_flight} calls in flight, last aborted after ${s.abort_ms} ms, cancelled after ${s.status_ms} ms`);
      samples.push(s);
    }
    const abort = samples.map((s) => s.abort_ms);
    const status = samples.map((s) => s.status_ms);
    return {
      throttle_ms: throttleMs,
      samples,
      abort_p50_ms: median(abort),
      abort_max_ms: Math.max(...abort),
      status_p50_ms: median(status),
      status_max_ms: Math.max(...status),
    };
  } finally {
    s3.destroy();
    await stack.dispose();
  }
}

export const scenario: Scenario = {
  name: 'cancel',
  description: 'cancel latency: request → last in-flight Predict aborted at the model server, and → status cancelled (p50, max)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    if (ctx.useRunning) ctx.log('cancel: starts its own stacks (the heartbeat throttle is a worker setting), --use-running ignored');
    const defaultMs = loadConfig().worker.heartbeatThrottleMs;
    const settings = ctx.quick ? [defaultMs] : [...new Set([PREVIOUS_THROTTLE_MS, defaultMs])];
    const cancels = ctx.quick ? 3 : 5;
    const users = ctx.quick ? 8_000 : 20_000;
    const results: SettingResult[] = [];
    for (const ms of settings) results.push(await measureSetting(ctx, ms, cancels, users));
    const atDefault = results.find((r) => r.throttle_ms === defaultMs)!;
    const note = `NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS=${defaultMs} (the configured value); a cancel waits up to one throttle interval for a batch's next heartbeat`;
    const targets: TargetCheck[] = [
      { target: `last in-flight Predict aborted, max ≤ ${TARGET_MS} ms after the request`, value: atDefault.abort_max_ms, met: atDefault.abort_max_ms <= TARGET_MS, note },
      { target: `status cancelled, max ≤ ${TARGET_MS} ms after the request`, value: atDefault.status_max_ms, met: atDefault.status_max_ms <= TARGET_MS, note },
    ];
    return {
      scenario: 'cancel',
      parameters: {
        settings_ms: settings,
        default_throttle_ms: defaultMs,
        cancels_per_setting: cancels,
        users,
        batch_size: 500,
        parallelism: 8,
        model: 'recommender',
        model_server_latency: 'uniform 300-900 ms per Predict call',
        poll_ms: POLL_MS,
      },
      figures: { settings: results },
      table: {
        columns: ['heartbeat throttle ms', 'cancels', 'aborted p50 ms', 'aborted max ms', 'cancelled p50 ms', 'cancelled max ms'],
        rows: results.map((r) => [r.throttle_ms, r.samples.length, r.abort_p50_ms, r.abort_max_ms, r.status_p50_ms, r.status_max_ms]),
      },
      targets,
    };
  },
};
