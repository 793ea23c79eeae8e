// Original file: protos/tensorflow_serving/apis/model_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetModelStatusRequest as _tensorflow_serving_GetModelStatusRequest, GetModelStatusRequest__Output as _tensorflow_serving_GetModelStatusRequest__Output } from '../../tensorflow/serving/GetModelStatusRequest';
import type { GetModelStatusResponse as _tensorflow_serving_GetModelStatusResponse, GetModelStatusResponse__Output as _tensorflow_serving_GetModelStatusResponse__Output } from '../../tensorflow/serving/GetModelStatusResponse';

/**
 * ModelService provides methods to query and update the state of the server, e.g. which models/versions are being
 * served.
 */
export interface ModelServiceClient extends grpc.Client {
  /**
   * Gets status of model. If the ModelSpec in the request does not specify version, information about all versions
   * of the model will be returned. If the ModelSpec in the request does specify a version, the status of only that
   * version will be returned.
   */
  GetModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Gets status of model. If the ModelSpec in the request does not specify version, information about all versions
   * of the model will be returned. If the ModelSpec in the request does specify a version, the status of only that
   * version will be returned.
   */
  getModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _tensorflow_serving_GetModelStatusRequest, callback: grpc.requestCallback<_tensorflow_serving_GetModelStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * ModelService provides methods to query and update the state of the server, e.g. which models/versions are being
 * served.
 */
export interface ModelServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Gets status of model. If the ModelSpec in the request does not specify version, information about all versions
   * of the model will be returned. If the ModelSpec in the request does specify a version, the status of only that
   * version will be returned.
   */
  GetModelStatus: grpc.handleUnaryCall<_tensorflow_serving_GetModelStatusRequest__Output, _tensorflow_serving_GetModelStatusResponse>;
  
}

export interface ModelServiceDefinition extends grpc.ServiceDefinition {
  GetModelStatus: MethodDefinition<_tensorflow_serving_GetModelStatusRequest, _tensorflow_serving_GetModelStatusResponse, _tensorflow_serving_GetModelStatusRequest__Output, _tensorflow_serving_GetModelStatusResponse__Output>
}
