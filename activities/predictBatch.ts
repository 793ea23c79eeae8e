/**
 * Batch activity: reads one task of the plan from S3, calls Predict (sub-batched, bad items
 * isolated), and writes the task's part(s) under deterministic keys, so a retry overwrites
 * instead of duplicating. Its calls run under a BatchWatch (src/batch/batchWatch.ts): liveness
 * heartbeats while no call is stalled, a `Stalled` failure for a call without progress for the
 * stall limit, batch_timeout counted without Predict permit waits, and a cancelled job aborts its
 * in-flight gRPC and S3 calls.
 *
 * Retryable TF Serving errors are thrown for Temporal to retry; on the last attempt, or for a
 * non-retryable error, the failure is returned as data so the job records it and goes on.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { getObjectBytes } from '../src/storage/s3';
import { jobLocation, type JobLocation } from '../src/job/layout';
import type { ModelRef as SpecModelRef } from '../src/job/spec';
import type { ModelRef } from '../src/tfserving/client';
import { modelForBatch } from '../src/job/modelPin';
import { gzipBatchesRun, inRanges, taskBatchCount, taskBatches, taskItemCount, type ItemRanges, type LinesTask, type ObjectsTask, type PlanTask } from '../src/job/plan';
import { loadTask } from '../src/batch/planReader';
import { parseLines } from '../src/batch/cutLines';
import { PredictRun, type PredictCall } from '../src/batch/predictItems';
import { writeBatchParts } from '../src/batch/writeParts';
import { prepareLines, predictPrepared, selectItems, type PreparedItems } from '../src/batch/preparedItems';
import { BatchTimeoutError, BatchWatch, S3_WAIT, StalledError } from '../src/batch/batchWatch';
import { durationMs } from '../src/job/spec';
import { mapLimit } from '../src/batch/mapLimit';
import { runGzipTask, type GzipProgress } from '../src/batch/gzipTask';
import { TfServingError } from '../src/tfserving/errors';
import { toApplicationFailure } from '../src/tfserving/temporalFailure';
import { permanentFailure } from '../src/storage/s3Errors';
import { removeBatchParts } from '../src/batch/removeParts';
import { boundedFailure } from '../src/job/bounds';

/** What every batch activity of a job needs to know; small, so it can ride in each call. */
export interface BatchJobRef {
  job_id: string;
  output_path: string;
  model: SpecModelRef;
  /** The version every batch calls (plan.pinned_version); absent in refs from older code: ask as `model` says. */
  model_version?: string | null;
  include_input: boolean;
  input_name: string | null;
  tasks_per_chunk: number;
  max_attempts: number;
  /** Digits of part numbers in keys (plan.part_key_width); absent for jobs planned before it: 6. */
  part_key_width?: number;
  /** The spec's batch_timeout; absent in batches scheduled by older code (their start-to-close was it). */
  batch_timeout?: string;
}

export interface PredictBatchInput {
  job: BatchJobRef;
  task: number;
}

export interface TaskFailure {
  batch: number;
  code: string;
  message: string;
}

export interface TaskResult {
  task: number;
  batches: number;
  batches_succeeded: number;
  batches_failed: number;
  items_succeeded: number;
  items_failed: number;
  model_version: string | null;
  failure: TaskFailure | null;
}

const OBJECT_FETCH_CONCURRENCY = 8;



type Only = { only?: ItemRanges };

type Watch = BatchWatch<GzipProgress>;

async function readLinesTask(deps: ActivityDeps, task: LinesTask & Only, watch: Watch): Promise<PreparedItems> {
  // Pinned to the ETag planning cut the byte ranges from: other content would shift or garble lines.
  const bytes = await watch.track(
    `S3 GetObject s3://${task.bucket}/${task.key}`,
    (signal) => getObjectBytes(deps.s3, task.bucket, task.key, { start: task.start, end: task.end }, signal, task.etag),
    S3_WAIT,
  );
  const source = task.has_source ? (task.source ?? `s3://${task.bucket}/${task.key}`) : undefined;
  const prepared = prepareLines(parseLines(bytes, task.first_line), task.first_item, source);
  const only = task.only;
  return only ? selectItems(prepared, (i) => inRanges(only, i)) : prepared;
}

