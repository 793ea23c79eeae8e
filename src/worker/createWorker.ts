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
import { workerDeploymentOptions } from './workerDeployment';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** The workflow code; default: the bundle `npm run build` wrote (lib/workflow-bundle.js). */
  workflowBundle?: WorkflowBundleOption;
  taskQueue?: string;
}

/** The prebuilt bundle; bundling at start (webpack, seconds of CPU) only where the build made none. */
function workflowCode(given: WorkflowBundleOption | undefined): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (given) return { workflowBundle: given };
  if (existsSync(WORKFLOW_BUNDLE_PATH)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  return { workflowsPath: require.resolve('../../workflows') };
}

export async function createBatchWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const { config } = opts;
  return Worker.create({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue: opts.taskQueue ?? config.temporal.taskQueue,
    ...workflowCode(opts.workflowBundle),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: config.worker.maxActivities,
    // Cancellation reaches an activity only through a heartbeat: keep the throttle short.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: '10s',
    workerDeploymentOptions: workerDeploymentOptions(config.worker.deployment),
  });
}
