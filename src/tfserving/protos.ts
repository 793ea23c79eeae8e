/**
 * TF Serving's gRPC API, loaded at run time from protos/ with @grpc/proto-loader and typed by the generated
 * declarations in ./generated (`npm run proto:gen`). Both the client and the bundled model server use this module,
 * so they decode with the same options:
 * - keepCase: field names as on the wire (`tensor_content`, `model_spec`), like TF Serving's docs and REST API.
 * - longs: String: int64 values (versions, int64_val) never lose precision in JS numbers.
 * - enums: String: `dtype` reads `'DT_FLOAT'` (TensorFlow's own names); encoders accept names or numbers.
 * - bytes: Buffer, defaults: true (absent fields read as their zero value), oneofs: true (`version_choice`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as PredictionServiceProto } from './generated/prediction_service';
import type { ProtoGrpcType as ModelServiceProto } from './generated/model_service';
import type { Any__Output } from './generated/google/protobuf/Any';
import type { SignatureDefMap, SignatureDefMap__Output } from './generated/tensorflow/serving/SignatureDefMap';

export type { Any, Any__Output } from './generated/google/protobuf/Any';
export type { DataType, DataType__Output } from './generated/tensorflow/DataType';
export type { TensorProto, TensorProto__Output } from './generated/tensorflow/TensorProto';
export type { TensorShapeProto, TensorShapeProto__Output } from './generated/tensorflow/TensorShapeProto';
export type { TensorInfo, TensorInfo__Output } from './generated/tensorflow/TensorInfo';
export type { SignatureDef, SignatureDef__Output } from './generated/tensorflow/SignatureDef';
export type { ModelSpec, ModelSpec__Output } from './generated/tensorflow/serving/ModelSpec';
export type { PredictRequest, PredictRequest__Output } from './generated/tensorflow/serving/PredictRequest';
export type { PredictResponse, PredictResponse__Output } from './generated/tensorflow/serving/PredictResponse';
export type {
  GetModelMetadataRequest,
  GetModelMetadataRequest__Output,
} from './generated/tensorflow/serving/GetModelMetadataRequest';
export type {
  GetModelMetadataResponse,
  GetModelMetadataResponse__Output,
} from './generated/tensorflow/serving/GetModelMetadataResponse';
export type {
  GetModelStatusRequest,
  GetModelStatusRequest__Output,
} from './generated/tensorflow/serving/GetModelStatusRequest';
export type {
  GetModelStatusResponse,
  GetModelStatusResponse__Output,
} from './generated/tensorflow/serving/GetModelStatusResponse';
export type { ModelVersionStatus, ModelVersionStatus__Output } from './generated/tensorflow/serving/ModelVersionStatus';
export type { StatusProto, StatusProto__Output } from './generated/tensorflow/serving/StatusProto';
export type { SignatureDefMap, SignatureDefMap__Output } from './generated/tensorflow/serving/SignatureDefMap';
export type {
  PredictionServiceClient,
  PredictionServiceDefinition,
  PredictionServiceHandlers,
} from './generated/tensorflow/serving/PredictionService';
export type {
  ModelServiceClient,
  ModelServiceDefinition,
  ModelServiceHandlers,
} from './generated/tensorflow/serving/ModelService';

/** The files that define the three RPCs; everything else is reached through their imports. */
export const PROTO_FILES = [
  'tensorflow_serving/apis/prediction_service.proto',
  'tensorflow_serving/apis/model_service.proto',
] as const;

/** Works from src/ (ts-node, tests of the generator) and from lib/src/ (compiled). */
function findProtoDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'protos'), path.resolve(__dirname, '..', '..', '..', 'protos')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, PROTO_FILES[0])));
  if (!found) throw new Error(`TF Serving protos not found (looked in ${candidates.join(', ')})`);
  return found;
}

export const PROTO_DIR = findProtoDir();

/** Keep in step with src/tfserving/generateTypes.mjs, which generates the types for exactly these options. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export type TfServingProto = PredictionServiceProto & ModelServiceProto;

export const packageDefinition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);

/** The loaded package tree: `proto.tensorflow.serving.PredictionService` is a client constructor with `.service`. */
export const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as TfServingProto;

export const PredictionService = proto.tensorflow.serving.PredictionService;
export const ModelService = proto.tensorflow.serving.ModelService;

/** For `server.addService(predictionServiceDefinition, handlers)`. */
export const predictionServiceDefinition = PredictionService.service;
export const modelServiceDefinition = ModelService.service;

/** Message codecs (serialize/deserialize with LOADER_OPTIONS), e.g. `messages.PredictRequest.serialize(req)`. */
export const messages = {
  ...proto.tensorflow.serving,
  TensorProto: proto.tensorflow.TensorProto,
  SignatureDef: proto.tensorflow.SignatureDef,
};

export const SIGNATURE_DEF_MAP_TYPE_URL = 'type.googleapis.com/tensorflow.serving.SignatureDefMap';

export interface PackedAny extends Any__Output {
  type_url: string;
  value: Buffer;
}

/** `metadata["signature_def"]` of a GetModelMetadataResponse. */
export function packSignatureDefMap(map: SignatureDefMap): PackedAny {
  return { type_url: SIGNATURE_DEF_MAP_TYPE_URL, value: proto.tensorflow.serving.SignatureDefMap.serialize(map) };
}

/** Reads `metadata["signature_def"]`; throws when the Any holds another type. */
export function unpackSignatureDefMap(any: Any__Output): SignatureDefMap__Output {
  // Any's type URL may have any host part; only the full type name after the last '/' is significant.
  const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  if (typeName !== 'tensorflow.serving.SignatureDefMap') {
    throw new Error(`metadata "signature_def" holds ${any.type_url || '(no type_url)'}, not tensorflow.serving.SignatureDefMap`);
  }
  return proto.tensorflow.serving.SignatureDefMap.deserialize(any.value);
}
