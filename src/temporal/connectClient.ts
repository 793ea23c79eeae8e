import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config';
import { connectionOptions } from './connectionOptions';
import type { Tracing } from './tracing';

/** A client (gateway, CLI, tests) for the configured namespace; with tracing, its workflow calls start the job's trace. */
export async function connectClient(cfg: Config['temporal'], tracing: Tracing | null = null): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(cfg));
  const interceptors = tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
  return new Client({ connection, namespace: cfg.namespace, interceptors });
}
