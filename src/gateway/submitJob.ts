/**
 * `POST /v1/jobs`: parse once at the edge, settle the job id, check the job against the world,
 * stage bulk items, start one workflow. The same job id again is the same job, never a second one.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { WorkflowIdReusePolicy, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { jobLocation, jobUrl } from '../job/layout';
import { NightshiftModel, NightshiftStatus, WORKFLOW_TYPE, type JobStatus } from '../job/messages';
import { parseJobSpec, type FieldIssue, type JobSpec, type ResolvedJobSpec } from '../job/spec';
import { invalidFields } from './errors';
import { generateJobId } from './jobId';
import { getJobView, jobLinks, type JobLinks, type JobView, type JobViewDeps } from './jobView';
import { stageLargeItemList } from './stageItems';

export type ValidateJob = (spec: JobSpec) => Promise<FieldIssue[]>;

export interface SubmitDeps extends JobViewDeps {
  temporal: Client;
  s3: S3Client;
  config: Config;
  validateJob?: ValidateJob;
  /** Pre-flight checks are a courtesy (the plan activity repeats them): a slow one must not hold the submit. */
  validateTimeoutMs: number;
}

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

async function existingJob(deps: SubmitDeps, jobId: string): Promise<JobView | undefined> {
  try {
    await deps.temporal.workflow.getHandle(jobId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  return getJobView(deps, jobId);
}

export async function submitJob(deps: SubmitDeps, body: unknown): Promise<SubmitResult> {
  const parsed = parseJobSpec(body);
  if (!parsed.ok) throw invalidFields(parsed.issues);
  const spec: ResolvedJobSpec = { ...parsed.spec, job_id: parsed.spec.job_id ?? generateJobId() };

  // Checked before staging, so a resubmitted large list never rewrites a running job's staged items.
  if (parsed.spec.job_id !== undefined) {
    const existing = await existingJob(deps, spec.job_id);
    if (existing) return { created: false, body: existing };
  }

  if (deps.validateJob) {
    const issues = await withinBudget(deps.validateJob(spec), deps.validateTimeoutMs);
    if (issues === undefined) deps.logger.warn({ jobId: spec.job_id }, 'pre-flight validation took too long; the plan activity checks the job instead');
    else if (issues.length > 0) throw invalidFields(issues);
  }

  const workflowSpec = await stageLargeItemList(deps.s3, spec);
  const outputPath = jobUrl(jobLocation(spec.output.s3_path, spec.job_id));
  try {
    await deps.temporal.workflow.start(WORKFLOW_TYPE, {
      workflowId: spec.job_id,
      taskQueue: deps.config.temporal.taskQueue,
      args: [workflowSpec],
      // A closed job keeps its id: resubmitting it answers with that job instead of running it again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: NightshiftStatus, value: 'planning' },
        { key: NightshiftModel, value: spec.model.name },
      ],
      memo: { output_path: outputPath, items_total: null, parallelism: spec.parallelism },
    });
  } catch (err) {
    // Two submits of one id racing past the existence check: the loser answers with the winner's job.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { created: false, body: await getJobView(deps, spec.job_id) };
    throw err;
  }
  deps.logger.info({ jobId: spec.job_id, model: spec.model.name, outputPath, staged: workflowSpec !== spec }, 'job started');
  return {
    created: true,
    body: { job_id: spec.job_id, status: 'planning', output_path: outputPath, links: jobLinks(deps.config, spec.job_id) },
  };
}
