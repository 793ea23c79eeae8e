// Original file: protos/tensorflow/core/protobuf/meta_graph.proto

import type { DataType as _tensorflow_DataType, DataType__Output as _tensorflow_DataType__Output } from '../tensorflow/DataType';
import type { TensorShapeProto as _tensorflow_TensorShapeProto, TensorShapeProto__Output as _tensorflow_TensorShapeProto__Output } from '../tensorflow/TensorShapeProto';

/**
 * For sparse tensors, The COO encoding stores a triple of values, indices, and shape.
 */
export interface _tensorflow_TensorInfo_CooSparse {
  /**
   * The shape of the values Tensor is [?].  Its dtype must be the dtype of the SparseTensor as a whole, given in
   * the enclosing TensorInfo.
   */
  'values_tensor_name'?: (string);
  /**
   * The indices Tensor must have dtype int64 and shape [?, ?].
   */
  'indices_tensor_name'?: (string);
  /**
   * The dynamic logical shape represented by the SparseTensor is recorded in the Tensor referenced here.  It must
   * have dtype int64 and shape [?].
   */
  'dense_shape_tensor_name'?: (string);
}

/**
 * For sparse tensors, The COO encoding stores a triple of values, indices, and shape.
 */
export interface _tensorflow_TensorInfo_CooSparse__Output {
  /**
   * The shape of the values Tensor is [?].  Its dtype must be the dtype of the SparseTensor as a whole, given in
   * the enclosing TensorInfo.
   */
  'values_tensor_name': (string);
  /**
   * The indices Tensor must have dtype int64 and shape [?, ?].
   */
  'indices_tensor_name': (string);
  /**
   * The dynamic logical shape represented by the SparseTensor is recorded in the Tensor referenced here.  It must
   * have dtype int64 and shape [?].
   */
  'dense_shape_tensor_name': (string);
}

/**
 * Information about a Tensor necessary for feeding or retrieval.
 */
export interface TensorInfo {
  /**
   * For dense `Tensor`s, the name of the tensor in the graph.
   */
  'name'?: (string);
  'dtype'?: (_tensorflow_DataType);
  /**
   * The static shape should be recorded here, to the extent that it can be known in advance.  In the case of a
   * SparseTensor, this field describes the logical shape of the represented tensor (aka dense_shape).
   */
  'tensor_shape'?: (_tensorflow_TensorShapeProto | null);
  /**
   * There are many possible encodings of sparse matrices (https://en.wikipedia.org/wiki/Sparse_matrix).
   * Currently, TensorFlow uses only the COO encoding.  This is supported and documented in the SparseTensor
   * Python class.
   */
  'coo_sparse'?: (_tensorflow_TensorInfo_CooSparse | null);
  'encoding'?: "name"|"coo_sparse";
}

/**
 * Information about a Tensor necessary for feeding or retrieval.
 */
export interface TensorInfo__Output {
  /**
   * For dense `Tensor`s, the name of the tensor in the graph.
   */
  'name'?: (string);
  'dtype': (_tensorflow_DataType__Output);
  /**
   * The static shape should be recorded here, to the extent that it can be known in advance.  In the case of a
   * SparseTensor, this field describes the logical shape of the represented tensor (aka dense_shape).
   */
  'tensor_shape': (_tensorflow_TensorShapeProto__Output | null);
  /**
   * There are many possible encodings of sparse matrices (https://en.wikipedia.org/wiki/Sparse_matrix).
   * Currently, TensorFlow uses only the COO encoding.  This is supported and documented in the SparseTensor
   * Python class.
   */
  'coo_sparse'?: (_tensorflow_TensorInfo_CooSparse__Output | null);
  'encoding'?: "name"|"coo_sparse";
}
