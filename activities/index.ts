import type { ActivityDeps } from './deps';
import { createPlanJob } from './planJob';
import { createPredictBatch } from './predictBatch';
import { createCountTask } from './countTask';
import { createWriteManifest } from './writeManifest';
import { createNotifyWebhook } from './notifyWebhook';
import { createPublishLatest } from './publishLatest';
import { createFindCompletedRun } from './findCompletedRun';
import { attemptLogger } from './attemptLogger';

export type { ActivityDeps } from './deps';
export type { BatchJobRef, PredictBatchInput, TaskResult, TaskFailure } from './predictBatch';
export type { PlanJobInput } from './planJob';
export type { WriteManifestInput } from './writeManifest';
export type { NotifyWebhookInput } from './notifyWebhook';
export type { PublishLatestInput, PublishLatestResult } from './publishLatest';
export type { CompletedRun, FindCompletedRunInput } from './findCompletedRun';

/** An activity whose `deps.logger` is, on each attempt, that attempt's logger (attemptLogger.ts). */
function perAttempt<A extends unknown[], R>(deps: ActivityDeps, create: (deps: ActivityDeps) => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  // create() only closes over deps, so building the activity again per attempt costs nothing.
  return (...args: A) => create({ ...deps, logger: attemptLogger(deps.logger) })(...args);
}

export function createActivities(deps: ActivityDeps) {
  return {
    planJob: perAttempt(deps, createPlanJob),
    predictBatch: perAttempt(deps, createPredictBatch),
    countTask: perAttempt(deps, createCountTask),
    writeManifest: perAttempt(deps, createWriteManifest),
    notifyWebhook: perAttempt(deps, createNotifyWebhook),
    publishLatest: perAttempt(deps, createPublishLatest),
    findCompletedRun: perAttempt(deps, createFindCompletedRun),
  };
}

export type Activities = ReturnType<typeof createActivities>;
