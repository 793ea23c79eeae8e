// Original file: protos/tensorflow_serving/apis/status.proto

import type { Code as _tensorflow_error_Code, Code__Output as _tensorflow_error_Code__Output } from '../../tensorflow/error/Code';

/**
 * Status that corresponds to Status in third_party/tensorflow/core/lib/core/status.h.
 */
export interface StatusProto {
  /**
   * Error code.
   */
  'error_code'?: (_tensorflow_error_Code);
  /**
   * Error message. Will only be set if an error was encountered.
   */
  'error_message'?: (string);
}

/**
 * Status that corresponds to Status in third_party/tensorflow/core/lib/core/status.h.
 */
export interface StatusProto__Output {
  /**
   * Error code.
   */
  'error_code': (_tensorflow_error_Code__Output);
  /**
   * Error message. Will only be set if an error was encountered.
   */
  'error_message': (string);
}
