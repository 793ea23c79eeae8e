/**
 * Response bodies of the gateway's list, results and dry-run routes: one definition that the
 * routes answer with and the CLI (or any client) reads. Types only; `apiSchemas.ts` describes
 * the same shapes in zod for `/openapi.json`, and the compiler holds the two together.
 */
import type { JobProgress, JobStatus } from '../job/messages';
import type { InputKind } from '../job/spec';
import type { JobLinks } from './jobView';
import type { OverlapPolicy, ScheduleSpec } from '../schedule/scheduleDefinition';
import type { ThroughputPoint } from '../job/throughputSeries';

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

// ---- /v1/schedules -----------------------------------------------------------------------------

/** A run of a schedule, newest first in `ScheduleView.recent_runs`. */
export interface ScheduleRun {
  job_id: string;
  /** The time the run stands for (what its dated outputs carry). */
  scheduled_time: string;
  /** When Temporal started it. */
  started_at: string;
  /** null when the job cannot be found any more (past the namespace's retention). */
  status: JobStatus | null;
  closed_at: string | null;
  /** From start to close; null while running. */
  duration_s: number | null;
  links: JobLinks;
}

export interface ScheduleLinks {
  self: string;
  /** The schedule's jobs through `GET /v1/jobs?schedule_id=`. */
  runs: string;
  /** The schedule in the Temporal Web UI. */
  ui: string;
}

/** `GET /v1/schedules/{id}` and the answer of create, update, pause and unpause. */
export interface ScheduleView {
  schedule_id: string;
  owner: string | null;
  spec: ScheduleSpec;
  job: Record<string, unknown>;
  overlap: OverlapPolicy;
  catchup_window: string;
  pause_on_failure: boolean;
  paused: boolean;
  note: string | null;
  created_at: string;
  updated_at: string | null;
  /** Runs started so far. */
  actions_taken: number;
  /** Times skipped because a run was still going (overlap `skip`). */
  skipped_overlap: number;
  /** Times missed by more than catchup_window while Temporal was unavailable (times passed while paused are not missed, just not run). */
  missed_catchup_window: number;
  running_job_ids: string[];
  /** The next (at most 5) scheduled times. */
  next_runs: string[];
  /** The last (at most 10) runs, newest first. */
  recent_runs: ScheduleRun[];
  links: ScheduleLinks;
}

export interface ScheduleSummary {
  schedule_id: string;
  owner: string | null;
  spec: ScheduleSpec;
  overlap: OverlapPolicy;
  paused: boolean;
  note: string | null;
  next_run: string | null;
  last_run: { job_id: string; scheduled_time: string } | null;
  links: ScheduleLinks;
}

export interface ScheduleList {
  schedules: ScheduleSummary[];
  next_page_token: string | null;
}

/** `POST /v1/schedules/{id}/trigger` and `/backfill`: Temporal took the request; the runs follow. */
export interface ScheduleAccepted {
  schedule_id: string;
  accepted: 'trigger' | 'backfill';
  links: ScheduleLinks;
}

/** `DELETE /v1/schedules/{id}`. */
export interface ScheduleDeleted {
  schedule_id: string;
  deleted: true;
}

/** A row of the jobs page's failures table: a batch that failed for good, or one whose items failed into `errors/`. */
export interface TimelineFailure {
  batch: number;
  code: string;
  message: string;
  /** batch: the whole batch failed (its items count as failed); items: some items failed, listed in the errors file. */
  kind: 'batch' | 'items';
  error_file: { key: string; bytes: number; url: string } | null;
}

/** `GET /v1/jobs/{id}/timeline`. */
export interface JobTimelineView {
  job_id: string;
  /** workflow: the live timeline query; manifest: manifest.json (no worker answered); none: neither yet. */
  source: 'workflow' | 'manifest' | 'none';
  bucket_s: number | null;
  throughput: ThroughputPoint[];
  failures: TimelineFailure[];
  failures_omitted: number;
  expires_at: string;
}
