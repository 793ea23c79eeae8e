/**
 * What workflow tests share: real Temporal and S3 from the test stack (`npm test` exports their
 * addresses), a real worker started with `Worker.runUntil`, and readers that check results in
 * S3 rather than trusting counts.
 */
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { createS3Client, ensureBucket, getObjectText, listObjects, putObject } from '../../src/storage/s3';
import { connectClient } from '../../src/temporal/connectClient';
import { connectWorker } from '../../src/temporal/connectWorker';
import { createBatchWorker } from '../../src/worker/createWorker';
import { createActivityDeps } from '../../src/worker/activityDeps';
import { NightshiftModel, NightshiftStatus, type JobProgress } from '../../src/job/messages';
import type { JobSpecInput } from '../../src/job/spec';
import { jobLocation } from '../../src/job/layout';
import type { batchJob } from '../../workflows';

export const config: Config = loadConfig();
export const s3 = createS3Client(config.s3);
export const BUCKET = config.s3.bucket;
export const silentLogger = pino({ level: 'silent' });

// The SDK logs worker state changes at INFO and every failed attempt (which these tests cause on
// purpose) at WARN; the test output keeps errors only.
Runtime.install({ logger: new DefaultLogger('ERROR') });

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

let bundle: Promise<WorkflowBundle> | undefined;
/** One workflow bundle per test process: bundling takes seconds. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
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
  /** A Temporal server other than the test stack's (a test that starts its own). */
  temporal?: Config['temporal'];
}

/** Runs `fn` while a real worker polls `taskQueue`; the worker shuts down when `fn` settles. */
export async function withWorker<T>(opts: WorkerOptions, fn: () => Promise<T>): Promise<T> {
  const cfg: Config = {
    ...config,
    tfserving: { ...config.tfserving, target: opts.tfservingTarget ?? config.tfserving.target, maxBatchSize: opts.maxPredictBatch ?? config.tfserving.maxBatchSize },
    worker: { ...config.worker, maxActivities: opts.maxActivities ?? config.worker.maxActivities },
    webhooksFile: opts.webhooksFile ?? config.webhooksFile,
    temporal: opts.temporal ?? config.temporal,
  };
  const deps = createActivityDeps(cfg, silentLogger);
  const connection = await connectWorker(cfg.temporal);
  try {
    const worker = await createBatchWorker({ connection, config: cfg, deps, workflowBundle: await workflowBundle(), taskQueue: opts.taskQueue });
    return await worker.runUntil(fn);
  } finally {
    deps.close();
    await connection.close();
  }
}

/** Starts a job the way the gateway does (search attributes included). */
export async function startJob(
  taskQueue: string,
  spec: JobSpecInput & { job_id: string },
  on?: Client,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof batchJob>> {
  const c = on ?? (await temporalClient());
  return c.workflow.start<typeof batchJob>('batchJob', {
    workflowId: spec.job_id,
    taskQueue,
    args: [spec],
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: spec.model.name },
    ],
  });
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
