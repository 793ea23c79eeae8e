/** TF Serving over gRPC: the client, its registry, the tensor codec, signatures, errors and the protos. */
export { TfServingClient, DEFAULT_MAX_MESSAGE_BYTES, modelSpecOf } from './client';
export type { TfServingClientOptions, ModelRef, CallOptions, PredictOptions, PredictResult, ModelVersionInfo, ModelVersionState } from './client';
export { TfServingClients, type TfServingConfig } from './clients';
export { CodecError, decodeTensor, encodeTensor, itemsToTensors, itemsToDecoded, tensorsToItems, tensorToRows } from './codec';
export type { DecodedTensor, TensorValues, EncodeOptions, DTypeName } from './codec';
export { DEFAULT_SIGNATURE, signatureFromMetadata, type ModelSignature, type TensorSpec } from './signature';
export { TfServingError, RETRYABLE_CODES, NON_RETRYABLE_CODES, grpcCodeName, isTfServingError, type GrpcCodeName } from './errors';
export { toApplicationFailure, tfServingFailureDetails, FAILURE_TYPE_PREFIX, type TfServingFailureDetails } from './temporalFailure';
export { grpcTarget, HOST_LIST_SCHEME } from './resolver';
