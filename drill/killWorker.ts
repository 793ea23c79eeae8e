/**
 * kill -9 the only worker twice during one job, starting a new one at once each time: the batches the
 * dead worker held are retried after their heartbeat timeout, and every item still lands exactly once.
 */
import type { Drill } from './drill';
import { DRILL_JOBS, partOutage, runProcessDrill } from './processDrill';

export const drill: Drill = {
  name: 'kill-worker',
  description: 'kill -9 the worker twice during one job (a new one started at once each time): succeeded, every item once',
  run: (opts) =>
    runProcessDrill({
      name: 'kill-worker',
      opts,
      shape: DRILL_JOBS[opts.size],
      expectRetries: true,
      inject: async (run) => {
        await partOutage(run, 'worker', { at: 0.25, downMs: 0, key: '1' });
        await partOutage(run, 'worker', { at: 0.6, downMs: 0, key: '2' });
      },
    }),
};
