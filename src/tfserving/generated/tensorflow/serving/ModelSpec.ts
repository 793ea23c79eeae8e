// Original file: protos/tensorflow_serving/apis/model.proto

import type { Int64Value as _google_protobuf_Int64Value, Int64Value__Output as _google_protobuf_Int64Value__Output } from '../../google/protobuf/Int64Value';

/**
 * Metadata for an inference request such as the model name and version.
 */
export interface ModelSpec {
  /**
   * Required servable name.
   */
  'name'?: (string);
  'version'?: (_google_protobuf_Int64Value | null);
  /**
   * A named signature to evaluate. If unspecified, the default signature ("serving_default") is used.
   */
  'signature_name'?: (string);
  'version_label'?: (string);
  /**
   * Optional choice of which version of the model to use. Absent: the latest version.
   */
  'version_choice'?: "version"|"version_label";
}

/**
 * Metadata for an inference request such as the model name and version.
 */
export interface ModelSpec__Output {
  /**
   * Required servable name.
   */
  'name': (string);
  'version'?: (_google_protobuf_Int64Value__Output | null);
  /**
   * A named signature to evaluate. If unspecified, the default signature ("serving_default") is used.
   */
  'signature_name': (string);
  'version_label'?: (string);
  /**
   * Optional choice of which version of the model to use. Absent: the latest version.
   */
  'version_choice'?: "version"|"version_label";
}
