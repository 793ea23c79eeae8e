/**
 * Response bodies of the gateway's list, results and dry-run routes: one definition that the
 * routes answer with and the CLI (or any client) reads. Types only; `apiSchemas.ts` describes
 * the same shapes in zod for `/openapi.json`, and the compiler holds the two together.
 */
import type { JobProgress, JobStatus } from '../job/messages';
import type { InputKind } from '../job/spec';
import type { JobLinks } from './jobView';

// ---- GET /v1/jobs ------------------------------------------------------------------------------

/** One row of the job list: what Temporal's visibility (search attributes, memo) knows without a worker. */
export interface JobSummary {
  job_id: string;
  status: JobStatus;
  /** The model name (search attribute NightshiftModel). */
  model: string | null;
  /** The id of the API key that started the job (`local` without keys); null for jobs started around the gateway. */
  owner: string | null;
  /** Start of the job's current run (its creation, unless it continued as new). */
  created_at: string;
  closed_at: string | null;
  items_total: number | null;
  items_succeeded: number;
  items_failed: number;
  output_path: string | null;
  links: JobLinks;
}

/** Newest first. */
export interface JobList {
  jobs: JobSummary[];
  next_page_token: string | null;
}

// ---- GET /v1/jobs/{id}/results -----------------------------------------------------------------

/** A part or error file of the manifest, with a presigned GET URL. `key` is its s3:// URL. */
export interface ResultFile {
  key: string;
  batch: number;
  items: number;
  bytes: number;
  url: string;
}

/**
 * `manifest.json` without its (paged) `parts` and `error_files`; docs/jobs.md lists every field.
 * The counts are the progress object's, as the manifest copies them from it.
 */
export type ManifestSummary = Pick<
  JobProgress,
  'status' | 'error' | 'items_total' | 'items_succeeded' | 'items_failed' | 'batches_total' | 'batches_succeeded' | 'batches_failed'
> & { [field: string]: unknown };

/** One page of a finished job's files; 409 while the job has no manifest. */
export interface JobResults {
  job_id: string;
  status: JobStatus;
  manifest_path: string;
  manifest_url: string;
  manifest: ManifestSummary;
  parts: ResultFile[];
  error_files: ResultFile[];
  /** When the presigned URLs stop working (ISO-8601). */
  expires_at: string;
  next_page_token: string | null;
}

// ---- POST /v1/jobs?dry_run=true ----------------------------------------------------------------

/** What a job would do; nothing is started or written. */
export interface DryRunResult {
  valid: true;
  /** The spec's job_id, or null when the gateway would generate one. */
  job_id: string | null;
  /** `version`: the version TF Serving resolved (int64 as a decimal string), null when it could not be asked. */
  model: { name: string; version: string | null; signature_name: string; inputs: Record<string, { dtype: string; shape: number[] | null }> };
  input_kind: InputKind;
  matched_objects: { count: number; bytes: number; first: { path: string; size: number }[] };
  estimated_items: number;
  estimated_batches: number;
  /** `exact` when every item was counted; `sampled` when extrapolated from the first 64 KiB of files. */
  estimate: 'exact' | 'sampled';
}
