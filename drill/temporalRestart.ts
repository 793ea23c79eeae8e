/**
 * The Temporal dev server is killed mid-job and started again on the same database (its SQLite file
 * in the stack's data dir): the worker and the drill's client reconnect on their own, the job
 * continues from its recorded history, and every item lands exactly once.
 */
import type { Drill } from './drill';
import { DRILL_JOBS, partOutage, runProcessDrill } from './processDrill';

export const drill: Drill = {
  name: 'temporal-restart',
  description: 'kill -9 the Temporal dev server mid-job, start it again on the same database: succeeded, every item once',
  run: (opts) =>
    runProcessDrill({
      name: 'temporal-restart',
      opts,
      shape: DRILL_JOBS[opts.size],
      expectRetries: false,
      inject: (run) => partOutage(run, 'temporal', { at: 0.3, downMs: opts.size === 'full' ? 10_000 : 2_000 }),
    }),
};
