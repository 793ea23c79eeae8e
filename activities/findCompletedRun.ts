/**
 * Whether a scheduled time already ran to completion: its job id (schedule id + time) is fixed,
 * so its manifest sits at a fixed key. Temporal lets a schedule start a closed workflow id again
 * (a backfill over a night that ran); that run then reports the earlier result instead of
 * computing and writing it twice. A night that failed or was cancelled runs again.
 */
import { z } from 'zod';
import type { ActivityDeps } from './deps';
import { jobLocation, manifestKey } from '../src/job/layout';
import { getObjectText, headObject } from '../src/storage/s3';

export interface FindCompletedRunInput {
  output_path: string;
  job_id: string;
}

const count = z.number().int().nonnegative();
const CompletedManifestSchema = z.object({
  status: z.enum(['succeeded', 'completed_with_errors']),
  items_total: count.nullable(),
  items_succeeded: count,
  items_failed: count,
  batches_total: count.nullable(),
  batches_succeeded: count,
  batches_failed: count,
  timings: z.object({ started_at: z.string().nullable(), finished_at: z.string().nullable() }),
});

export type CompletedRun = z.infer<typeof CompletedManifestSchema> & { manifest_path: string };

export function createFindCompletedRun(deps: ActivityDeps) {
  return async function findCompletedRun(input: FindCompletedRunInput): Promise<CompletedRun | null> {
    const loc = jobLocation(input.output_path, input.job_id);
    const key = manifestKey(loc);
    if (!(await headObject(deps.s3, loc.bucket, key))) return null;
    let json: unknown;
    try {
      json = JSON.parse(await getObjectText(deps.s3, loc.bucket, key));
    } catch {
      return null; // unreadable: run again, which writes a good one
    }
    const parsed = CompletedManifestSchema.safeParse(json);
    if (!parsed.success) return null; // failed, cancelled or timed out: run again
    deps.logger.info({ job_id: input.job_id, status: parsed.data.status }, 'scheduled time already ran; reporting that run');
    return { ...parsed.data, manifest_path: `s3://${loc.bucket}/${key}` };
  };
}
