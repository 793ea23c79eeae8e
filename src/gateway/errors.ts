/**
 * The gateway's one error shape, `{ error: { code, message, fields? } }`, and the mapping from
 * what can go wrong (bad input, Temporal's answers) to HTTP statuses. Bad input is never a 500.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { WorkflowNotFoundError } from '@temporalio/common';
import { isGrpcServiceError, ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { z } from 'zod';
import type { FieldIssue } from '../job/spec';
import type { Logger } from '../logger';

export const ERROR_CODES = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'failed_precondition',
  'payload_too_large',
  'resource_exhausted',
  'unavailable',
  'deadline_exceeded',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  /** `request_id` is the `X-Request-Id` of the request, the key to its log lines. */
  error: { code: ErrorCode; message: string; fields?: FieldIssue[]; request_id?: string };
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  failed_precondition: 409,
  payload_too_large: 413,
  resource_exhausted: 429,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
};

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldIssue[],
    /** Response headers that go with the error (Retry-After, WWW-Authenticate). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = HTTP_STATUS[code];
  }

  toBody(requestId?: string): ErrorBody {
    // An internal message may name hosts, buckets or stack details: the caller gets the request id to quote instead.
    const message = this.code === 'internal' ? `internal error${requestId ? ` (request id ${requestId})` : ''}` : this.message;
    return {
      error: {
        code: this.code,
        message,
        ...(this.fields ? { fields: this.fields } : {}),
        ...(requestId ? { request_id: requestId } : {}),
      },
    };
  }
}

/** A 400 that names every bad field, its message the fields joined: `a.b: reason; c: reason`. */
export function invalidFields(fields: FieldIssue[]): HttpError {
  return new HttpError('invalid_argument', fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields);
}

/** A 400 for a small request body checked by its own zod schema. */
export function invalidBody(err: z.ZodError): HttpError {
  return invalidFields(
    err.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ field: [...i.path, k].join('.'), reason: 'unknown field' }))
        : [{ field: i.path.join('.') || '(body)', reason: i.message }],
    ),
  );
}

export const jobNotFound = (jobId: string): HttpError => new HttpError('not_found', `job "${jobId}" not found`);

function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return err.code;
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) return err.cause.code;
  return undefined;
}

/** Temporal refuses payloads over its blob size limit (2 MB by default) with INVALID_ARGUMENT. */
const TOO_LARGE = /size limit|too large|exceeds/i;

function grpcDetails(err: unknown): string {
  const e = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  return e?.details || (err as Error)?.message || 'invalid argument';
}

/**
 * Temporal's INVALID_ARGUMENT as the caller's mistake: a 413 for a payload over Temporal's size
 * limit, a 400 otherwise, naming `field` (what the request sent that Temporal refused).
 */
function temporalRefused(err: unknown, field: string): HttpError {
  const details = grpcDetails(err);
  if (TOO_LARGE.test(details)) {
    const reason = `too large for Temporal (${details})`;
    return new HttpError('payload_too_large', `${field}: ${reason}`, [{ field, reason }]);
  }
  return invalidFields([{ field, reason: `Temporal refused it: ${details}` }]);
}

/**
 * The dotted path of the part of `value` that makes it large: descends into the largest member
 * while that member holds most of its parent's serialized size.
 */
export function largestField(value: unknown, path = ''): string {
  if (typeof value !== 'object' || value === null) return path || '(body)';
  const size = JSON.stringify(value).length;
  let best: [string, number] | undefined;
  for (const [k, v] of Object.entries(value)) {
    const n = JSON.stringify(v)?.length ?? 0;
    if (!best || n > best[1]) best = [k, n];
  }
  if (!best || best[1] * 2 < size) return path || '(body)';
  const key = Array.isArray(value) ? `${path}[${best[0]}]` : path ? `${path}.${best[0]}` : best[0];
  return largestField((value as Record<string, unknown>)[best[0]], key);
}

/** A workflow start Temporal refused as INVALID_ARGUMENT, naming the largest field of its input; other errors unchanged. */
export function refusedInput(err: unknown, input: unknown): unknown {
  return grpcCode(err) === grpcStatus.INVALID_ARGUMENT ? temporalRefused(err, largestField(input)) : err;
}

/** Temporal's and body-parser's errors as the gateway's; anything unforeseen becomes `internal`. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof WorkflowNotFoundError) return jobNotFound(err.workflowId);
  if (err instanceof ScheduleNotFoundError) return new HttpError('not_found', `schedule "${err.scheduleId}" not found`);
  const bodyErr = err as { type?: string; status?: number; message?: string };
  if (bodyErr.type === 'entity.parse.failed') {
    return invalidFields([{ field: '(body)', reason: `invalid JSON: ${bodyErr.message ?? 'cannot be parsed'}` }]);
  }
  if (bodyErr.type === 'entity.too.large') {
    return new HttpError('payload_too_large', 'body: too large; stage large item lists in S3 and use delimited_files', [
      { field: '(body)', reason: 'too large' },
    ]);
  }
  if (typeof bodyErr.type === 'string' && bodyErr.status !== undefined && bodyErr.status >= 400 && bodyErr.status < 500) {
    return invalidFields([{ field: '(body)', reason: bodyErr.message ?? 'cannot be read' }]);
  }
  switch (grpcCode(err)) {
    case grpcStatus.INVALID_ARGUMENT:
      return temporalRefused(err, '(body)');
    case grpcStatus.UNAVAILABLE:
      return new HttpError('unavailable', `Temporal is unavailable: ${(err as Error).message}`);
    case grpcStatus.DEADLINE_EXCEEDED:
      return new HttpError('deadline_exceeded', `Temporal did not answer in time: ${(err as Error).message}`);
    default:
      return new HttpError('internal', (err as Error)?.message ?? String(err));
  }
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError('not_found', `no route ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpErr = toHttpError(err);
    const { requestId } = res.locals;
    const log = res.locals.log ?? logger;
    if (httpErr.status >= 500) log.error({ err, method: req.method, path: req.path, request_id: requestId }, 'request failed');
    else log.debug({ method: req.method, path: req.path, code: httpErr.code, request_id: requestId }, httpErr.message);
    if (httpErr.headers) res.set(httpErr.headers);
    res.status(httpErr.status).json(httpErr.toBody(requestId));
  };
}
