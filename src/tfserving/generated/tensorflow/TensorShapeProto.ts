// Original file: protos/tensorflow/core/framework/tensor_shape.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One dimension of the tensor.
 */
export interface _tensorflow_TensorShapeProto_Dim {
  /**
   * Size of the tensor in that dimension. This value must be >= -1, but values of -1 are reserved for "unknown"
   * shapes (values of -1 mean "unknown" dimension).
   */
  'size'?: (number | string | Long);
  /**
   * Optional name of the tensor dimension.
   */
  'name'?: (string);
}

/**
 * One dimension of the tensor.
 */
export interface _tensorflow_TensorShapeProto_Dim__Output {
  /**
   * Size of the tensor in that dimension. This value must be >= -1, but values of -1 are reserved for "unknown"
   * shapes (values of -1 mean "unknown" dimension).
   */
  'size': (string);
  /**
   * Optional name of the tensor dimension.
   */
  'name': (string);
}

/**
 * Dimensions of a tensor.
 */
export interface TensorShapeProto {
  /**
   * Dimensions of the tensor, such as {"input", 30}, {"output", 40} for a 30 x 40 2D tensor. An empty list with
   * unknown_rank false is a scalar.
   */
  'dim'?: (_tensorflow_TensorShapeProto_Dim)[];
  /**
   * If true, the number of dimensions in the shape is unknown. If true, "dim.size()" must be 0.
   */
  'unknown_rank'?: (boolean);
}

/**
 * Dimensions of a tensor.
 */
export interface TensorShapeProto__Output {
  /**
   * Dimensions of the tensor, such as {"input", 30}, {"output", 40} for a 30 x 40 2D tensor. An empty list with
   * unknown_rank false is a scalar.
   */
  'dim': (_tensorflow_TensorShapeProto_Dim__Output)[];
  /**
   * If true, the number of dimensions in the shape is unknown. If true, "dim.size()" must be 0.
   */
  'unknown_rank': (boolean);
}
