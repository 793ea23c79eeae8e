/**
 * `POST /v1/jobs/{id}/retry-failed`, the part before the submit: from a finished job's manifest,
 * the spec of the job that runs again only what that job's output lacks (`docs/jobs.md`,
 * "Retrying what failed"). The retry has a fixed id, `<id>-retry`, so asking twice is one retry.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { isFinal, JOB_STATUSES } from '../job/messages';
import { JOB_ID_PATTERN, JobSpecSchema, type ResolvedJobSpec } from '../job/spec';
import { parseS3Url } from '../storage/s3Url';
import { HttpError } from './errors';
import { getJobView, readManifestJson, type JobViewDeps } from './jobView';

/** A retry job's spec: the original's resolved spec with its own id and the link back. */
export type RetryJobSpec = ResolvedJobSpec & { retry_of: string };

export const retryJobId = (jobId: string): string => `${jobId}-retry`;

/** What the decision needs from manifest.json; the spec is checked by the job schema itself. */
const ManifestSchema = z.object({
  status: z.enum(JOB_STATUSES),
  items_total: z.number().int().nullable(),
  items_in_parts: z.number().int(),
  plan: z.object({}).passthrough().nullable(),
  completion: z.object({ complete: z.boolean() }).optional(),
  spec: z.unknown(),
});

const conflict = (message: string): HttpError => new HttpError('failed_precondition', message);

/**
 * The retry's spec, or a 409 saying why there is nothing to retry. With `retryExists` (the retry
 * job was already started) only the spec is rebuilt, so the caller's submit answers with that job.
 */
export function retrySpecFor(manifest: unknown, jobId: string, opts: { retryExists?: boolean } = {}): RetryJobSpec {
  const parsed = ManifestSchema.safeParse(manifest);
  if (!parsed.success) throw conflict(`job ${jobId} has no readable manifest`);
  const m = parsed.data;
  const retryId = retryJobId(jobId);
  if (!opts.retryExists) {
    if (!isFinal(m.status)) throw conflict(`job ${jobId} is ${m.status}; only a finished job can be retried`);
    if (m.status === 'succeeded') throw conflict(`job ${jobId} succeeded; nothing failed`);
    if (m.plan === null) throw conflict(`job ${jobId} ended before it was planned; submit it again instead`);
    if (m.completion?.complete || (m.items_total !== null && m.items_in_parts >= m.items_total)) {
      throw conflict(`job ${jobId} has a result for every item; nothing to retry`);
    }
    if (!JOB_ID_PATTERN.test(retryId)) throw conflict(`job id ${jobId} is too long to name its retry ${retryId}`);
  }
  const spec = JobSpecSchema.safeParse(m.spec);
  if (!spec.success) throw conflict(`the spec in job ${jobId}'s manifest does not parse`);
  // The pointer is ordered by the time a run stands for; a retry finishing later must not move it (docs/schedules.md).
  const { latest_pointer: _pointer, publish_with_errors: _publish, ...output } = spec.data.output;
  return { ...spec.data, output, job_id: retryId, retry_of: jobId };
}

/** Reads job `jobId` (404 when unknown) and its manifest, and returns the retry's spec (409 when there is none). */
export async function retryFailedSpec(deps: JobViewDeps, jobId: string): Promise<RetryJobSpec> {
  const view = await getJobView(deps, jobId);
  if (!isFinal(view.status)) throw conflict(`job ${jobId} is ${view.status}; only a finished job can be retried`);
  if (!view.output_path) throw conflict(`job ${jobId} has no known output path`);
  const { bucket, key } = parseS3Url(view.output_path);
  const manifest = await readManifestJson(deps.s3, { bucket, prefix: key });
  if (manifest === undefined) throw conflict(`job ${jobId} has no manifest at ${view.output_path}manifest.json`);
  return retrySpecFor(manifest, jobId, { retryExists: await jobExists(deps, retryJobId(jobId)) });
}

async function jobExists(deps: JobViewDeps, jobId: string): Promise<boolean> {
  try {
    await deps.temporal.workflow.getHandle(jobId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
