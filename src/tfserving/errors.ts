/**
 * A failed TF Serving call, keeping the gRPC status code and the server's own message (TF Serving's wording, e.g.
 * `Servable not found for request: Latest(m)`) so they reach the manifest and the API unchanged.
 */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

export type GrpcCodeName = keyof typeof GrpcStatus;

/** Worth another attempt: the server or the path to it may be fine a moment later. */
export const RETRYABLE_CODES: ReadonlySet<GrpcCodeName> = new Set<GrpcCodeName>([
  'UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'ABORTED',
  'INTERNAL',
  'UNKNOWN',
]);

/** The request itself is wrong for this model; the same request fails the same way again. */
export const NON_RETRYABLE_CODES: ReadonlySet<GrpcCodeName> = new Set<GrpcCodeName>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'FAILED_PRECONDITION',
  'UNIMPLEMENTED',
  'OUT_OF_RANGE',
]);

export function grpcCodeName(code: number): GrpcCodeName {
  return (GrpcStatus[code] as GrpcCodeName | undefined) ?? 'UNKNOWN';
}

export class TfServingError extends Error {
  override readonly name = 'TfServingError';
  /** gRPC status code (3 = INVALID_ARGUMENT, 14 = UNAVAILABLE, ...). */
  readonly code: number;
  readonly codeName: GrpcCodeName;
  readonly retryable: boolean;
  /** The RPC, e.g. `Predict`. */
  readonly rpc: string | undefined;

  constructor(
    code: number,
    message: string,
    opts: {
      /** Overrides the class of the code (a CANCELLED we caused ourselves is not worth retrying). */
      retryable?: boolean;
      /** The RPC, e.g. `Predict`. */
      rpc?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.codeName = grpcCodeName(code);
    // CANCELLED that the caller did not ask for is a server going away mid-call: try again.
    this.retryable = opts.retryable ?? (RETRYABLE_CODES.has(this.codeName) || this.codeName === 'CANCELLED');
    this.rpc = opts.rpc;
  }

  /** From a grpc-js call error: code and `details` (the server's message without grpc-js's "14 UNAVAILABLE:" prefix). */
  static fromServiceError(err: ServiceError, rpc?: string): TfServingError {
    return new TfServingError(err.code, err.details || err.message, { rpc, cause: err });
  }
}

export function isTfServingError(err: unknown): err is TfServingError {
  return err instanceof TfServingError;
}
