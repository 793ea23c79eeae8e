// Original file: protos/tensorflow_serving/apis/predict.proto

import type { TensorProto as _tensorflow_TensorProto, TensorProto__Output as _tensorflow_TensorProto__Output } from '../../tensorflow/TensorProto';
import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from '../../tensorflow/serving/ModelSpec';

/**
 * Response for PredictRequest on successful run.
 */
export interface PredictResponse {
  /**
   * Output tensors.
   */
  'outputs'?: ({[key: string]: _tensorflow_TensorProto});
  /**
   * Effective Model Specification used to process PredictRequest.
   */
  'model_spec'?: (_tensorflow_serving_ModelSpec | null);
}

/**
 * Response for PredictRequest on successful run.
 */
export interface PredictResponse__Output {
  /**
   * Output tensors.
   */
  'outputs': ({[key: string]: _tensorflow_TensorProto__Output});
  /**
   * Effective Model Specification used to process PredictRequest.
   */
  'model_spec': (_tensorflow_serving_ModelSpec__Output | null);
}
