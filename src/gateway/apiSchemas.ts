/**
 * The zod schemas of the gateway's requests (query strings and small bodies besides the job spec,
 * which is `src/job/spec.ts`). Routes validate with these and `/openapi.json` is generated from
 * them, so the documentation and the validation cannot drift apart.
 */
import { z } from 'zod';
import { JOB_STATUSES, type JobProgress, type ModelProgress } from '../job/messages';
import type { FieldIssue } from '../job/spec';
import { ERROR_CODES, type ErrorBody } from './errors';
import { OVERLAP_POLICIES, ScheduleIdSchema, ScheduleSpecSchema } from '../schedule/scheduleDefinition';
import type { JobLinks, JobView } from './jobView';
import type { Readiness, ReadinessCheck } from './readiness';
import type { JobCreated } from './submitJob';
import type { DryRunResult, JobList, JobSummary, JobTimelineView, TimelineFailure, ResultFile, ScheduleAccepted, ScheduleDeleted, ScheduleLinks, ScheduleList, ScheduleRun, ScheduleSummary, ScheduleView } from './apiTypes';

export const MAX_LIST_LIMIT = 1000;
export const MAX_RESULTS_LIMIT = 1000;
/** Each listed schedule is described: pages stay small. */
export const MAX_SCHEDULE_LIST_LIMIT = 100;

/** `POST /v1/jobs?dry_run=true`. */
export const SubmitQuerySchema = z
  .object({
    dry_run: z.enum(['true', 'false']).optional().describe('true: validate and estimate the job; start nothing, write nothing'),
  })
  .strict();

/** `GET /v1/jobs`. */
export const ListJobsQuerySchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional().describe('only jobs in this status (search attribute NightshiftStatus)'),
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a TF Serving model name')
      .optional()
      .describe('only jobs of this model (search attribute NightshiftModel)'),
    schedule_id: ScheduleIdSchema.optional().describe('only the runs of this schedule (search attribute NightshiftSchedule)'),
    created_after: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-11-30T00:00:00Z' }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
    page_token: z.string().min(1).max(4096).optional().describe('next_page_token of the previous page'),
  })
  .strict();

/** `GET /v1/schedules`. */
export const ListSchedulesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_LIST_LIMIT).default(20).describe('schedules per page'),
    page_token: z.string().min(1).max(4096).optional().describe('next_page_token of the previous page'),
  })
  .strict();

/** `GET /v1/jobs/{id}/results`. */
export const ResultsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_RESULTS_LIMIT).default(MAX_RESULTS_LIMIT).describe('part files per page'),
    page_token: z.string().regex(/^\d+$/, 'must be the next_page_token of the previous page').optional(),
  })
  .strict();

export type ListJobsQuery = z.output<typeof ListJobsQuerySchema>;
export type ResultsQuery = z.output<typeof ResultsQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Response schemas. The routes answer with the TypeScript types of their modules; these describe
// the same shapes for `/openapi.json`, and `mirrors` makes the compiler hold the two together.

