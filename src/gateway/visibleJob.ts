/**
 * The one gate of every route that names a job: the workflow must exist, be a `batchJob`, and
 * belong to the caller (admins see all). Anything else is the same 404, so a key cannot learn
 * which ids other teams use or what else runs in the namespace.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { NightshiftOwner, WORKFLOW_TYPE } from '../job/messages';
import { maySee } from './access';
import type { Caller } from './apiKeys';
import { jobNotFound } from './errors';

export async function describeVisibleJob(temporal: Client, caller: Caller, jobId: string): Promise<WorkflowExecutionDescription> {
  let d: WorkflowExecutionDescription;
  try {
    d = await temporal.workflow.getHandle(jobId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw jobNotFound(jobId);
    throw err;
  }
  if (d.type !== WORKFLOW_TYPE || !maySee(caller, d.typedSearchAttributes.get(NightshiftOwner))) throw jobNotFound(jobId);
  return d;
}

/** Whether the job's workflow has closed (its status is final, or it was terminated). */
export const isClosed = (d: WorkflowExecutionDescription): boolean => d.status.name !== 'RUNNING' && d.status.name !== 'CONTINUED_AS_NEW';
