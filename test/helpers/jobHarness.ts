/**
 * What workflow tests share: real Temporal and S3 from the test stack (`npm test` exports their
 * addresses), a real worker started with `Worker.runUntil`, and readers that check results in
 * S3 rather than trusting counts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { DefaultLogger, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { Writable } from 'node:stream';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { createS3Client, ensureBucket, getObjectText, listObjects, putObject } from '../../src/storage/s3';
import { connectClient } from '../../src/temporal/connectClient';
import { connectWorker } from '../../src/temporal/connectWorker';
import { createBatchWorker } from '../../src/worker/createWorker';
import { createActivityDeps } from '../../src/worker/activityDeps';
import { buildWorkflowBundle, WORKFLOW_BUNDLE_PATH } from '../../src/worker/bundleWorkflows';
import type { WorkerMetrics } from '../../src/worker/workerMetrics';
import type { Tracing } from '../../src/temporal/tracing';
import type { Logger } from '../../src/logger';
import type { JobProgress } from '../../src/job/messages';
import type { JobSpecInput } from '../../src/job/spec';
import { jobLocation } from '../../src/job/layout';
import type { batchJob } from '../../workflows';
import type { ActivityDeps } from '../../activities';
import { startModelServer } from '../../src/model-server/server';
import { extraBatchAttemptsIn, predictedAtMostOnce, predictionCount, type PredictionCount } from '../../drill/predictionCount';
import { startDrillJob } from '../../drill/drillJob';

export const config: Config = loadConfig();
export const s3 = createS3Client(config.s3);
export const BUCKET = config.s3.bucket;
export const silentLogger = pino({ level: 'silent' });

/** A debug-level logger whose JSON lines land in `lines`, for tests that check what workers log. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

// The SDK logs worker state changes at INFO and every failed attempt (which these tests cause on
// purpose) at WARN; the test output keeps errors only.
Runtime.install({ logger: new DefaultLogger('ERROR') });

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

let bundle: Promise<WorkflowBundleOption> | undefined;
/** The bundle workers ship (npm test's setup builds it), rebuilt first if a workflow file changed since. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundle ??= buildWorkflowBundle().then(() => ({ codePath: WORKFLOW_BUNDLE_PATH }));
  return bundle;
}

let client: Promise<Client> | undefined;
export function temporalClient(): Promise<Client> {
  client ??= connectClient(config.temporal);
  return client;
}

export interface WorkerOptions {
  taskQueue: string;
  tfservingTarget?: string;
  maxPredictBatch?: number;
  maxActivities?: number;
  webhooksFile?: string;
  /** NIGHTSHIFT_GZ_STAGE_CHUNK_BYTES of the worker (small, so a small `.gz` makes several chunks). */
  gzStageChunkBytes?: number;
  /** Sees the worker's activity deps before it starts, e.g. to count or fault its S3 requests. */
  onDeps?: (deps: ActivityDeps) => void;
  /** Worker limits (NIGHTSHIFT_WORKER_*), for fleet behaviour tests. */
  perModelLimit?: number;
  maxPredictCalls?: number;
  stallLimitMs?: number;
  /** Where activities log (default: nowhere). */
  logger?: Logger;
  /** Metrics the activities record into (default: a fresh set nobody reads). */
  metrics?: WorkerMetrics;
  tracing?: Tracing | null;
  /** Worker versioning (config.worker.deployment); default unversioned. */
  deployment?: Config['worker']['deployment'];
  /** A Temporal server other than the test stack's (a test that starts its own). */
  temporal?: Config['temporal'];
}

/** Runs `fn` while a real worker polls `taskQueue`; the worker shuts down when `fn` settles. */
export async function withWorker<T>(opts: WorkerOptions, fn: () => Promise<T>): Promise<T> {
  const cfg: Config = {
    ...config,
    tfserving: { ...config.tfserving, target: opts.tfservingTarget ?? config.tfserving.target, maxBatchSize: opts.maxPredictBatch ?? config.tfserving.maxBatchSize },
    worker: {
      ...config.worker,
      maxActivities: opts.maxActivities ?? config.worker.maxActivities,
      gzStageChunkBytes: opts.gzStageChunkBytes ?? config.worker.gzStageChunkBytes,
      perModelLimit: opts.perModelLimit ?? config.worker.perModelLimit,
      maxPredictCalls: opts.maxPredictCalls ?? config.worker.maxPredictCalls,
      stallLimitMs: opts.stallLimitMs ?? config.worker.stallLimitMs,
      deployment: opts.deployment ?? config.worker.deployment,
    },
    webhooksFile: opts.webhooksFile ?? config.webhooksFile,
    temporal: opts.temporal ?? config.temporal,
  };
  const deps = createActivityDeps(cfg, opts.logger ?? silentLogger, opts.metrics);
  opts.onDeps?.(deps);
  const connection = await connectWorker(cfg.temporal);
  try {
    const worker = await createBatchWorker({ connection, config: cfg, deps, workflowBundle: await workflowBundle(), taskQueue: opts.taskQueue, tracing: opts.tracing });
    return await worker.runUntil(fn);
  } finally {
    deps.close();
    await connection.close();
  }
}

