/**
 * A batch counted as failed has no part: whatever an earlier attempt (or a zombie of this one)
 * wrote for it is removed when the batch fails for good, so the manifest and the parts agree.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { deleteObject } from '../storage/s3';
import { errorPartKey, partKey, type JobLocation } from '../job/layout';
import { mapLimit } from './mapLimit';

const DELETE_CONCURRENCY = 8;

export async function removeBatchParts(s3: S3Client, loc: JobLocation, batches: readonly number[], keyWidth?: number): Promise<void> {
  const keys = batches.flatMap((b) => [partKey(loc, b, keyWidth), errorPartKey(loc, b, keyWidth)]);
  await mapLimit(keys, DELETE_CONCURRENCY, (key) => deleteObject(s3, loc.bucket, key));
}
