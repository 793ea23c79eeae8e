// Original file: protos/tensorflow/core/framework/tensor.proto

import type { DataType as _tensorflow_DataType, DataType__Output as _tensorflow_DataType__Output } from '../tensorflow/DataType';
import type { TensorShapeProto as _tensorflow_TensorShapeProto, TensorShapeProto__Output as _tensorflow_TensorShapeProto__Output } from '../tensorflow/TensorShapeProto';
import type { ResourceHandleProto as _tensorflow_ResourceHandleProto, ResourceHandleProto__Output as _tensorflow_ResourceHandleProto__Output } from '../tensorflow/ResourceHandleProto';
import type { VariantTensorDataProto as _tensorflow_VariantTensorDataProto, VariantTensorDataProto__Output as _tensorflow_VariantTensorDataProto__Output } from '../tensorflow/VariantTensorDataProto';
import type { Long } from '@grpc/proto-loader';

/**
 * Protocol buffer representing a tensor.
 */
export interface TensorProto {
  /**
   * Data type of the tensor.
   */
  'dtype'?: (_tensorflow_DataType);
  /**
   * Shape of the tensor.
   */
  'tensor_shape'?: (_tensorflow_TensorShapeProto | null);
  /**
   * Version number.
   * 
   * In version 0, if the "repeated xxx" representations contain only one element, that element is repeated to fill
   * the shape. This makes it easy to represent a constant Tensor with a single value.
   */
  'version_number'?: (number);
  /**
   * Serialized raw tensor content from either Tensor::AsProtoTensorContent or memcpy in tensorflow::grpc::
   * EncodeTensorToByteBuffer. This representation can be used for all tensor types. The purpose of this
   * representation is to reduce serialization overhead during RPC call by avoiding serialization of many repeated
   * small items.
   */
  'tensor_content'?: (Buffer | Uint8Array | string);
  /**
   * DT_FLOAT.
   */
  'float_val'?: (number | string)[];
  /**
   * DT_DOUBLE.
   */
  'double_val'?: (number | string)[];
  /**
   * DT_INT32, DT_INT16, DT_UINT16, DT_INT8, DT_UINT8.
   */
  'int_val'?: (number)[];
  /**
   * DT_STRING
   */
  'string_val'?: (Buffer | Uint8Array | string)[];
  /**
   * DT_COMPLEX64. scomplex_val(2*i) and scomplex_val(2*i+1) are real and imaginary parts of i-th single precision
   * complex.
   */
  'scomplex_val'?: (number | string)[];
  /**
   * DT_INT64
   */
  'int64_val'?: (number | string | Long)[];
  /**
   * DT_BOOL
   */
  'bool_val'?: (boolean)[];
  /**
   * DT_COMPLEX128. dcomplex_val(2*i) and dcomplex_val(2*i+1) are real and imaginary parts of i-th double precision
   * complex.
   */
  'dcomplex_val'?: (number | string)[];
  /**
   * DT_HALF, DT_BFLOAT16. Note that since protobuf has no int16 type, we'll have some pointless zero padding for
   * each value here.
   */
  'half_val'?: (number)[];
  /**
   * DT_RESOURCE
   */
  'resource_handle_val'?: (_tensorflow_ResourceHandleProto)[];
  /**
   * DT_VARIANT
   */
  'variant_val'?: (_tensorflow_VariantTensorDataProto)[];
  /**
   * DT_UINT32
   */
  'uint32_val'?: (number)[];
  /**
   * DT_UINT64
   */
  'uint64_val'?: (number | string | Long)[];
  /**
   * DT_FLOAT8_*, use variable-sized set of bytes (i.e. the equivalent of repeated uint8, if such a thing existed).
   */
  'float8_val'?: (Buffer | Uint8Array | string);
}

/**
 * Protocol buffer representing a tensor.
 */
export interface TensorProto__Output {
  /**
   * Data type of the tensor.
   */
  'dtype': (_tensorflow_DataType__Output);
  /**
   * Shape of the tensor.
   */
  'tensor_shape': (_tensorflow_TensorShapeProto__Output | null);
  /**
   * Version number.
   * 
   * In version 0, if the "repeated xxx" representations contain only one element, that element is repeated to fill
   * the shape. This makes it easy to represent a constant Tensor with a single value.
   */
  'version_number': (number);
  /**
   * Serialized raw tensor content from either Tensor::AsProtoTensorContent or memcpy in tensorflow::grpc::
   * EncodeTensorToByteBuffer. This representation can be used for all tensor types. The purpose of this
   * representation is to reduce serialization overhead during RPC call by avoiding serialization of many repeated
   * small items.
   */
  'tensor_content': (Buffer);
  /**
   * DT_FLOAT.
   */
  'float_val': (number)[];
  /**
   * DT_DOUBLE.
   */
  'double_val': (number)[];
  /**
   * DT_INT32, DT_INT16, DT_UINT16, DT_INT8, DT_UINT8.
   */
  'int_val': (number)[];
  /**
   * DT_STRING
   */
  'string_val': (Buffer)[];
  /**
   * DT_COMPLEX64. scomplex_val(2*i) and scomplex_val(2*i+1) are real and imaginary parts of i-th single precision
   * complex.
   */
  'scomplex_val': (number)[];
  /**
   * DT_INT64
   */
  'int64_val': (string)[];
  /**
   * DT_BOOL
   */
  'bool_val': (boolean)[];
  /**
   * DT_COMPLEX128. dcomplex_val(2*i) and dcomplex_val(2*i+1) are real and imaginary parts of i-th double precision
   * complex.
   */
  'dcomplex_val': (number)[];
  /**
   * DT_HALF, DT_BFLOAT16. Note that since protobuf has no int16 type, we'll have some pointless zero padding for
   * each value here.
   */
  'half_val': (number)[];
  /**
   * DT_RESOURCE
   */
  'resource_handle_val': (_tensorflow_ResourceHandleProto__Output)[];
  /**
   * DT_VARIANT
   */
  'variant_val': (_tensorflow_VariantTensorDataProto__Output)[];
  /**
   * DT_UINT32
   */
  'uint32_val': (number)[];
  /**
   * DT_UINT64
   */
  'uint64_val': (string)[];
  /**
   * DT_FLOAT8_*, use variable-sized set of bytes (i.e. the equivalent of repeated uint8, if such a thing existed).
   */
  'float8_val': (Buffer);
}
