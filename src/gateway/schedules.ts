/**
 * `/v1/schedules`: recurring jobs as Temporal Schedules whose action starts a `batchJob` with the
 * job template (docs/schedules.md). Temporal owns the timing, overlap, catch-up, pause and
 * backfill; the gateway checks what a caller may schedule (the template as a job spec, under its
 * S3 prefixes) and answers in its own shape. A schedule belongs to the key that created it, like a
 * job: other keys get 404, and its runs carry that key as NightshiftOwner.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  isGrpcServiceError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleOverlapPolicy,
  type ScheduleSpec as TemporalScheduleSpec,
  type Workflow,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { NightshiftModel, NightshiftOwner, NightshiftSchedule, NightshiftStatus, WORKFLOW_TYPE } from '../job/messages';
import { durationMs, formatDurationMs } from '../job/spec';
import { isScheduledRunInput, SCHEDULED_JOB_ID_SUFFIX, templateDefaults, type ScheduledRunInput } from '../schedule/scheduledRun';
import {
  BackfillBodySchema,
  OVERLAP_POLICIES,
  PauseBodySchema,
  ScheduleDefinitionSchema,
  SchedulePatchSchema,
  ScheduleSpecSchema,
  TriggerBodySchema,
  type OverlapPolicy,
  type ScheduleDefinition,
  type ScheduleSpec,
} from '../schedule/scheduleDefinition';
import { utcSeconds } from '../schedule/template';
import { jobDetails, jobSummary } from '../job/jobStory';
import type { Webhooks } from '../webhooks/webhooksFile';
import { maySee } from './access';
import type { Caller } from './apiKeys';
import type { ScheduleAccepted, ScheduleDeleted, ScheduleList, ScheduleLinks, ScheduleRun, ScheduleSummary, ScheduleView } from './apiTypes';
import { HttpError, invalidBody, invalidFields } from './errors';
import { jobLinks } from './jobView';
import { jobStatusOf } from './listJobs';
import { checkTemplate } from './scheduleTemplate';
import { nextPageToken, quote, visibilityPage } from './visibilityPage';

export interface ScheduleDeps {
  temporal: Client;
  config: Config;
  logger: Logger;
  webhooks?: Webhooks;
}

/** The action memo key holding the spec as the user wrote it (Temporal compiles cron into calendars). */
const SPEC_MEMO_KEY = 'nightshift_schedule_spec';
const NEXT_RUNS = 5;
const RECENT_RUNS = 10;

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw invalidBody(parsed.error);
  return parsed.data;
}

export const scheduleNotFound = (id: string): HttpError => new HttpError('not_found', `schedule "${id}" not found`);

const toTemporalOverlap = (o: OverlapPolicy): ScheduleOverlapPolicy => o.toUpperCase() as ScheduleOverlapPolicy;
const fromTemporalOverlap = (o: ScheduleOverlapPolicy): OverlapPolicy => {
  const lower = String(o).toLowerCase();
  return (OVERLAP_POLICIES as readonly string[]).includes(lower) ? (lower as OverlapPolicy) : 'skip';
};

function temporalSpec(spec: ScheduleSpec): TemporalScheduleSpec {
  return {
    ...(spec.cron !== undefined ? { cronExpressions: [spec.cron] } : {}),
    ...(spec.interval !== undefined ? { intervals: [{ every: durationMs(spec.interval) }] } : {}),
    timezone: spec.timezone,
    ...(spec.jitter !== undefined ? { jitter: durationMs(spec.jitter) } : {}),
    ...(spec.start_at !== undefined ? { startAt: new Date(spec.start_at) } : {}),
    ...(spec.end_at !== undefined ? { endAt: new Date(spec.end_at) } : {}),
  };
}

