// Original file: protos/tensorflow_serving/apis/get_model_status.proto

import type { StatusProto as _tensorflow_serving_StatusProto, StatusProto__Output as _tensorflow_serving_StatusProto__Output } from '../../tensorflow/serving/StatusProto';
import type { Long } from '@grpc/proto-loader';

// Original file: protos/tensorflow_serving/apis/get_model_status.proto

/**
 * States that map to ManagerState enum in tensorflow_serving/core/servable_state.h
 */
export const _tensorflow_serving_ModelVersionStatus_State = {
  /**
   * Default value.
   */
  UNKNOWN: 'UNKNOWN',
  /**
   * The manager is tracking this servable, but has not initiated any action pertaining to it.
   */
  START: 'START',
  /**
   * The manager has decided to load this servable. In particular, checks around resource availability and
   * other aspects have passed, and the manager is about to invoke the loader's Load() method.
   */
  LOADING: 'LOADING',
  /**
   * The manager has successfully loaded this servable and made it available for serving (i.e. GetServableHandle
   * (id) will succeed). To avoid races, this state is not reported until *after* the servable is made available.
   */
  AVAILABLE: 'AVAILABLE',
  /**
   * The manager has decided to make this servable unavailable, and unload it. To avoid races, this state is
   * reported *before* the servable is made unavailable.
   */
  UNLOADING: 'UNLOADING',
  /**
   * This servable has reached the end of its journey in the manager. Either it loaded and ultimately unloaded
   * successfully, or it hit an error at some point in its lifecycle.
   */
  END: 'END',
} as const;

/**
 * States that map to ManagerState enum in tensorflow_serving/core/servable_state.h
 */
export type _tensorflow_serving_ModelVersionStatus_State =
  /**
   * Default value.
   */
  | 'UNKNOWN'
  | 0
  /**
   * The manager is tracking this servable, but has not initiated any action pertaining to it.
   */
  | 'START'
  | 10
  /**
   * The manager has decided to load this servable. In particular, checks around resource availability and
   * other aspects have passed, and the manager is about to invoke the loader's Load() method.
   */
  | 'LOADING'
  | 20
  /**
   * The manager has successfully loaded this servable and made it available for serving (i.e. GetServableHandle
   * (id) will succeed). To avoid races, this state is not reported until *after* the servable is made available.
   */
  | 'AVAILABLE'
  | 30
  /**
   * The manager has decided to make this servable unavailable, and unload it. To avoid races, this state is
   * reported *before* the servable is made unavailable.
   */
  | 'UNLOADING'
  | 40
  /**
   * This servable has reached the end of its journey in the manager. Either it loaded and ultimately unloaded
   * successfully, or it hit an error at some point in its lifecycle.
   */
  | 'END'
  | 50

/**
 * States that map to ManagerState enum in tensorflow_serving/core/servable_state.h
 */
export type _tensorflow_serving_ModelVersionStatus_State__Output = typeof _tensorflow_serving_ModelVersionStatus_State[keyof typeof _tensorflow_serving_ModelVersionStatus_State]

/**
 * Version number, state, and status for a single version of a model.
 */
export interface ModelVersionStatus {
  /**
   * Model version.
   */
  'version'?: (number | string | Long);
  /**
   * Model state.
   */
  'state'?: (_tensorflow_serving_ModelVersionStatus_State);
  /**
   * Model status.
   */
  'status'?: (_tensorflow_serving_StatusProto | null);
}

/**
 * Version number, state, and status for a single version of a model.
 */
export interface ModelVersionStatus__Output {
  /**
   * Model version.
   */
  'version': (string);
  /**
   * Model state.
   */
  'state': (_tensorflow_serving_ModelVersionStatus_State__Output);
  /**
   * Model status.
   */
  'status': (_tensorflow_serving_StatusProto__Output | null);
}
