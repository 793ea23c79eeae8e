/**
 * TF Serving errors as Temporal failures, for activities: the gRPC code becomes the failure type
 * (`TfServing.UNAVAILABLE`), so retry policies can name it in `nonRetryableErrorTypes`, and the code and message
 * ride along in the details for the workflow and the manifest.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CodecError } from './codec';
import { TfServingError } from './errors';

export interface TfServingFailureDetails {
  grpc_code: number;
  grpc_status: string;
  message: string;
}

export const FAILURE_TYPE_PREFIX = 'TfServing.';

export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TfServingError || err instanceof CodecError) {
    // A request the codec cannot encode is what TF Serving would refuse with INVALID_ARGUMENT.
    const e = err instanceof TfServingError ? err : new TfServingError(3, err.message, { cause: err });
    const details: TfServingFailureDetails = { grpc_code: e.code, grpc_status: e.codeName, message: e.message };
    return ApplicationFailure.create({
      type: `${FAILURE_TYPE_PREFIX}${e.codeName}`,
      message: e.message,
      nonRetryable: !e.retryable,
      details: [details],
      cause: err,
    });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ type: e.name, message: e.message, cause: e });
}

/** Reads the details back (workflow side or tests); undefined when the failure is not a TF Serving one. */
export function tfServingFailureDetails(failure: ApplicationFailure): TfServingFailureDetails | undefined {
  if (!failure.type?.startsWith(FAILURE_TYPE_PREFIX)) return undefined;
  const d = failure.details?.[0] as Partial<TfServingFailureDetails> | undefined;
  return d && typeof d.grpc_code === 'number' ? (d as TfServingFailureDetails) : undefined;
}
