// Original file: protos/tensorflow/core/framework/tensor.proto

import type { TensorProto as _tensorflow_TensorProto, TensorProto__Output as _tensorflow_TensorProto__Output } from '../tensorflow/TensorProto';

/**
 * Protocol buffer representing the serialization format of DT_VARIANT tensors.
 */
export interface VariantTensorDataProto {
  /**
   * Name of the type of objects being serialized.
   */
  'type_name'?: (string);
  /**
   * Portions of the object that are not Tensors.
   */
  'metadata'?: (Buffer | Uint8Array | string);
  /**
   * Tensors contained within objects being serialized.
   */
  'tensors'?: (_tensorflow_TensorProto)[];
}

/**
 * Protocol buffer representing the serialization format of DT_VARIANT tensors.
 */
export interface VariantTensorDataProto__Output {
  /**
   * Name of the type of objects being serialized.
   */
  'type_name': (string);
  /**
   * Portions of the object that are not Tensors.
   */
  'metadata': (Buffer);
  /**
   * Tensors contained within objects being serialized.
   */
  'tensors': (_tensorflow_TensorProto__Output)[];
}
