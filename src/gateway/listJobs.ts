/**
 * `GET /v1/jobs`: a page of jobs from Temporal visibility, filtered there (never in the gateway)
 * on the search attributes the workflow keeps: NightshiftStatus, NightshiftModel, NightshiftOwner,
 * NightshiftSchedule.
 * The page token is Temporal's own, passed through base64url; the query is rebuilt from the caller
 * every time, so a token cannot widen what a key sees.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { Config } from '../config';
import { isFinal, JOB_STATUSES, NightshiftModel, NightshiftOwner, NightshiftSchedule, NightshiftStatus, WORKFLOW_TYPE, type JobStatus } from '../job/messages';
import type { ListJobsQuery } from './apiSchemas';
import type { Caller } from './apiKeys';
import type { JobList, JobSummary } from './apiTypes';
import { jobLinks, MemoSchema } from './jobView';
import { nextPageToken, quote, visibilityPage } from './visibilityPage';

export interface ListDeps {
  temporal: Client;
  config: Config;
}


export function visibilityQuery(caller: Caller, q: Pick<ListJobsQuery, 'status' | 'model' | 'created_after' | 'schedule_id'>): string {
  // Each continue-as-new leaves a closed run behind; only the job's current run stands for it.
  const terms = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (!caller.admin) terms.push(`${NightshiftOwner.name} = ${quote(caller.id)}`);
  if (q.status) terms.push(`${NightshiftStatus.name} = ${quote(q.status)}`);
  if (q.model) terms.push(`${NightshiftModel.name} = ${quote(q.model)}`);
  if (q.schedule_id) terms.push(`${NightshiftSchedule.name} = ${quote(q.schedule_id)}`);
  if (q.created_after) terms.push(`StartTime > ${quote(new Date(q.created_after).toISOString())}`);
  return terms.join(' AND ');
}

const isJobStatus = (s: unknown): s is JobStatus => typeof s === 'string' && (JOB_STATUSES as readonly string[]).includes(s);

/** The job status visibility knows; a closed run that never set a final one (terminated, say) is reported as failed. */
export function jobStatusOf(info: Pick<WorkflowExecutionInfo, 'typedSearchAttributes' | 'status'>): JobStatus {
  const sa = info.typedSearchAttributes.get(NightshiftStatus);
  if (isJobStatus(sa) && (isFinal(sa) || info.status.name === 'RUNNING')) return sa;
  return info.status.name === 'RUNNING' ? 'planning' : 'failed';
}

export async function listJobs(deps: ListDeps, caller: Caller, q: ListJobsQuery): Promise<JobList> {
  const res = await visibilityPage(
    (token) =>
      deps.temporal.workflowService.listWorkflowExecutions({
        namespace: deps.config.temporal.namespace,
        pageSize: q.limit,
        query: visibilityQuery(caller, q),
        nextPageToken: token,
      }),
    q.page_token,
  );
  const jobs = await Promise.all(
    (res.executions ?? []).map(async (raw) => {
      const info = await executionInfoFromRaw(raw, deps.temporal.options.loadedDataConverter, raw, deps.config.temporal.namespace);
      const memo = MemoSchema.safeParse(info.memo ?? {});
      const m = memo.success ? memo.data : {};
      return {
        job_id: info.workflowId,
        status: jobStatusOf(info),
        model: info.typedSearchAttributes.get(NightshiftModel) ?? null,
        owner: info.typedSearchAttributes.get(NightshiftOwner) ?? null,
        created_at: info.startTime.toISOString(),
        closed_at: info.closeTime?.toISOString() ?? null,
        items_total: m.items_total ?? null,
        items_succeeded: m.items_succeeded ?? 0,
        items_failed: m.items_failed ?? 0,
        output_path: m.output_path ?? null,
        links: jobLinks(deps.config, info.workflowId),
      } satisfies JobSummary;
    }),
  );
  return { jobs, next_page_token: nextPageToken(res.nextPageToken) };
}
