/**
 * Response bodies of the gateway's list, results, dry-run and retry routes: one definition that
 * the routes answer with and the CLI (or any client) reads. Types only; request parsing is
 * `apiSchemas.ts`, the job view `jobView.ts`.
 */
import type { JobStatus, ModelProgress } from '../job/messages';
import type { InputKind, ResolvedJobSpec } from '../job/spec';
import type { PlanSummary } from '../job/plan';
import type { JobLinks } from './jobView';

// ---- GET /v1/jobs ------------------------------------------------------------------------------

/** One row of the job list: what Temporal's visibility (search attributes, memo) knows without a worker. */
export interface JobSummary {
  job_id: string;
  status: JobStatus;
  /** The model name (search attribute NightshiftModel). */
  model: string;
  /** The id of the API key that started the job (`local` without keys). */
  owner: string;
  created_at: string;
  closed_at: string | null;
  items_total: number | null;
  items_succeeded: number;
  items_failed: number;
  output_path: string;
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

/** `manifest.json` without its (paged) `parts` and `error_files`. */
export interface ManifestSummary {
  job_id: string;
  status: JobStatus;
  error: string | null;
  output_path: string;
  model: ModelProgress;
  items_total: number | null;
  items_succeeded: number;
  items_failed: number;
  batches_total: number | null;
  batches_succeeded: number;
  batches_failed: number;
  items_in_parts: number;
  failed_batches: { batch: number; code: string; message: string }[];
  failed_batches_omitted: number;
  plan: PlanSummary | null;
  timings: {
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    duration_s: number | null;
    throughput_items_per_s: number | null;
  };
  spec: ResolvedJobSpec;
  config: Record<string, unknown>;
}

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
  model: { name: string; version: number | null; signature_name: string };
  input_kind: InputKind;
  matched_objects: { count: number; first: { path: string; size: number }[] };
  estimated_items: number;
  estimated_batches: number;
}

