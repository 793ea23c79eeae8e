/**
 * Every line an activity writes names the job and the attempt it belongs to, so one batch's story
 * can be read from merged worker logs with a single filter. Built once per attempt from the
 * activity's own context, and handed to the activity as its `deps.logger`, so helpers the activity
 * calls with its deps log with the same fields without knowing about Temporal.
 */
import { Context } from '@temporalio/activity';
import { trace } from '@opentelemetry/api';
import type { Logger } from '../src/logger';

export function attemptLogger(base: Logger): Logger {
  const info = Context.current().info;
  const workflowId = info.workflowExecution?.workflowId ?? null;
  // With tracing on (src/temporal/tracing.ts), the attempt runs in its RunActivity span: name it, so a log line leads to its trace.
  const span = trace.getActiveSpan()?.spanContext();
  return base.child({
    // A job's id is its workflow's id; both are named so a search by either finds the line.
    job_id: workflowId,
    workflow_id: workflowId,
    run_id: info.workflowExecution?.runId ?? null,
    activity_id: info.activityId,
    activity_type: info.activityType,
    attempt: info.attempt,
    ...(span ? { trace_id: span.traceId, span_id: span.spanId } : {}),
  });
}
