import type { JobView } from '../gateway/jobView';
import type { CommandContext } from './context';
import { followJob } from './followJob';
import { progressReporter } from './progress';

/** Follows a job to its end with live progress on stderr (`submit --wait`, `retry-failed --wait`, `status --watch`). */
export async function waitForJob(ctx: CommandContext, jobId: string, intervalMs: number): Promise<JobView> {
  const progress = progressReporter(ctx);
  try {
    return await followJob(ctx.client, jobId, (view) => progress.update(view), { intervalMs });
  } finally {
    progress.stop();
  }
}

/** `job <id> <status>: <n> items -> <output>`, the last line of a wait. */
export function finalLine(view: JobView): string {
  const done = view.items_succeeded + view.items_failed;
  const failed = view.items_failed ? ` (${view.items_failed.toLocaleString('en-US')} failed)` : '';
  return `job ${view.job_id} ${view.status}: ${done} items${failed} -> ${view.output_path}`;
}
