// Original file: protos/tensorflow_serving/apis/get_model_metadata.proto

import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from '../../tensorflow/serving/ModelSpec';

export interface GetModelMetadataRequest {
  /**
   * Model Specification indicating which model we are querying for metadata. If version is not specified, will
   * use the latest (numerical) version.
   */
  'model_spec'?: (_tensorflow_serving_ModelSpec | null);
  /**
   * Metadata fields to get. Currently supported: "signature_def".
   */
  'metadata_field'?: (string)[];
}

export interface GetModelMetadataRequest__Output {
  /**
   * Model Specification indicating which model we are querying for metadata. If version is not specified, will
   * use the latest (numerical) version.
   */
  'model_spec': (_tensorflow_serving_ModelSpec__Output | null);
  /**
   * Metadata fields to get. Currently supported: "signature_def".
   */
  'metadata_field': (string)[];
}
