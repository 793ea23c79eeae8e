// Original file: protos/tensorflow_serving/apis/predict.proto

import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from '../../tensorflow/serving/ModelSpec';
import type { TensorProto as _tensorflow_TensorProto, TensorProto__Output as _tensorflow_TensorProto__Output } from '../../tensorflow/TensorProto';

/**
 * PredictRequest specifies which TensorFlow model to run, as well as how inputs are mapped to tensors and how
 * outputs are filtered before returning to user.
 */
export interface PredictRequest {
  /**
   * Model Specification. If version is not specified, will use the latest (numerical) version.
   */
  'model_spec'?: (_tensorflow_serving_ModelSpec | null);
  /**
   * Input tensors. Names of input tensor are alias names. The mapping from aliases to real input tensor names is
   * stored in the SavedModel export as a prediction SignatureDef under the 'inputs' field.
   */
  'inputs'?: ({[key: string]: _tensorflow_TensorProto});
  /**
   * Output filter. Names specified are alias names. If unspecified, all output aliases are returned.
   */
  'output_filter'?: (string)[];
}

/**
 * PredictRequest specifies which TensorFlow model to run, as well as how inputs are mapped to tensors and how
 * outputs are filtered before returning to user.
 */
export interface PredictRequest__Output {
  /**
   * Model Specification. If version is not specified, will use the latest (numerical) version.
   */
  'model_spec': (_tensorflow_serving_ModelSpec__Output | null);
  /**
   * Input tensors. Names of input tensor are alias names. The mapping from aliases to real input tensor names is
   * stored in the SavedModel export as a prediction SignatureDef under the 'inputs' field.
   */
  'inputs': ({[key: string]: _tensorflow_TensorProto__Output});
  /**
   * Output filter. Names specified are alias names. If unspecified, all output aliases are returned.
   */
  'output_filter': (string)[];
}
