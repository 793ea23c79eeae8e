/**
 * The one place that decides which S3 errors retrying cannot fix. A missing bucket, a missing
 * input object or a refused permission stays so for the next attempt: the activity fails at once
 * with the S3 code in the failure type (`S3:<Code>`), instead of spending its retries and backoff.
 * An input that changed since planning (ETag differs, or gone) is `InputChanged`.
 */
import { ApplicationFailure } from '@temporalio/common';

/** S3 error codes that no retry of the same request can change. */
export const PERMANENT_S3_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidBucketName',
  'NoSuchBucket',
  'NoSuchKey',
  'SignatureDoesNotMatch',
]);

/** Failure type of an input object that is not the object planning saw. */
export const INPUT_CHANGED = 'InputChanged';

/** The S3 error code of an AWS SDK error (`NoSuchKey`, `AccessDenied`, ...), or undefined. */
export function s3ErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { Code?: unknown; name?: unknown; $metadata?: unknown };
  if (e.$metadata === undefined) return undefined; // not an answer from S3
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' ? e.name : undefined;
}

export const isPermanentS3Error = (err: unknown): boolean => PERMANENT_S3_CODES.has(s3ErrorCode(err) ?? '');

/** Socket errors of a server that is down, restarting or unreachable for now. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** S3's own answers that mean "not now": throttling and server-side errors. */
const TRANSIENT_S3_CODES: ReadonlySet<string> = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'TimeoutError']);

/**
 * An S3 failure that waiting can cure: the server unreachable (down, restarting, a network blip),
 * throttling, or a 5xx. The SDK's own few quick retries are spent within a second; a batch keeps
 * waiting for such errors within its stall limit instead of spending a whole attempt on each
 * (BatchWatch.track `retryWhile`), so a 20 s S3 restart costs the job time, not batches.
 */
export function isTransientS3Error(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.name === 'AbortError') return false;
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (typeof e.$metadata?.httpStatusCode === 'number' && e.$metadata.httpStatusCode >= 500) return true;
  return TRANSIENT_S3_CODES.has(s3ErrorCode(err) ?? (typeof e.name === 'string' ? e.name : ''));
}

/** Thrown by reads pinned to an ETag when the object is no longer the one planning saw. */
export class InputChangedError extends Error {
  override readonly name = INPUT_CHANGED;
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`input ${url} ${reason} after the job was planned; rerun the job to read its current content`);
  }
}

/**
 * The non-retryable failure for an error retrying cannot fix, or undefined for any other error.
 * The message names the object (s3.ts records it on the error) or, failing that, `what`.
 */
export function permanentFailure(err: unknown, what: string): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return err.nonRetryable ? err : undefined;
  if (err instanceof InputChangedError) return ApplicationFailure.create({ type: INPUT_CHANGED, message: err.message, nonRetryable: true, details: [{ url: err.url }] });
  const code = s3ErrorCode(err);
  if (!code || !PERMANENT_S3_CODES.has(code)) return undefined;
  const url = (err as { s3_url?: unknown }).s3_url;
  return ApplicationFailure.create({
    type: `S3:${code}`,
    message: `S3 ${code} on ${typeof url === 'string' ? url : what}: ${(err as Error).message}`,
    nonRetryable: true,
    details: [{ s3_code: code, ...(typeof url === 'string' ? { url } : {}) }],
  });
}