async function prepareObjects(deps: ActivityDeps, task: ObjectsTask & Only, inputName: string, watch: Watch): Promise<PreparedItems> {
  const only = task.only;
  const objects = task.objects.map((o, i) => ({ ...o, index: task.first_item + i })).filter((o) => !only || inRanges(only, o.index));
  const bodies = await mapLimit(objects, OBJECT_FETCH_CONCURRENCY, (o) =>
    watch.track(`S3 GetObject s3://${o.bucket}/${o.key}`, (signal) => getObjectBytes(deps.s3, o.bucket, o.key, undefined, signal, o.etag), S3_WAIT),
  );
  return {
    refs: objects.map((o) => ({ index: o.index, source: `s3://${o.bucket}/${o.key}` })),
    known: objects.map(() => undefined),
    values: bodies.map((b) => ({ [inputName]: { b64: b.toString('base64') } })),
  };
}

/** How many of the task's batches a failed attempt had finished, and the first one it had not. */
function doneSoFar(task: PlanTask, nextBatch: number): { done: number; failedBatch: number } {
  if (task.kind !== 'gzip') return { done: nextBatch, failedBatch: task.batch + nextBatch };
  const run = gzipBatchesRun(task);
  const done = run.filter((k) => k < nextBatch).length;
  return { done, failedBatch: task.batch + (run[done] ?? nextBatch) };
}

/**
 * One Predict call of a batch: a fair turn at the worker's Predict permits (waiting does not count
 * against batch_timeout), then the call itself under the stall limit.
 */
export function predictCallFor(deps: ActivityDeps, job: { job_id: string; model: ModelRef }, watch: Watch): PredictCall {
  const { model } = job;
  const client = deps.tfserving.forModel(model.name);
  return async (values, runSignal) => {
    const release = await watch.waitFor(() => deps.limiter.acquire(model.name, job.job_id, AbortSignal.any([watch.signal, runSignal])));
    // Timed from the permit: the histogram is TF Serving's latency, not this worker's queue.
    const t0 = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
    try {
      const res = await watch.track(`Predict ${model.name} (${values.length} items)`, (signal) => client.predict(model, values, { signal: AbortSignal.any([signal, runSignal]) }));
      deps.metrics.predictCall(model.name, seconds(), null);
      return { outputs: res.outputs, modelVersion: res.model.version };
    } catch (err) {
      deps.metrics.predictCall(model.name, seconds(), err instanceof TfServingError ? err.codeName : ((err as { name?: string }).name ?? 'Error'));
      throw err;
    } finally {
      release();
    }
  };
}

