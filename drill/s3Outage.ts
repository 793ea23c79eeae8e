/**
 * The S3 server is killed mid-job, stays down (20 s; 5 s at small size) and comes back on the same
 * data: batch reads and writes fail meanwhile and are retried, the job succeeds, every item lands
 * exactly once and no part is half-written (the manifest's counts match the lines).
 */
import type { Drill } from './drill';
import { DRILL_JOBS, partOutage, runProcessDrill } from './processDrill';

export const drill: Drill = {
  name: 's3-outage',
  description: 'S3 server down for 20 s mid-job (5 s small), then back: succeeded, every item once, nothing half-written',
  run: (opts) =>
    runProcessDrill({
      name: 's3-outage',
      opts,
      shape: DRILL_JOBS[opts.size],
      expectRetries: false,
      inject: (run) => partOutage(run, 's3', { at: 0.3, downMs: opts.size === 'full' ? 20_000 : 5_000 }),
    }),
};
