/**
 * Every route the gateway serves, with the zod schemas it validates and answers with: the source
 * of `/openapi.json`. A route added to the app and not here fails the route-coverage test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { JOB_ID_PATTERN, JobSpecSchema } from '../job/spec';
import { REPO_ROOT } from '../stack/paths';
import {
  DryRunAnswerSchema,
  ErrorBodySchema,
  FieldIssueSchema,
  HealthSchema,
  JobCreatedSchema,
  JobLinksSchema,
  JobListPageSchema,
  JobSummarySchema,
  JobTimelineSchema,
  JobViewSchema,
  ListJobsQuerySchema,
  ModelProgressSchema,
  NotReadySchema,
  ParallelismAnswerSchema,
  ReadinessCheckSchema,
  ReadinessSchema,
  ResultFileSchema,
  ResultsPageSchema,
  ResultsQuerySchema,
  SignalAcceptedSchema,
  SubmitQuerySchema,
  ListSchedulesQuerySchema,
  ScheduleAcceptedSchema,
  ScheduleDeletedSchema,
  ScheduleListPageSchema,
  ScheduleRunSchema,
  ScheduleSummarySchema,
  ScheduleViewSchema,
} from './apiSchemas';
import {
  BackfillBodySchema,
  PauseBodySchema,
  ScheduleDefinitionSchema,
  ScheduleIdSchema,
  SchedulePatchSchema,
  TriggerBodySchema,
} from '../schedule/scheduleDefinition';
import { CancelBodySchema, ParallelismBodySchema } from './controlJob';
import { buildOpenApi, type OpenApiDocument, type ResponseDoc, type RouteDoc } from './openapi';

export const API_COMPONENTS: Record<string, z.ZodType> = {
  JobSpec: JobSpecSchema,
  CancelBody: CancelBodySchema,
  ParallelismBody: ParallelismBodySchema,
  ErrorBody: ErrorBodySchema,
  FieldIssue: FieldIssueSchema,
  JobLinks: JobLinksSchema,
  ModelProgress: ModelProgressSchema,
  JobView: JobViewSchema,
  JobCreated: JobCreatedSchema,
  JobSummary: JobSummarySchema,
  JobListPage: JobListPageSchema,
  DryRunAnswer: DryRunAnswerSchema,
  SignalAccepted: SignalAcceptedSchema,
  ParallelismAnswer: ParallelismAnswerSchema,
  ResultFile: ResultFileSchema,
  ResultsPage: ResultsPageSchema,
  JobTimeline: JobTimelineSchema,
  Health: HealthSchema,
  ReadinessCheck: ReadinessCheckSchema,
  Readiness: ReadinessSchema,
  NotReady: NotReadySchema,
  ScheduleDefinition: ScheduleDefinitionSchema,
  SchedulePatch: SchedulePatchSchema,
  ScheduleView: ScheduleViewSchema,
  ScheduleSummary: ScheduleSummarySchema,
  ScheduleListPage: ScheduleListPageSchema,
  ScheduleRun: ScheduleRunSchema,
  ScheduleAccepted: ScheduleAcceptedSchema,
};

const JobIdParams = z.object({ id: z.string().regex(JOB_ID_PATTERN).describe('job id (the workflow id)') });

const ScheduleIdParams = z.object({ id: ScheduleIdSchema.describe('schedule id') });

const ERROR_TEXT = {
  400: 'invalid_argument: the body or query is invalid; fields names each bad field',
  401: 'unauthenticated: no or unknown API key',
  403: 'permission_denied: the key may not do this',
  404: 'not_found: no such job (or schedule), or not one this key may see',
  409: 'failed_precondition',
  413: 'payload_too_large: stage large item lists in S3 and use delimited_files',
  429: 'resource_exhausted: too many submissions for this key; see Retry-After',
  500: 'internal: the message names the request id to quote, nothing else',
  503: 'unavailable: Temporal cannot be reached',
} as const;
type ErrorStatus = keyof typeof ERROR_TEXT;

/** Error answers in the one error shape; a 409 says why on the route. */
function errors(statuses: ErrorStatus[], conflict?: string): Record<number, ResponseDoc> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: s === 409 && conflict ? `failed_precondition: ${conflict}` : ERROR_TEXT[s], schema: ErrorBodySchema }]),
  );
}

/** What every `/v1` route may answer besides its own. */
const V1_ERRORS: ErrorStatus[] = [401, 403, 500, 503];

const signalRoute = (action: 'pause' | 'resume', summary: string): RouteDoc => ({
  method: 'post',
  path: `/v1/jobs/:id/${action}`,
  summary,
  tag: 'jobs',
  auth: true,
  params: JobIdParams,
  responses: {
    202: { description: 'signal delivered; the job acts on it at its next step', schema: SignalAcceptedSchema },
    ...errors([404, 409, ...V1_ERRORS], 'the job is no longer running'),
  },
});

