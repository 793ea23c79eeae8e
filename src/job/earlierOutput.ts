/**
 * A job id names an output prefix. Parts left there by an earlier job of the same id would mix
 * with this job's parts (a batch number the new plan does not reach keeps the old part), so a
 * job refuses such a prefix unless told to clear it (`output.overwrite: true`). Only parts and
 * error parts count: planning writes `_plan/` itself, so a retried planning finds no parts and
 * goes on; `_input/` may hold the list the gateway staged for this very job and is kept.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { deleteObject, listObjects } from '../storage/s3';
import { mapLimit } from '../batch/mapLimit';
import type { JobLocation } from './layout';

const DELETE_CONCURRENCY = 16;

/** The first part or error part under the job's prefix, or undefined when it holds none. */
export async function earlierOutputKey(s3: S3Client, loc: JobLocation, signal?: AbortSignal): Promise<string | undefined> {
  for (const prefix of [`${loc.prefix}part-`, `${loc.prefix}errors/part-`]) {
    for await (const o of listObjects(s3, loc.bucket, prefix, signal)) return o.key;
  }
  return undefined;
}

/** Deletes what an earlier job wrote under the prefix (parts, errors, plan, manifest); keeps `_input/`. Returns the count. */
export async function clearJobOutput(s3: S3Client, loc: JobLocation, signal?: AbortSignal, onProgress?: (deleted: number) => void): Promise<number> {
  const staged = `${loc.prefix}_input/`;
  let deleted = 0;
  let page: string[] = [];
  const flush = async (): Promise<void> => {
    await mapLimit(page, DELETE_CONCURRENCY, (key) => deleteObject(s3, loc.bucket, key, signal));
    deleted += page.length;
    page = [];
    onProgress?.(deleted);
  };
  for await (const o of listObjects(s3, loc.bucket, loc.prefix, signal)) {
    if (o.key.startsWith(staged)) continue;
    page.push(o.key);
    if (page.length === 1000) await flush();
  }
  await flush();
  return deleted;
}
