/**
 * An in-process gateway on port 0 against the real Temporal and S3 of the test stack, on a task
 * queue of its own so a stack worker never picks its jobs up (they stay pending unless a test
 * runs a worker). Every job it starts is terminated at close.
 */
import { once } from 'node:events';
import type { Application } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createS3Client, ensureBucket } from '../../src/storage/s3';
import { connectClient } from '../../src/temporal/connectClient';
import { createGatewayApp, type GatewayDeps } from '../../src/gateway/app';
import { TfServingClients } from '../../src/tfserving/clients';
import type { ErrorBody } from '../../src/gateway/errors';
import type { JobView } from '../../src/gateway/jobView';

export interface GatewayHarness {
  url: string;
  app: Application;
  temporal: Client;
  s3: S3Client;
  config: Config;
  /** `s3://<bucket>/<prefix>/` for this run's outputs. */
  outputPath: string;
  /** A job id unique to this run. */
  jobId(name: string): string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  /** Terminate this job at close too (a job started by a request the harness did not send). */
  track(jobId: string): void;
  /** Any method; `body` is sent as JSON when given. */
  request(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer & { headers: Headers }>;
  close(): Promise<void>;
}

/** Every field any route may answer with, so tests read them typed. */
export type AnswerBody = Partial<JobView> & Partial<ErrorBody> & { accepted?: string; ok?: boolean } & Record<string, unknown>;
export interface Answer {
  status: number;
  body: AnswerBody;
}

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function answer(res: Response): Promise<Answer & { headers: Headers }> {
  const text = await res.text();
  let body: AnswerBody;
  try {
    body = text ? (JSON.parse(text) as AnswerBody) : {};
  } catch {
    throw new Error(`${res.status} answer is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body, headers: res.headers };
}

export async function startGateway(
  overrides: Partial<Omit<GatewayDeps, 'temporal' | 's3' | 'config' | 'logger' | 'tfserving'>> & { taskQueue?: string } = {},
): Promise<GatewayHarness> {
  const base = loadConfig();
  const config: Config = { ...base, temporal: { ...base.temporal, taskQueue: overrides.taskQueue ?? `gateway-test-${RUN}` } };
  const temporal = await connectClient(config.temporal);
  const s3 = createS3Client(config.s3);
  await ensureBucket(s3, config.s3.bucket);
  const tfserving = new TfServingClients(config.tfserving);
  const app = createGatewayApp({ queryTimeoutMs: 1000, updateTimeoutMs: 1500, ...overrides, temporal, s3, config, tfserving, logger: createLogger('gateway-test', 'warn') });
  const server: Server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = new Set<string>();

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const { headers: _headers, ...res } = await answer(
      await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      }),
    );
    if (path === '/v1/jobs' && (res.status === 201 || res.status === 200)) started.add(res.body.job_id!);
    return res;
  };
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const { status, body } = await answer(await fetch(url + path, { headers, signal: AbortSignal.timeout(30_000) }));
    return { status, body };
  };
  const request = async (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await answer(
      await fetch(url + path, {
        method,
        headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(30_000),
      }),
    );
    if (method === 'POST' && path.startsWith('/v1/jobs') && (res.status === 201 || res.status === 200) && typeof res.body.job_id === 'string') started.add(res.body.job_id);
    return res;
  };

  return {
    url,
    app,
    temporal,
    s3,
    config,
    outputPath: `s3://${config.s3.bucket}/gateway-test/${RUN}/`,
    jobId: (name) => `gw-${RUN}-${name}`,
    post,
    get,
    request,
    track: (jobId) => started.add(jobId),
    async close() {
      for (const id of started) {
        try {
          await temporal.workflow.getHandle(id).terminate('gateway test cleanup');
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      server.closeAllConnections();
      server.close();
      tfserving.close();
      s3.destroy();
      await temporal.connection.close();
    },
  };
}

/** A valid spec; tests spread their changes over it. */
export function itemListSpec(outputPath: string, items: unknown[] = [{ user_id: 1 }, { user_id: 2 }]) {
  return {
    model: { name: 'recommender' },
    input: { item_list: { items, batch_size: 10 } },
    output: { s3_path: outputPath },
  };
}

/** Deletes the schedules a test created; one already gone is fine. */
export async function deleteSchedules(temporal: Client, ids: Iterable<string>): Promise<void> {
  for (const id of ids) {
    try {
      await temporal.schedule.getHandle(id).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
}
