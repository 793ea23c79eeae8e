/**
 * Job status, the progress object and every message a job answers: defined once here and
 * imported by the workflow, the gateway and the CLI so they cannot drift apart.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ThroughputSeries } from './throughputSeries';

export const JOB_STATUSES = [
  'planning',
  'running',
  'paused',
  'aggregating',
  'succeeded',
  'completed_with_errors',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'completed_with_errors', 'failed', 'cancelled', 'timed_out'];
export const isFinal = (s: JobStatus): boolean => FINAL_STATUSES.includes(s);

/** The model a job asked for and, once a batch has run, the version TF Serving actually served. */
export interface ModelProgress {
  name: string;
  version: number | null;
  version_label: string | null;
  signature_name: string;
  served_version: string | null;
}

/** Query `status`, the gateway's job view and the CLI's output: one shape. Times are ISO-8601. */
export interface JobProgress {
  job_id: string;
  status: JobStatus;
  model: ModelProgress;
  items_total: number | null;
  items_succeeded: number;
  items_failed: number;
  batches_total: number | null;
  batches_succeeded: number;
  batches_failed: number;
  batches_in_flight: number;
  parallelism: number;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
  throughput_items_per_s: number | null;
  eta_s: number | null;
  output_path: string;
  manifest_path: string | null;
  /** Why the job failed, was cancelled or timed out; null otherwise. */
  error: string | null;
}

export const statusQuery = defineQuery<JobProgress>('status');

/** Query `timeline`: what the jobs page draws beside the progress (the gateway's `GET /v1/jobs/{id}/timeline`). */
export interface JobTimeline {
  /** Items finished per bucket since planning ended; null before then. */
  throughput: ThroughputSeries | null;
  /** The batches that failed for good, with their reasons (the first 200; the rest are counted). */
  failed_batches: { batch: number; code: string; message: string }[];
  failed_batches_omitted: number;
}
export const timelineQuery = defineQuery<JobTimeline>('timeline');
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const setParallelismUpdate = defineUpdate<number, [parallelism: number]>('setParallelism');

export const MIN_PARALLELISM = 1;
export const MAX_PARALLELISM = 1000;

/** Custom search attributes the local stack registers and docker-compose's setup must register too. */
export const NightshiftStatus = defineSearchAttributeKey('NightshiftStatus', SearchAttributeType.KEYWORD);
export const NightshiftModel = defineSearchAttributeKey('NightshiftModel', SearchAttributeType.KEYWORD);
/** The id of the API key that started the job (`local` when the gateway runs without keys). */
export const NightshiftOwner = defineSearchAttributeKey('NightshiftOwner', SearchAttributeType.KEYWORD);
/** The schedule that started the job (absent on jobs submitted directly). */
export const NightshiftSchedule = defineSearchAttributeKey('NightshiftSchedule', SearchAttributeType.KEYWORD);
/** Every custom search attribute, for the stack and docker-compose to register. */
export const SEARCH_ATTRIBUTES = [NightshiftStatus, NightshiftModel, NightshiftOwner, NightshiftSchedule] as const;
/** Set by Temporal on every workflow a schedule starts: the time the run was scheduled for. */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export const WORKFLOW_TYPE = 'batchJob';
