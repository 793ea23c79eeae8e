/**
 * Steering a running job: cancel, pause and resume are signals (fire and forget, 202);
 * parallelism is an update, so the caller learns the value the workflow actually took.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import {
  isFinal,
  NightshiftStatus,
  type JobStatus,
  cancelSignal,
  MAX_PARALLELISM,
  MIN_PARALLELISM,
  pauseSignal,
  resumeSignal,
  setParallelismUpdate,
} from '../job/messages';
import { HttpError, invalidBody, invalidFields, jobNotFound } from './errors';
import { isClosed } from './visibleJob';

export const JOB_SIGNALS = { cancel: cancelSignal, pause: pauseSignal, resume: resumeSignal } as const;
export type JobSignalName = keyof typeof JOB_SIGNALS;

export const CancelBodySchema = z.object({ reason: z.string().max(1000).optional() }).strict();
export const ParallelismBodySchema = z
  .object({ parallelism: z.number().int().min(MIN_PARALLELISM).max(MAX_PARALLELISM) })
  .strict();

export interface ControlDeps {
  temporal: Client;
  /** How long an update may wait for a worker to run the workflow's handler. */
  updateTimeoutMs: number;
}

/** The 409 for a job that has ended, naming its final status. */
function ended(jobId: string, d: WorkflowExecutionDescription): HttpError {
  // The search attribute holds the final status once the job wrote it; a terminated job never did.
  const sa = d.typedSearchAttributes.get(NightshiftStatus);
  const status = sa !== undefined && isFinal(sa as JobStatus) ? sa : d.status.name.toLowerCase();
  return new HttpError('failed_precondition', `job "${jobId}" has already ended (${status})`);
}

/** Temporal answers NOT_FOUND both for an unknown id and for a closed run; tell them apart. */
async function notRunning(temporal: Client, jobId: string): Promise<HttpError> {
  try {
    return ended(jobId, await temporal.workflow.getHandle(jobId).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return jobNotFound(jobId);
    throw err;
  }
}

/** Refuses to steer a job whose workflow has closed; `d` is the caller's describe() of it. */
export function assertRunning(jobId: string, d: WorkflowExecutionDescription): void {
  if (isClosed(d)) throw ended(jobId, d);
}

export async function signalJob(deps: ControlDeps, jobId: string, name: JobSignalName, body: unknown): Promise<void> {
  const handle = deps.temporal.workflow.getHandle(jobId);
  try {
    if (name === 'cancel') {
      const parsed = CancelBodySchema.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      await handle.signal(cancelSignal, parsed.data.reason);
    } else {
      await handle.signal(JOB_SIGNALS[name]);
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await notRunning(deps.temporal, jobId);
    throw err;
  }
}

export async function setParallelism(deps: ControlDeps, jobId: string, body: unknown): Promise<number> {
  const parsed = ParallelismBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw invalidBody(parsed.error);
  const handle = deps.temporal.workflow.getHandle(jobId);
  try {
    return await deps.temporal.withDeadline(Date.now() + deps.updateTimeoutMs, () =>
      handle.executeUpdate(setParallelismUpdate, { args: [parsed.data.parallelism] }),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await notRunning(deps.temporal, jobId);
    if (err instanceof WorkflowUpdateFailedError) {
      // The workflow's validator rejected the value (or the handler failed): the caller's to fix.
      throw invalidFields([{ field: 'parallelism', reason: err.cause?.message ?? err.message }]);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new HttpError('deadline_exceeded', `job "${jobId}" did not take the update within ${deps.updateTimeoutMs} ms (is a worker running?)`);
    }
    throw err;
  }
}
