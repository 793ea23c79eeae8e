/**
 * What the model-server, S3 and cap drills share about their jobs: input users uploaded as JSON
 * lines, a job started the way the gateway starts it (spec resolved, search attributes set), its
 * progress watched until it ends, and the retries Temporal recorded for its batches (over every run
 * of the job, as a long job continues as new).
 */
import { extraBatchAttemptsIn, jobHistories } from './predictionCount';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { putObject } from '../src/storage/s3';
import { isFinal, NightshiftModel, NightshiftStatus, type JobProgress } from '../src/job/messages';
import { parseJobSpec, type JobSpecInput } from '../src/job/spec';
import { jobLocation, jobUrl } from '../src/job/layout';
import { jobDetails, jobSummary } from '../src/job/jobStory';
import type { batchJob } from '../workflows';

/** The recommender model knows users 0..99,999; item i of a drill's input is user i modulo that. */
const RECOMMENDER_USERS = 100_000;
export const userAt = (index: number): { user_id: number } => ({ user_id: index % RECOMMENDER_USERS });

/** Uploads `count` users as one JSON-lines object and returns its s3:// URL. */
export async function putUsers(s3: S3Client, bucket: string, key: string, count: number): Promise<string> {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify(userAt(i)));
  await putObject(s3, bucket, key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
  return `s3://${bucket}/${key}`;
}

export async function startDrillJob(client: Client, taskQueue: string, input: JobSpecInput & { job_id: string }): Promise<WorkflowHandleWithFirstExecutionRunId<typeof batchJob>> {
  const parsed = parseJobSpec(input);
  if (!parsed.ok) throw new Error(`invalid drill job spec: ${JSON.stringify(parsed.issues)}`);
  const spec = { ...parsed.spec, job_id: input.job_id };
  const outputPath = jobUrl(jobLocation(spec.output.s3_path, spec.job_id));
  return client.workflow.start<typeof batchJob>('batchJob', {
    workflowId: spec.job_id,
    taskQueue,
    args: [spec],
    staticSummary: jobSummary(spec, outputPath),
    staticDetails: jobDetails(spec, outputPath),
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: spec.model.name },
    ],
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the job's status until `pred` holds (or the job ended, which is returned too). */
export async function waitForJob(handle: WorkflowHandle, pred: (p: JobProgress) => boolean = () => false, timeoutMs = 30 * 60_000): Promise<JobProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query<JobProgress>('status');
    if (isFinal(p.status) || pred(p)) return p;
    if (Date.now() > deadline) throw new Error(`job ${handle.workflowId}: still ${p.status} after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Polls `pred` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, pred: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`drill: gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/**
 * Attempts of predictBatch beyond the first, over every run of the job: each may have predicted a
 * whole batch again, so `items + extra x batch_size` bounds the items the model server may count.
 */
export async function extraBatchAttempts(client: Client, job: WorkflowHandleWithFirstExecutionRunId): Promise<number> {
  return extraBatchAttemptsIn(await jobHistories(client, job.workflowId, job.firstExecutionRunId));
}

/**
 * Failed Predict calls at a worker by code (`UNAVAILABLE`, `Stalled`, ...), from its /metrics: each
 * failed the batch attempt it was in, which Temporal then retried.
 */
export async function workerPredictErrors(metricsAddr: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^nightshift_predict_errors_total\{([^}]*)\}\s+(\S+)$/gm)) {
    const code = /code="([^"]*)"/.exec(m[1]!)?.[1] ?? 'unknown';
    out[code] = (out[code] ?? 0) + Number(m[2]);
  }
  return out;
}
