/**
 * Errors the model server answers with: a gRPC status code and TF Serving's own message text, so clients
 * (and our tests) see what they would see from `tensorflow_model_server`.
 */
import { status } from '@grpc/grpc-js';

export class ServingError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'ServingError';
  }
}

export const invalidArgument = (message: string) => new ServingError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new ServingError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new ServingError(status.FAILED_PRECONDITION, message);
export const unavailable = (message: string) => new ServingError(status.UNAVAILABLE, message);

/** The status name (`UNAVAILABLE`) of a gRPC code, as used in stats and fault config. */
export function codeName(code: status): string {
  return status[code] ?? String(code);
}
