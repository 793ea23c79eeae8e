// Original file: protos/tensorflow_serving/apis/get_model_status.proto

import type { ModelVersionStatus as _tensorflow_serving_ModelVersionStatus, ModelVersionStatus__Output as _tensorflow_serving_ModelVersionStatus__Output } from '../../tensorflow/serving/ModelVersionStatus';

/**
 * Response for ModelStatusRequest on successful run.
 */
export interface GetModelStatusResponse {
  /**
   * Version number and status information for applicable model version(s).
   */
  'model_version_status'?: (_tensorflow_serving_ModelVersionStatus)[];
}

/**
 * Response for ModelStatusRequest on successful run.
 */
export interface GetModelStatusResponse__Output {
  /**
   * Version number and status information for applicable model version(s).
   */
  'model_version_status': (_tensorflow_serving_ModelVersionStatus__Output)[];
}