export function createPredictBatch(deps: ActivityDeps) {
  return async function predictBatch({ job, task: taskIndex }: PredictBatchInput): Promise<TaskResult> {
    const ctx = Context.current();
    const loc: JobLocation = jobLocation(job.output_path, job.job_id);
    const resume = ctx.info.heartbeatDetails as GzipProgress | undefined;
    const progress: GzipProgress = resume ?? { next_batch: 0, items_succeeded: 0, items_failed: 0, items_done: 0 };
    const budgetMs = job.batch_timeout ? durationMs(job.batch_timeout) : ctx.info.startToCloseTimeoutMs;
    const watch: Watch = new BatchWatch<GzipProgress>(progress, { stallLimitMs: deps.stallLimitMs, budgetMs });
    const call = predictCallFor(deps, { job_id: job.job_id, model: modelForBatch(job.model, job.model_version) }, watch);
    let modelVersion: string | null = null;
    let task: PlanTask | null = null;
    /** The result the workflow records is what the metrics count, once per task. */
    const counted = (r: TaskResult): TaskResult => {
      deps.metrics.items(job.model.name, r.items_succeeded, r.items_failed);
      deps.metrics.batches(job.model.name, 'succeeded', r.batches_succeeded);
      deps.metrics.batches(job.model.name, 'failed', r.batches_failed);
      deps.logger.debug({ task: taskIndex, batches: r.batches, items_succeeded: r.items_succeeded, items_failed: r.items_failed, model_version: r.model_version }, 'batch done');
      return r;
    };
    try {
      // Shared by the batches that read the same plan chunk, so not aborted for one of them (whole): the S3 socket timeout bounds it.
      task = await watch.track(`S3 plan chunk of task ${taskIndex}`, () => loadTask(deps.s3, loc, taskIndex, job.tasks_per_chunk), { ...S3_WAIT, whole: true });
      if (task.kind === 'gzip') {
        const run = await runGzipTask({ deps: { ...deps, predictInFlight: deps.limiter.modelLimit }, loc, task, job, call, progress, watch, attempt: ctx.info.attempt });
        modelVersion = run.modelVersion;
      } else {
        const prepared = task.kind === 'lines' ? await readLinesTask(deps, task, watch) : await prepareObjects(deps, task, job.input_name ?? '', watch);
        const run = new PredictRun(call, {
          maxBatch: deps.maxPredictBatch,
          inFlight: deps.limiter.modelLimit,
          onProgress: (done) => watch.beat({ ...progress, items_done: done }),
        });
        const outcomes = await predictPrepared(run, prepared);
        modelVersion = run.modelVersion;
        // Not abortable by a cancel: once predicted, a part is written whole, so a counted batch always has its part.
        // A stalled write is aborted (the attempt fails and is retried; the part keys are fixed).
        const written = await writeBatchParts(deps.s3, loc, task.batch, prepared.refs, outcomes, job.include_input, {
          mayHaveStaleErrors: ctx.info.attempt > 1,
          keyWidth: job.part_key_width,
          track: (name, fn) => watch.track(name, fn, { ...S3_WAIT, whole: true }),
        });
        progress.next_batch = 1;
        progress.items_succeeded = written.items_succeeded;
        progress.items_failed = written.items_failed;
      }
      return counted({
        task: taskIndex,
        batches: taskBatchCount(task),
        batches_succeeded: taskBatchCount(task),
        batches_failed: 0,
        items_succeeded: progress.items_succeeded,
        items_failed: progress.items_failed,
        model_version: modelVersion,
        failure: null,
      });
    } catch (caught) {
      if (ctx.cancellationSignal.aborted) {
        deps.metrics.batches(job.model.name, 'cancelled', 1);
        throw caught instanceof CancelledFailure ? caught : new CancelledFailure('batch cancelled');
      }
      // Whatever a call threw when the batch ran out of time, the failure is the timeout.
      const err = watch.failure ?? caught;
      if (!task) throw err;
      const lastAttempt = ctx.info.attempt >= job.max_attempts;
      // A changed input or an S3 error such as NoSuchKey stays so on the next attempt (s3Errors.ts).
      const permanent = permanentFailure(err, `batch task ${taskIndex}`);
      const retryable = permanent === undefined && (!(err instanceof TfServingError) || err.retryable);
      if (retryable && !lastAttempt) {
        deps.metrics.batches(job.model.name, 'retrying', 1);
        // Ours carry their name as the failure type (`Stalled`, `BatchTimeout`), as in the manifest.
        throw err instanceof TfServingError || err instanceof StalledError || err instanceof BatchTimeoutError ? toApplicationFailure(err) : err;
      }
      const code = permanent?.type ?? (err instanceof TfServingError ? err.codeName : ((err as { name?: string }).name ?? 'Error'));
      const message = permanent?.message ?? (err as Error).message;
      deps.logger.warn({ task: taskIndex, code, err: message }, 'batch failed');
      // What a gzip task finished before failing stays done; the rest of it is failed and keeps no part.
      const batches = taskBatchCount(task);
      const { done, failedBatch } = doneSoFar(task, progress.next_batch);
      await removeBatchParts(deps.s3, loc, taskBatches(task).slice(done), job.part_key_width);
      return counted({
        task: taskIndex,
        batches,
        batches_succeeded: done,
        batches_failed: batches - done,
        items_succeeded: progress.items_succeeded,
        items_failed: taskItemCount(task) - progress.items_succeeded,
        model_version: modelVersion,
        // Bounded: the job keeps up to 200 of these in its state, which Temporal caps at 2 MB.
        failure: boundedFailure({ batch: failedBatch, code, message }),
      });
    } finally {
      watch.stop();
    }
  };
}
