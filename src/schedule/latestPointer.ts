/**
 * The `latest` pointer (output.latest_pointer): one small JSON object naming the newest complete
 * result, so a consumer reads one key instead of listing dated folders. Runs are ordered by the
 * time they stand for (a scheduled run's scheduled time, else the job's creation), never by when
 * they finish: a backfilled or late run never moves the pointer backwards.
 */
import { z } from 'zod';

export const LatestPointerSchema = z.object({
  job_id: z.string(),
  /** The schedule that ran the job; null for a job submitted directly. */
  schedule_id: z.string().nullable(),
  /** RFC 3339 UTC: what the pointer is ordered by. */
  scheduled_time: z.string(),
  status: z.enum(['succeeded', 'completed_with_errors']),
  output_path: z.string(),
  manifest_path: z.string(),
  items_total: z.number().int().nullable(),
  items_succeeded: z.number().int(),
  items_failed: z.number().int(),
  finished_at: z.string().nullable(),
});
export type LatestPointer = z.infer<typeof LatestPointerSchema>;

/** Whether `next` may replace `current`: a later scheduled time, or the same time and job (a retried write). */
export function supersedes(next: LatestPointer, current: LatestPointer | null): boolean {
  if (current === null) return true;
  const a = Date.parse(next.scheduled_time);
  const b = Date.parse(current.scheduled_time);
  if (Number.isNaN(b) || a > b) return true;
  // Two jobs for one time (two schedules sharing a pointer): the larger job id wins, the same way everywhere.
  return a === b && next.job_id >= current.job_id;
}