const links = (config: Config, id: string): ScheduleLinks => ({
  self: `/v1/schedules/${encodeURIComponent(id)}`,
  runs: `/v1/jobs?schedule_id=${encodeURIComponent(id)}`,
  ui: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/schedules/${encodeURIComponent(id)}`,
});

/** The template checked for the caller, and the start-workflow action that carries it. */
function buildAction(
  deps: ScheduleDeps,
  caller: Caller,
  scheduleId: string,
  spec: ScheduleSpec,
  job: Record<string, unknown>,
  /** Whose runs they are: the schedule's creator (an admin changing it does not take it over). */
  owner: string = caller.id,
): ScheduleOptionsStartWorkflowAction<Workflow> {
  const sample = checkTemplate(caller, job, { scheduleId, timezone: spec.timezone, sampleTime: new Date(), webhooks: deps.webhooks });
  // Defaults are resolved here, once: a run started after a default changed still gets these.
  const defaults = templateDefaults(job, sample);
  const input: ScheduledRunInput = { scheduled_run: { schedule_id: scheduleId, timezone: spec.timezone }, template: job, defaults };
  return {
    type: 'startWorkflow',
    workflowType: WORKFLOW_TYPE,
    // Temporal appends the scheduled time: each run's job id is <schedule id>-<time>, so one time never runs twice.
    workflowId: scheduleId,
    taskQueue: deps.config.temporal.taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: sample.model.name },
      { key: NightshiftOwner, value: owner },
      { key: NightshiftSchedule, value: scheduleId },
    ],
    memo: { [SPEC_MEMO_KEY]: spec },
    // Each run's Web UI summary; paths are the template's resolved for a sample time, so say so.
    staticSummary: jobSummary(sample, sample.output.s3_path, `schedule ${scheduleId}: `),
    staticDetails: `${jobDetails(sample, sample.output.s3_path)}\n\n*Paths shown for a sample time; each run's current details show its own.*`,
  };
}

/** Temporal's INVALID_ARGUMENT on a schedule (a spec it cannot compile) is the caller's 400. */
function rethrowInvalid(err: unknown): never {
  if (isGrpcServiceError(err) && err.code === grpcStatus.INVALID_ARGUMENT) {
    throw invalidFields([{ field: 'spec', reason: `Temporal refused the schedule: ${err.details || err.message}` }]);
  }
  // The SDK turns INVALID_ARGUMENT "Invalid schedule spec: <why>" into a TypeError of <why>
  // (ScheduleClient.rethrowGrpcError), e.g. "unknown time zone us/pacific".
  if (err instanceof TypeError && /rethrowGrpcError/.test(err.stack ?? '')) {
    const field = /time ?zone/i.test(err.message) ? 'spec.timezone' : 'spec';
    throw invalidFields([{ field, reason: `Temporal refused the schedule: ${err.message}` }]);
  }
  const cause = (err as { cause?: unknown }).cause;
  if (isGrpcServiceError(cause) && cause.code === grpcStatus.INVALID_ARGUMENT) rethrowInvalid(cause);
  throw err;
}

// ---- reading ---------------------------------------------------------------------------------

/** The schedule when the caller may see it and it is a Nightshift schedule; 404 otherwise. */
export async function describeVisibleSchedule(deps: ScheduleDeps, caller: Caller, id: string): Promise<ScheduleDescription> {
  let d: ScheduleDescription;
  try {
    d = await deps.temporal.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw scheduleNotFound(id);
    throw err;
  }
  const ours = d.action.workflowType === WORKFLOW_TYPE && isScheduledRunInput(d.action.args?.[0]);
  if (!ours || !maySee(caller, d.typedSearchAttributes.get(NightshiftOwner))) throw scheduleNotFound(id);
  return d;
}

function specOf(d: ScheduleDescription): ScheduleSpec {
  const stored = ScheduleSpecSchema.safeParse(d.action.memo?.[SPEC_MEMO_KEY]);
  if (stored.success) return stored.data;
  // Changed outside the gateway (`temporal schedule update`): what Temporal says, without the cron text it does not keep.
  const every = d.spec.intervals?.[0]?.every;
  return {
    ...(every !== undefined ? { interval: formatDurationMs(every) } : {}),
    timezone: d.spec.timezone ?? 'UTC',
    ...(d.spec.jitter ? { jitter: formatDurationMs(d.spec.jitter) } : {}),
    ...(d.spec.startAt ? { start_at: d.spec.startAt.toISOString() } : {}),
    ...(d.spec.endAt ? { end_at: d.spec.endAt.toISOString() } : {}),
  };
}

/** Only for a schedule `describeVisibleSchedule` accepted (its first argument is a ScheduledRunInput). */
const templateOf = (d: ScheduleDescription): ScheduledRunInput => d.action.args?.[0] as ScheduledRunInput;

/**
 * The time a run stands for: Temporal's `scheduledAt` includes the jitter, while the job id (and
 * TemporalScheduledStartTime, which the template is resolved from) carries the unjittered time.
 */
function nominalTime(jobId: string, scheduledAt: Date): string {
  const m = SCHEDULED_JOB_ID_SUFFIX.exec(jobId);
  return m ? m[0].slice(1) : utcSeconds(scheduledAt);
}