/** Starts a job the way the gateway does: the spec resolved (defaults filled), search attributes set. */
export async function startJob(
  taskQueue: string,
  input: JobSpecInput & { job_id: string },
  on?: Client,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof batchJob>> {
  return startDrillJob(on ?? (await temporalClient()), taskQueue, input);
}

export async function putJsonLines(key: string, rows: unknown[]): Promise<string> {
  await ensureBucket(s3, BUCKET);
  await putObject(s3, BUCKET, key, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return `s3://${BUCKET}/${key}`;
}

export interface OutputLine {
  index: number;
  source?: string;
  line?: number;
  outputs?: Record<string, unknown>;
  input?: unknown;
  error?: { code: string; grpc_code: number | null; message: string };
}

export interface JobOutputs {
  parts: Map<string, OutputLine[]>;
  errors: Map<string, OutputLine[]>;
  manifest: Record<string, unknown> & { status: string; parts: { key: string; items: number }[] };
  success: boolean;
}

async function readJsonl(key: string): Promise<OutputLine[]> {
  const text = await getObjectText(s3, BUCKET, key);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutputLine);
}

/** Everything a job wrote, read back from S3. */
export async function readOutputs(outputPath: string, jobId: string): Promise<JobOutputs> {
  const loc = jobLocation(outputPath, jobId);
  const parts = new Map<string, OutputLine[]>();
  const errors = new Map<string, OutputLine[]>();
  let success = false;
  for await (const o of listObjects(s3, loc.bucket, loc.prefix)) {
    const rel = o.key.slice(loc.prefix.length);
    if (/^part-\d{6}\.jsonl$/.test(rel)) parts.set(rel, await readJsonl(o.key));
    else if (/^errors\/part-\d{6}\.jsonl$/.test(rel)) errors.set(rel, await readJsonl(o.key));
    else if (rel === '_SUCCESS') success = true;
  }
  const manifest = JSON.parse(await getObjectText(s3, loc.bucket, `${loc.prefix}manifest.json`)) as JobOutputs['manifest'];
  return { parts, errors, manifest, success };
}

export const allLines = (m: Map<string, OutputLine[]>): OutputLine[] => [...m.values()].flat();

/** Indexes seen more than once, and expected indexes never seen. */
export function exactlyOnce(lines: OutputLine[], expected: number): { duplicates: number[]; missing: number[] } {
  const seen = new Map<number, number>();
  for (const l of lines) seen.set(l.index, (seen.get(l.index) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  const missing: number[] = [];
  for (let i = 0; i < expected; i++) if (!seen.has(i)) missing.push(i);
  return { duplicates, missing };
}

/** Attempts beyond the first of the job's batch activities, from the history of its current run. */
export async function extraBatchAttempts(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<number> {
  return extraBatchAttemptsIn([await handle.fetchHistory()]);
}

export { predictionCount, predictedAtMostOnce, type PredictionCount };

/** Asserts the job's items were predicted at most once per attempt (see predictionCount); returns the count. */
export async function assertPredictedOnce(
  handle: Pick<WorkflowHandle, 'fetchHistory'>,
  predicted: number,
  job: { items: number; batchSize: number },
): Promise<PredictionCount & { extraAttempts: number }> {
  const extraAttempts = await extraBatchAttempts(handle);
  const count = predictionCount(predicted, { ...job, extraAttempts });
  assert.ok(predictedAtMostOnce(count), `predictions at the model server: ${JSON.stringify(count)} (${extraAttempts} retried attempts)`);
  return { ...count, extraAttempts };
}

/** Polls `pred` until it holds (or throws after `timeoutMs`): for counters that settle after the fact. */
export async function eventually(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the status query until `pred` holds (or throws after `timeoutMs`). */
export async function waitForProgress(
  handle: WorkflowHandle<typeof batchJob>,
  pred: (p: JobProgress) => boolean,
  timeoutMs = 60_000,
): Promise<JobProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query<JobProgress>('status');
    if (pred(p)) return p;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last progress: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const users = (from: number, to: number): { user_id: number }[] => Array.from({ length: to - from }, (_, i) => ({ user_id: from + i }));

export type TestModelServer = Awaited<ReturnType<typeof startModelServer>>;

/**
 * For a suite: a model server of its own (fault injection without touching the stack's) started
 * before its tests, stopped with the Temporal client after them. Read `server`/`target` in tests.
 */
export function suiteModelServer(): { server: TestModelServer; target: string } {
  const ctx = {} as { server: TestModelServer; target: string };
  before(async () => {
    await ensureBucket(s3, BUCKET);
    ctx.server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    ctx.target = `127.0.0.1:${ctx.server.port}`;
  });
  after(async () => {
    await ctx.server.stop();
    await (await temporalClient()).connection.close();
  });
  return ctx;
}

/** Hooks of a workflow test suite (call inside its describe): the bucket exists first, the Temporal client closes last. */
export function jobSuiteHooks(): void {
  before(async () => {
    await ensureBucket(s3, BUCKET);
  });
  after(async () => {
    await (await temporalClient()).connection.close();
  });
}