/** Accepts the schema only when its output type and `T` are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors =
  <T>() =>
  <S extends z.ZodType>(schema: S, ..._proof: Same<z.output<S>, T> extends true ? [] : [`schema does not mirror its type`]): S =>
    schema;

const isoTime = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const jobStatus = z.enum(JOB_STATUSES);

export const FieldIssueSchema = mirrors<FieldIssue>()(
  z.object({ field: z.string().describe('dotted path, e.g. input.item_list.batch_size'), reason: z.string() }),
);

export const ErrorBodySchema = mirrors<ErrorBody>()(
  z.object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().describe('for internal errors a generic text naming the request id; the cause is in the gateway log'),
      fields: z.array(FieldIssueSchema).optional().describe('every bad field of an invalid_argument'),
      request_id: z.string().optional().describe('the X-Request-Id of the request'),
    }),
  }),
);

export const JobLinksSchema = mirrors<JobLinks>()(
  z.object({ self: z.string().describe('this job in the API'), ui: z.string().describe('the workflow in the Temporal UI') }),
);

export const ModelProgressSchema = mirrors<ModelProgress>()(
  z.object({
    name: z.string(),
    version: z.number().int().nullable().describe('the version the job asked for'),
    version_label: z.string().nullable(),
    signature_name: z.string(),
    served_version: z.string().nullable().describe('the version TF Serving actually served, once a batch ran'),
  }),
);

const jobProgressShape = {
  job_id: z.string(),
  status: jobStatus,
  model: ModelProgressSchema,
  items_total: count.nullable().describe('null until planning has counted the items'),
  items_succeeded: count,
  items_failed: count,
  batches_total: count.nullable(),
  batches_succeeded: count,
  batches_failed: count,
  batches_in_flight: count,
  parallelism: count,
  created_at: isoTime,
  started_at: isoTime.nullable(),
  updated_at: isoTime,
  finished_at: isoTime.nullable(),
  throughput_items_per_s: z.number().nullable(),
  eta_s: z.number().nullable(),
  output_path: z.string().describe('s3:// prefix holding this job’s parts and manifest.json'),
  manifest_path: z.string().nullable(),
  error: z.string().nullable().describe('why the job failed, was cancelled or timed out'),
};
mirrors<JobProgress>()(z.object(jobProgressShape));

export const JobViewSchema = mirrors<JobView>()(z.object({ ...jobProgressShape, links: JobLinksSchema }));

export const JobCreatedSchema = mirrors<JobCreated>()(
  z.object({ job_id: z.string(), status: jobStatus, output_path: z.string(), links: JobLinksSchema }),
);

export const JobSummarySchema = mirrors<JobSummary>()(
  z.object({
    job_id: z.string(),
    status: jobStatus,
    model: z.string().nullable().describe('model name (search attribute NightshiftModel)'),
    owner: z.string().nullable().describe('id of the API key that started the job (local without keys)'),
    created_at: isoTime.describe("start of the job's current run (its creation unless it continued as new)"),
    closed_at: isoTime.nullable(),
    items_total: count.nullable(),
    items_succeeded: count,
    items_failed: count,
    output_path: z.string().nullable(),
    links: JobLinksSchema,
  }),
);

export const JobListPageSchema = mirrors<JobList>()(
  z.object({
    jobs: z.array(JobSummarySchema).describe('newest first'),
    next_page_token: z.string().nullable().describe('pass as page_token for the next page; null on the last'),
  }),
);

export const DryRunAnswerSchema = mirrors<DryRunResult>()(
  z.object({
    valid: z.literal(true),
    job_id: z.string().nullable().describe('the job id the spec names, if any'),
    model: z.object({
      name: z.string(),
      version: z.string().nullable().describe('the version TF Serving resolved (int64 as a decimal string)'),
      signature_name: z.string(),
      inputs: z.record(z.string(), z.object({ dtype: z.string(), shape: z.array(z.number()).nullable() })),
    }),
    input_kind: z.enum(['item_list', 'file_path_lister', 'delimited_files']),
    matched_objects: z.object({
      count: count,
      bytes: count,
      first: z.array(z.object({ path: z.string(), size: count })).describe('the first 100 matching objects'),
    }),
    estimated_items: count,
    estimated_batches: count,
    estimate: z.enum(['exact', 'sampled']).describe('exact: every item counted; sampled: extrapolated from the first 64 KiB of files'),
  }),
);

export const SignalAcceptedSchema = z.object({ job_id: z.string(), accepted: z.enum(['cancel', 'pause', 'resume']) });
export const ParallelismAnswerSchema = z.object({ job_id: z.string(), parallelism: z.number().int() });

export const ResultFileSchema = mirrors<ResultFile>()(z.object({
  key: z.string().describe('s3:// URL of the file'),
  batch: count,
  items: count,
  bytes: count,
  url: z.string().describe('presigned HTTPS URL, valid until expires_at'),
}));

export const ResultsPageSchema = z.object({
  job_id: z.string(),
  status: jobStatus,
  manifest_path: z.string(),
  manifest_url: z.string().describe('presigned HTTPS URL of manifest.json'),
  manifest: z
    .object({
      status: jobStatus,
      error: z.string().nullable(),
      items_total: count.nullable(),
      items_succeeded: count,
      items_failed: count,
      batches_total: count.nullable(),
      batches_succeeded: count,
      batches_failed: count,
    })
    .loose()
    .describe('manifest.json without its part lists (those are paged below)'),
  parts: z.array(ResultFileSchema),
  error_files: z.array(ResultFileSchema),
  expires_at: isoTime,
  next_page_token: z.string().nullable(),
});

export const TimelineFailureSchema = mirrors<TimelineFailure>()(
  z.object({
    batch: count,
    code: z.string(),
    message: z.string(),
    kind: z.enum(['batch', 'items']).describe('batch: the whole batch failed for good; items: some of its items failed into its errors/ file'),
    error_file: z
      .object({ key: z.string(), bytes: count, url: z.string().describe('presigned HTTPS URL, valid until expires_at') })
      .nullable()
      .describe('the errors/part-<batch>.jsonl file, when the batch has one'),
  }),
);

export const JobTimelineSchema = mirrors<JobTimelineView>()(
  z.object({
    job_id: z.string(),
    source: z.enum(['workflow', 'manifest', 'none']).describe('workflow: the live timeline query; manifest: manifest.json, when no worker answered'),
    bucket_s: z.number().nullable().describe('width of each throughput point: 10 s, doubled as often as needed to keep 360 points at most'),
    throughput: z.array(z.object({ at: isoTime.describe('start of the bucket'), items_per_s: z.number() })).describe('items finished per second, oldest first'),
    failures: z.array(TimelineFailureSchema).describe('by batch; at most 100'),
    failures_omitted: count.describe('failures not listed (errors files are counted among the first 1,000 only)'),
    expires_at: isoTime,
  }),
);

export const HealthSchema = z.object({ ok: z.literal(true) });

export const ReadinessCheckSchema = mirrors<ReadinessCheck>()(
  z.object({
    name: z.string().describe('temporal, s3, tfserving (default target) or tfserving:<models> (a model target)'),
    ok: z.boolean(),
    ms: z.number(),
    error: z.string().optional(),
  }),
);
export const ReadinessSchema = mirrors<Readiness>()(z.object({ ready: z.boolean(), checks: z.array(ReadinessCheckSchema) }));
export const NotReadySchema = ErrorBodySchema.extend({ checks: z.array(ReadinessCheckSchema) });

// ---- /v1/schedules

const overlap = z.enum(OVERLAP_POLICIES);

export const ScheduleLinksSchema = mirrors<ScheduleLinks>()(
  z.object({
    self: z.string(),
    runs: z.string().describe("the schedule's jobs: GET /v1/jobs?schedule_id=<id>"),
    ui: z.string().describe('the schedule in the Temporal Web UI'),
  }),
);

export const ScheduleRunSchema = mirrors<ScheduleRun>()(
  z.object({
    job_id: z.string().describe('<schedule_id>-<scheduled time, RFC 3339 UTC>'),
    scheduled_time: z.string().describe('the time the run stands for (its dated outputs carry it)'),
    started_at: isoTime,
    status: jobStatus.nullable().describe('null once the job is past the namespace retention'),
    closed_at: isoTime.nullable(),
    duration_s: z.number().nullable(),
    links: JobLinksSchema,
  }),
);

export const ScheduleViewSchema = mirrors<ScheduleView>()(
  z.object({
    schedule_id: z.string(),
    owner: z.string().nullable(),
    spec: ScheduleSpecSchema,
    job: z.record(z.string(), z.unknown()).describe('the job template'),
    overlap,
    catchup_window: z.string(),
    pause_on_failure: z.boolean(),
    paused: z.boolean(),
    note: z.string().nullable(),
    created_at: isoTime,
    updated_at: isoTime.nullable(),
    actions_taken: count,
    skipped_overlap: count.describe('times skipped because a run was still going'),
    missed_catchup_window: count,
    running_job_ids: z.array(z.string()),
    next_runs: z.array(z.string()).describe('the next (at most 5) scheduled times'),
    recent_runs: z.array(ScheduleRunSchema).describe('the last (at most 10) runs, newest first'),
    links: ScheduleLinksSchema,
  }),
);

export const ScheduleSummarySchema = mirrors<ScheduleSummary>()(
  z.object({
    schedule_id: z.string(),
    owner: z.string().nullable(),
    spec: ScheduleSpecSchema,
    overlap,
    paused: z.boolean(),
    note: z.string().nullable(),
    next_run: z.string().nullable(),
    last_run: z.object({ job_id: z.string(), scheduled_time: z.string() }).nullable(),
    links: ScheduleLinksSchema,
  }),
);

export const ScheduleListPageSchema = mirrors<ScheduleList>()(
  z.object({
    schedules: z.array(ScheduleSummarySchema),
    next_page_token: z.string().nullable().describe('pass as page_token for the next page; null on the last'),
  }),
);

export const ScheduleAcceptedSchema = mirrors<ScheduleAccepted>()(
  z.object({ schedule_id: z.string(), accepted: z.enum(['trigger', 'backfill']), links: ScheduleLinksSchema }),
);

export const ScheduleDeletedSchema = mirrors<ScheduleDeleted>()(z.object({ schedule_id: z.string(), deleted: z.literal(true) }));
