/**
 * batchJob: one Nightshift job. Plans the input, runs a sliding window of at most `parallelism`
 * batch activities, and aggregates a manifest on every ending.
 *
 * History stays bounded for any job size: when the server suggests it (about 4K events) or the
 * run nears HISTORY_TARGET events, it stops scheduling, lets its window drain, and continues as
 * new with its counters, so no run passes 10,000 events and no child workflows are needed
 * (status, pause, cancel and parallelism stay with the one workflow id).
 */
import * as wf from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities, BatchJobRef, CompletedRun, TaskFailure, TaskResult } from '../activities';
import { parseJobSpec, durationMs, type JobSpecInput, type ResolvedJobSpec } from '../src/job/spec';
import {
  cancelSignal,
  MAX_PARALLELISM,
  MIN_PARALLELISM,
  NightshiftModel,
  NightshiftStatus,
  pauseSignal,
  TemporalScheduledStartTime,
  resumeSignal,
  setParallelismUpdate,
  statusQuery,
  timelineQuery,
  type JobProgress,
  type JobStatus,
} from '../src/job/messages';
import { jobLocation, jobUrl, stagedItemsKey, type JobLocation } from '../src/job/layout';
import type { PlanSummary } from '../src/job/plan';
import { sendCompletionWebhook } from './completionWebhook';
import { isScheduledRunInput, resolveScheduledRun, type ScheduledRunInput, type ScheduledRunRef } from '../src/schedule/scheduledRun';
import type { LatestPointer } from '../src/schedule/latestPointer';
import { boundedFailure, boundedMessage } from '../src/job/bounds';
import { batchSummary, progressDetails } from '../src/job/jobStory';
import { addItems, emptySeries, type ThroughputSeries } from '../src/job/throughputSeries';

// ---------------------------------------------------------------------------------------------
// Types

/**
 * How a run reads its input and carried state. Absent in state carried by code up to 51e598e,
 * which counts as 1: each run re-parsed (and re-defaulted) its spec. From 2 the spec is parsed
 * once, by the first run (a no-op for a spec the gateway already resolved), and continued runs
 * take the resolved spec they are handed as is, so a later change to a default in src/job/spec.ts
 * cannot change a running job. Raise it, behind `wf.patched()`, when the carried shape changes.
 */
export const STATE_VERSION = 2;

/** Everything a run hands to the next one through continue-as-new. Counts and keys only. */
export interface JobState {
  /** STATE_VERSION of the run that made this state; absent = 1. */
  version?: number;
  status: JobStatus;
  created_at: string;
  started_at: string | null;
  deadline_ms: number;
  plan: PlanSummary | null;
  next_task: number;
  items_succeeded: number;
  items_failed: number;
  batches_succeeded: number;
  batches_failed: number;
  failed_batches: TaskFailure[];
  failed_batches_omitted: number;
  parallelism: number;
  paused: boolean;
  served_version: string | null;
  runs: number;
  /** Set when a schedule started the job (absent in states carried by older code). */
  scheduled_run?: ScheduledRunRef | null;
  /** Items finished over time, for the jobs page (absent in states carried by older code: the series starts at the run that reads it). */
  throughput?: ThroughputSeries | null;
}

type StopStatus = 'cancelled' | 'timed_out' | 'failed';

// ---------------------------------------------------------------------------------------------
// Limits

/** Target ceiling of events in one run (Temporal warns at 10,240 and hard-limits at 51,200). */
export const HISTORY_TARGET = 9000;
/** Events one in-flight batch may still add while the window drains: completion + a workflow task. */
const EVENTS_PER_IN_FLIGHT = 6;
/** Failed batches kept with their reasons (manifest); beyond this only a count is kept. */
const MAX_FAILED_BATCHES_KEPT = 200;

// ---------------------------------------------------------------------------------------------
// Helpers

/** The failure's code and message, bounded: they enter the job state, the memo and the manifest. */
function describeFailure(err: unknown): { code: string; message: string } {
  return boundedFailure(failureOf(err));
}