export const API_ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/jobs',
    summary: 'Submit a job (or validate it with dry_run=true)',
    description:
      'Idempotent by job_id: the same spec again answers 200 with the existing job. With dry_run=true nothing is started or written; the answer says what the job would read.',
    tag: 'jobs',
    auth: true,
    query: SubmitQuerySchema,
    body: JobSpecSchema,
    responses: {
      201: { description: 'job started', schema: JobCreatedSchema },
      200: { description: 'the job with this id already exists (its view), or the dry-run answer', schema: z.union([JobViewSchema, DryRunAnswerSchema]) },
      ...errors(
        [400, 409, 413, 429, ...V1_ERRORS],
        'the job id is taken by a job you may not see, or its output prefix already holds parts of an earlier job (set output.overwrite: true to replace them)',
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs',
    summary: 'List jobs, newest first',
    tag: 'jobs',
    auth: true,
    query: ListJobsQuerySchema,
    responses: { 200: { description: 'one page of jobs', schema: JobListPageSchema }, ...errors([400, ...V1_ERRORS]) },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id',
    summary: 'A job’s status and progress',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    responses: { 200: { description: 'the job view', schema: JobViewSchema }, ...errors([404, ...V1_ERRORS]) },
  },
  {
    method: 'delete',
    path: '/v1/jobs/:id',
    summary: 'Cancel a job (same as POST .../cancel without a reason)',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    responses: {
      202: { description: 'cancel delivered; partial results and the manifest are still written', schema: SignalAcceptedSchema },
      ...errors([404, 409, ...V1_ERRORS], 'the job has already finished'),
    },
  },
  {
    method: 'post',
    path: '/v1/jobs/:id/cancel',
    summary: 'Cancel a job, with an optional reason',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    body: CancelBodySchema,
    bodyRequired: false,
    responses: {
      202: { description: 'cancel delivered; partial results and the manifest are still written', schema: SignalAcceptedSchema },
      ...errors([400, 404, 409, ...V1_ERRORS], 'the job is no longer running'),
    },
  },
  signalRoute('pause', 'Pause a job: no new batches start, running ones finish'),
  signalRoute('resume', 'Resume a paused job'),
  {
    method: 'post',
    path: '/v1/jobs/:id/parallelism',
    summary: 'Change how many batches run at once',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    body: ParallelismBodySchema,
    responses: {
      200: { description: 'the parallelism the job took', schema: ParallelismAnswerSchema },
      504: { description: 'deadline_exceeded: no worker took the update in time', schema: ErrorBodySchema },
      ...errors([400, 404, 409, ...V1_ERRORS], 'the job is no longer running'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/results',
    summary: 'The manifest and presigned URLs of a job’s result and error files, paged',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    query: ResultsQuerySchema,
    responses: {
      200: { description: 'one page of result files', schema: ResultsPageSchema },
      ...errors([400, 404, 409, ...V1_ERRORS], 'the job has no manifest yet (still running)'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/timeline',
    summary: 'A job’s throughput over time (items/s per 10 s) and its failures, with links to their errors/ files',
    description:
      'Live from the workflow while it runs (and while a worker can answer for a finished job), else from manifest.json. Item errors are read from the errors/ files in S3.',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    responses: { 200: { description: 'the timeline', schema: JobTimelineSchema }, ...errors([404, ...V1_ERRORS]) },
  },
  {
    method: 'post',
    path: '/v1/jobs/:id/retry-failed',
    summary: 'Start a job that re-runs the failed batches and items of this one',
    tag: 'jobs',
    auth: true,
    params: JobIdParams,
    responses: {
      201: { description: 'retry job started', schema: JobCreatedSchema },
      200: { description: 'the retry job already exists (its view)', schema: JobViewSchema },
      ...errors([404, 409, 429, ...V1_ERRORS], 'the job has not finished, or nothing failed'),
    },
  },
  {
    method: 'post',
    path: '/v1/schedules',
    summary: 'Create a schedule: a job template run on a cron or interval (Temporal Schedule)',
    description:
      'The template is checked as the job spec every run will be: placeholders known, valid once resolved, every S3 path under the key’s prefixes whatever the date. See docs/schedules.md.',
    tag: 'schedules',
    auth: true,
    body: ScheduleDefinitionSchema,
    responses: {
      201: { description: 'schedule created', schema: ScheduleViewSchema },
      ...errors([400, 409, 413, ...V1_ERRORS], 'a schedule with this id exists'),
    },
  },
  {
    method: 'get',
    path: '/v1/schedules',
    summary: 'List schedules',
    tag: 'schedules',
    auth: true,
    query: ListSchedulesQuerySchema,
    responses: { 200: { description: 'one page of schedules', schema: ScheduleListPageSchema }, ...errors([400, ...V1_ERRORS]) },
  },
  {
    method: 'get',
    path: '/v1/schedules/:id',
    summary: 'A schedule: spec, state, note, the next 5 run times and the last 10 runs',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    responses: { 200: { description: 'the schedule', schema: ScheduleViewSchema }, ...errors([404, ...V1_ERRORS]) },
  },
  {
    method: 'patch',
    path: '/v1/schedules/:id',
    summary: 'Change a schedule’s spec, job template, overlap, catch-up window or pause_on_failure',
    description: 'Fields given replace the schedule’s; spec and job are replaced as a whole. Running jobs keep the template they started with.',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    body: SchedulePatchSchema,
    responses: { 200: { description: 'the updated schedule', schema: ScheduleViewSchema }, ...errors([400, 404, ...V1_ERRORS]) },
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/pause',
    summary: 'Pause a schedule: no new runs until unpaused (running jobs go on)',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    body: PauseBodySchema,
    bodyRequired: false,
    responses: { 200: { description: 'the paused schedule', schema: ScheduleViewSchema }, ...errors([400, 404, ...V1_ERRORS]) },
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/unpause',
    summary: 'Unpause a schedule',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    body: PauseBodySchema,
    bodyRequired: false,
    responses: { 200: { description: 'the running schedule', schema: ScheduleViewSchema }, ...errors([400, 404, ...V1_ERRORS]) },
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/trigger',
    summary: 'Start one run now (scheduled time: now)',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    body: TriggerBodySchema,
    bodyRequired: false,
    responses: { 202: { description: 'the run is being started; see links.runs', schema: ScheduleAcceptedSchema }, ...errors([400, 404, ...V1_ERRORS]) },
  },
  {
    method: 'post',
    path: '/v1/schedules/:id/backfill',
    summary: 'Run every scheduled time from start to end (both inclusive), as if they had happened',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    body: BackfillBodySchema,
    responses: { 202: { description: 'the runs are being started; see links.runs', schema: ScheduleAcceptedSchema }, ...errors([400, 404, ...V1_ERRORS]) },
  },
  {
    method: 'delete',
    path: '/v1/schedules/:id',
    summary: 'Delete a schedule: no more runs; running jobs and past results stay',
    tag: 'schedules',
    auth: true,
    params: ScheduleIdParams,
    responses: { 200: { description: 'deleted', schema: ScheduleDeletedSchema }, ...errors([404, ...V1_ERRORS]) },
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the gateway runs and Temporal answers',
    tag: 'operations',
    auth: false,
    responses: { 200: { description: 'alive', schema: HealthSchema }, ...errors([503]) },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal, S3 and every TF Serving target answer',
    tag: 'operations',
    auth: false,
    responses: {
      200: { description: 'ready; every check passed', schema: ReadinessSchema },
      503: { description: 'unavailable: the message names each failed check', schema: NotReadySchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    auth: false,
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'operations',
    auth: false,
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'get',
    path: '/docs',
    summary: 'This document, rendered (Swagger UI)',
    tag: 'operations',
    auth: false,
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/docs/:asset',
    summary: 'The Swagger UI scripts and styles of /docs',
    tag: 'operations',
    auth: false,
    params: z.object({ asset: z.string().describe('file name, e.g. swagger-ui-bundle.js') }),
    responses: { 200: { description: 'the file', contentType: 'application/octet-stream' }, ...errors([404]) },
  },
  ...(['/ui', '/ui/jobs/:id', '/ui/schedules'] as const).map(
    (path): RouteDoc => ({
      method: 'get',
      path,
      summary: path === '/ui' ? 'The jobs page (HTML)' : path === '/ui/schedules' ? 'The jobs page: schedules' : 'The jobs page: one job',
      description: 'The page holds no data; it calls the /v1 routes from the browser with the API key the user enters (kept in the tab’s session storage).',
      tag: 'operations',
      auth: false,
      ...(path === '/ui/jobs/:id' ? { params: JobIdParams } : {}),
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    }),
  ),
  {
    method: 'get',
    path: '/ui/assets/:asset',
    summary: 'The scripts and styles of the jobs page',
    tag: 'operations',
    auth: false,
    params: z.object({ asset: z.string().describe('file name, e.g. app.js') }),
    responses: { 200: { description: 'the file', contentType: 'application/octet-stream' }, ...errors([404]) },
  },
];

function packageVersion(): string {
  const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));
  return pkg.version;
}

export function gatewayOpenApi(version: string = packageVersion()): OpenApiDocument {
  return buildOpenApi(API_ROUTES, {
    version,
    title: 'Nightshift gateway',
    description: 'Durable batch inference on Temporal: submit TF Serving prediction jobs over S3 inputs and follow them to their results.',
    components: API_COMPONENTS,
  });
}

/** `GET /openapi.json`: built once, at the first request. */
export function openApiHandler(version?: string): RequestHandler {
  let doc: OpenApiDocument | undefined;
  return (_req, res) => {
    doc ??= gatewayOpenApi(version);
    res.json(doc);
  };
}
