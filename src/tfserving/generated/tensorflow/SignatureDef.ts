// Original file: protos/tensorflow/core/protobuf/meta_graph.proto

import type { TensorInfo as _tensorflow_TensorInfo, TensorInfo__Output as _tensorflow_TensorInfo__Output } from '../tensorflow/TensorInfo';
import type { TensorProto as _tensorflow_TensorProto, TensorProto__Output as _tensorflow_TensorProto__Output } from '../tensorflow/TensorProto';

/**
 * SignatureDef defines the signature of a computation supported by a TensorFlow graph.
 */
export interface SignatureDef {
  /**
   * Named input parameters.
   */
  'inputs'?: ({[key: string]: _tensorflow_TensorInfo});
  /**
   * Named output parameters.
   */
  'outputs'?: ({[key: string]: _tensorflow_TensorInfo});
  /**
   * Deprecated method_name, e.g. "tensorflow/serving/predict".
   */
  'method_name'?: (string);
  /**
   * Named input to corresponding default values if any.
   */
  'defaults'?: ({[key: string]: _tensorflow_TensorProto});
}

/**
 * SignatureDef defines the signature of a computation supported by a TensorFlow graph.
 */
export interface SignatureDef__Output {
  /**
   * Named input parameters.
   */
  'inputs': ({[key: string]: _tensorflow_TensorInfo__Output});
  /**
   * Named output parameters.
   */
  'outputs': ({[key: string]: _tensorflow_TensorInfo__Output});
  /**
   * Deprecated method_name, e.g. "tensorflow/serving/predict".
   */
  'method_name': (string);
  /**
   * Named input to corresponding default values if any.
   */
  'defaults': ({[key: string]: _tensorflow_TensorProto__Output});
}
