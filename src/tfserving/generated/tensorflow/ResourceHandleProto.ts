// Original file: protos/tensorflow/core/framework/resource_handle.proto

import type { DataType as _tensorflow_DataType, DataType__Output as _tensorflow_DataType__Output } from '../tensorflow/DataType';
import type { TensorShapeProto as _tensorflow_TensorShapeProto, TensorShapeProto__Output as _tensorflow_TensorShapeProto__Output } from '../tensorflow/TensorShapeProto';
import type { Long } from '@grpc/proto-loader';

/**
 * Protocol buffer representing a pair of (data type, tensor shape).
 */
export interface _tensorflow_ResourceHandleProto_DtypeAndShape {
  /**
   * Data type of the tensor.
   */
  'dtype'?: (_tensorflow_DataType);
  /**
   * Shape of the tensor.
   */
  'shape'?: (_tensorflow_TensorShapeProto | null);
}

/**
 * Protocol buffer representing a pair of (data type, tensor shape).
 */
export interface _tensorflow_ResourceHandleProto_DtypeAndShape__Output {
  /**
   * Data type of the tensor.
   */
  'dtype': (_tensorflow_DataType__Output);
  /**
   * Shape of the tensor.
   */
  'shape': (_tensorflow_TensorShapeProto__Output | null);
}

/**
 * Protocol buffer representing a handle to a tensorflow resource. Handles are not valid across executions, but can
 * be serialized back and forth from within a single run.
 */
export interface ResourceHandleProto {
  /**
   * Unique name for the device containing the resource.
   */
  'device'?: (string);
  /**
   * Container in which this resource is placed.
   */
  'container'?: (string);
  /**
   * Unique name of this resource.
   */
  'name'?: (string);
  /**
   * Hash code for the type of the resource. Is only valid in the same device and in the same execution.
   */
  'hash_code'?: (number | string | Long);
  /**
   * For debug-only, the name of the type pointed to by this handle, if available.
   */
  'maybe_type_name'?: (string);
  /**
   * Data types and shapes for the underlying resource.
   */
  'dtypes_and_shapes'?: (_tensorflow_ResourceHandleProto_DtypeAndShape)[];
}

/**
 * Protocol buffer representing a handle to a tensorflow resource. Handles are not valid across executions, but can
 * be serialized back and forth from within a single run.
 */
export interface ResourceHandleProto__Output {
  /**
   * Unique name for the device containing the resource.
   */
  'device': (string);
  /**
   * Container in which this resource is placed.
   */
  'container': (string);
  /**
   * Unique name of this resource.
   */
  'name': (string);
  /**
   * Hash code for the type of the resource. Is only valid in the same device and in the same execution.
   */
  'hash_code': (string);
  /**
   * For debug-only, the name of the type pointed to by this handle, if available.
   */
  'maybe_type_name': (string);
  /**
   * Data types and shapes for the underlying resource.
   */
  'dtypes_and_shapes': (_tensorflow_ResourceHandleProto_DtypeAndShape__Output)[];
}
