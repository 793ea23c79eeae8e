import type { ActivityDeps } from './deps';
import { createPlanJob } from './planJob';
import { createPredictBatch } from './predictBatch';
import { createCountTask } from './countTask';
import { createWriteManifest } from './writeManifest';
import { createNotifyWebhook } from './notifyWebhook';
import { createPublishLatest } from './publishLatest';
import { createFindCompletedRun } from './findCompletedRun';

export type { ActivityDeps } from './deps';
export type { BatchJobRef, PredictBatchInput, TaskResult, TaskFailure } from './predictBatch';
export type { PlanJobInput } from './planJob';
export type { WriteManifestInput } from './writeManifest';
export type { NotifyWebhookInput } from './notifyWebhook';
export type { PublishLatestInput, PublishLatestResult } from './publishLatest';
export type { CompletedRun, FindCompletedRunInput } from './findCompletedRun';

export function createActivities(deps: ActivityDeps) {
  return {
    planJob: createPlanJob(deps),
    predictBatch: createPredictBatch(deps),
    countTask: createCountTask(deps),
    writeManifest: createWriteManifest(deps),
    notifyWebhook: createNotifyWebhook(deps),
    publishLatest: createPublishLatest(deps),
    findCompletedRun: createFindCompletedRun(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
