/**
 * What the worker adds around workflows and activities for tracing. The workflow interceptor is
 * always in the workflow bundle (bundling happens before any config is read, e.g. at build time),
 * so a job replays the same wherever it moves; with tracing off its spans go to a no-op processor.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NO_TRACING, type Tracing } from '../temporal/tracing';

/** Modules every workflow bundle must include (`bundleWorkflowCode({ workflowInterceptorModules })`). */
export const workflowInterceptorModules: string[] = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/**
 * Interceptors and the workflow span sink for `Worker.create`. `bundling`: the worker bundles
 * `workflows/` itself at start and needs the modules named (a prebuilt bundle already holds them).
 */
export function tracingWorkerOptions(tracing: Tracing | null, bundling: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const sink = tracing ?? NO_TRACING;
  return {
    interceptors: {
      ...(bundling ? { workflowModules: workflowInterceptorModules } : {}),
      activity: tracing
        ? [
            (ctx) => ({
              inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
              outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
            }),
          ]
        : [],
    },
    sinks: { exporter: makeWorkflowExporter(sink.spanProcessor, sink.resource) },
  };
}
