/**
 * The production TF Serving client: one gRPC channel to one or more TF Serving addresses with round robin,
 * keepalive, a deadline on every call, large message limits and optional TLS/mTLS. It speaks TF Serving's own
 * API (protos/), so it works against tensorflow_model_server as well as against the bundled model server.
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { CodecError, tensorsToItems, itemsToTensors } from './codec';
import { TfServingError } from './errors';
import {
  ModelService,
  type GetModelMetadataResponse__Output,
  type GetModelStatusResponse__Output,
  PredictionService,
  type ModelServiceClient,
  type ModelSpec,
  type PredictionServiceClient,
  type PredictRequest,
  type PredictResponse__Output,
  type TensorProto,
} from './protos';
import { grpcTarget } from './resolver';
import { DEFAULT_SIGNATURE, signatureFromMetadata, type ModelSignature } from './signature';

export type { ModelSignature, TensorSpec } from './signature';

export interface TfServingClientOptions {
  /** `host:port`, `host:port,host:port` or any grpc target (`dns:host:port`, `ipv4:...`). */
  target: string;
  tls?: boolean;
  /** PEM files; CA alone verifies the server, cert and key add a client certificate (mTLS). */
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Deadline of one call unless the call says otherwise. Default 30 s. */
  deadlineMs?: number;
  /** Max gRPC message size, both ways. Default 64 MiB (grpc-js's 4 MiB is too small for real responses). */
  maxMessageBytes?: number;
  /** Max items in one Predict request; larger predict() calls are sub-batched. Default 128. */
  maxBatchSize?: number;
  /** Ping an idle-looking connection this often while calls are in flight. Default 60 s. */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** How long a signature read by predict() is reused. Default 30 s. */
  signatureCacheMs?: number;
  /** Extra grpc-js channel options (tests, tuning). */
  channelOptions?: grpc.ChannelOptions;
}

/** Which model, version and signature; `version` or `version_label`, not both (TF Serving's ModelSpec oneof). */
export interface ModelRef {
  name: string;
  version?: number | string;
  version_label?: string;
  signature_name?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline of each gRPC call made for this request. */
  deadlineMs?: number;
}

export interface PredictOptions extends CallOptions {
  /** Skip GetModelMetadata: encode with this signature. */
  signature?: ModelSignature;
  /** Only these outputs (TF Serving's output_filter). */
  outputFilter?: string[];
}

export interface PredictResult {
  model: { name: string; version: string; signature_name: string };
  /** One object per item, in item order, keyed by output name. */
  outputs: Record<string, unknown>[];
}

export type ModelVersionState = 'UNKNOWN' | 'START' | 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'END';

export interface ModelVersionInfo {
  version: string;
  state: ModelVersionState;
  /** gRPC/TensorFlow status code of the version (0 = OK). */
  error_code: number;
  error_message: string;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULTS = {
  deadlineMs: 30_000,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxBatchSize: 128,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  signatureCacheMs: 30_000,
};
/** Room left in a message for the envelope around the tensors (names, shapes, model spec), at most 1/8 of it. */
const MESSAGE_HEADROOM = 64 * 1024;

function readPem(file: string | undefined, what: string): Buffer | null {
  if (!file) return null;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`TF Serving TLS ${what} file ${file}: ${(err as Error).message}`);
  }
}

function credentials(o: TfServingClientOptions): grpc.ChannelCredentials {
  if (!o.tls) return grpc.credentials.createInsecure();
  const cert = readPem(o.tlsCertFile, 'certificate');
  const key = readPem(o.tlsKeyFile, 'key');
  if (!cert !== !key) throw new Error('TF Serving mTLS needs both a certificate file and a key file');
  return grpc.credentials.createSsl(readPem(o.tlsCaFile, 'CA'), key, cert);
}

export function modelSpecOf(model: ModelRef): ModelSpec {
  const spec: ModelSpec = { name: model.name, signature_name: model.signature_name ?? '' };
  if (model.version !== undefined && model.version !== '') spec.version = { value: String(model.version) };
  else if (model.version_label) spec.version_label = model.version_label;
  return spec;
}

interface PlannedRequest {
  start: number;
  count: number;
  inputs: Record<string, TensorProto>;
}

/** A call the caller aborted: CANCELLED, and not worth a retry. */
function cancelledByCaller(rpc: string, cause?: unknown): TfServingError {
  return new TfServingError(grpc.status.CANCELLED, `${rpc} cancelled by the caller`, { rpc, retryable: false, cause });
}

/** Waits for `p`, or rejects CANCELLED as soon as the caller's signal fires (p itself goes on for others). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, rpc: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(cancelledByCaller(rpc));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledByCaller(rpc));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A ModelVersionStatus's error code as a number. proto3 leaves default values off the wire: an OK version may come
 * with no `status` at all (a server built from tensorflow-serving-api's stubs does that), and that means OK.
 * Only a code this client cannot name is UNKNOWN.
 */
