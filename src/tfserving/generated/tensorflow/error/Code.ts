// Original file: protos/tensorflow/core/protobuf/error_codes.proto

/**
 * The canonical error codes for TensorFlow APIs; the same numbers as gRPC status codes.
 */
export const Code = {
  /**
   * Not an error; returned on success
   */
  OK: 'OK',
  /**
   * The operation was cancelled (typically by the caller).
   */
  CANCELLED: 'CANCELLED',
  /**
   * Unknown error.
   */
  UNKNOWN: 'UNKNOWN',
  /**
   * Client specified an invalid argument.
   */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /**
   * Deadline expired before operation could complete.
   */
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  /**
   * Some requested entity (e.g., file or directory) was not found.
   */
  NOT_FOUND: 'NOT_FOUND',
  /**
   * Some entity that we attempted to create (e.g., file or directory) already exists.
   */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  /**
   * The caller does not have permission to execute the specified operation.
   */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /**
   * The request does not have valid authentication credentials for the operation.
   */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /**
   * Some resource has been exhausted, perhaps a per-user quota, or perhaps the entire file system is out of space.
   */
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  /**
   * Operation was rejected because the system is not in a state required for the operation's execution.
   */
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  /**
   * The operation was aborted, typically due to a concurrency issue like sequencer check failures, transaction
   * aborts, etc.
   */
  ABORTED: 'ABORTED',
  /**
   * Operation tried to iterate past the valid input range.
   */
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  /**
   * Operation is not implemented or not supported/enabled in this service.
   */
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  /**
   * Internal errors.
   */
  INTERNAL: 'INTERNAL',
  /**
   * The service is currently unavailable.
   */
  UNAVAILABLE: 'UNAVAILABLE',
  /**
   * Unrecoverable data loss or corruption.
   */
  DATA_LOSS: 'DATA_LOSS',
  /**
   * An extra enum entry to prevent people from writing code that fails to compile when a new code is added.
   */
  DO_NOT_USE_RESERVED_FOR_FUTURE_EXPANSION_USE_DEFAULT_IN_SWITCH_INSTEAD_: 'DO_NOT_USE_RESERVED_FOR_FUTURE_EXPANSION_USE_DEFAULT_IN_SWITCH_INSTEAD_',
} as const;

/**
 * The canonical error codes for TensorFlow APIs; the same numbers as gRPC status codes.
 */
export type Code =
  /**
   * Not an error; returned on success
   */
  | 'OK'
  | 0
  /**
   * The operation was cancelled (typically by the caller).
   */
  | 'CANCELLED'
  | 1
  /**
   * Unknown error.
   */
  | 'UNKNOWN'
  | 2
  /**
   * Client specified an invalid argument.
   */
  | 'INVALID_ARGUMENT'
  | 3
  /**
   * Deadline expired before operation could complete.
   */
  | 'DEADLINE_EXCEEDED'
  | 4
  /**
   * Some requested entity (e.g., file or directory) was not found.
   */
  | 'NOT_FOUND'
  | 5
  /**
   * Some entity that we attempted to create (e.g., file or directory) already exists.
   */
  | 'ALREADY_EXISTS'
  | 6
  /**
   * The caller does not have permission to execute the specified operation.
   */
  | 'PERMISSION_DENIED'
  | 7
  /**
   * The request does not have valid authentication credentials for the operation.
   */
  | 'UNAUTHENTICATED'
  | 16
  /**
   * Some resource has been exhausted, perhaps a per-user quota, or perhaps the entire file system is out of space.
   */
  | 'RESOURCE_EXHAUSTED'
  | 8
  /**
   * Operation was rejected because the system is not in a state required for the operation's execution.
   */
  | 'FAILED_PRECONDITION'
  | 9
  /**
   * The operation was aborted, typically due to a concurrency issue like sequencer check failures, transaction
   * aborts, etc.
   */
  | 'ABORTED'
  | 10
  /**
   * Operation tried to iterate past the valid input range.
   */
  | 'OUT_OF_RANGE'
  | 11
  /**
   * Operation is not implemented or not supported/enabled in this service.
   */
  | 'UNIMPLEMENTED'
  | 12
  /**
   * Internal errors.
   */
  | 'INTERNAL'
  | 13
  /**
   * The service is currently unavailable.
   */
  | 'UNAVAILABLE'
  | 14
  /**
   * Unrecoverable data loss or corruption.
   */
  | 'DATA_LOSS'
  | 15
  /**
   * An extra enum entry to prevent people from writing code that fails to compile when a new code is added.
   */
  | 'DO_NOT_USE_RESERVED_FOR_FUTURE_EXPANSION_USE_DEFAULT_IN_SWITCH_INSTEAD_'
  | 20

/**
 * The canonical error codes for TensorFlow APIs; the same numbers as gRPC status codes.
 */
export type Code__Output = typeof Code[keyof typeof Code]
