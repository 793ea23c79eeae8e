/**
 * Starts a `delimited_files` job straight on Temporal, as the gateway would (status and model search
 * attributes set), for benches that measure the job itself rather than the HTTP front.
 */
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Config } from '../src/config';
import { NightshiftModel, NightshiftStatus } from '../src/job/messages';
import type { batchJob } from '../workflows';

export function startBenchJob(
  client: Client,
  config: Config,
  job: { jobId: string; model: string; inputUrl: string; outputUrl: string; batchSize: number; parallelism: number },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof batchJob>> {
  return client.workflow.start<typeof batchJob>('batchJob', {
    workflowId: job.jobId,
    taskQueue: config.temporal.taskQueue,
    args: [
      {
        model: { name: job.model },
        input: { delimited_files: { s3_paths: [job.inputUrl], batch_size: job.batchSize } },
        output: { s3_path: job.outputUrl },
        parallelism: job.parallelism,
      },
    ],
    typedSearchAttributes: [
      { key: NightshiftStatus, value: 'planning' },
      { key: NightshiftModel, value: job.model },
    ],
  });
}
