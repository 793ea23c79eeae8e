/**
 * The gateway's HTTP API as typed calls, over global fetch. The CLI uses it; so can any script
 * that drives jobs (the demo, benchmarks).
 */
import type { FieldIssue } from '../job/spec';
import type { ErrorBody } from '../gateway/errors';
import type { JobCreated } from '../gateway/submitJob';
import type { JobView } from '../gateway/jobView';
import type { JobSignalName } from '../gateway/controlJob';

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

export type SubmitAnswer = { created: true; job: JobCreated } | { created: false; job: JobView };

export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
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

  async healthy(): Promise<boolean> {
    try {
      await this.call('GET', '/healthz');
      return true;
    } catch {
      return false;
    }
  }
}
