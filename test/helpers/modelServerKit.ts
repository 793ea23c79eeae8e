/**
 * Shared by the modelServer*.test.ts files: a small generated model directory, an in-process model server on
 * port 0, and raw gRPC stubs (so tests can send exactly the bytes a foreign client might, malformed ones too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { generateModels, type GenerateOptions } from '../../src/model-server/generateModels';
import { startModelServer, type ModelServer, type ModelServerOptions } from '../../src/model-server/server';
import {
  ModelService,
  PredictionService,
  type GetModelMetadataRequest,
  type GetModelMetadataResponse__Output,
  type GetModelStatusRequest,
  type GetModelStatusResponse__Output,
  type ModelServiceClient,
  type PredictionServiceClient,
  type PredictRequest,
  type PredictResponse__Output,
  type TensorProto,
} from '../../src/tfserving/protos';

export const silentLogger = pino({ level: 'silent' });

/** A temp model base dir written by generateModels; `cleanup()` removes it. */
export function tempModels(opts: Omit<GenerateOptions, 'basePath'> = {}): { basePath: string; cleanup: () => void } {
  const basePath = mkdtempSync(join(tmpdir(), 'nightshift-models-'));
  generateModels({ ...opts, basePath });
  return { basePath, cleanup: () => rmSync(basePath, { recursive: true, force: true }) };
}

export interface Harness {
  server: ModelServer;
  predictions: PredictionServiceClient;
  models: ModelServiceClient;
  admin: <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<{ status: number; json: T }>;
  close: () => Promise<void>;
}

export async function startHarness(opts: Omit<ModelServerOptions, 'logger'>): Promise<Harness> {
  const server = await startModelServer({ adminAddr: '127.0.0.1:0', ...opts, logger: silentLogger });
  const target = `127.0.0.1:${server.port}`;
  const creds = grpc.credentials.createInsecure();
  const predictions = new PredictionService(target, creds);
  const models = new ModelService(target, creds);
  return {
    server,
    predictions,
    models,
    admin: async <T,>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${server.adminPort}${path}`, {
        method,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as T };
    },
    close: async () => {
      predictions.close();
      models.close();
      await server.stop();
    },
  };
}

export type Outcome<T> = { ok: true; res: T; ms: number } | { ok: false; code: grpc.status; details: string; ms: number };

function call<Req, Res>(
  start: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  req: Req,
  deadlineMs: number,
): Promise<Outcome<Res>> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    start(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
      const ms = Date.now() - t0;
      resolve(err ? { ok: false, code: err.code, details: err.details, ms } : { ok: true, res: res!, ms });
    });
  });
}

export const predict = (h: Harness, req: PredictRequest, deadlineMs = 10_000) =>
  call<PredictRequest, PredictResponse__Output>(h.predictions.Predict.bind(h.predictions), req, deadlineMs);

export const metadata = (h: Harness, req: GetModelMetadataRequest, deadlineMs = 10_000) =>
  call<GetModelMetadataRequest, GetModelMetadataResponse__Output>(h.predictions.GetModelMetadata.bind(h.predictions), req, deadlineMs);

export const status = (h: Harness, req: GetModelStatusRequest, deadlineMs = 10_000) =>
  call<GetModelStatusRequest, GetModelStatusResponse__Output>(h.models.GetModelStatus.bind(h.models), req, deadlineMs);

/** An INT64 `[n]` tensor in int64_val, the way TF Serving's Python client writes one. */
export function userIds(ids: (number | bigint)[]): TensorProto {
  return { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: ids.length }] }, int64_val: ids.map(String) };
}

export const recommend = (h: Harness, ids: (number | bigint)[], spec: Partial<PredictRequest['model_spec']> = {}) =>
  predict(h, { model_spec: { name: 'recommender', ...spec }, inputs: { user_id: userIds(ids) } });

/** Asserts a failed call and returns it, for message checks. */
export function failure<T>(o: Outcome<T>): { code: grpc.status; details: string; ms: number } {
  if (o.ok) throw new Error(`expected the call to fail, it answered ${JSON.stringify(o.res).slice(0, 200)}`);
  return o;
}

export function success<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected the call to succeed, it failed ${grpc.status[o.code]}: ${o.details}`);
  return o.res;
}
