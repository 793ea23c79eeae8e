import type { S3Client } from '@aws-sdk/client-s3';
import { putObject } from '../storage/s3';
import { RECOMMENDER_DEFAULTS } from '../model-server/generateModels';

/** The bundled recommender knows users 0..99,999 (RECOMMENDER_DEFAULTS.numUsers); larger samples repeat ids. */
const KNOWN_USERS = RECOMMENDER_DEFAULTS.numUsers;

/** The user id of the n-th record (1-based): n itself up to 99,999, then the ids again from 1. */
export const demoUserId = (n: number): number => ((n - 1) % (KNOWN_USERS - 1)) + 1;

/**
 * Writes `users` JSON-lines records `{"user_id": demoUserId(n)}` (n = 1..users, every id known to the
 * recommender) split over `files` objects under `prefix`. Keys are fixed, so a rerun overwrites the same sample.
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
    for (let n = first; n <= last; n++) lines.push(JSON.stringify({ user_id: demoUserId(n) }));
    const key = `${prefix}users-${String(f).padStart(3, '0')}.jsonl`;
    await putObject(s3, bucket, key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
    keys.push(key);
  }
  return keys;
}
