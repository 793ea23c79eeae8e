/**
 * Builds a batch worker: workflows from `workflows/`, activities with their dependencies
 * injected (samples' `createActivities(deps)`). Any number of these can poll the same task
 * queue, on any hosts; a killed one is replaced by starting another.
 */
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Config } from '../config';
import { createActivities, type ActivityDeps } from '../../activities';
import type { Tracing } from '../temporal/tracing';
import { tracingWorkerOptions } from './workflowInterceptors';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests reuse one), built with `workflowInterceptorModules`; otherwise `workflows/` is bundled at start. */
  workflowBundle?: WorkflowBundle;
  taskQueue?: string;
  /** OpenTelemetry tracing (src/temporal/tracing.ts); null or absent = off. */
  tracing?: Tracing | null;
}

export async function createBatchWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const { config } = opts;
  return Worker.create({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue: opts.taskQueue ?? config.temporal.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../../workflows') }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: config.worker.maxActivities,
    // Cancellation reaches an activity only through a heartbeat: keep the throttle short.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: '10s',
    ...tracingWorkerOptions(opts.tracing ?? null, !opts.workflowBundle),
  });
}
