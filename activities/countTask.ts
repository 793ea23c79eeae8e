/**
 * When a batch activity could not report its own failure (its worker died or it timed out on
 * the last attempt), the workflow asks the plan how many batches and items that task held. The
 * workflow counts all of them failed, so any part an attempt wrote for them is removed here.
 */
import type { ActivityDeps } from './deps';
import { jobLocation } from '../src/job/layout';
import { taskBatchCount, taskBatches, taskItemCount } from '../src/job/plan';
import { removeBatchParts } from '../src/batch/removeParts';
import { loadTask } from '../src/batch/planReader';
import type { BatchJobRef } from './predictBatch';

export function createCountTask(deps: ActivityDeps) {
  return async function countTask(input: { job: BatchJobRef; task: number }): Promise<{ batch: number; batches: number; items: number }> {
    const loc = jobLocation(input.job.output_path, input.job.job_id);
    const task = await loadTask(deps.s3, loc, input.task, input.job.tasks_per_chunk);
    await removeBatchParts(deps.s3, loc, taskBatches(task), input.job.part_key_width);
    return { batch: task.batch, batches: taskBatchCount(task), items: taskItemCount(task) };
  };
}
