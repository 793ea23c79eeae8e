/** The body of a `job.finished` webhook delivery: the manifest's summary, built from the final progress. */
import type { JobProgress, JobStatus } from '../job/messages';

export const JOB_FINISHED = 'job.finished';

export interface JobFinishedEvent {
  event: typeof JOB_FINISHED;
  job_id: string;
  status: JobStatus;
  items_total: number | null;
  items_succeeded: number;
  items_failed: number;
  batches_total: number | null;
  batches_failed: number;
  /** From the start of the batches to the end, as `timings.duration_s` in the manifest; null if never started. */
  duration_s: number | null;
  throughput_items_per_s: number | null;
  output_path: string;
  manifest_path: string | null;
  finished_at: string | null;
}

export function jobFinishedEvent(p: JobProgress): JobFinishedEvent {
  const started = p.started_at ? Date.parse(p.started_at) : null;
  const finished = p.finished_at ? Date.parse(p.finished_at) : null;
  return {
    event: JOB_FINISHED,
    job_id: p.job_id,
    status: p.status,
    items_total: p.items_total,
    items_succeeded: p.items_succeeded,
    items_failed: p.items_failed,
    batches_total: p.batches_total,
    batches_failed: p.batches_failed,
    duration_s: started !== null && finished !== null ? (finished - started) / 1000 : null,
    throughput_items_per_s: p.throughput_items_per_s,
    output_path: p.output_path,
    manifest_path: p.manifest_path,
    finished_at: p.finished_at,
  };
}
