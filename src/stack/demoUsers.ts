import type { S3Client } from '@aws-sdk/client-s3';
import { putObject } from '../storage/s3';

/**
 * Writes `users` JSON-lines records `{"user_id": N}` (N = 1..users, all known to the recommender)
 * split over `files` objects under `prefix`. Keys are fixed, so a rerun overwrites the same sample.
 */
export async function uploadDemoUsers(
  s3: S3Client,
  bucket: string,
  prefix: string,
  opts: { users: number; files: number },
): Promise<string[]> {
  const perFile = Math.ceil(opts.users / opts.files);
  const keys: string[] = [];
  for (let f = 0; f < opts.files; f++) {
    const first = f * perFile + 1;
    const last = Math.min(opts.users, first + perFile - 1);
    const lines: string[] = [];
    for (let id = first; id <= last; id++) lines.push(JSON.stringify({ user_id: id }));
    const key = `${prefix}users-${String(f).padStart(3, '0')}.jsonl`;
    await putObject(s3, bucket, key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
    keys.push(key);
  }
  return keys;
}
