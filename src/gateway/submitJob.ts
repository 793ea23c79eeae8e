/**
 * `POST /v1/jobs`: parse once at the edge, check what the caller may touch, settle the job id,
 * check the job against the world, stage bulk items, start one workflow owned by the caller. The
 * same job id again is the same job, never a second one.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { WorkflowIdReusePolicy, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Config } from '../config';
import { jobLocation, jobUrl } from '../job/layout';
import { earlierOutputKey } from '../job/earlierOutput';
import { jobDetails, jobSummary } from '../job/jobStory';
import { NightshiftModel, NightshiftOwner, NightshiftStatus, WORKFLOW_TYPE, type JobStatus } from '../job/messages';
import { parseJobSpec, type FieldIssue, type JobSpec, type ResolvedJobSpec } from '../job/spec';
import { checkSpecAccess, maySee } from './access';
import type { Caller } from './apiKeys';
import type { DryRunResult } from './apiTypes';
import { dryRun, type DryRunDeps } from './dryRun';
import { HttpError, invalidFields, refusedInput } from './errors';
import { generateJobId } from './jobId';
import { getJobView, jobLinks, type JobLinks, type JobView, type JobViewDeps } from './jobView';
import type { SubmitRateLimiter } from './rateLimit';
import { stageLargeItemList } from './stageItems';
import { webhookNameIssue, type Webhooks } from '../webhooks/webhooksFile';
import { SCHEDULED_JOB_ID_SUFFIX } from '../schedule/scheduledRun';

export type ValidateJob = (spec: JobSpec) => Promise<FieldIssue[]>;

export interface SubmitDeps extends JobViewDeps {
  temporal: Client;
  s3: S3Client;
  config: Config;
  validateJob?: ValidateJob;
  describeModel?: DryRunDeps['describeModel'];
  /** Pre-flight checks are a courtesy (the plan activity repeats them): a slow one must not hold the submit. */
  validateTimeoutMs: number;
  rateLimiter?: SubmitRateLimiter;
  /** The server's webhooks (NIGHTSHIFT_WEBHOOKS_FILE); absent: none, so no spec may name one. */
  webhooks?: Webhooks;
}

const DRY_RUN_VALIDATE_MS = 60_000;

/** The promise's value, or undefined once `ms` have passed. */
async function withinBudget<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The 201 body: enough to follow the job. */
export interface JobCreated {
  job_id: string;
  status: JobStatus;
  output_path: string;
  links: JobLinks;
}

export type SubmitResult = { created: true; body: JobCreated } | { created: false; body: JobView };

