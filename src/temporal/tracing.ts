/**
 * Optional OpenTelemetry tracing of jobs (off unless an OTLP endpoint is configured):
 * `@temporalio/interceptors-opentelemetry` on the gateway's client (StartWorkflow, queries,
 * signals), in the workflow (RunWorkflow, StartActivity, ...) and around every activity
 * (RunActivity), linked through Temporal headers into one trace per job start. Spans go to
 * `<endpoint>/v1/traces` over OTLP/HTTP (protobuf), the standard collector port being 4318.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as otel from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export interface Tracing {
  readonly resource: Resource;
  /** What the worker hands to the workflow span sink (makeWorkflowExporter). */
  readonly spanProcessor: SpanProcessor;
  readonly tracer: otel.Tracer;
  /** Exports what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * The active span follows async calls (what `@opentelemetry/context-async-hooks` provides), so a
 * client call started inside a span carries that span in the headers it sends to Temporal.
 */
class AsyncLocalContextManager implements otel.ContextManager {
  private readonly storage = new AsyncLocalStorage<otel.Context>();
  active(): otel.Context {
    return this.storage.getStore() ?? otel.ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: otel.Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(context: otel.Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]): unknown => this.storage.run(context, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/**
 * Starts tracing for one process (`service` names it: nightshift-worker, nightshift-gateway), or
 * returns null when no endpoint is set. Registers the global tracer provider, W3C propagation and
 * the async context, which the Temporal interceptors read.
 */
export function startTracing(service: string, endpoint: string | null): Tracing | null {
  if (!endpoint) return null;
  const resource = new Resource({ 'service.name': service });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalContextManager() });
  return {
    resource,
    spanProcessor,
    tracer: provider.getTracer('nightshift'),
    shutdown: () => provider.shutdown(),
  };
}

/** The workflow span sink still needs a processor when tracing is off (the bundle always holds the interceptor). */
export const NO_TRACING = { resource: Resource.EMPTY, spanProcessor: new NoopSpanProcessor() } as const;
