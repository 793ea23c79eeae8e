/**
 * Builds a batch worker: workflows from `workflows/`, activities with their dependencies
 * injected (samples' `createActivities(deps)`). Any number of these can poll the same task
 * queue, on any hosts; a killed one is replaced by starting another.
 */
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Config } from '../config';
import { createActivities, type ActivityDeps } from '../../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests reuse one); otherwise `workflows/` is bundled at start. */
  workflowBundle?: WorkflowBundle;
  taskQueue?: string;
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
    // Each recorded heartbeat is a billed action on Temporal Cloud, and a cancellation reaches an
    // activity only with a heartbeat's answer: a few seconds between them (docs/jobs.md).
    maxHeartbeatThrottleInterval: config.worker.heartbeatThrottleMs,
    defaultHeartbeatThrottleInterval: config.worker.heartbeatThrottleMs,
    shutdownGraceTime: '10s',
  });
}
