/**
 * Builds a batch worker: workflows from `workflows/`, activities with their dependencies
 * injected (samples' `createActivities(deps)`). Any number of these can poll the same task
 * queue, on any hosts; a killed one is replaced by starting another.
 */
import { existsSync } from 'node:fs';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { Config } from '../config';
import { createActivities, type ActivityDeps } from '../../activities';
import { WORKFLOW_BUNDLE_PATH } from './bundleWorkflows';
import type { Tracing } from '../temporal/tracing';
import { tracingWorkerOptions } from './workflowInterceptors';
import { workerDeploymentOptions } from './workerDeployment';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** The workflow code; default: the bundle `npm run build` wrote (lib/workflow-bundle.js). */
  workflowBundle?: WorkflowBundleOption;
  taskQueue?: string;
  /** OpenTelemetry tracing (src/temporal/tracing.ts); null or absent = off. */
  tracing?: Tracing | null;
}

/** The prebuilt bundle; bundling at start (webpack, seconds of CPU) only where the build made none. */
function workflowCode(given: WorkflowBundleOption | undefined): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (given) return { workflowBundle: given };
  if (existsSync(WORKFLOW_BUNDLE_PATH)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  return { workflowsPath: require.resolve('../../workflows') };
}

export async function createBatchWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const code = workflowCode(opts.workflowBundle);
  return Worker.create({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue: opts.taskQueue ?? config.temporal.taskQueue,
    ...code,
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: config.worker.maxActivities,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    // A cancellation reaches an activity only with a heartbeat's answer, and batches call heartbeat()
    // every second: the throttle is how long a cancel may wait (1 s default: aborted within 2 s,
    // bench/cancel.ts). Each recorded heartbeat is a billed action on Temporal Cloud (docs/jobs.md).
    maxHeartbeatThrottleInterval: config.worker.heartbeatThrottleMs,
    defaultHeartbeatThrottleInterval: config.worker.heartbeatThrottleMs,
    shutdownGraceTime: '10s',
    ...tracingWorkerOptions(opts.tracing ?? null, 'workflowsPath' in code),
    workerDeploymentOptions: workerDeploymentOptions(config.worker.deployment),
  });
}
