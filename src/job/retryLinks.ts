/**
 * When a retry job ends, the manifests of the jobs it completes learn of it: the job it retried
 * gets a `retried_by` entry, and that job and every job up the `retry_of` chain get a `completion`
 * summary counting their own parts plus the parts of the retries below them. Those jobs have
 * ended, so nothing else writes their manifests; each write is recomputed from what the manifests
 * hold, so repeating it (an activity retry) changes nothing.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText, putObject } from '../storage/s3';
import { jobLocation, manifestKey } from './layout';
import type { JobStatus } from './messages';

export interface RetriedBy {
  job_id: string;
  status: JobStatus;
  manifest_path: string;
  items_succeeded: number;
  items_failed: number;
}

export interface Completion {
  items_total: number;
  /** Items with a result line in this job's parts and in the parts of its retries. */
  items_in_parts: number;
  items_missing: number;
  complete: boolean;
}

/** The fields of a manifest this module reads; the rest is kept as it is. */
interface LinkedManifest {
  items_total: number | null;
  items_in_parts: number;
  spec?: { retry_of?: string };
  retried_by?: RetriedBy[];
  completion?: Completion;
  [field: string]: unknown;
}

/** A chain longer than this is a loop in hand-edited manifests, not a real chain of retries. */
const MAX_CHAIN = 100;

export async function linkRetry(
  s3: S3Client,
  outputPath: string,
  retryOf: string,
  retry: RetriedBy & { items_in_parts: number },
): Promise<void> {
  const { items_in_parts: retryInParts, ...entry } = retry;
  let below = retryInParts;
  let jobId: string | undefined = retryOf;
  for (let depth = 0; jobId !== undefined && depth < MAX_CHAIN; depth++) {
    const loc = jobLocation(outputPath, jobId);
    const key = manifestKey(loc);
    let text: string;
    try {
      text = await getObjectText(s3, loc.bucket, key);
    } catch (err) {
      // A job with no manifest (started around the gateway, or its files removed) has nothing to complete.
      if ((err as { name?: string }).name === 'NoSuchKey') return;
      throw err;
    }
    const m = JSON.parse(text) as LinkedManifest;
    if (depth === 0) m.retried_by = [...(m.retried_by ?? []).filter((r) => r.job_id !== entry.job_id), entry];
    const total = m.items_total ?? 0;
    const inParts = m.items_in_parts + below;
    m.completion = { items_total: total, items_in_parts: inParts, items_missing: Math.max(0, total - inParts), complete: inParts === total };
    await putObject(s3, loc.bucket, key, `${JSON.stringify(m, null, 2)}\n`, { contentType: 'application/json' });
    below += m.items_in_parts;
    jobId = m.spec?.retry_of;
  }
}