async function recentRun(deps: ScheduleDeps, r: ScheduleDescription['info']['recentActions'][number]): Promise<ScheduleRun> {
  const jobId = r.action.workflow.workflowId;
  const base = { job_id: jobId, scheduled_time: nominalTime(jobId, r.scheduledAt), started_at: r.takenAt.toISOString(), links: jobLinks(deps.config, jobId) };
  try {
    const w = await deps.temporal.workflow.getHandle(jobId).describe();
    const closed = w.closeTime ?? null;
    return {
      ...base,
      status: jobStatusOf(w),
      closed_at: closed?.toISOString() ?? null,
      duration_s: closed ? Math.max(0, Math.round((closed.getTime() - r.takenAt.getTime()) / 100) / 10) : null,
    };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return { ...base, status: null, closed_at: null, duration_s: null };
  }
}

export async function scheduleView(deps: ScheduleDeps, d: ScheduleDescription): Promise<ScheduleView> {
  const recent = d.info.recentActions.slice(-RECENT_RUNS).reverse();
  return {
    schedule_id: d.scheduleId,
    owner: d.typedSearchAttributes.get(NightshiftOwner) ?? null,
    spec: specOf(d),
    job: templateOf(d).template,
    overlap: fromTemporalOverlap(d.policies.overlap),
    catchup_window: formatDurationMs(d.policies.catchupWindow),
    pause_on_failure: d.policies.pauseOnFailure,
    paused: d.state.paused,
    note: d.state.note || null,
    created_at: d.info.createdAt.toISOString(),
    updated_at: d.info.lastUpdatedAt?.toISOString() ?? null,
    actions_taken: d.info.numActionsTaken,
    skipped_overlap: d.info.numActionsSkippedOverlap,
    missed_catchup_window: d.info.numActionsMissedCatchupWindow,
    running_job_ids: d.info.runningActions.map((a) => a.workflow.workflowId),
    next_runs: d.info.nextActionTimes.slice(0, NEXT_RUNS).map(utcSeconds),
    recent_runs: await Promise.all(recent.map((r) => recentRun(deps, r))),
    links: links(deps.config, d.scheduleId),
  };
}

function summaryOf(deps: ScheduleDeps, d: ScheduleDescription): ScheduleSummary {
  const last = d.info.recentActions.at(-1);
  return {
    schedule_id: d.scheduleId,
    owner: d.typedSearchAttributes.get(NightshiftOwner) ?? null,
    spec: specOf(d),
    overlap: fromTemporalOverlap(d.policies.overlap),
    paused: d.state.paused,
    note: d.state.note || null,
    next_run: d.info.nextActionTimes[0] ? utcSeconds(d.info.nextActionTimes[0]) : null,
    last_run: last ? { job_id: last.action.workflow.workflowId, scheduled_time: nominalTime(last.action.workflow.workflowId, last.scheduledAt) } : null,
    links: links(deps.config, d.scheduleId),
  };
}


export interface ListSchedulesQuery {
  limit: number;
  page_token?: string;
}

/** A page of the caller's schedules (filtered by Temporal on NightshiftOwner), each described. */
export async function listSchedules(deps: ScheduleDeps, caller: Caller, q: ListSchedulesQuery): Promise<ScheduleList> {
  const res = await visibilityPage(
    (token) =>
      deps.temporal.workflowService.listSchedules({
        namespace: deps.config.temporal.namespace,
        maximumPageSize: q.limit,
        query: caller.admin ? undefined : `${NightshiftOwner.name} = ${quote(caller.id)}`,
        nextPageToken: token,
      }),
    q.page_token,
  );
  const described = await Promise.all(
    (res.schedules ?? []).map(async (s) => {
      try {
        return await describeVisibleSchedule(deps, caller, s.scheduleId ?? '');
      } catch (err) {
        if (err instanceof HttpError && err.code === 'not_found') return null; // deleted meanwhile, or not a Nightshift schedule
        throw err;
      }
    }),
  );
  return {
    schedules: described.filter((d): d is ScheduleDescription => d !== null).map((d) => summaryOf(deps, d)),
    next_page_token: nextPageToken(res.nextPageToken),
  };
}

// ---- changing --------------------------------------------------------------------------------

