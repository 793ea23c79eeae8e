/**
 * Two workers share the job; the one holding its batches is killed with SIGKILL and not replaced: the
 * survivor takes over the job's workflow tasks and, after their heartbeat timeout, the dead one's
 * batches, and every item lands exactly once.
 */
import type { RunningPart } from '../src/stack/stack';
import type { Drill } from './drill';
import { DRILL_JOBS, partOutage, runProcessDrill, type FaultRun } from './processDrill';

/**
 * The worker running most of the job's batch attempts now (a worker's identity is `<pid>@<host>`).
 * Activities go eagerly to the worker that scheduled them, so one worker may hold them all: killing
 * the idle one would prove nothing.
 */
async function busiestWorker(run: FaultRun): Promise<RunningPart> {
  const workers = run.stack.parts.filter((p) => p.name === 'worker' && p.alive());
  const { raw } = await run.client.workflow.getHandle(run.jobId).describe();
  const held = new Map<RunningPart, number>();
  for (const a of raw.pendingActivities ?? []) {
    const pid = Number(a.lastWorkerIdentity?.split('@')[0]);
    const w = workers.find((x) => x.pid === pid);
    if (w) held.set(w, (held.get(w) ?? 0) + 1);
  }
  const [busiest] = [...held].sort((a, b) => b[1] - a[1]);
  run.log(`batches in flight by worker pid: ${workers.map((w) => `${String(w.pid)}: ${held.get(w) ?? 0}`).join(', ')}`);
  return busiest?.[0] ?? workers[workers.length - 1]!;
}

export const drill: Drill = {
  name: 'two-workers',
  description: 'two workers, kill -9 the one holding batches mid-job, no replacement: succeeded, every item once',
  run: (opts) =>
    runProcessDrill({
      name: 'two-workers',
      opts,
      shape: DRILL_JOBS[opts.size],
      extraWorkers: 1,
      expectRetries: true,
      inject: (run) => partOutage(run, 'worker', { at: 0.3, downMs: 0, restart: false, pick: busiestWorker }),
    }),
};
