/**
 * The gateway's HTTP API as typed calls, over global fetch. The CLI uses it; so can any script
 * that drives jobs (the demo, benchmarks).
 */
import type { FieldIssue } from '../job/spec';
import type { ErrorBody } from '../gateway/errors';
import type { JobCreated } from '../gateway/submitJob';
import type { JobView } from '../gateway/jobView';
import type { JobSignalName } from '../gateway/controlJob';
import type { DryRunResult, JobList, JobResults, ScheduleAccepted, ScheduleDeleted, ScheduleList, ScheduleView } from '../gateway/apiTypes';
import type { JobStatus } from '../job/messages';
import type { BackfillBodySchema, OverlapPolicy, ScheduleDefinitionInput, SchedulePatchSchema } from '../schedule/scheduleDefinition';
import type { z } from 'zod';

/** The gateway answered with an error (`status` 0: it could not be reached at all). */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** 201 with the new job, or 200 with the view of the job that already had that id. */
export type SubmitAnswer = { created: true; job: JobCreated } | { created: false; job: JobView };

export interface ListQuery {
  status?: JobStatus;
  model?: string;
  created_after?: string;
  /** Only the runs of this schedule. */
  schedule_id?: string;
  limit?: number;
  page_token?: string;
}

export interface ScheduleListQuery {
  limit?: number;
  page_token?: string;
}

/** `PATCH /v1/schedules/{id}`: the fields given replace the schedule's. */
export type SchedulePatchInput = z.input<typeof SchedulePatchSchema>;
/** `POST /v1/schedules/{id}/backfill`: scheduled times from `start` to `end`, both inclusive. */
export type BackfillInput = z.input<typeof BackfillBodySchema>;

export interface GatewayClientOptions {
  /** Sent as `Authorization: Bearer <key>`; never logged or put in an error message. */
  apiKey?: string;
  timeoutMs?: number;
}

function queryString(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const schedulePath = (id: string): string => `/v1/schedules/${encodeURIComponent(id)}`;

export class GatewayClient {
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    { apiKey, timeoutMs = 30_000 }: GatewayClientOptions = {},
  ) {
    this.apiKey = apiKey || undefined;
    this.timeoutMs = timeoutMs;
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new GatewayError(0, 'unreachable', `cannot reach the gateway at ${this.baseUrl} (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new GatewayError(res.status, 'bad_response', `${method} ${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = (parsed as Partial<ErrorBody> | undefined)?.error;
      throw new GatewayError(res.status, e?.code ?? 'http_error', e?.message ?? `${method} ${path} answered ${res.status}`, e?.fields);
    }
    return { status: res.status, body: parsed as T };
  }

  /** 201 for a new job; 200 with the existing job's view when its id was submitted before. */
  async submit(spec: unknown): Promise<SubmitAnswer> {
    const res = await this.call<JobCreated | JobView>('POST', '/v1/jobs', spec);
    return res.status === 201 ? { created: true, job: res.body as JobCreated } : { created: false, job: res.body as JobView };
  }

  /** Validates the spec and estimates the job (`POST /v1/jobs?dry_run=true`); nothing is started. */
  async dryRun(spec: unknown): Promise<DryRunResult> {
    return (await this.call<DryRunResult>('POST', '/v1/jobs?dry_run=true', spec)).body;
  }

  /** One page of jobs, newest first. */
  async list(query: ListQuery = {}): Promise<JobList> {
    return (await this.call<JobList>('GET', `/v1/jobs${queryString({ ...query })}`)).body;
  }

  /** One page of a finished job's files with presigned URLs; 409 while it has no manifest. */
  async results(jobId: string, pageToken?: string, limit?: number): Promise<JobResults> {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}/results${queryString({ page_token: pageToken, limit })}`;
    return (await this.call<JobResults>('GET', path)).body;
  }

  /** Starts `<job_id>-retry` over the failed items of a finished job (200 when it exists already). */
  async retryFailed(jobId: string): Promise<SubmitAnswer> {
    const res = await this.call<JobCreated | JobView>('POST', `/v1/jobs/${encodeURIComponent(jobId)}/retry-failed`);
    return res.status === 201 ? { created: true, job: res.body as JobCreated } : { created: false, job: res.body as JobView };
  }

  async job(jobId: string): Promise<JobView> {
    return (await this.call<JobView>('GET', `/v1/jobs/${encodeURIComponent(jobId)}`)).body;
  }

  async signal(jobId: string, name: JobSignalName, reason?: string): Promise<void> {
    await this.call('POST', `/v1/jobs/${encodeURIComponent(jobId)}/${name}`, reason === undefined ? undefined : { reason });
  }

  async setParallelism(jobId: string, parallelism: number): Promise<number> {
    const res = await this.call<{ parallelism: number }>('POST', `/v1/jobs/${encodeURIComponent(jobId)}/parallelism`, { parallelism });
    return res.body.parallelism;
  }

  // ---- /v1/schedules ----------------------------------------------------------------------------

  /** 201 with the new schedule's view; 409 (failed_precondition) when the id is taken. */
  async createSchedule(definition: ScheduleDefinitionInput): Promise<ScheduleView> {
    return (await this.call<ScheduleView>('POST', '/v1/schedules', definition)).body;
  }

  /** One page of the caller's schedules. */
  async listSchedules(query: ScheduleListQuery = {}): Promise<ScheduleList> {
    return (await this.call<ScheduleList>('GET', `/v1/schedules${queryString({ ...query })}`)).body;
  }

  async schedule(scheduleId: string): Promise<ScheduleView> {
    return (await this.call<ScheduleView>('GET', schedulePath(scheduleId))).body;
  }

  /** Replaces the fields given (spec and job each as a whole). */
  async updateSchedule(scheduleId: string, patch: SchedulePatchInput): Promise<ScheduleView> {
    return (await this.call<ScheduleView>('PATCH', schedulePath(scheduleId), patch)).body;
  }

  async pauseSchedule(scheduleId: string, note?: string): Promise<ScheduleView> {
    return (await this.call<ScheduleView>('POST', `${schedulePath(scheduleId)}/pause`, note === undefined ? undefined : { note })).body;
  }

  async unpauseSchedule(scheduleId: string, note?: string): Promise<ScheduleView> {
    return (await this.call<ScheduleView>('POST', `${schedulePath(scheduleId)}/unpause`, note === undefined ? undefined : { note })).body;
  }

  /** Starts one run now (202); the gateway's default overlap is allow_all. */
  async triggerSchedule(scheduleId: string, overlap?: OverlapPolicy): Promise<ScheduleAccepted> {
    return (await this.call<ScheduleAccepted>('POST', `${schedulePath(scheduleId)}/trigger`, overlap === undefined ? undefined : { overlap })).body;
  }

  /** Runs every scheduled time from start to end (202); the gateway's default overlap is buffer_all. */
  async backfillSchedule(scheduleId: string, body: BackfillInput): Promise<ScheduleAccepted> {
    return (await this.call<ScheduleAccepted>('POST', `${schedulePath(scheduleId)}/backfill`, body)).body;
  }

  /** Stops future runs; running jobs go on and past results stay. */
  async deleteSchedule(scheduleId: string): Promise<ScheduleDeleted> {
    return (await this.call<ScheduleDeleted>('DELETE', schedulePath(scheduleId))).body;
  }

  async healthy(): Promise<boolean> {
    try {
      await this.call('GET', '/healthz');
      return true;
    } catch {
      return false;
    }
  }
}
