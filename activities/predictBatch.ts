/**
 * Batch activity: reads one task of the plan from S3, calls Predict (sub-batched, bad items
 * isolated), and writes the task's part(s) under deterministic keys, so a retry overwrites
 * instead of duplicating. It heartbeats every second; a cancelled job aborts its in-flight
 * gRPC and S3 calls through the activity's cancellation signal.
 *
 * Retryable TF Serving errors are thrown for Temporal to retry; on the last attempt, or for a
 * non-retryable error, the failure is returned as data so the job records it and goes on.
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { getObjectBytes } from '../src/storage/s3';
import { jobLocation, type JobLocation } from '../src/job/layout';
import type { ModelRef } from '../src/job/spec';
import { gzipBatchesRun, inRanges, taskBatchCount, taskItemCount, type ItemRanges, type LinesTask, type ObjectsTask, type PlanTask } from '../src/job/plan';
import { loadTask } from '../src/batch/planReader';
import { parseLines } from '../src/batch/cutLines';
import { PredictRun, type PredictCall } from '../src/batch/predictItems';
import { writeBatchParts } from '../src/batch/writeParts';
import { prepareLines, predictPrepared, selectItems, type PreparedItems } from '../src/batch/preparedItems';
import { AutoHeartbeat } from '../src/batch/autoHeartbeat';
import { mapLimit } from '../src/batch/mapLimit';
import { runGzipTask, type GzipProgress } from '../src/batch/gzipTask';
import { TfServingError } from '../src/tfserving/errors';
import { toApplicationFailure } from '../src/tfserving/temporalFailure';

/** What every batch activity of a job needs to know; small, so it can ride in each call. */
export interface BatchJobRef {
  job_id: string;
  output_path: string;
  model: ModelRef;
  include_input: boolean;
  input_name: string | null;
  tasks_per_chunk: number;
  max_attempts: number;
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

async function readLinesTask(deps: ActivityDeps, task: LinesTask & Only, signal: AbortSignal): Promise<PreparedItems> {
  const bytes = await getObjectBytes(deps.s3, task.bucket, task.key, { start: task.start, end: task.end }, signal);
  const prepared = prepareLines(parseLines(bytes, task.first_line), task.first_item, task.has_source ? `s3://${task.bucket}/${task.key}` : undefined);
  const only = task.only;
  return only ? selectItems(prepared, (i) => inRanges(only, i)) : prepared;
}

async function prepareObjects(deps: ActivityDeps, task: ObjectsTask & Only, inputName: string, signal: AbortSignal): Promise<PreparedItems> {
  const only = task.only;
  const objects = task.objects.map((o, i) => ({ ...o, index: task.first_item + i })).filter((o) => !only || inRanges(only, o.index));
  const bodies = await mapLimit(objects, OBJECT_FETCH_CONCURRENCY, (o) => getObjectBytes(deps.s3, o.bucket, o.key, undefined, signal));
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

export function predictCallFor(deps: ActivityDeps, model: ModelRef, signal: AbortSignal): PredictCall {
  const client = deps.tfserving.forModel(model.name);
  return (values) =>
    deps.limiter.run(model.name, signal, async () => {
      const t0 = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
      try {
        const res = await client.predict(model, values, { signal });
        deps.metrics.predictCall(model.name, seconds(), null);
        return { outputs: res.outputs, modelVersion: res.model.version };
      } catch (err) {
        deps.metrics.predictCall(model.name, seconds(), err instanceof TfServingError ? err.codeName : ((err as { name?: string }).name ?? 'Error'));
        throw err;
      }
    });
}

export function createPredictBatch(deps: ActivityDeps) {
  return async function predictBatch({ job, task: taskIndex }: PredictBatchInput): Promise<TaskResult> {
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    const loc: JobLocation = jobLocation(job.output_path, job.job_id);
    const task: PlanTask = await loadTask(deps.s3, loc, taskIndex, job.tasks_per_chunk);
    const resume = ctx.info.heartbeatDetails as GzipProgress | undefined;
    const progress: GzipProgress = resume ?? { next_batch: 0, items_succeeded: 0, items_failed: 0, items_done: 0 };
    const hb = new AutoHeartbeat<GzipProgress>(progress);
    const call = predictCallFor(deps, job.model, signal);
    let modelVersion: string | null = null;
    /** The result the workflow records is what the metrics count, once per task. */
    const counted = (r: TaskResult): TaskResult => {
      deps.metrics.items(job.model.name, r.items_succeeded, r.items_failed);
      deps.metrics.batches(job.model.name, 'succeeded', r.batches_succeeded);
      deps.metrics.batches(job.model.name, 'failed', r.batches_failed);
      deps.logger.debug({ task: taskIndex, batches: r.batches, items_succeeded: r.items_succeeded, items_failed: r.items_failed, model_version: r.model_version }, 'batch done');
      return r;
    };
    try {
      if (task.kind === 'gzip') {
        const run = await runGzipTask({ deps, loc, task, job, call, progress, hb, signal, attempt: ctx.info.attempt });
        modelVersion = run.modelVersion;
      } else {
        const prepared = task.kind === 'lines' ? await readLinesTask(deps, task, signal) : await prepareObjects(deps, task, job.input_name ?? '', signal);
        const run = new PredictRun(call, deps.maxPredictBatch, (done) => hb.beat({ ...progress, items_done: done }));
        const outcomes = await predictPrepared(run, prepared);
        modelVersion = run.modelVersion;
        // Not abortable: once predicted, a part is written whole, so a counted batch always has its part.
        const written = await writeBatchParts(deps.s3, loc, task.batch, prepared.refs, outcomes, job.include_input, {
          mayHaveStaleErrors: ctx.info.attempt > 1,
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
    } catch (err) {
      if (signal.aborted) {
        deps.metrics.batches(job.model.name, 'cancelled', 1);
        throw err instanceof CancelledFailure ? err : new CancelledFailure('batch cancelled');
      }
      const lastAttempt = ctx.info.attempt >= job.max_attempts;
      const retryable = !(err instanceof TfServingError) || err.retryable;
      if (retryable && !lastAttempt) {
        deps.metrics.batches(job.model.name, 'retrying', 1);
        throw err instanceof TfServingError ? toApplicationFailure(err) : err;
      }
      const code = err instanceof TfServingError ? err.codeName : ((err as { name?: string }).name ?? 'Error');
      deps.logger.warn({ task: taskIndex, code, err: (err as Error).message }, 'batch failed');
      // What a gzip task finished before failing stays done; the rest of it is failed.
      const batches = taskBatchCount(task);
      const { done, failedBatch } = doneSoFar(task, progress.next_batch);
      return counted({
        task: taskIndex,
        batches,
        batches_succeeded: done,
        batches_failed: batches - done,
        items_succeeded: progress.items_succeeded,
        items_failed: taskItemCount(task) - progress.items_succeeded,
        model_version: modelVersion,
        failure: { batch: failedBatch, code, message: (err as Error).message },
      });
    } finally {
      hb.stop();
    }
  };
}
