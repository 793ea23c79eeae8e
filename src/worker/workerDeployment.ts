/**
 * The worker's Temporal Worker Deployment version (worker versioning). With a deployment name
 * set, the worker polls as `<deployment>.<build id>` and Temporal routes each job's workflow
 * tasks to the version it is pinned to (PINNED) or to the deployment's current version
 * (AUTO_UPGRADE). README "Operating Nightshift", "Deploying workers" says how to roll out and drain.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { WORKFLOW_BUNDLE_PATH } from './bundleWorkflows';

/**
 * `<package version>-<12 hex of the workflow bundle>`: two builds with the same workflow code get
 * the same id, and any change to the workflow code (the only thing versioning protects) a new one.
 */
export function defaultBuildId(bundlePath: string = WORKFLOW_BUNDLE_PATH): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  if (!existsSync(bundlePath)) throw new Error(`no workflow bundle at ${bundlePath} to derive a build id from: run npm run build, or set NIGHTSHIFT_WORKER_BUILD_ID`);
  return `${pkg.version}-${createHash('sha256').update(readFileSync(bundlePath)).digest('hex').slice(0, 12)}`;
}

export function workerDeploymentOptions(deployment: Config['worker']['deployment']): WorkerDeploymentOptions | undefined {
  if (!deployment) return undefined;
  return {
    useWorkerVersioning: true,
    version: { deploymentName: deployment.name, buildId: deployment.buildId ?? defaultBuildId() },
    defaultVersioningBehavior: deployment.behavior,
  };
}
