/**
 * The TF-Serving-compatible model server, startable in-process (tests use port 0) or from main.ts.
 * gRPC: PredictionService/{Predict,GetModelMetadata} and ModelService/GetModelStatus on `addr`;
 * admin HTTP (health, stats, run-time fault injection) on `adminAddr`. See README.md in this folder.
 */
import type { Server as NetServer, Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { splitHostPort } from '../config';
import { createLogger, type Logger } from '../logger';
import { modelServiceDefinition, predictionServiceDefinition, type PredictResponse } from '../tfserving/protos';
import { startAdminServer, type AdminServer } from './adminHttp';
import { ComputePool } from './computePool';
import { FaultController, type FaultConfigInput, type FaultDecision, type RpcName } from './faults';
import { ModelRepository } from './modelRepository';
import { getModelMetadata, getModelStatus, predict, type ResponseEncoding } from './rpcs';
import type { ServableStats } from './servable';
import { ServingError, codeName } from './servingError';

export type { FaultConfig, FaultConfigInput } from './faults';
export { FaultController } from './faults';

export interface ModelServerOptions {
  /** gRPC listen address, host:port; port 0 picks a free port. Default 127.0.0.1:0. */
  addr?: string;
  /** Admin HTTP listen address; null (default) runs no admin endpoint. */
  adminAddr?: string | null;
  basePath: string;
  /** Compute threads; 0 or absent = one per core. */
  threads?: number;
  faults?: FaultConfigInput;
  /** Predict's tensor representation; default `typed_fields`, as tensorflow_model_server answers. */
  responseEncoding?: ResponseEncoding;
  /** What a `crash_after` fault does; default: drop every connection and stop answering (in-process). */
  onCrash?: () => void;
  logger?: Logger;
}

export interface RpcStats {
  requests: number;
  ok: number;
  errors: Record<string, number>;
  /** Calls received and not yet answered or cancelled by their client. */
  in_flight: number;
  /** The most calls ever in flight at once (what a client-side concurrency cap must never exceed). */
  max_in_flight: number;
  /** Calls the client cancelled (or let pass their deadline) before the server answered. */
  cancelled: number;
  /** Unix ms of the latest such cancel, null before the first: a bench times how fast a job's cancel reaches the server. */
  last_cancelled_at_ms: number | null;
  /** Predict: rows (items) of the calls answered OK; tests count predictions with it. */
  items: number;
}

export interface ModelServerStats {
  uptime_s: number;
  state: 'serving' | 'crashed' | 'stopping';
  threads: number;
  compute_queue: number;
  rpcs: Record<RpcName, RpcStats>;
  models: ServableStats[];
  faults: ReturnType<FaultController['stats']>;
}

export interface ModelServer {
  port: number;
  adminPort: number | null;
  faults: FaultController;
  stats(): ModelServerStats;
  /** Loads version dirs added to the base path since start (TF Serving finds them by polling); returns them. */
  reload(): string[];
  stop(): Promise<void>;
}

/** gRPC's max_receive_message_length is 4 MiB by default; TF Serving accepts up to INT32_MAX. */
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const log = opts.logger ?? createLogger('model-server');
  const started = Date.now();
  const pool = new ComputePool(opts.threads ?? 0);
  let repo: ModelRepository;
  try {
    repo = ModelRepository.load(opts.basePath, { pool, batchThreads: pool.size });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const faults = new FaultController(opts.faults);
  const encoding = opts.responseEncoding ?? 'typed_fields';
  const rpcStats = Object.fromEntries(
    (['Predict', 'GetModelMetadata', 'GetModelStatus'] as const).map((m) => [m, { requests: 0, ok: 0, errors: {}, in_flight: 0, max_in_flight: 0, cancelled: 0, last_cancelled_at_ms: null, items: 0 }]),
  ) as Record<RpcName, RpcStats>;
  let state: ModelServerStats['state'] = 'serving';

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });

  let connections = new Set<Socket>();
  const crash =
    opts.onCrash ??
    (() => {
      for (const socket of connections) socket.destroy();
      server.forceShutdown();
    });

  function unary<Req, Res>(
    method: RpcName,
    fn: (req: Req) => Res | Promise<Res>,
    /** Items in an answer, for the `items` counter. */
    itemsOf: (res: Res) => number = () => 0,
  ): grpc.handleUnaryCall<Req, Res> {
    const s = rpcStats[method];
    const fail = (callback: grpc.sendUnaryData<Res>, code: grpc.status, message: string) => {
      const name = codeName(code);
      s.errors[name] = (s.errors[name] ?? 0) + 1;
      callback({ code, details: message });
    };
    const handle = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>, d: FaultDecision): void => {
      switch (d.kind) {
        case 'crash':
          state = 'crashed';
          log.warn({ method }, 'fault injection: crash');
          crash();
          return;
        case 'hang':
          // Never answered: the client's deadline or cancellation (or stop()) ends the call.
          return;
        case 'delay': {
          const timer = setTimeout(() => handle(call, callback, d.then), d.ms);
          call.on('cancelled', () => clearTimeout(timer));
          return;
        }
        case 'error':
          fail(callback, d.code, d.message);
          return;
        case 'none':
          Promise.resolve()
            .then(() => fn(call.request))
            .then(
              (res) => {
                s.ok++;
                s.items += itemsOf(res);
                callback(null, res);
              },
              (err: unknown) => {
                if (err instanceof ServingError) return fail(callback, err.code, err.message);
                log.error({ err, method }, 'internal error');
                fail(callback, grpc.status.INTERNAL, (err as Error).message ?? String(err));
              },
            );
      }
    };
    return (call, callback) => {
      s.requests++;
      s.in_flight++;
      s.max_in_flight = Math.max(s.max_in_flight, s.in_flight);
      // grpc-js emits 'cancelled' at the end of every call, answered or not: only an unanswered one was
      // cancelled (by the client, its deadline or a lost connection).
      let answered = false;
      let open = true;
      const close = () => {
        if (open) s.in_flight--;
        open = false;
      };
      call.once('cancelled', () => {
        if (!answered) {
          s.cancelled++;
          s.last_cancelled_at_ms = Date.now();
        }
        close();
      });
      const answer: grpc.sendUnaryData<Res> = (err, res) => {
        answered = true;
        close();
        callback(err, res);
      };
      handle(call, answer, faults.decide(method));
    };
  }

  server.addService(predictionServiceDefinition, {
    Predict: unary('Predict', (req: Parameters<typeof predict>[1]) => predict(repo, req, encoding), predictedRows),
    GetModelMetadata: unary('GetModelMetadata', (req: Parameters<typeof getModelMetadata>[1]) => getModelMetadata(repo, req)),
  });
  server.addService(modelServiceDefinition, {
    GetModelStatus: unary('GetModelStatus', (req: Parameters<typeof getModelStatus>[1]) => getModelStatus(repo, req)),
  });

  const stats = (): ModelServerStats => ({
    uptime_s: Math.round((Date.now() - started) / 1000),
    state,
    threads: pool.size,
    compute_queue: pool.queued,
    rpcs: JSON.parse(JSON.stringify(rpcStats)) as Record<RpcName, RpcStats>,
    models: repo.servables().map((s) => s.stats()),
    faults: faults.stats(),
  });

  const reload = (): string[] => {
    const added = repo.rescan();
    if (added.length) log.info({ added, models: modelList(repo) }, 'model versions loaded');
    return added;
  };

  const addr = opts.addr ?? '127.0.0.1:0';
  let port: number;
  let admin: AdminServer | null = null;
  try {
    const { host, port: wanted } = splitHostPort(addr);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${wanted}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    connections = trackConnections(server);
    if (opts.adminAddr) {
      admin = await startAdminServer(opts.adminAddr, { faults, stats, healthy: () => state === 'serving', models: () => modelList(repo), reload });
    }
  } catch (err) {
    server.forceShutdown();
    await repo.close();
    await pool.close();
    throw err;
  }
  log.info({ port, adminPort: admin?.port ?? null, basePath: repo.basePath, threads: pool.size, models: modelList(repo) }, 'model server listening');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      state = 'stopping';
      await admin?.close();
      await new Promise<void>((resolve) => {
        // Calls in flight get a moment to finish; hung calls (fault injection) never would.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await repo.close();
      await pool.close();
      log.info('model server stopped');
    })());

  return { port, adminPort: admin?.port ?? null, faults, stats, reload, stop };
}

/**
 * The raw TCP connections of a bound gRPC server. Destroying them is what a killed process looks like to
 * clients: connections just close (UNAVAILABLE). forceShutdown alone sends GOAWAY / RST_STREAM, which clients
 * report as CANCELLED (not retryable), and HTTP/2 sessions refuse direct socket access, hence the net level.
 * grpc-js keeps its HTTP/2 servers private; without them a crash degrades to forceShutdown.
 */
function trackConnections(server: grpc.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  const servers = (server as unknown as { http2Servers?: Map<NetServer, unknown> }).http2Servers;
  servers?.forEach((_, srv) =>
    srv.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }),
  );
  return sockets;
}

/** Rows of a Predict answer: dimension 0 of its first output (every output has one row per item). */
function predictedRows(res: PredictResponse): number {
  const first = Object.values(res.outputs ?? {})[0];
  return Number(first?.tensor_shape?.dim?.[0]?.size ?? 0);
}

function modelList(repo: ModelRepository): Record<string, number[]> {
  return Object.fromEntries([...repo.models.values()].map((m) => [m.name, m.versions.map((v) => v.version)]));
}