function failureOf(err: unknown): { code: string; message: string } {
  let e: unknown = err;
  // ActivityFailure wraps the real cause (ApplicationFailure, TimeoutFailure, ...).
  while (e instanceof wf.ActivityFailure && e.cause) e = e.cause;
  if (e instanceof wf.ApplicationFailure) return { code: e.type ?? 'ApplicationFailure', message: e.message };
  if (e instanceof wf.TimeoutFailure) return { code: `TIMEOUT_${e.timeoutType ?? ''}`.replace(/_$/, ''), message: e.message || 'timed out' };
  if (e instanceof Error) return { code: e.name, message: e.message };
  return { code: 'Error', message: String(e) };
}

/**
 * Once planned, an inline item list lives in S3 (the planner staged it): refer to it there, so
 * later runs, the manifest input and continue-as-new carry a key instead of the items.
 */
function withStagedItems(spec: ResolvedJobSpec, loc: JobLocation): ResolvedJobSpec {
  if (!('item_list' in spec.input) || !spec.input.item_list.items) return spec;
  const list = { items_s3_path: `s3://${loc.bucket}/${stagedItemsKey(loc)}`, batch_size: spec.input.item_list.batch_size };
  return { ...spec, input: { item_list: list } };
}

/**
 * The time a scheduled run stands for, as Temporal records it (a backfilled run gets the time it
 * fills, not now). Falls back to the workflow's start for a run started by hand with a template.
 */
function scheduledStartTime(): Date {
  const info = wf.workflowInfo();
  const typed = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  if (typed instanceof Date) return typed;
  const legacy = info.searchAttributes?.[TemporalScheduledStartTime.name]?.[0];
  const t = legacy instanceof Date ? legacy : typeof legacy === 'string' ? new Date(legacy) : null;
  return t && !Number.isNaN(t.getTime()) ? t : info.startTime;
}