async function describeOrUndefined(deps: SubmitDeps, jobId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await deps.temporal.workflow.getHandle(jobId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The existing job's view when `jobId` is the caller's; a 409 when the id is taken by a job the caller may not see. */
async function existingJob(deps: SubmitDeps, caller: Caller, jobId: string): Promise<JobView | undefined> {
  const d = await describeOrUndefined(deps, jobId);
  if (!d) return undefined;
  if (d.type !== WORKFLOW_TYPE || !maySee(caller, d.typedSearchAttributes.get(NightshiftOwner))) {
    throw new HttpError('failed_precondition', `job_id "${jobId}" is already in use; choose another`, [{ field: 'job_id', reason: 'already in use' }]);
  }
  return getJobView(deps, jobId, d);
}

export interface SubmitOptions {
  /** The retry-failed route may set `retry_of`; a submitted body may not. */
  allowRetryOf?: boolean;
}

/** Parse, then every check that needs no I/O: fields, access, webhook name. */
function checkedSpec(deps: SubmitDeps, caller: Caller, body: unknown, opts: SubmitOptions): JobSpec {
  const parsed = parseJobSpec(body);
  if (!parsed.ok) throw invalidFields(parsed.issues);
  const spec = parsed.spec;
  if (spec.retry_of !== undefined && !opts.allowRetryOf) {
    throw invalidFields([{ field: 'retry_of', reason: 'is set by POST /v1/jobs/{id}/retry-failed, not in a submitted spec' }]);
  }
  if (spec.job_id !== undefined && SCHEDULED_JOB_ID_SUFFIX.test(spec.job_id)) {
    // A schedule's run at that time would find its id taken.
    throw invalidFields([{ field: 'job_id', reason: 'ids ending in -<YYYY-MM-DD>T<hh:mm:ss>Z belong to scheduled runs; choose another' }]);
  }
  checkSpecAccess(caller, spec);
  const webhookIssue = webhookNameIssue(spec, deps.webhooks ?? new Map());
  if (webhookIssue) throw invalidFields([webhookIssue]);
  return spec;
}

async function preflight(deps: SubmitDeps, spec: JobSpec, budgetMs: number): Promise<void> {
  if (!deps.validateJob) return;
  const issues = await withinBudget(deps.validateJob(spec), budgetMs);
  if (issues === undefined) deps.logger.warn({ jobId: spec.job_id }, 'pre-flight validation took too long; the plan activity checks the job instead');
  else if (issues.length > 0) throw invalidFields(issues);
}

/** `?dry_run=true`: the submit's checks, then the estimate; nothing started, nothing written. */
export async function dryRunJob(deps: SubmitDeps, caller: Caller, body: unknown): Promise<DryRunResult> {
  const spec = checkedSpec(deps, caller, body, {});
  // A dry run is asked for its answer: it waits for the checks longer than a submit does.
  await preflight(deps, spec, DRY_RUN_VALIDATE_MS);
  return dryRun({ s3: deps.s3, describeModel: deps.describeModel ?? (async () => null) }, spec);
}

// Concurrent submissions of one job id in this process queue behind the first, so they find the
// job it started instead of staging its items again beside it.
const inFlight = new Map<string, Promise<unknown>>();
async function oneAtATime<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
  for (let prev = inFlight.get(jobId); prev; prev = inFlight.get(jobId)) await prev.catch(() => undefined);
  const p = fn();
  inFlight.set(jobId, p);
  try {
    return await p;
  } finally {
    if (inFlight.get(jobId) === p) inFlight.delete(jobId);
  }
}

export async function submitJob(deps: SubmitDeps, caller: Caller, body: unknown, opts: SubmitOptions = {}): Promise<SubmitResult> {
  const spec = checkedSpec(deps, caller, body, opts);
  deps.rateLimiter?.take(caller.id);
  if (spec.job_id === undefined) return start(deps, caller, { ...spec, job_id: generateJobId() });
  const jobId = spec.job_id;
  return oneAtATime(jobId, async () => {
    // Checked before staging, so a resubmitted large list never rewrites a running job's staged items.
    const existing = await existingJob(deps, caller, jobId);
    if (existing) return { created: false, body: existing };
    return start(deps, caller, { ...spec, job_id: jobId });
  });
}

/** A 409 when the job's output prefix holds an earlier job's parts and the spec does not say to replace them. */
async function checkOutputFree(deps: SubmitDeps, spec: ResolvedJobSpec): Promise<void> {
  if (spec.output.overwrite) return;
  const loc = jobLocation(spec.output.s3_path, spec.job_id);
  let earlier: string | undefined;
  try {
    earlier = await earlierOutputKey(deps.s3, loc);
  } catch (err) {
    // A courtesy like the pre-flight: planning checks again and fails the job with the reason.
    deps.logger.warn({ jobId: spec.job_id, err }, 'could not check the output prefix; planning checks it');
    return;
  }
  if (earlier === undefined) return;
  throw new HttpError(
    'failed_precondition',
    `output ${jobUrl(loc)} already holds parts of an earlier job (s3://${loc.bucket}/${earlier}); choose another job_id, or set output.overwrite: true to replace them`,
    [{ field: 'job_id', reason: 'its output prefix already holds parts of an earlier job' }],
  );
}

async function start(deps: SubmitDeps, caller: Caller, spec: ResolvedJobSpec): Promise<SubmitResult> {
  await preflight(deps, spec, deps.validateTimeoutMs);
  await checkOutputFree(deps, spec);
  const workflowSpec = await stageLargeItemList(deps.s3, spec);
  const outputPath = jobUrl(jobLocation(spec.output.s3_path, spec.job_id));
  try {
    await deps.temporal.workflow.start(WORKFLOW_TYPE, {
      workflowId: spec.job_id,
      taskQueue: deps.config.temporal.taskQueue,
      args: [workflowSpec],
      // A closed job keeps its id: resubmitting it answers with that job instead of running it again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // What the Temporal Web UI shows of the job (the workflow adds its live progress).
      staticSummary: jobSummary(spec, outputPath),
      staticDetails: jobDetails(spec, outputPath),
      typedSearchAttributes: [
        { key: NightshiftStatus, value: 'planning' },
        { key: NightshiftModel, value: spec.model.name },
        { key: NightshiftOwner, value: caller.id },
      ],
      // No items_total yet: Temporal (server 1.32) drops null memo fields, and readers take absent as unknown.
      memo: { output_path: outputPath, parallelism: spec.parallelism, ...(spec.retry_of ? { retry_of: spec.retry_of } : {}) },
    });
  } catch (err) {
    // Another gateway started this id between the existence check and here: answer with its job.
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const existing = await existingJob(deps, caller, spec.job_id);
      if (existing) return { created: false, body: existing };
    }
    // The schema bounds every field, so this is Temporal's own limit (e.g. a server with a smaller blob size).
    throw refusedInput(err, workflowSpec);
  }
  deps.logger.info({ jobId: spec.job_id, owner: caller.id, model: spec.model.name, outputPath, staged: workflowSpec !== spec }, 'job started');
  return {
    created: true,
    body: { job_id: spec.job_id, status: 'planning', output_path: outputPath, links: jobLinks(deps.config, spec.job_id) },
  };
}
