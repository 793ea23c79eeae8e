/**
 * `GET /v1/jobs/{id}/results`: the manifest and a presigned GET URL for every part and error
 * file, a page at a time (a million-batch job has a million parts). Presigning is local signing
 * with the gateway's credentials, so the caller downloads from S3 directly and never needs them.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { manifestKey } from '../job/layout';
import { parseS3Url } from '../storage/s3Url';
import { JOB_STATUSES } from '../job/messages';
import type { JobResults, ManifestSummary } from './apiTypes';
import type { ResultsQuery } from './apiSchemas';
import { HttpError } from './errors';
import { readManifestJson } from './jobView';

const FileSchema = z.object({ key: z.string(), batch: z.number(), items: z.number(), bytes: z.number() });
const ManifestFilesSchema = z.looseObject({
  status: z.enum(JOB_STATUSES),
  error: z.string().nullable().default(null),
  items_total: z.number().nullable().default(null),
  items_succeeded: z.number().default(0),
  items_failed: z.number().default(0),
  batches_total: z.number().nullable().default(null),
  batches_succeeded: z.number().default(0),
  batches_failed: z.number().default(0),
  parts: z.array(FileSchema).default([]),
  error_files: z.array(FileSchema).default([]),
});

export interface ResultsDeps {
  s3: S3Client;
  /** The client whose endpoint goes into the URLs (NIGHTSHIFT_S3_PRESIGN_ENDPOINT). */
  presignS3: S3Client;
  expirySeconds: number;
}

/** A presigned GET of an `s3://` URL: the caller downloads from S3 directly, without credentials. */
export function presignGet(deps: ResultsDeps, url: string): Promise<string> {
  const loc = parseS3Url(url);
  return getSignedUrl(deps.presignS3, new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { expiresIn: deps.expirySeconds });
}

export async function jobResults(deps: ResultsDeps, jobId: string, outputPath: string, status: string, q: ResultsQuery): Promise<JobResults> {
  const { bucket, key: prefix } = parseS3Url(outputPath);
  const key = manifestKey({ bucket, prefix });
  const json = await readManifestJson(deps.s3, { bucket, prefix });
  if (json === undefined) {
    throw new HttpError('failed_precondition', `job "${jobId}" has no results yet (status ${status}); the manifest is written when the job ends`);
  }
  const parsed = ManifestFilesSchema.safeParse(json);
  if (!parsed.success) throw new Error(`s3://${bucket}/${key} is not a Nightshift manifest: ${parsed.error.message}`);
  const { parts, error_files: errorFiles, ...manifest } = parsed.data;

  const sign = (url: string) => presignGet(deps, url);
  // One sequence, parts then error files, paged by offset: the manifest is immutable once written.
  const offset = q.page_token ? Number(q.page_token) : 0;
  const all = parts.length + errorFiles.length;
  const end = Math.min(all, offset + q.limit);
  const page = async (files: z.infer<typeof FileSchema>[], from: number, to: number) =>
    Promise.all(files.slice(Math.max(0, from), Math.max(0, to)).map(async (f) => ({ ...f, url: await sign(f.key) })));
  return {
    job_id: jobId,
    status: parsed.data.status,
    manifest_path: `s3://${bucket}/${key}`,
    manifest_url: await sign(`s3://${bucket}/${key}`),
    manifest: manifest satisfies ManifestSummary,
    parts: await page(parts, offset, end),
    error_files: await page(errorFiles, offset - parts.length, end - parts.length),
    expires_at: new Date(Date.now() + deps.expirySeconds * 1000).toISOString(),
    next_page_token: end < all ? String(end) : null,
  };
}
