// Original file: protos/tensorflow_serving/apis/get_model_metadata.proto

import type { ModelSpec as _tensorflow_serving_ModelSpec, ModelSpec__Output as _tensorflow_serving_ModelSpec__Output } from '../../tensorflow/serving/ModelSpec';
import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from '../../google/protobuf/Any';

export interface GetModelMetadataResponse {
  /**
   * Model Specification indicating which model this metadata belongs to.
   */
  'model_spec'?: (_tensorflow_serving_ModelSpec | null);
  /**
   * Map of metadata field name to metadata field. The options for metadata field name are listed in
   * GetModelMetadataRequest. Currently supported: "signature_def".
   */
  'metadata'?: ({[key: string]: _google_protobuf_Any});
}

export interface GetModelMetadataResponse__Output {
  /**
   * Model Specification indicating which model this metadata belongs to.
   */
  'model_spec': (_tensorflow_serving_ModelSpec__Output | null);
  /**
   * Map of metadata field name to metadata field. The options for metadata field name are listed in
   * GetModelMetadataRequest. Currently supported: "signature_def".
   */
  'metadata': ({[key: string]: _google_protobuf_Any__Output});
}
