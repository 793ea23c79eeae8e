/**
 * `GET /v1/jobs/{id}/timeline`: what the jobs page draws beside the progress. Throughput over
 * time and the failed batches come from the workflow's `timeline` query (or, once no worker can
 * answer it, from manifest.json); item errors come from the job's `errors/` files in S3, each
 * with a presigned link and the first error it holds.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { timelineQuery, type JobTimeline } from '../job/messages';
import { throughputPoints } from '../job/throughputSeries';
import { getObjectBytes, listObjects } from '../storage/s3';
import { parseS3Url } from '../storage/s3Url';
import type { Logger } from '../logger';
import type { JobTimelineView, TimelineFailure } from './apiTypes';
import { jobNotFound } from './errors';
import { presignGet, type ResultsDeps } from './jobResults';
import { MemoSchema, readManifestJson } from './jobView';

/** Rows of the failures table; the rest are counted in failures_omitted. */
export const MAX_FAILURE_ROWS = 100;
/** Error files whose first line is read for its code and message (one small ranged GET each). */
const ERROR_FILES_READ = 20;
const FIRST_LINE_BYTES = 4096;
/** Errors files looked at per request (one LIST page): the page polls this, so a job with 100,000 of them costs the same. */
const ERROR_FILES_LISTED = 1000;

export interface TimelineDeps extends ResultsDeps {
  temporal: Client;
  logger: Logger;
  queryTimeoutMs: number;
}

const count = z.number().int().nonnegative();
const FailureSchema = z.object({ batch: count, code: z.string(), message: z.string() });
/** The manifest's copy of the timeline (manifests of older jobs have no `throughput`). */
const ManifestTimelineSchema = z.object({
  throughput: z.object({ start_ms: z.number(), bucket_s: z.number().positive(), items: z.array(z.number()) }).nullable().default(null),
  failed_batches: z.array(FailureSchema).default([]),
  failed_batches_omitted: count.default(0),
});
const ErrorLineSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const ERROR_PART = /^part-(\d+)\.jsonl$/;

async function readTimeline(deps: TimelineDeps, jobId: string, outputPath: string): Promise<{ timeline: JobTimeline | null; source: JobTimelineView['source'] }> {
  const handle = deps.temporal.workflow.getHandle(jobId);
  try {
    const timeline = await deps.temporal.withDeadline(Date.now() + deps.queryTimeoutMs, () => handle.query(timelineQuery));
    return { timeline, source: 'workflow' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw jobNotFound(jobId);
    // No worker to answer, or a job of code from before the query existed: the manifest keeps the same.
    deps.logger.debug({ err, jobId }, 'timeline query failed; answering from the manifest');
  }
  if (!outputPath) return { timeline: null, source: 'none' };
  const { bucket, key } = parseS3Url(outputPath);
  const json = await readManifestJson(deps.s3, { bucket, prefix: key }).catch(() => undefined);
  const parsed = ManifestTimelineSchema.safeParse(json);
  return parsed.success && json !== undefined ? { timeline: parsed.data, source: 'manifest' } : { timeline: null, source: 'none' };
}

/** The first error an errors/ file holds, or null when it cannot be read. */
async function firstError(s3: S3Client, bucket: string, key: string): Promise<{ code: string; message: string } | null> {
  try {
    const head = (await getObjectBytes(s3, bucket, key, { start: 0, end: FIRST_LINE_BYTES })).toString('utf8');
    const line = head.split('\n', 1)[0] ?? '';
    const parsed = ErrorLineSchema.safeParse(JSON.parse(line));
    return parsed.success ? { code: parsed.data.error.code, message: parsed.data.error.message } : null;
  } catch {
    return null; // a first line longer than FIRST_LINE_BYTES, or the file went away: the link still says where it is
  }
}

export async function jobTimeline(deps: TimelineDeps, jobId: string, d: WorkflowExecutionDescription): Promise<JobTimelineView> {
  const memo = MemoSchema.safeParse(d.memo ?? {});
  const outputPath = (memo.success ? memo.data.output_path : undefined) ?? '';
  const { timeline, source } = await readTimeline(deps, jobId, outputPath);

  // Item errors: one errors/part-<batch>.jsonl per batch with failed items.
  const errorFiles: { batch: number; key: string; bytes: number }[] = [];
  let errorFilesMore = 0;
  const { bucket, key: prefix } = outputPath ? parseS3Url(outputPath) : { bucket: '', key: '' };
  if (outputPath) {
    for await (const o of listObjects(deps.s3, bucket, `${prefix}errors/`)) {
      const m = ERROR_PART.exec(o.key.slice(prefix.length + 'errors/'.length));
      if (!m) continue;
      if (errorFiles.length < MAX_FAILURE_ROWS) errorFiles.push({ batch: Number(m[1]), key: o.key, bytes: o.size });
      else if (errorFiles.length + ++errorFilesMore >= ERROR_FILES_LISTED) break;
    }
  }
  const fileOf = new Map(errorFiles.map((f) => [f.batch, f]));
  const link = async (f: { key: string; bytes: number } | undefined): Promise<TimelineFailure['error_file']> =>
    f ? { key: `s3://${bucket}/${f.key}`, bytes: f.bytes, url: await presignGet(deps, `s3://${bucket}/${f.key}`) } : null;

  const failedBatches = timeline?.failed_batches ?? [];
  const failedSet = new Set(failedBatches.map((f) => f.batch));
  const rows: TimelineFailure[] = [];
  for (const f of failedBatches.slice(0, MAX_FAILURE_ROWS)) {
    rows.push({ batch: f.batch, code: f.code, message: f.message, kind: 'batch', error_file: await link(fileOf.get(f.batch)) });
  }
  const itemFiles = errorFiles.filter((f) => !failedSet.has(f.batch)).slice(0, Math.max(0, MAX_FAILURE_ROWS - rows.length));
  const itemRows = await Promise.all(
    itemFiles.map(async (f, i): Promise<TimelineFailure> => {
      const first = i < ERROR_FILES_READ ? await firstError(deps.s3, bucket, f.key) : null;
      return { batch: f.batch, code: first?.code ?? 'ITEM_ERRORS', message: first?.message ?? 'items failed; see the errors file', kind: 'items', error_file: await link(f) };
    }),
  );
  rows.push(...itemRows);
  const listedFiles = errorFiles.filter((f) => !failedSet.has(f.batch)).length;
  const omitted =
    (timeline?.failed_batches_omitted ?? 0) + Math.max(0, failedBatches.length - MAX_FAILURE_ROWS) + (listedFiles - itemFiles.length) + errorFilesMore;

  const series = timeline?.throughput ?? null;
  const nowMs = d.closeTime ? d.closeTime.getTime() : Date.now();
  return {
    job_id: jobId,
    source,
    bucket_s: series?.bucket_s ?? null,
    throughput: series ? throughputPoints(series, nowMs) : [],
    failures: rows.sort((a, b) => a.batch - b.batch),
    failures_omitted: omitted,
    expires_at: new Date(Date.now() + deps.expirySeconds * 1000).toISOString(),
  };
}
