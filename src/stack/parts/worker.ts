import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { logHasMessage } from '../probes';
import type { PartSpec } from './part';

/** The worker's own log says when it polls the task queue: that is the only outside sign of it. */
export const WORKER_READY_MESSAGE = 'worker running';

/** One batch worker on the task queue; more can join with `npm run worker`. */
export const workerPart: PartSpec = {
  name: 'worker',
  address: (c) => `task queue ${c.temporal.taskQueue}`,
  listen: () => undefined,
  launch: () => ({ command: process.execPath, args: [join(REPO_ROOT, 'lib', 'src', 'worker', 'main.js')] }),
  ready: ({ logFile }) => logHasMessage(logFile, WORKER_READY_MESSAGE),
  startupTimeoutMs: 60_000,
  restartHint: 'npm run worker',
};
