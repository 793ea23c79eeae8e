/**
 * The S3 server is killed mid-job, stays down 20 s (at both sizes: longer than the default 5 attempts'
 * backoff of about 15 s, so batches that spent an attempt per failed request would fail) and comes
 * back on the same data: batches wait for it within their stall limit, the job succeeds, every item
 * lands exactly once and no part is half-written (the manifest's counts match the lines).
 */
import type { Drill } from './drill';
import { DRILL_JOBS, partOutage, runProcessDrill } from './processDrill';

export const drill: Drill = {
  name: 's3-outage',
  description: 'S3 server down for 20 s mid-job, then back: succeeded, every item once, nothing half-written',
  run: (opts) =>
    runProcessDrill({
      name: 's3-outage',
      opts,
      shape: DRILL_JOBS[opts.size],
      expectRetries: false,
      inject: (run) => partOutage(run, 's3', { at: 0.3, downMs: 20_000 }),
    }),
};
