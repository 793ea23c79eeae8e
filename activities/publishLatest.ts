/**
 * Moves a job's `latest` pointer to it, unless the pointer already names a newer run. A compare-
 * and-swap on the object's ETag (S3 conditional writes: If-Match, or If-None-Match: * for the
 * first write), so two runs finishing together cannot both win and an older run finishing last
 * leaves the newer one in place. Idempotent: a retried attempt writes the same record again.
 */
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { ActivityDeps } from './deps';
import { parseS3Url } from '../src/storage/s3Url';
import { LatestPointerSchema, supersedes, type LatestPointer } from '../src/schedule/latestPointer';

export interface PublishLatestInput {
  /** s3:// URL of the pointer object. */
  pointer: string;
  record: LatestPointer;
}

export interface PublishLatestResult {
  published: boolean;
  /** The job the pointer names afterwards. */
  current_job_id: string;
}

/** Lost races in a row before the attempt fails (Temporal then retries it). */
const MAX_SWAPS = 10;

const statusOf = (err: unknown): number | undefined => (err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined);

export function createPublishLatest(deps: ActivityDeps) {
  async function read(bucket: string, key: string): Promise<{ etag: string; record: LatestPointer | null } | null> {
    try {
      const res = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await res.Body?.transformToString()) ?? '';
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // Not ours, or hand-edited: replaced by a valid record.
      }
      const parsed = LatestPointerSchema.safeParse(json);
      return { etag: res.ETag ?? '', record: parsed.success ? parsed.data : null };
    } catch (err) {
      if (statusOf(err) === 404 || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  return async function publishLatest(input: PublishLatestInput): Promise<PublishLatestResult> {
    const { bucket, key } = parseS3Url(input.pointer);
    const log = deps.logger.child({ job_id: input.record.job_id, pointer: input.pointer });
    for (let swap = 0; swap < MAX_SWAPS; swap++) {
      const current = await read(bucket, key);
      if (current?.record && !supersedes(input.record, current.record)) {
        log.info({ newer: current.record.job_id, newer_time: current.record.scheduled_time }, 'latest pointer already names a newer run; left as is');
        return { published: false, current_job_id: current.record.job_id };
      }
      try {
        await deps.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: `${JSON.stringify(input.record, null, 2)}\n`,
            ContentType: 'application/json',
            ...(current ? { IfMatch: current.etag } : { IfNoneMatch: '*' }),
          }),
        );
        log.info({ scheduled_time: input.record.scheduled_time }, 'latest pointer moved');
        return { published: true, current_job_id: input.record.job_id };
      } catch (err) {
        // 412: another run wrote in between; 409: a concurrent conditional write is in progress. Read again.
        const status = statusOf(err);
        if (status !== 412 && status !== 409) throw err;
      }
    }
    throw new Error(`latest pointer ${input.pointer}: lost ${MAX_SWAPS} compare-and-swap races in a row`);
  };
}
