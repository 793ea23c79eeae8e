/**
 * Completion webhook activity: POSTs the job's `job.finished` summary to a webhook named in the
 * server's webhooks file, signed with its secret. One attempt is one POST; Temporal retries a
 * failed attempt (5xx, 408, 429, network error, timeout), and a delivery the receiver refuses
 * (other 4xx, a redirect) or a name the worker does not know fails for good.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { JobProgress } from '../src/job/messages';
import { JOB_FINISHED, jobFinishedEvent } from '../src/webhooks/jobFinishedEvent';
import { signWebhook } from '../src/webhooks/signature';

export interface NotifyWebhookInput {
  /** The webhook's name in the webhooks file (never a URL: that stays server-side). */
  webhook: string;
  progress: JobProgress;
}

/** One attempt's limit; Temporal's retry policy spaces the next one. */
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;

/** 408 and 429 ask to come back later; any other 4xx will not change on a retry. */
const retryableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

export function createNotifyWebhook(deps: ActivityDeps) {
  return async function notifyWebhook(input: NotifyWebhookInput): Promise<{ status: number }> {
    const { attempt } = Context.current().info;
    const hook = deps.webhooks.get(input.webhook);
    if (!hook) {
      throw ApplicationFailure.create({
        type: 'UnknownWebhook',
        message: `no webhook named "${input.webhook}" in this worker's webhooks file (NIGHTSHIFT_WEBHOOKS_FILE)`,
        nonRetryable: true,
      });
    }
    const event = jobFinishedEvent(input.progress);
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-nightshift-event': JOB_FINISHED,
      // The job id: the same on every attempt, so a receiver that saw it already can ignore a retry.
      'x-nightshift-delivery': event.job_id,
      'x-nightshift-timestamp': String(timestamp),
    };
    if (hook.secret !== null) headers['x-nightshift-signature'] = signWebhook(hook.secret, timestamp, body);
    const log = deps.logger.child({ job_id: event.job_id, webhook: input.webhook, attempt });

    let res: Response;
    try {
      // No redirects: the configured URL is the only address a delivery may reach.
      res = await fetch(hook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_ATTEMPT_TIMEOUT_MS) });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${WEBHOOK_ATTEMPT_TIMEOUT_MS} ms` : describe(err);
      log.warn({ reason }, 'webhook delivery failed');
      throw ApplicationFailure.create({ type: 'WebhookUnreachable', message: `webhook "${input.webhook}": ${reason}` });
    }
    const text = (await res.text().catch(() => '')).slice(0, 200);
    if (res.status >= 200 && res.status < 300) {
      log.info({ status: res.status }, 'webhook delivered');
      return { status: res.status };
    }
    const nonRetryable = !retryableStatus(res.status);
    log.warn({ status: res.status, body: text, nonRetryable }, 'webhook delivery refused');
    throw ApplicationFailure.create({
      type: nonRetryable ? 'WebhookRejected' : 'WebhookFailed',
      message: `webhook "${input.webhook}" answered HTTP ${res.status}${text ? `: ${text}` : ''}`,
      nonRetryable,
    });
  };
}

/** fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, ...) in `cause`; name it. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as Error & { code?: string }).code ?? err.cause.message}` : '';
  return `${err.message}${cause}`;
}
