/**
 * The three RPCs over a ModelRepository, with TF Serving's checks in TF Serving's order and its messages
 * (tensorflow_serving/servables/tensorflow/predict_util.cc, get_model_metadata_impl.cc,
 * model_servers/get_model_status_impl.cc, and the batching session's input checks).
 */
import { CodecError, decodeTensor, encodeTensor, type DecodedTensor } from '../tfserving/codec';
import { DEFAULT_SIGNATURE, type TensorSpec } from '../tfserving/signature';
import {
  packSignatureDefMap,
  type GetModelMetadataRequest__Output,
  type GetModelMetadataResponse,
  type GetModelStatusRequest__Output,
  type GetModelStatusResponse,
  type ModelSpec,
  type ModelSpec__Output,
  type PredictRequest__Output,
  type PredictResponse,
  type SignatureDef,
  type TensorInfo,
  type TensorProto,
} from '../tfserving/protos';
import type { ModelRepository } from './modelRepository';
import type { Servable, SignatureSpec, Tensors } from './servable';
import { failedPrecondition, invalidArgument, notFound } from './servingError';

/** How Predict answers: TF Serving writes the typed `*_val` fields; `tensor_content` is more compact. */
export type ResponseEncoding = 'typed_fields' | 'tensor_content';

const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;
const keys = (o: object) => Object.keys(o).sort();

function requireSpec(spec: ModelSpec__Output | null): ModelSpec__Output {
  if (!spec) throw invalidArgument('Missing ModelSpec');
  return spec;
}

function signatureOf(servable: Servable, name: string): SignatureSpec {
  const sig = servable.signatures[name];
  if (!sig) throw failedPrecondition(`Serving signature key "${name}" not found.`);
  return sig;
}

/** TensorFlow's DataTypeString: `DT_INT64` → `int64`. */
const dtypeString = (dtype: string) => dtype.replace(/^DT_/, '').toLowerCase();

function checkInputNames(sig: SignatureSpec, inputs: Record<string, TensorProto>): void {
  const sent = keys(inputs);
  const wanted = keys(sig.inputs);
  if (sent.length !== wanted.length) {
    const extra = sent.filter((n) => !wanted.includes(n));
    const missing = wanted.filter((n) => !sent.includes(n));
    throw invalidArgument(
      `input size does not match signature: ${sent.length}!=${wanted.length} len({${sent.join(',')}}) != len({${wanted.join(',')}}). ` +
        `Sent extra: {${extra.join(',')}}. Missing but required: {${missing.join(',')}}.`,
    );
  }
  for (const alias of sent) {
    if (!sig.inputs[alias]) {
      throw invalidArgument(`input tensor alias not found in signature: ${alias}. Inputs expected to be in the set {${wanted.join(',')}}.`);
    }
  }
}

function decodeInputs(req: PredictRequest__Output): Tensors {
  const out: Tensors = {};
  for (const alias of keys(req.inputs)) {
    try {
      out[alias] = decodeTensor(req.inputs[alias]!, alias);
    } catch (err) {
      if (err instanceof CodecError) throw invalidArgument(`tensor parsing error: ${alias}`);
      throw err;
    }
  }
  return out;
}

function outputAliases(sig: SignatureSpec, filter: string[]): string[] {
  if (filter.length === 0) return keys(sig.outputs);
  const seen = new Set<string>();
  for (const alias of filter) {
    if (!sig.outputs[alias]) {
      throw invalidArgument(`output tensor alias not found in signature: ${alias} Outputs expected to be in the set {${keys(sig.outputs).join(',')}}.`);
    }
    if (seen.has(alias)) throw invalidArgument(`duplicate output tensor alias: ${alias}`);
    seen.add(alias);
  }
  return filter;
}