function initialState(spec: ResolvedJobSpec, scheduledRun: ScheduledRunRef | null): JobState {
  const now = Date.now();
  return {
    version: STATE_VERSION,
    status: 'planning',
    created_at: new Date(now).toISOString(),
    started_at: null,
    deadline_ms: now + durationMs(spec.timeout),
    plan: null,
    next_task: 0,
    items_succeeded: 0,
    items_failed: 0,
    batches_succeeded: 0,
    batches_failed: 0,
    failed_batches: [],
    failed_batches_omitted: 0,
    parallelism: spec.parallelism,
    paused: false,
    served_version: null,
    runs: 0,
    ...(scheduledRun ? { scheduled_run: scheduledRun } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Workflow

/**
 * Runs one batch inference job; returns its final progress. `input` is the spec the gateway
 * resolved (or, from older callers and `temporal workflow start`, one still to default), or a
 * schedule's run; `carried` is set by continue-as-new, together with the resolved spec.
 */
export async function batchJob(input: ResolvedJobSpec | JobSpecInput | ScheduledRunInput, carried?: JobState): Promise<JobProgress> {
  const info = wf.workflowInfo();
  const invalid = (error: string, details?: unknown): never => {
    // Only reachable when started around the gateway (e.g. `temporal workflow start`) or by a schedule whose template no longer resolves.
    wf.upsertSearchAttributes([{ key: NightshiftStatus, value: 'failed' }]);
    throw wf.ApplicationFailure.nonRetryable(error, 'InvalidJob', details);
  };
  // A schedule's run resolves its template once, from the time it was scheduled for; continue-as-new then carries the resolved spec.
  let specInput: object = input;
  let scheduledRun: ScheduledRunRef | null = carried?.scheduled_run ?? null;
  let spec: ResolvedJobSpec;
  if (carried && (carried.version ?? 1) >= 2) {
    // The previous run handed over the spec it resolved: nothing to parse or default again.
    spec = { ...(input as ResolvedJobSpec), job_id: info.workflowId };
  } else {
    if (isScheduledRunInput(input)) {
      const resolved = resolveScheduledRun(input, scheduledStartTime());
      if (!resolved.ok) return invalid(`invalid job template: ${resolved.error}`);
      specInput = resolved.spec as object;
      scheduledRun = resolved.run;
    }
    const parsed = parseJobSpec({ ...specInput, job_id: info.workflowId });
    if (!parsed.ok) return invalid(`invalid job spec: ${parsed.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, parsed.issues);
    spec = { ...parsed.spec, job_id: info.workflowId };
  }
  const loc = jobLocation(spec.output.s3_path, spec.job_id);
  // A state carried from version 1 keeps its version: its runs resolve their input as version 1 did.
  const state: JobState = carried ? { ...carried, runs: carried.runs + 1 } : initialState(spec, scheduledRun);
  let inFlight = 0;
  let stop: { status: StopStatus; error: string } | null = null;
  let manifestPath: string | null = null;
  let finishedAt: string | null = null;
  let updatedAt = Date.now();
  /** Set when this scheduled time already ran to completion: this run reports that one. */
  let earlier: CompletedRun | null = null;

  // ----- activities, with their timeouts and retries stated where they are used
  const { planJob } = wf.proxyActivities<Activities>({
    startToCloseTimeout: '2h',
    heartbeatTimeout: '1m',
    retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidJob'] },
  });
  const { predictBatch } = wf.proxyActivities<Activities>({
    // A backstop only: the batch keeps batch_timeout itself, not counting its waits for a Predict
    // permit (src/batch/batchWatch.ts), and a hung call fails on the stall limit. A batch never outlives its job anyway.
    startToCloseTimeout: Math.max(durationMs(spec.timeout), durationMs(spec.batch_timeout)),
    // Short, so a killed worker's batch is retried elsewhere within seconds; a live batch heartbeats while no call is stalled.
    heartbeatTimeout: '10s',
    // Task queue fairness (servers with fairness enabled): backlogged batches of concurrent jobs are dispatched in turn, by job.
    priority: { fairnessKey: spec.job_id.slice(0, 64) },
    retry: {
      maximumAttempts: spec.retry.max_attempts,
      initialInterval: spec.retry.initial_interval as Duration,
      maximumInterval: spec.retry.max_interval as Duration,
      backoffCoefficient: 2,
    },
    // Wait for cancelled batches to stop, so the manifest sees every part that was written.
    cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const { countTask, writeManifest } = wf.proxyActivities<Activities>({
    startToCloseTimeout: '15m',
    heartbeatTimeout: '1m',
    retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '30s' },
  });
  const { publishLatest, findCompletedRun } = wf.proxyActivities<Activities>({
    // Two small S3 requests; a lost compare-and-swap race fails the attempt and it reads again.
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '30s' },
  });

  // ----- progress
  const progress = (): JobProgress => {
    const now = Date.now();
    const done = state.items_succeeded + state.items_failed;
    const itemsTotal = state.plan?.items_total ?? earlier?.items_total ?? null;
    const started = state.started_at ? Date.parse(state.started_at) : null;
    const end = finishedAt ? Date.parse(finishedAt) : now;
    const elapsedS = started !== null ? (end - started) / 1000 : 0;
    const throughput = elapsedS > 0 && done > 0 ? done / elapsedS : null;
    return {
      job_id: spec.job_id,
      status: state.status,
      model: {
        name: spec.model.name,
        version: spec.model.version ?? null,
        version_label: spec.model.version_label ?? null,
        signature_name: spec.model.signature_name,
        served_version: state.served_version ?? state.plan?.model_version ?? null,
      },
      items_total: itemsTotal,
      items_succeeded: state.items_succeeded,
      items_failed: state.items_failed,
      batches_total: state.plan?.batches_total ?? earlier?.batches_total ?? null,
      batches_succeeded: state.batches_succeeded,
      batches_failed: state.batches_failed,
      batches_in_flight: inFlight,
      parallelism: state.parallelism,
      created_at: state.created_at,
      started_at: state.started_at,
      updated_at: new Date(updatedAt).toISOString(),
      finished_at: finishedAt,
      throughput_items_per_s: throughput === null ? null : Math.round(throughput * 100) / 100,
      eta_s: throughput && itemsTotal !== null && !finishedAt ? Math.round((itemsTotal - done) / throughput) : null,
      output_path: jobUrl(loc),
      manifest_path: manifestPath,
      error: stop?.error ?? null,
    };
  };

  // The Web UI's "current details" of the job (user metadata; no command, so replay is unaffected).
  const showProgress = (): void => wf.setCurrentDetails(progressDetails(progress()));

  const setStatus = (status: JobStatus): void => {
    state.status = status;
    updatedAt = Date.now();
    showProgress();
    wf.upsertSearchAttributes([{ key: NightshiftStatus, value: status }]);
    wf.upsertMemo({
      output_path: jobUrl(loc),
      items_total: state.plan?.items_total ?? null,
      items_succeeded: state.items_succeeded,
      items_failed: state.items_failed,
      batches_total: state.plan?.batches_total ?? earlier?.batches_total ?? null,
      batches_succeeded: state.batches_succeeded,
      batches_failed: state.batches_failed,
      parallelism: state.parallelism,
    });
  };

  // ----- messages
  const work = new wf.CancellationScope();
  const requestStop = (status: StopStatus, error: string): void => {
    if (stop) return;
    // A cancel reason comes from the caller: bounded like any message that enters the state.
    stop = { status, error: boundedMessage(error) };
    work.cancel();
  };
  wf.setHandler(statusQuery, progress);
  wf.setHandler(timelineQuery, () => ({
    throughput: state.throughput ?? null,
    failed_batches: state.failed_batches,
    failed_batches_omitted: state.failed_batches_omitted,
  }));
  wf.setHandler(cancelSignal, (reason?: string) => requestStop('cancelled', reason ? `cancelled: ${reason}` : 'cancelled by signal'));
  wf.setHandler(pauseSignal, () => {
    state.paused = true;
    if (state.status === 'running') setStatus('paused');
  });
  wf.setHandler(resumeSignal, () => {
    state.paused = false;
    if (state.status === 'paused') setStatus('running');
  });
  wf.setHandler(
    setParallelismUpdate,
    (n: number) => {
      state.parallelism = n;
      updatedAt = Date.now();
      showProgress();
      wf.upsertMemo({ parallelism: n });
      return n;
    },
    {
      validator: (n: number) => {
        if (!Number.isInteger(n) || n < MIN_PARALLELISM || n > MAX_PARALLELISM) {
          throw new Error(`parallelism must be an integer from ${MIN_PARALLELISM} to ${MAX_PARALLELISM}, got ${String(n)}`);
        }
      },
    },
  );

  // ----- the job's own timeout: a timer, so a timed-out job still writes its manifest
  const remaining = state.deadline_ms - Date.now();
  const timer = new wf.CancellationScope();
  if (remaining <= 0) requestStop('timed_out', `job exceeded its timeout of ${spec.timeout}`);
  else {
    timer.run(() => wf.sleep(remaining)).then(
      () => requestStop('timed_out', `job exceeded its timeout of ${spec.timeout}`),
      () => undefined, // the timer is cancelled when the job ends first
    );
  }

  // Temporal may start a scheduled time again (a backfill over a night that ran): never compute and write it twice.
  if (!carried && state.scheduled_run) {
    earlier = await findCompletedRun({ output_path: spec.output.s3_path, job_id: spec.job_id });
    if (earlier) {
      timer.cancel();
      Object.assign(state, {
        items_succeeded: earlier.items_succeeded,
        items_failed: earlier.items_failed,
        batches_succeeded: earlier.batches_succeeded,
        batches_failed: earlier.batches_failed,
        started_at: earlier.timings.started_at,
      });
      finishedAt = earlier.timings.finished_at;
      manifestPath = earlier.manifest_path;
      wf.upsertSearchAttributes([{ key: NightshiftModel, value: spec.model.name }]);
      setStatus(earlier.status);
      wf.upsertMemo({ already_ran: earlier.manifest_path });
      await wf.condition(wf.allHandlersFinished);
      return progress();
    }
  }

  if (!carried) {
    wf.upsertSearchAttributes([{ key: NightshiftModel, value: spec.model.name }]);
    setStatus('planning');
  }

  const record = (r: TaskResult): void => {
    state.items_succeeded += r.items_succeeded;
    state.items_failed += r.items_failed;
    state.batches_succeeded += r.batches_succeeded;
    state.batches_failed += r.batches_failed;
    if (r.model_version) state.served_version = r.model_version;
    // State only, no command: histories recorded before the series existed replay unchanged.
    const now = Date.now();
    state.throughput = addItems(state.throughput ?? emptySeries(state.started_at ? Date.parse(state.started_at) : now), now, r.items_succeeded + r.items_failed);
    // Results from workers of older code may carry unbounded messages; bound them before keeping them.
    const failure = r.failure ? boundedFailure(r.failure) : null;
    if (failure) {
      if (state.failed_batches.length < MAX_FAILED_BATCHES_KEPT) state.failed_batches.push(failure);
      else state.failed_batches_omitted++;
    }
    updatedAt = Date.now();
    showProgress();
    const total = state.plan?.items_total ?? 0;
    if (total > 0 && state.items_failed / total > spec.max_failure_ratio) {
      requestStop(
        'failed',
        `${state.items_failed} of ${total} items failed, more than max_failure_ratio ${spec.max_failure_ratio}` +
          (failure ? ` (last: batch ${failure.batch}: ${failure.code}: ${failure.message})` : ''),
      );
    }
  };

  const historyFull = (): boolean => {
    const i = wf.workflowInfo();
    return i.continueAsNewSuggested || i.historyLength >= Math.max(1000, HISTORY_TARGET - state.parallelism * EVENTS_PER_IN_FLIGHT);
  };

  const runTask = async (job: BatchJobRef, task: number, plan: PlanSummary): Promise<void> => {
    try {
      // The summary is user metadata of the scheduled activity: not part of the determinism check.
      record(await predictBatch.executeWithOptions({ summary: batchSummary(task, plan) }, [{ job, task }]));
    } catch (err) {
      if (wf.isCancellation(err)) return; // stopped by cancel/timeout: neither succeeded nor failed
      // The activity could not report its own failure (worker lost or timed out on its last attempt).
      const { code, message } = describeFailure(err);
      // If even the plan cannot be read, count the task as one failed batch of unknown size.
      const c = await wf.CancellationScope.nonCancellable(() => countTask({ job, task })).catch(() => ({ batch: task, batches: 1, items: 0 }));
      record({
        task,
        batches: c.batches,
        batches_succeeded: 0,
        batches_failed: c.batches,
        items_succeeded: 0,
        items_failed: c.items,
        model_version: null,
        failure: { batch: c.batch, code, message },
      });
    }
  };

  let continueAsNew = false;
  try {
    await work.run(async () => {
      if (!state.plan) {
        // A schedule's night that failed runs again under its id and replaces what it wrote.
        state.plan = await planJob({ spec, ...(state.scheduled_run ? { replace_output: true } : {}) });
        state.started_at = new Date(Date.now()).toISOString();
        spec = withStagedItems(spec, loc);
      }
      setStatus(state.paused ? 'paused' : 'running');
      const plan = state.plan;
      const job: BatchJobRef = {
        job_id: spec.job_id,
        output_path: spec.output.s3_path,
        model: spec.model,
        model_version: plan.pinned_version ?? null,
        include_input: spec.output.include_input,
        input_name: plan.input_name,
        tasks_per_chunk: plan.tasks_per_chunk,
        max_attempts: spec.retry.max_attempts,
        ...(plan.part_key_width !== undefined ? { part_key_width: plan.part_key_width } : {}),
        batch_timeout: spec.batch_timeout,
      };
      while (state.next_task < plan.tasks_total) {
        await wf.condition(() => (!state.paused && inFlight < state.parallelism) || historyFull());
        if (historyFull()) {
          continueAsNew = true;
          break;
        }
        const task = state.next_task++;
        inFlight++;
        showProgress();
        void runTask(job, task, plan).finally(() => {
          inFlight--;
          updatedAt = Date.now();
          showProgress();
        });
      }
      await wf.condition(() => inFlight === 0);
    });
  } catch (err) {
    if (!wf.isCancellation(err)) {
      const { message } = describeFailure(err);
      stop ??= { status: 'failed', error: boundedMessage(`planning failed: ${message}`) };
    } else {
      // Cancelled through Temporal (Web UI, `temporal workflow cancel`): end as the signal does.
      stop ??= { status: 'cancelled', error: 'cancelled through Temporal' };
    }
    work.cancel();
    await wf.CancellationScope.nonCancellable(() => wf.condition(() => inFlight === 0));
  }

  if (continueAsNew && !stop) {
    await wf.condition(wf.allHandlersFinished);
    timer.cancel();
    return wf.continueAsNew<typeof batchJob>(spec, state);
  }

  // ----- aggregate, whatever happened, in a scope that a cancel cannot interrupt
  timer.cancel();
  const anyFailed = state.items_failed > 0 || state.batches_failed > 0;
  const finalStatus: JobStatus = stop ? stop.status : anyFailed ? 'completed_with_errors' : 'succeeded';
  setStatus('aggregating');
  finishedAt = new Date(Date.now()).toISOString();
  const final = { ...progress(), status: finalStatus };
  manifestPath = await wf.CancellationScope.nonCancellable(() =>
    writeManifest({
      spec,
      progress: final,
      plan: state.plan,
      failed_batches: state.failed_batches,
      failed_batches_omitted: state.failed_batches_omitted,
      throughput: state.throughput ?? null,
    }),
  );
  // Gated on output.latest_pointer, so histories of jobs without it replay unchanged.
  const pointer = spec.output.latest_pointer;
  if (pointer && manifestPath && (finalStatus === 'succeeded' || (finalStatus === 'completed_with_errors' && spec.output.publish_with_errors))) {
    const record: LatestPointer = {
      job_id: spec.job_id,
      schedule_id: state.scheduled_run?.schedule_id ?? null,
      scheduled_time: state.scheduled_run?.scheduled_time ?? state.created_at,
      status: finalStatus,
      output_path: final.output_path,
      manifest_path: manifestPath,
      items_total: final.items_total,
      items_succeeded: final.items_succeeded,
      items_failed: final.items_failed,
      finished_at: final.finished_at,
    };
    try {
      await wf.CancellationScope.nonCancellable(() => publishLatest({ pointer, record }));
    } catch (err) {
      // The results and manifest are complete; only the pointer is stale. Say so where operators look.
      const { message } = describeFailure(err);
      wf.log.error('latest pointer not moved', { pointer, error: message });
      wf.upsertMemo({ latest_pointer_error: message.slice(0, 500) });
    }
  }
  setStatus(finalStatus);
  // Gated on the spec field, so histories of jobs without it replay unchanged.
  if (spec.on_complete) await sendCompletionWebhook(spec.on_complete.webhook, progress());
  await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
  // A scheduled run that failed fails its workflow, so the schedule's pause_on_failure and the Web UI see it.
  if (state.scheduled_run && (finalStatus === 'failed' || finalStatus === 'timed_out')) {
    throw wf.ApplicationFailure.nonRetryable(`job ${finalStatus}: ${stop?.error ?? ''}`, 'JobFailed');
  }
  return progress();
}
