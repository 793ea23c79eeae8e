// Original file: protos/tensorflow_serving/apis/get_model_metadata.proto

import type { SignatureDef as _tensorflow_SignatureDef, SignatureDef__Output as _tensorflow_SignatureDef__Output } from '../../tensorflow/SignatureDef';

/**
 * Message returned for "signature_def" field.
 */
export interface SignatureDefMap {
  'signature_def'?: ({[key: string]: _tensorflow_SignatureDef});
}

/**
 * Message returned for "signature_def" field.
 */
export interface SignatureDefMap__Output {
  'signature_def': ({[key: string]: _tensorflow_SignatureDef__Output});
}