export async function createSchedule(deps: ScheduleDeps, caller: Caller, body: unknown): Promise<ScheduleView> {
  const def: ScheduleDefinition = parseBody(ScheduleDefinitionSchema, body);
  const action = buildAction(deps, caller, def.schedule_id, def.spec, def.job);
  try {
    await deps.temporal.schedule.create({
      scheduleId: def.schedule_id,
      spec: temporalSpec(def.spec),
      action,
      policies: {
        overlap: toTemporalOverlap(def.overlap),
        // Always explicit: Temporal's default (a year) would start every missed night after an outage.
        catchupWindow: durationMs(def.catchup_window),
        pauseOnFailure: def.pause_on_failure,
      },
      typedSearchAttributes: [
        { key: NightshiftOwner, value: caller.id },
        { key: NightshiftSchedule, value: def.schedule_id },
      ],
      state: { paused: def.paused, ...(def.note !== undefined ? { note: def.note } : {}) },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new HttpError('failed_precondition', `schedule "${def.schedule_id}" already exists; update it with PATCH /v1/schedules/${def.schedule_id}`, [
        { field: 'schedule_id', reason: 'already in use' },
      ]);
    }
    rethrowInvalid(err);
  }
  deps.logger.info({ scheduleId: def.schedule_id, owner: caller.id, spec: def.spec }, 'schedule created');
  return scheduleView(deps, await describeVisibleSchedule(deps, caller, def.schedule_id));
}

export async function patchSchedule(deps: ScheduleDeps, caller: Caller, id: string, body: unknown): Promise<ScheduleView> {
  const patch = parseBody(SchedulePatchSchema, body);
  const current = await describeVisibleSchedule(deps, caller, id);
  const spec = patch.spec ?? specOf(current);
  // The template is checked again whenever it or the time zone it resolves in changes.
  const owner = current.typedSearchAttributes.get(NightshiftOwner) ?? caller.id;
  const action = patch.job || patch.spec ? buildAction(deps, caller, id, spec, patch.job ?? templateOf(current).template, owner) : null;
  try {
    await deps.temporal.schedule.getHandle(id).update((prev) => ({
      ...prev,
      spec: patch.spec ? temporalSpec(patch.spec) : prev.spec,
      action: action ?? prev.action,
      policies: {
        ...prev.policies,
        ...(patch.overlap ? { overlap: toTemporalOverlap(patch.overlap) } : {}),
        ...(patch.catchup_window ? { catchupWindow: durationMs(patch.catchup_window) } : {}),
        ...(patch.pause_on_failure !== undefined ? { pauseOnFailure: patch.pause_on_failure } : {}),
      },
    }));
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw scheduleNotFound(id);
    rethrowInvalid(err);
  }
  deps.logger.info({ scheduleId: id, changed: Object.keys(patch) }, 'schedule updated');
  return scheduleView(deps, await describeVisibleSchedule(deps, caller, id));
}

export async function pauseSchedule(deps: ScheduleDeps, caller: Caller, id: string, body: unknown, pause: boolean): Promise<ScheduleView> {
  const { note } = parseBody(PauseBodySchema, body);
  await describeVisibleSchedule(deps, caller, id);
  const handle = deps.temporal.schedule.getHandle(id);
  if (pause) await handle.pause(note ?? `paused through the Nightshift gateway by ${caller.id}`);
  else await handle.unpause(note ?? `unpaused through the Nightshift gateway by ${caller.id}`);
  return scheduleView(deps, await describeVisibleSchedule(deps, caller, id));
}

export async function triggerSchedule(deps: ScheduleDeps, caller: Caller, id: string, body: unknown): Promise<ScheduleAccepted> {
  const { overlap } = parseBody(TriggerBodySchema, body);
  await describeVisibleSchedule(deps, caller, id);
  await deps.temporal.schedule.getHandle(id).trigger(toTemporalOverlap(overlap));
  deps.logger.info({ scheduleId: id, overlap }, 'schedule triggered');
  return { schedule_id: id, accepted: 'trigger', links: links(deps.config, id) };
}

export async function backfillSchedule(deps: ScheduleDeps, caller: Caller, id: string, body: unknown): Promise<ScheduleAccepted> {
  const b = parseBody(BackfillBodySchema, body);
  await describeVisibleSchedule(deps, caller, id);
  try {
    await deps.temporal.schedule.getHandle(id).backfill({ start: new Date(b.start), end: new Date(b.end), overlap: toTemporalOverlap(b.overlap) });
  } catch (err) {
    rethrowInvalid(err);
  }
  deps.logger.info({ scheduleId: id, start: b.start, end: b.end, overlap: b.overlap }, 'schedule backfill requested');
  return { schedule_id: id, accepted: 'backfill', links: links(deps.config, id) };
}

/** Stops future runs; running jobs go on and every past result stays in S3. */
export async function deleteSchedule(deps: ScheduleDeps, caller: Caller, id: string): Promise<ScheduleDeleted> {
  await describeVisibleSchedule(deps, caller, id);
  try {
    await deps.temporal.schedule.getHandle(id).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw scheduleNotFound(id);
    throw err;
  }
  deps.logger.info({ scheduleId: id }, 'schedule deleted');
  return { schedule_id: id, deleted: true };
}

