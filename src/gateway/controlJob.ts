/**
 * Steering a running job: cancel, pause and resume are signals (fire and forget, 202);
 * parallelism is an update, so the caller learns the value the workflow actually took.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import {
  cancelSignal,
  MAX_PARALLELISM,
  MIN_PARALLELISM,
  pauseSignal,
  resumeSignal,
  setParallelismUpdate,
} from '../job/messages';
import { HttpError, invalidBody, invalidFields, jobNotFound } from './errors';

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

/** Temporal answers NOT_FOUND both for an unknown id and for a closed run; tell them apart. */
async function notRunning(temporal: Client, jobId: string): Promise<HttpError> {
  try {
    const d = await temporal.workflow.getHandle(jobId).describe();
    return new HttpError('failed_precondition', `job "${jobId}" is no longer running (${d.status.name.toLowerCase()})`);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return jobNotFound(jobId);
    throw err;
  }
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
