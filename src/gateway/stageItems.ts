/**
 * Large inline item lists go to S3 before the workflow starts: Temporal payloads are capped
 * (2 MB by default) and workflow inputs must not carry bulk data.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { INLINE_ITEMS_MAX_BYTES, type ResolvedJobSpec } from '../job/spec';
import { jobLocation, stagedItemsKey } from '../job/layout';
import { putObject } from '../storage/s3';
import { formatS3Url } from '../storage/s3Url';
import { HttpError, invalidFields } from './errors';

/** Each item as one JSON line, and the byte size the list has as one JSON array (what the workflow input would carry). */
function jsonLines(items: unknown[]): { lines: string[]; arrayBytes: number } {
  const lines = items.map((item) => JSON.stringify(item));
  const arrayBytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 2 + Math.max(0, lines.length - 1));
  return { lines, arrayBytes };
}

/**
 * Returns the spec the workflow gets: unchanged when its items are small or it has none, else
 * with `items_s3_path` pointing at a JSON-lines object (one item per line) in place of `items`.
 */
export async function stageLargeItemList(s3: S3Client, spec: ResolvedJobSpec): Promise<ResolvedJobSpec> {
  if (!('item_list' in spec.input) || spec.input.item_list.items === undefined) return spec;
  const { items, batch_size } = spec.input.item_list;
  const { lines, arrayBytes } = jsonLines(items);
  if (arrayBytes <= INLINE_ITEMS_MAX_BYTES) return spec;

  const loc = jobLocation(spec.output.s3_path, spec.job_id);
  const key = stagedItemsKey(loc);
  try {
    await putObject(s3, loc.bucket, key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchBucket') {
      throw invalidFields([{ field: 'output.s3_path', reason: `bucket "${loc.bucket}" does not exist` }]);
    }
    if (name === 'AccessDenied') {
      throw invalidFields([{ field: 'output.s3_path', reason: `access denied writing to bucket "${loc.bucket}"` }]);
    }
    throw new HttpError('unavailable', `cannot stage the item list to S3: ${name ?? 'Error'}: ${(err as Error).message}`);
  }
  return {
    ...spec,
    input: { item_list: { items_s3_path: formatS3Url({ bucket: loc.bucket, key }), batch_size } },
  };
}