/** Batch size (dimension 0) after the checks TF Serving's batching session and the graph would make. */
function checkTensors(sig: SignatureSpec, inputs: Tensors): number {
  const names = keys(sig.inputs);
  let rows: number | undefined;
  for (const alias of names) {
    const t = inputs[alias]!;
    if (t.shape.length === 0) throw invalidArgument('Batching Run() input tensors must have at least one dimension');
    if (rows !== undefined && t.shape[0] !== rows) {
      throw invalidArgument('Batching Run() input tensors must have equal 0th-dimension size');
    }
    rows = t.shape[0];
  }
  names.forEach((alias, i) => {
    const want: TensorSpec = sig.inputs[alias]!;
    const t: DecodedTensor = inputs[alias]!;
    if (t.dtype !== want.dtype) {
      throw invalidArgument(`Expects arg[${i}] to be ${dtypeString(want.dtype)} but ${dtypeString(t.dtype)} is provided`);
    }
    const shape = want.shape;
    if (shape && (shape.length !== t.shape.length || shape.some((d, k) => d >= 0 && d !== t.shape[k]))) {
      throw invalidArgument(`input ${alias} has shape ${fmt(t.shape)}, which is not compatible with the signature's shape ${fmt(shape)}`);
    }
  });
  return rows ?? 0;
}

function responseSpec(name: string, servable: Servable, signature?: string): ModelSpec {
  return {
    name,
    version: { value: String(servable.version) },
    ...(signature !== undefined ? { signature_name: signature } : {}),
  };
}

export async function predict(repo: ModelRepository, req: PredictRequest__Output, encoding: ResponseEncoding): Promise<PredictResponse> {
  const spec = requireSpec(req.model_spec);
  const servable = repo.resolve(spec);
  const signature = spec.signature_name || DEFAULT_SIGNATURE;
  const sig = signatureOf(servable, signature);
  checkInputNames(sig, req.inputs);
  const inputs = decodeInputs(req);
  const aliases = outputAliases(sig, req.output_filter);
  const rows = checkTensors(sig, inputs);
  const result = await servable.predict(signature, inputs, rows);
  const outputs: Record<string, TensorProto> = {};
  for (const alias of aliases) outputs[alias] = encodeTensor(result[alias]!, { encoding }, alias);
  return { model_spec: responseSpec(spec.name, servable, signature), outputs };
}

function tensorInfo(signature: string, t: TensorSpec): TensorInfo {
  return {
    // A graph tensor name in the style of a TF2 SavedModel export.
    name: `${signature}_${t.name}:0`,
    dtype: t.dtype as TensorInfo['dtype'],
    tensor_shape: t.shape ? { dim: t.shape.map((size) => ({ size })) } : { unknown_rank: true },
  };
}

function signatureDef(name: string, sig: SignatureSpec): SignatureDef {
  const infos = (m: Record<string, TensorSpec>) =>
    Object.fromEntries(keys(m).map((alias) => [alias, tensorInfo(name, m[alias]!)]));
  return { inputs: infos(sig.inputs), outputs: infos(sig.outputs), method_name: sig.method_name };
}

export function getModelMetadata(repo: ModelRepository, req: GetModelMetadataRequest__Output): GetModelMetadataResponse {
  const spec = requireSpec(req.model_spec);
  if (req.metadata_field.length === 0) {
    throw invalidArgument('GetModelMetadataRequest must specify at least one metadata_field');
  }
  for (const field of req.metadata_field) {
    if (field !== 'signature_def') throw invalidArgument(`Metadata field ${field} is not supported`);
  }
  const servable = repo.resolve(spec);
  const map = Object.fromEntries(keys(servable.signatures).map((n) => [n, signatureDef(n, servable.signatures[n]!)]));
  return {
    model_spec: responseSpec(servable.name, servable),
    metadata: { signature_def: packSignatureDefMap({ signature_def: map }) },
  };
}

export function getModelStatus(repo: ModelRepository, req: GetModelStatusRequest__Output): GetModelStatusResponse {
  const spec = requireSpec(req.model_spec);
  const model = repo.models.get(spec.name);
  let versions = model?.versions ?? [];
  // Like TF Serving, only an explicit version narrows the answer; a label does not.
  if (spec.version_choice === 'version' && spec.version) {
    const v = Number(spec.version.value);
    versions = versions.filter((s) => s.version === v);
    if (versions.length === 0) throw notFound(`Could not find version ${spec.version.value} of model ${spec.name}`);
  } else if (versions.length === 0) {
    throw notFound(`Could not find any versions of model ${spec.name}`);
  }
  return {
    model_version_status: versions.map((s) => ({
      version: String(s.version),
      state: 'AVAILABLE',
      status: { error_code: 'OK', error_message: '' },
    })),
  };
}
