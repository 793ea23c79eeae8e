// Original file: protos/tensorflow_serving/apis/get_model_status.proto

import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from '../../tensorflow/serving/ModelSpec';

/**
 * GetModelStatusRequest contains a ModelSpec indicating the model for which to get status.
 */
export interface GetModelStatusRequest {
  /**
   * Model Specification. If version is not specified, information about all versions of the model will be
   * returned. If a version is specified, the status of only that version will be returned.
   */
  'model_spec'?: (_tensorflow_serving_ModelSpec | null);
}

/**
 * GetModelStatusRequest contains a ModelSpec indicating the model for which to get status.
 */
export interface GetModelStatusRequest__Output {
  /**
   * Model Specification. If version is not specified, information about all versions of the model will be
   * returned. If a version is specified, the status of only that version will be returned.
   */
  'model_spec': (_tensorflow_serving_ModelSpec__Output | null);
}
