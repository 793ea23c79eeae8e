/**
 * Aggregate activity: writes `<job>/manifest.json` from what is really in S3 (every part with
 * its item count and size, every error file) plus the workflow's counts and failed batches, and
 * `_SUCCESS` only when the job succeeded. It runs on every ending (also cancelled, failed and
 * timed out) so partial results are usable.
 */
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { headObject, listObjects, putObject } from '../src/storage/s3';
import { jobLocation, jobUrl, manifestKey, successKey } from '../src/job/layout';
import type { PlanSummary } from '../src/job/plan';
import type { ResolvedJobSpec } from '../src/job/spec';
import type { JobProgress } from '../src/job/messages';
import { ITEMS_METADATA } from '../src/batch/writeParts';
import { mapLimit } from '../src/batch/mapLimit';
import type { TaskFailure } from './predictBatch';
import { linkRetry } from '../src/job/retryLinks';
import type { ThroughputSeries } from '../src/job/throughputSeries';

export interface WriteManifestInput {
  spec: ResolvedJobSpec;
  progress: JobProgress;
  plan: PlanSummary | null;
  failed_batches: TaskFailure[];
  failed_batches_omitted: number;
  /** Items finished over time (absent from workflows of older code). */
  throughput?: ThroughputSeries | null;
}

export interface ManifestFile {
  key: string;
  batch: number;
  items: number;
  bytes: number;
}

const HEAD_CONCURRENCY = 64;
const PART = /(?:^|\/)part-(\d+)\.jsonl$/;

export function createWriteManifest(deps: ActivityDeps) {
  return async function writeManifest(input: WriteManifestInput): Promise<string> {
    const ctx = Context.current();
    const { spec, progress } = input;
    const loc = jobLocation(spec.output.s3_path, spec.job_id);
    const files = async (prefix: string): Promise<ManifestFile[]> => {
      const found: { key: string; batch: number; bytes: number }[] = [];
      for await (const o of listObjects(deps.s3, loc.bucket, prefix)) {
        const m = PART.exec(o.key.slice(prefix.length));
        if (m && !o.key.slice(prefix.length).includes('/')) found.push({ key: o.key, batch: Number(m[1]), bytes: o.size });
      }
      const out = await mapLimit(found, HEAD_CONCURRENCY, async (f, i) => {
        const head = await headObject(deps.s3, loc.bucket, f.key);
        if (i % 200 === 0) ctx.heartbeat({ headed: i });
        return { key: `s3://${loc.bucket}/${f.key}`, batch: f.batch, items: Number(head?.metadata[ITEMS_METADATA] ?? 0), bytes: f.bytes };
      });
      return out.sort((a, b) => a.batch - b.batch);
    };
    const parts = await files(loc.prefix);
    const errorFiles = await files(`${loc.prefix}errors/`);
    const started = progress.started_at ? Date.parse(progress.started_at) : null;
    const finished = progress.finished_at ? Date.parse(progress.finished_at) : null;
    const itemsInParts = parts.reduce((n, p) => n + p.items, 0);
    const manifest = {
      job_id: spec.job_id,
      ...(spec.retry_of !== undefined ? { retry_of: spec.retry_of } : {}),
      status: progress.status,
      error: progress.error,
      output_path: jobUrl(loc),
      // pinned_version: what every batch called (null: as the spec says, or the latest when follow_latest).
      model: { ...progress.model, pinned_version: input.plan?.pinned_version ?? null, follow_latest: spec.model.follow_latest ?? false },
      items_total: progress.items_total,
      items_succeeded: progress.items_succeeded,
      items_failed: progress.items_failed,
      batches_total: progress.batches_total,
      batches_succeeded: progress.batches_succeeded,
      batches_failed: progress.batches_failed,
      items_in_parts: itemsInParts,
      parts,
      error_files: errorFiles,
      failed_batches: input.failed_batches,
      failed_batches_omitted: input.failed_batches_omitted,
      plan: input.plan,
      timings: {
        created_at: progress.created_at,
        started_at: progress.started_at,
        finished_at: progress.finished_at,
        duration_s: started !== null && finished !== null ? (finished - started) / 1000 : null,
        throughput_items_per_s: progress.throughput_items_per_s,
      },
      // What the jobs page draws once no worker can answer the workflow's timeline query.
      throughput: input.throughput ?? null,
      spec,
      config: spec.config,
    };
    const key = manifestKey(loc);
    await putObject(deps.s3, loc.bucket, key, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    if (progress.status === 'succeeded') await putObject(deps.s3, loc.bucket, successKey(loc), '', { contentType: 'text/plain' });
    const manifestPath = `s3://${loc.bucket}/${key}`;
    if (spec.retry_of !== undefined) {
      await linkRetry(deps.s3, spec.output.s3_path, spec.retry_of, {
        job_id: spec.job_id,
        status: progress.status,
        manifest_path: manifestPath,
        items_succeeded: progress.items_succeeded,
        items_failed: progress.items_failed,
        items_in_parts: itemsInParts,
      });
    }
    return manifestPath;
  };
}
