/**
 * A model's signature as Nightshift uses it: input/output names, dtypes and shapes, read from TF Serving's
 * GetModelMetadata answer (`metadata["signature_def"]`, a packed SignatureDefMap).
 */
import { unpackSignatureDefMap, type GetModelMetadataResponse__Output, type TensorInfo__Output } from './protos';

export interface TensorSpec {
  /** The alias in the signature (the key of `inputs`/`outputs`, what PredictRequest.inputs is keyed by). */
  name: string;
  /** TensorFlow's DataType name, e.g. `DT_FLOAT`, `DT_INT64`, `DT_STRING`. */
  dtype: string;
  /** Dimensions, -1 where unknown (dimension 0 is the batch); null when even the rank is unknown. */
  shape: number[] | null;
}

export interface ModelSignature {
  /** The model that answered, with the version it resolved to (int64, as a decimal string). */
  model: { name: string; version: string };
  signature_name: string;
  method_name: string;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

export const DEFAULT_SIGNATURE = 'serving_default';

function tensorSpec(name: string, info: TensorInfo__Output): TensorSpec {
  const shape = info.tensor_shape;
  return {
    name,
    dtype: String(info.dtype),
    shape: !shape || shape.unknown_rank ? null : shape.dim.map((d) => Number(d.size)),
  };
}

function specs(map: Record<string, TensorInfo__Output>): Record<string, TensorSpec> {
  const out: Record<string, TensorSpec> = {};
  for (const name of Object.keys(map).sort()) out[name] = tensorSpec(name, map[name]!);
  return out;
}

/**
 * Picks one signature out of a GetModelMetadata answer; undefined when the model has no signature of that name
 * (the client turns that into TF Serving's FAILED_PRECONDITION wording). Throws when the answer carries no
 * signature_def at all.
 */
export function signatureFromMetadata(res: GetModelMetadataResponse__Output, signatureName: string): ModelSignature | undefined {
  const packed = res.metadata['signature_def'];
  if (!packed) throw new Error('GetModelMetadata answered without metadata["signature_def"]');
  const map = unpackSignatureDefMap(packed).signature_def;
  const def = map[signatureName];
  if (!def) return undefined;
  return {
    model: { name: res.model_spec?.name ?? '', version: res.model_spec?.version?.value ?? '' },
    signature_name: signatureName,
    method_name: def.method_name,
    inputs: specs(def.inputs),
    outputs: specs(def.outputs),
  };
}
