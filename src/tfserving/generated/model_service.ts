import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BoolValue as _google_protobuf_BoolValue, BoolValue__Output as _google_protobuf_BoolValue__Output } from './google/protobuf/BoolValue';
import type { BytesValue as _google_protobuf_BytesValue, BytesValue__Output as _google_protobuf_BytesValue__Output } from './google/protobuf/BytesValue';
import type { DoubleValue as _google_protobuf_DoubleValue, DoubleValue__Output as _google_protobuf_DoubleValue__Output } from './google/protobuf/DoubleValue';
import type { FloatValue as _google_protobuf_FloatValue, FloatValue__Output as _google_protobuf_FloatValue__Output } from './google/protobuf/FloatValue';
import type { Int32Value as _google_protobuf_Int32Value, Int32Value__Output as _google_protobuf_Int32Value__Output } from './google/protobuf/Int32Value';
import type { Int64Value as _google_protobuf_Int64Value, Int64Value__Output as _google_protobuf_Int64Value__Output } from './google/protobuf/Int64Value';
import type { StringValue as _google_protobuf_StringValue, StringValue__Output as _google_protobuf_StringValue__Output } from './google/protobuf/StringValue';
import type { UInt32Value as _google_protobuf_UInt32Value, UInt32Value__Output as _google_protobuf_UInt32Value__Output } from './google/protobuf/UInt32Value';
import type { UInt64Value as _google_protobuf_UInt64Value, UInt64Value__Output as _google_protobuf_UInt64Value__Output } from './google/protobuf/UInt64Value';
import type { GetModelStatusRequest as _tensorflow_serving_GetModelStatusRequest, GetModelStatusRequest__Output as _tensorflow_serving_GetModelStatusRequest__Output } from './tensorflow/serving/GetModelStatusRequest';
import type { GetModelStatusResponse as _tensorflow_serving_GetModelStatusResponse, GetModelStatusResponse__Output as _tensorflow_serving_GetModelStatusResponse__Output } from './tensorflow/serving/GetModelStatusResponse';
import type { ModelServiceClient as _tensorflow_serving_ModelServiceClient, ModelServiceDefinition as _tensorflow_serving_ModelServiceDefinition } from './tensorflow/serving/ModelService';
import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from './tensorflow/serving/ModelSpec';
import type { ModelVersionStatus as _tensorflow_serving_ModelVersionStatus, ModelVersionStatus__Output as _tensorflow_serving_ModelVersionStatus__Output } from './tensorflow/serving/ModelVersionStatus';
import type { StatusProto as _tensorflow_serving_StatusProto, StatusProto__Output as _tensorflow_serving_StatusProto__Output } from './tensorflow/serving/StatusProto';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      BoolValue: MessageTypeDefinition<_google_protobuf_BoolValue, _google_protobuf_BoolValue__Output>
      BytesValue: MessageTypeDefinition<_google_protobuf_BytesValue, _google_protobuf_BytesValue__Output>
      DoubleValue: MessageTypeDefinition<_google_protobuf_DoubleValue, _google_protobuf_DoubleValue__Output>
      FloatValue: MessageTypeDefinition<_google_protobuf_FloatValue, _google_protobuf_FloatValue__Output>
      Int32Value: MessageTypeDefinition<_google_protobuf_Int32Value, _google_protobuf_Int32Value__Output>
      Int64Value: MessageTypeDefinition<_google_protobuf_Int64Value, _google_protobuf_Int64Value__Output>
      StringValue: MessageTypeDefinition<_google_protobuf_StringValue, _google_protobuf_StringValue__Output>
      UInt32Value: MessageTypeDefinition<_google_protobuf_UInt32Value, _google_protobuf_UInt32Value__Output>
      UInt64Value: MessageTypeDefinition<_google_protobuf_UInt64Value, _google_protobuf_UInt64Value__Output>
    }
  }
  tensorflow: {
    error: {
      Code: EnumTypeDefinition
    }
    serving: {
      GetModelStatusRequest: MessageTypeDefinition<_tensorflow_serving_GetModelStatusRequest, _tensorflow_serving_GetModelStatusRequest__Output>
      GetModelStatusResponse: MessageTypeDefinition<_tensorflow_serving_GetModelStatusResponse, _tensorflow_serving_GetModelStatusResponse__Output>
      /**
       * ModelService provides methods to query and update the state of the server, e.g. which models/versions are being
       * served.
       */
      ModelService: SubtypeConstructor<typeof grpc.Client, _tensorflow_serving_ModelServiceClient> & { service: _tensorflow_serving_ModelServiceDefinition }
      ModelSpec: MessageTypeDefinition<_tensorflow_serving_ModelSpec, _tensorflow_serving_ModelSpec__Output>
      ModelVersionStatus: MessageTypeDefinition<_tensorflow_serving_ModelVersionStatus, _tensorflow_serving_ModelVersionStatus__Output>
      StatusProto: MessageTypeDefinition<_tensorflow_serving_StatusProto, _tensorflow_serving_StatusProto__Output>
    }
  }
}

