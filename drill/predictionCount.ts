/**
 * Exactly once, counted at the model server. Output keys in S3 are deterministic, so S3 cannot show
 * an item predicted twice; the model server's count can. A retried batch attempt legitimately costs
 * its batch a second prediction (the first attempt may have predicted before it died); nothing else may.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export interface PredictionCount {
  /** Items the model server answered for the job (its `rpcs.Predict.items` delta). */
  predicted: number;
  /** Every item once. */
  min: number;
  /** Every item once, plus one whole batch for each attempt that was retried. */
  max: number;
}

export function predictionCount(predicted: number, job: { items: number; batchSize: number; extraAttempts: number }): PredictionCount {
  return { predicted, min: job.items, max: job.items + job.batchSize * job.extraAttempts };
}

export function predictedAtMostOnce(c: PredictionCount): boolean {
  return c.predicted >= c.min && c.predicted <= c.max;
}

/**
 * Attempts beyond the first of the batch activities in these histories (a retried activity's
 * ActivityTaskStarted records its last attempt): each may have predicted its batch once more.
 */
export function extraBatchAttemptsIn(histories: readonly History[]): number {
  let extra = 0;
  for (const history of histories) {
    const predicts = new Set<string>();
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'predictBatch') predicts.add(String(e.eventId));
      const started = e.activityTaskStartedEventAttributes;
      if (started?.attempt && started.attempt > 1 && predicts.has(String(started.scheduledEventId))) extra += started.attempt - 1;
    }
  }
  return extra;
}

/** Every run of a job, first to last: a long job continues as new, and each run has its own history. */
export async function jobHistories(client: Client, jobId: string, firstRunId: string): Promise<History[]> {
  const histories: History[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: History = await client.workflow.getHandle(jobId, runId).fetchHistory();
    histories.push(history);
    const events = history.events ?? [];
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}
