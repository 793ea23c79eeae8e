/**
 * The HTTP gateway: a thin JSON edge over Temporal. Every route parses its input, calls one
 * function of this folder and answers; errors all leave through `errorHandler` in one shape.
 */
import express, { type Request } from 'express';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { JOB_SIGNALS, setParallelism, signalJob, type JobSignalName } from './controlJob';
import { errorHandler, HttpError, invalidFields, notFoundRoute } from './errors';
import { getJobView } from './jobView';
import { submitJob, type ValidateJob } from './submitJob';

export interface GatewayDeps {
  temporal: Client;
  s3: S3Client;
  config: Config;
  logger: Logger;
  validateJob?: ValidateJob;
  /** Largest request body; inline item lists beyond a few hundred KB are staged to S3 anyway. */
  maxBodyBytes?: number;
  /** How long `GET /v1/jobs/{id}` waits for the workflow's status query before answering from describe(). */
  queryTimeoutMs?: number;
  /** How long `POST .../parallelism` waits for the workflow to take the update. */
  updateTimeoutMs?: number;
  /** How long `POST /v1/jobs` waits for `validateJob` before starting the job unchecked. */
  validateTimeoutMs?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

function requireJson(req: Request): void {
  if (!req.is('application/json')) {
    throw invalidFields([{ field: '(body)', reason: `must be application/json (got ${req.get('content-type') ?? 'no content type'})` }]);
  }
}

/** Control routes may come without a body at all. */
function optionalJson(req: Request): unknown {
  if (req.body === undefined || (req.get('content-length') ?? '0') === '0') return undefined;
  requireJson(req);
  return req.body as unknown;
}

export function createGatewayApp(deps: GatewayDeps): express.Application {
  const view = { ...deps, queryTimeoutMs: deps.queryTimeoutMs ?? 3000, validateTimeoutMs: deps.validateTimeoutMs ?? 10_000 };
  const control = { temporal: deps.temporal, updateTimeoutMs: deps.updateTimeoutMs ?? 10_000 };
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // Progress polling is constant chatter; everything that changes something is worth a line.
      deps.logger[req.method === 'GET' ? 'debug' : 'info']({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, strict: false }));

  app.get('/healthz', async (_req, res) => {
    try {
      await deps.temporal.withDeadline(Date.now() + 2000, () => deps.temporal.workflowService.getSystemInfo({}));
    } catch (err) {
      throw new HttpError('unavailable', `Temporal at ${deps.config.temporal.address} does not answer: ${(err as Error).message}`);
    }
    res.json({ ok: true });
  });

  app.post('/v1/jobs', async (req, res) => {
    requireJson(req);
    const result = await submitJob(view, req.body as unknown);
    res.status(result.created ? 201 : 200).json(result.body);
  });

  app.get('/v1/jobs/:id', async (req, res) => {
    res.json(await getJobView(view, req.params.id));
  });

  app.post('/v1/jobs/:id/:action', async (req, res, next) => {
    const name = req.params.action;
    if (name === 'parallelism') {
      requireJson(req);
      const parallelism = await setParallelism(control, req.params.id, req.body as unknown);
      res.json({ job_id: req.params.id, parallelism });
      return;
    }
    if (!Object.hasOwn(JOB_SIGNALS, name)) {
      next();
      return;
    }
    await signalJob(control, req.params.id, name as JobSignalName, optionalJson(req));
    res.status(202).json({ job_id: req.params.id, accepted: name });
  });

  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
