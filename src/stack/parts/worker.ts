import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { logHasMessage } from '../probes';
import { splitHostPort, type Config } from '../../config';
import type { PartSpec } from './part';
import { WORKER_PROCESS_ENV, workerNodeFlags } from '../../worker/memoryLimits';

/** The worker's own log says when it polls the task queue: that is the only outside sign of it. */
export const WORKER_READY_MESSAGE = 'worker running';

/**
 * The local stack's worker serves /metrics even though a worker's own default is off, as the model
 * server's admin endpoint does: NIGHTSHIFT_WORKER_METRICS_ADDR still moves it.
 */
export const LOCAL_WORKER_METRICS_ADDR = '127.0.0.1:9464';
export const stackWorkerMetricsAddr = (c: Config): string => c.worker.metricsAddr ?? LOCAL_WORKER_METRICS_ADDR;

/** One batch worker on the task queue; more can join with `npm run worker`. */
export const workerPart: PartSpec = {
  name: 'worker',
  address: (c) => `task queue ${c.temporal.taskQueue}, metrics http://${stackWorkerMetricsAddr(c)}/metrics`,
  listen: (c) => splitHostPort(stackWorkerMetricsAddr(c)),
  launch: ({ config }) => ({
    command: process.execPath,
    args: [...workerNodeFlags(config), join(REPO_ROOT, 'lib', 'src', 'worker', 'main.js')],
    env: { ...WORKER_PROCESS_ENV, NIGHTSHIFT_WORKER_METRICS_ADDR: stackWorkerMetricsAddr(config) },
  }),
  ready: ({ logFile }) => logHasMessage(logFile, WORKER_READY_MESSAGE),
  startupTimeoutMs: 60_000,
  restartHint: 'npm run worker',
};