function statusCode(code: string | number | null | undefined): number {
  if (code === null || code === undefined || code === '') return grpc.status.OK;
  if (typeof code === 'number') return code;
  return grpc.status[code as keyof typeof grpc.status] ?? grpc.status.UNKNOWN;
}

/** Protobuf bytes the tensors will take, roughly; used only to keep requests under the message limit. */
function tensorBytes(t: TensorProto): number {
  let n = 32 + (t.tensor_content?.length ?? 0);
  for (const s of t.string_val ?? []) n += s.length + 5;
  return n;
}

export class TfServingClient {
  readonly target: string;
  readonly grpcTarget: string;
  private readonly opts: Required<Omit<TfServingClientOptions, 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile' | 'channelOptions'>>;
  private readonly prediction: PredictionServiceClient;
  private readonly models: ModelServiceClient;
  private readonly signatures = new Map<string, { at: number; value: Promise<ModelSignature> }>();

  constructor(options: TfServingClientOptions) {
    this.opts = {
      ...DEFAULTS,
      tls: false,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as TfServingClient['opts'];
    this.target = options.target;
    this.grpcTarget = grpcTarget(options.target);
    const channelOptions: grpc.ChannelOptions = {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
      'grpc.max_send_message_length': this.opts.maxMessageBytes,
      'grpc.max_receive_message_length': this.opts.maxMessageBytes,
      'grpc.keepalive_time_ms': this.opts.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.opts.keepaliveTimeoutMs,
      // TF Serving (gRPC C++) answers pings on idle connections with GOAWAY too_many_pings.
      'grpc.keepalive_permit_without_calls': 0,
      ...options.channelOptions,
    };
    const creds = credentials(options);
    this.prediction = new PredictionService(this.grpcTarget, creds, channelOptions);
    // The second stub shares the first one's channel: one set of connections per client.
    this.models = new ModelService(this.grpcTarget, creds, { ...channelOptions, channelOverride: this.prediction.getChannel() });
  }

  get maxBatchSize(): number {
    return this.opts.maxBatchSize;
  }

  /** One unary call with deadline and AbortSignal; errors become TfServingError with the server's message. */
  private unary<Res>(rpc: string, opts: CallOptions, start: (options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall): Promise<Res> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(cancelledByCaller(rpc));
    return new Promise<Res>((resolve, reject) => {
      const deadline = new Date(Date.now() + (opts.deadlineMs ?? this.opts.deadlineMs));
      const onAbort = () => call.cancel();
      const call = start({ deadline }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          if (err.code === grpc.status.CANCELLED && signal?.aborted) {
            reject(cancelledByCaller(rpc, err));
          } else reject(TfServingError.fromServiceError(err, rpc));
        } else resolve(res!);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The signature of a model (GetModelMetadata): input/output names, dtypes and shapes. */
  async getModelMetadata(model: ModelRef, opts: CallOptions = {}): Promise<ModelSignature> {
    const signatureName = model.signature_name || DEFAULT_SIGNATURE;
    const res = await this.unary<GetModelMetadataResponse__Output>('GetModelMetadata', opts, (o, cb) =>
      this.prediction.GetModelMetadata({ model_spec: modelSpecOf(model), metadata_field: ['signature_def'] }, o, cb),
    );
    let signature: ModelSignature | undefined;
    try {
      signature = signatureFromMetadata(res, signatureName);
    } catch (err) {
      throw new TfServingError(grpc.status.INTERNAL, `malformed GetModelMetadata answer: ${(err as Error).message}`, { rpc: 'GetModelMetadata', cause: err });
    }
    // TF Serving's own wording for a signature the model does not have (it says so on Predict).
    if (!signature) throw new TfServingError(grpc.status.FAILED_PRECONDITION, `Serving signature key "${signatureName}" not found.`, { rpc: 'GetModelMetadata' });
    return signature;
  }

  /**
   * getModelMetadata, reused for signatureCacheMs so every predict() does not ask again. The shared call is not
   * tied to any one caller's AbortSignal (one job's cancellation must not fail another job's predict); each
   * caller stops waiting on its own signal instead.
   */
  private cachedSignature(model: ModelRef, opts: CallOptions): Promise<ModelSignature> {
    const key = JSON.stringify([model.name, model.version ?? null, model.version_label ?? null, model.signature_name || DEFAULT_SIGNATURE]);
    let hit = this.signatures.get(key);
    if (!hit || Date.now() - hit.at >= this.opts.signatureCacheMs) {
      const value = this.getModelMetadata(model, { deadlineMs: opts.deadlineMs });
      hit = { at: Date.now(), value };
      this.signatures.set(key, hit);
      value.catch(() => {
        if (this.signatures.get(key)?.value === value) this.signatures.delete(key);
      });
    }
    return abortable(hit.value, opts.signal, 'GetModelMetadata');
  }

  /** Versions of a model and their states (GetModelStatus); all versions unless the ref names one. */
  async getModelStatus(model: ModelRef, opts: CallOptions = {}): Promise<ModelVersionInfo[]> {
    const res = await this.unary<GetModelStatusResponse__Output>('GetModelStatus', opts, (o, cb) =>
      this.models.GetModelStatus({ model_spec: modelSpecOf({ ...model, signature_name: undefined }) }, o, cb),
    );
    return res.model_version_status.map((s) => ({
      version: String(s.version),
      state: String(s.state) as ModelVersionState,
      error_code: statusCode(s.status?.error_code),
      error_message: s.status?.error_message ?? '',
    }));
  }

  /** Items [start, start + count) as one request's inputs; CodecError items are numbered in the caller's list. */
  private encode(items: unknown[], start: number, count: number, signature: ModelSignature): Record<string, TensorProto> {
    try {
      return itemsToTensors(items.slice(start, start + count), signature.inputs);
    } catch (err) {
      if (err instanceof CodecError && err.item !== undefined) throw new CodecError(err.field, err.reason, start + err.item);
      throw err;
    }
  }

  /** Cuts items into requests of at most maxBatchSize items and maxMessageBytes bytes; encodes each once. */
  private planRequests(items: unknown[], signature: ModelSignature, from = 0, to = items.length, maxBatch = this.opts.maxBatchSize): PlannedRequest[] {
    const out: PlannedRequest[] = [];
    const max = this.opts.maxMessageBytes;
    const limit = max - Math.min(MESSAGE_HEADROOM, Math.floor(max / 8));
    const plan = (start: number, count: number): void => {
      const inputs = this.encode(items, start, count, signature);
      const bytes = Object.values(inputs).reduce((n, t) => n + tensorBytes(t), 0);
      if (bytes <= limit) {
        out.push({ start, count, inputs });
      } else if (count === 1) {
        throw new CodecError('', `encodes to ${bytes} bytes, more than the max message size of ${max} bytes`, start);
      } else {
        const half = Math.ceil(count / 2);
        plan(start, half);
        plan(start + half, count - half);
      }
    };
    for (let start = from; start < to; start += maxBatch) plan(start, Math.min(maxBatch, to - start));
    return out;
  }

  /**
   * Predict for row-format items (see codec.ts): sub-batched, one request at a time, outputs in item order.
   * A CodecError (with `item` set) means an item does not fit the signature; a TfServingError is the server's.
   */
  async predict(model: ModelRef, items: unknown[], opts: PredictOptions = {}): Promise<PredictResult> {
    const signature = opts.signature ?? (await this.cachedSignature(model, opts));
    const signatureName = model.signature_name || signature.signature_name || DEFAULT_SIGNATURE;
    const result: PredictResult = {
      model: { name: model.name, version: signature.model.version, signature_name: signatureName },
      outputs: [],
    };
    const spec = modelSpecOf({ ...model, signature_name: signatureName });
    let answered = false;
    const send = async (req: PlannedRequest): Promise<void> => {
      const request: PredictRequest = { model_spec: spec, inputs: req.inputs, output_filter: opts.outputFilter ?? [] };
      let res: PredictResponse__Output;
      try {
        res = await this.unary<PredictResponse__Output>('Predict', opts, (o, cb) => this.prediction.Predict(request, o, cb));
      } catch (err) {
        // The answer was over our receive limit: ask again in halves (only the response size is unknown ahead).
        if (req.count > 1 && err instanceof TfServingError && err.codeName === 'RESOURCE_EXHAUSTED' && /Received message larger than max/i.test(err.message)) {
          for (const part of this.planRequests(items, signature, req.start, req.start + req.count, Math.ceil(req.count / 2))) await send(part);
          return;
        }
        throw err;
      }
      let rows: Record<string, unknown>[];
      try {
        rows = tensorsToItems(res.outputs, req.count);
      } catch (err) {
        if (!(err instanceof CodecError)) throw err;
        throw new TfServingError(grpc.status.INTERNAL, `malformed PredictResponse: output ${err.message}`, { rpc: 'Predict', cause: err });
      }
      for (const row of rows) result.outputs.push(row);
      if (!answered && res.model_spec) {
        result.model = {
          name: res.model_spec.name || model.name,
          version: res.model_spec.version?.value ?? result.model.version,
          signature_name: res.model_spec.signature_name || signatureName,
        };
        answered = true;
      }
    };
    for (const req of this.planRequests(items, signature)) await send(req);
    return result;
  }

  close(): void {
    this.prediction.close();
    this.models.close();
  }
}
