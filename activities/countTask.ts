/**
 * When a batch activity could not report its own failure (its worker died or it timed out on
 * the last attempt), the workflow asks the plan how many batches and items that task held.
 */
import type { ActivityDeps } from './deps';
import { jobLocation } from '../src/job/layout';
import { taskBatchCount, taskItemCount } from '../src/job/plan';
import { loadTask } from '../src/batch/planReader';
import type { BatchJobRef } from './predictBatch';

export function createCountTask(deps: ActivityDeps) {
  return async function countTask(input: { job: BatchJobRef; task: number }): Promise<{ batch: number; batches: number; items: number }> {
    const task = await loadTask(deps.s3, jobLocation(input.job.output_path, input.job.job_id), input.task, input.job.tasks_per_chunk);
    return { batch: task.batch, batches: taskBatchCount(task), items: taskItemCount(task) };
  };
}
