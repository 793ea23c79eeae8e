/**
 * The `on_complete` webhook of a finished job: one `notifyWebhook` activity, retried by Temporal,
 * in a scope a cancel cannot interrupt. A delivery that fails for good is logged and does not
 * change the job's status: the results and the manifest are already in S3.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { JobProgress } from '../src/job/messages';

// 10 attempts 1 s apart doubling to 1 min: about 4 minutes for a receiver to come back. An
// attempt gives up after 10 s itself (the activity); 30 s also covers a slow body read.
const { notifyWebhook } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 },
});

export async function sendCompletionWebhook(webhook: string, progress: JobProgress): Promise<void> {
  try {
    await wf.CancellationScope.nonCancellable(() => notifyWebhook({ webhook, progress }));
  } catch (err) {
    const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause : err;
    wf.log.warn('completion webhook not delivered', { job_id: progress.job_id, webhook, error: cause instanceof Error ? cause.message : String(cause) });
  }
}
