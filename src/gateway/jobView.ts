/**
 * The job view behind `GET /v1/jobs/{id}`: the workflow's own `status` query when a worker can
 * answer it, else what Temporal and S3 know without one (search attributes, memo, manifest), so
 * a job stays visible while no worker runs and after its history can no longer be replayed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import type { Config } from '../config';
import { manifestKey, type JobLocation } from '../job/layout';
import { isFinal, JOB_STATUSES, NightshiftModel, NightshiftStatus, statusQuery, type JobProgress, type JobStatus } from '../job/messages';
import { getObjectText, headObject } from '../storage/s3';
import { parseS3Url } from '../storage/s3Url';
import type { Logger } from '../logger';
import { jobNotFound } from './errors';

export interface JobLinks {
  self: string;
  ui: string;
}

export type JobView = JobProgress & { links: JobLinks };

export interface JobViewDeps {
  temporal: Client;
  s3: S3Client;
  config: Config;
  logger: Logger;
  /** How long the status query may wait for a worker before the view falls back to describe(). */
  queryTimeoutMs: number;
}

export function jobLinks(config: Config, jobId: string): JobLinks {
  const id = encodeURIComponent(jobId);
  return {
    self: `/v1/jobs/${id}`,
    ui: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${id}`,
  };
}

const count = z.number().int().nonnegative();
/** Memo keys the workflow keeps (named as in the progress object); all optional, read leniently. */
export const MemoSchema = z.object({
  output_path: z.string().optional(),
  items_total: count.nullable().optional(),
  items_succeeded: count.optional(),
  items_failed: count.optional(),
  batches_total: count.nullable().optional(),
  batches_succeeded: count.optional(),
  batches_failed: count.optional(),
  parallelism: count.optional(),
});
const CountsSchema = MemoSchema.omit({ output_path: true, parallelism: true });
/** The parts of manifest.json the view needs; counts may sit at the top or under `counts`. */
const ManifestSchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    counts: CountsSchema.optional(),
    model: z
      .object({
        name: z.string().optional(),
        version: z.number().nullable().optional(),
        version_label: z.string().nullable().optional(),
        signature_name: z.string().optional(),
        served_version: z.union([z.string(), z.number()]).nullable().optional(),
      })
      .optional(),
    created_at: z.string().optional(),
    started_at: z.string().nullable().optional(),
    finished_at: z.string().nullable().optional(),
    error: z.string().nullable().optional(),
  })
  .and(CountsSchema);
type Manifest = z.infer<typeof ManifestSchema>;

const isJobStatus = (s: unknown): s is JobStatus => typeof s === 'string' && (JOB_STATUSES as readonly string[]).includes(s);

/** When the search attribute is missing (a job that never ran a workflow task), the execution status decides. */
function statusFromExecution(d: WorkflowExecutionDescription): JobStatus {
  switch (d.status.name) {
    case 'FAILED':
    case 'TERMINATED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return 'planning';
  }
}

/** A job's manifest.json as JSON, undefined when absent; the caller parses what it needs. */
export async function readManifestJson(s3: S3Client, loc: JobLocation): Promise<unknown> {
  const key = manifestKey(loc);
  if (!(await headObject(s3, loc.bucket, key))) return undefined;
  return JSON.parse(await getObjectText(s3, loc.bucket, key)) as unknown;
}

async function readManifest(s3: S3Client, loc: JobLocation, logger: Logger): Promise<Manifest | undefined> {
  const key = manifestKey(loc);
  try {
    const json = await readManifestJson(s3, loc);
    if (json === undefined) return undefined;
    const parsed = ManifestSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    logger.warn({ bucket: loc.bucket, key, issues: parsed.error.issues }, 'manifest does not parse; ignoring it');
  } catch (err) {
    logger.warn({ err, bucket: loc.bucket, key }, 'cannot read manifest; answering without it');
  }
  return undefined;
}

/** The progress object rebuilt from describe() and, when present, the manifest. */
async function describedView(deps: JobViewDeps, jobId: string, d: WorkflowExecutionDescription): Promise<JobProgress> {
  const memo = MemoSchema.safeParse(d.memo ?? {});
  const m = memo.success ? memo.data : {};
  const outputPath = m.output_path ?? '';
  let manifest: Manifest | undefined;
  if (outputPath) {
    const { bucket, key } = parseS3Url(outputPath);
    manifest = await readManifest(deps.s3, { bucket, prefix: key }, deps.logger);
  }
  const c = { ...m, ...manifest, ...manifest?.counts };
  const saStatus = d.typedSearchAttributes.get(NightshiftStatus);
  // A run that closed without reaching a final status (terminated, or never picked up) says so by its execution status.
  const closed = d.status.name !== 'RUNNING' && d.status.name !== 'CONTINUED_AS_NEW';
  const fromSa = isJobStatus(saStatus) && (isFinal(saStatus) || !closed) ? saStatus : undefined;
  const status: JobStatus = manifest?.status ?? fromSa ?? statusFromExecution(d);
  const served = manifest?.model?.served_version;
  return {
    job_id: jobId,
    status,
    model: {
      name: manifest?.model?.name ?? d.typedSearchAttributes.get(NightshiftModel) ?? '',
      version: manifest?.model?.version ?? null,
      version_label: manifest?.model?.version_label ?? null,
      signature_name: manifest?.model?.signature_name ?? 'serving_default',
      served_version: served === undefined || served === null ? null : String(served),
    },
    items_total: c.items_total ?? null,
    items_succeeded: c.items_succeeded ?? 0,
    items_failed: c.items_failed ?? 0,
    batches_total: c.batches_total ?? null,
    batches_succeeded: c.batches_succeeded ?? 0,
    batches_failed: c.batches_failed ?? 0,
    batches_in_flight: 0,
    parallelism: m.parallelism ?? 0,
    created_at: manifest?.created_at ?? d.startTime.toISOString(),
    started_at: manifest?.started_at ?? null,
    updated_at: (d.closeTime ?? new Date()).toISOString(),
    finished_at: manifest?.finished_at ?? d.closeTime?.toISOString() ?? null,
    throughput_items_per_s: null,
    eta_s: null,
    output_path: outputPath,
    manifest_path: manifest && outputPath ? `${outputPath}manifest.json` : null,
    error: manifest?.error ?? null,
  };
}

/**
 * The job's progress with its links. `described` is the caller's describe() of the job (the
 * visibility check has one already), used when the status query cannot be answered.
 */
export async function getJobView(deps: JobViewDeps, jobId: string, described?: WorkflowExecutionDescription): Promise<JobView> {
  const handle = deps.temporal.workflow.getHandle(jobId);
  let progress: JobProgress;
  try {
    // A query waits for a worker to replay the workflow; without one it would hang until the RPC deadline.
    progress = await deps.temporal.withDeadline(Date.now() + deps.queryTimeoutMs, () => handle.query(statusQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw jobNotFound(jobId);
    deps.logger.debug({ err, jobId }, 'status query failed; answering from describe()');
    let d = described;
    if (!d) {
      try {
        d = await handle.describe();
      } catch (describeErr) {
        if (describeErr instanceof WorkflowNotFoundError) throw jobNotFound(jobId);
        throw describeErr;
      }
    }
    progress = await describedView(deps, jobId, d);
  }
  return { ...progress, links: jobLinks(deps.config, jobId) };
}
