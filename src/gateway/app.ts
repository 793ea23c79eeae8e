/**
 * The HTTP gateway: a thin JSON edge over Temporal. `/healthz` is open; every `/v1` route is
 * behind `authenticate` (API keys, or loopback-only without them), parses its input with the zod
 * schemas `/openapi.json` is generated from, calls one function of this folder and answers;
 * errors all leave through `errorHandler` in one shape.
 */
import express, { type Request, type Response } from 'express';
import { optionalJson, parseQuery, requireJson } from './requestBody';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { NightshiftStatus } from '../job/messages';
import type { TfServingClients } from '../tfserving/clients';
import { openApiHandler } from './apiRoutes';
import { ListJobsQuerySchema, ResultsQuerySchema, SubmitQuerySchema } from './apiSchemas';
import type { ApiKeyStore } from './apiKeys';
import { authenticate, callerOf } from './auth';
import { assertRunning, JOB_SIGNALS, setParallelism, signalJob, type JobSignalName } from './controlJob';
import { errorHandler, HttpError, notFoundRoute } from './errors';
import { jobResults } from './jobResults';
import { jobTimeline } from './jobTimeline';
import { getJobView, MemoSchema } from './jobView';
import { listJobs } from './listJobs';
import { SubmitRateLimiter } from './rateLimit';
import { dryRunJob, submitJob, type SubmitDeps } from './submitJob';
import { describeVisibleJob } from './visibleJob';
import { docsRouter } from './docsPage';
import { jobsPageRouter } from './jobsPage';
import { createGatewayMetrics } from './metrics';
import { cachedBacklogReader, describeTaskQueueBacklog } from '../temporal/taskQueueBacklog';
import { readyzHandler } from './readiness';
import { requestContext } from './requestId';
import { retryFailedSpec } from './retryFailed';
import { scheduleRouter } from './scheduleRoutes';

export interface GatewayDeps {
  temporal: Client;
  s3: S3Client;
  config: Config;
  logger: Logger;
  validateJob?: SubmitDeps['validateJob'];
  describeModel?: SubmitDeps['describeModel'];
  webhooks?: SubmitDeps['webhooks'];
  /** TF Serving clients `/readyz` checks (the preflight's). */
  tfserving: TfServingClients;
  /** The keys the `/v1` routes accept; absent: no keys, every caller is the local admin (loopback only, see main.ts). */
  apiKeys?: ApiKeyStore;
  /** The S3 client presigned URLs are made with (its endpoint is what callers reach); default `s3`. */
  presignS3?: S3Client;
  /** Largest request body; larger item lists go through S3. Default `config.gateway.maxBodyBytes`. */
  maxBodyBytes?: number;
  /** Job submissions per key per minute. Default `config.gateway.submitsPerMinute`. */
  submitsPerMinute?: number;
  /** How long `GET /v1/jobs/{id}` waits for the workflow's status query before answering from describe(). */
  queryTimeoutMs?: number;
  /** How long `POST .../parallelism` waits for the workflow to take the update. */
  updateTimeoutMs?: number;
  /** How long `POST /v1/jobs` waits for `validateJob` before starting the job unchecked. */
  validateTimeoutMs?: number;
}

const jobId = (req: Request): string => String(req.params.id);

/** Scrapers (several Prometheus replicas, KEDA) share one DescribeTaskQueue pair per this long; the server averages its rates over 30 s anyway. */
const BACKLOG_CACHE_MS = 5000;

export function createGatewayApp(deps: GatewayDeps): express.Application {
  const { config } = deps;
  const submitDeps: SubmitDeps = {
    ...deps,
    queryTimeoutMs: deps.queryTimeoutMs ?? 3000,
    validateTimeoutMs: deps.validateTimeoutMs ?? 10_000,
    rateLimiter: new SubmitRateLimiter(deps.submitsPerMinute ?? config.gateway.submitsPerMinute),
  };
  const control = { temporal: deps.temporal, updateTimeoutMs: deps.updateTimeoutMs ?? 10_000 };
  const results = { s3: deps.s3, presignS3: deps.presignS3 ?? deps.s3, expirySeconds: config.gateway.presignExpirySeconds };
  const timeline = { ...results, temporal: deps.temporal, logger: deps.logger, queryTimeoutMs: submitDeps.queryTimeoutMs };
  const visible = (req: Request, res: Response) => describeVisibleJob(deps.temporal, callerOf(res), jobId(req));

  const backlog = () => describeTaskQueueBacklog(deps.temporal, config.temporal.namespace, config.temporal.taskQueue);
  const metrics = createGatewayMetrics({ taskQueueBacklog: cachedBacklogReader(backlog, BACKLOG_CACHE_MS) });
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(deps.logger));
  app.use(metrics.middleware);

  app.get('/healthz', async (_req, res) => {
    try {
      await deps.temporal.withDeadline(Date.now() + 2000, () => deps.temporal.workflowService.getSystemInfo({}));
    } catch (err) {
      throw new HttpError('unavailable', `Temporal at ${config.temporal.address} does not answer: ${(err as Error).message}`);
    }
    res.json({ ok: true });
  });
  // Open like /healthz: load balancers and Prometheus carry no API key, and none of these reveal a job.
  app.get('/readyz', readyzHandler({ temporal: deps.temporal, s3: deps.s3, config, tfserving: deps.tfserving }));
  app.get('/metrics', metrics.handler);
  app.get('/openapi.json', openApiHandler());
  app.use('/docs', docsRouter());
  // Open like /docs: the page holds no data; what it shows comes from /v1 with the user's key.
  app.use('/ui', jobsPageRouter({ temporalUiUrl: config.temporal.uiUrl }));

  // Authenticate before reading a body: an unknown caller cannot make the gateway parse 10 MiB.
  const v1 = express.Router();
  v1.use(authenticate(deps.apiKeys));
  v1.use(express.json({ limit: deps.maxBodyBytes ?? config.gateway.maxBodyBytes, strict: false }));

  v1.post('/jobs', async (req, res) => {
    const query = parseQuery(SubmitQuerySchema, req);
    requireJson(req);
    if (query.dry_run === 'true') {
      res.json(await dryRunJob(submitDeps, callerOf(res), req.body as unknown));
      return;
    }
    const result = await submitJob(submitDeps, callerOf(res), req.body as unknown);
    res.status(result.created ? 201 : 200).json(result.body);
  });

  v1.get('/jobs', async (req, res) => {
    res.json(await listJobs({ temporal: deps.temporal, config }, callerOf(res), parseQuery(ListJobsQuerySchema, req)));
  });

  v1.get('/jobs/:id', async (req, res) => {
    const d = await visible(req, res);
    res.json(await getJobView(submitDeps, jobId(req), d));
  });

  // Cortex's verb for stopping a job: the same as the cancel signal.
  v1.delete('/jobs/:id', async (req, res) => {
    const d = await visible(req, res);
    assertRunning(jobId(req), d);
    await signalJob(control, jobId(req), 'cancel', optionalJson(req));
    res.status(202).json({ job_id: jobId(req), accepted: 'cancel' });
  });

  for (const name of Object.keys(JOB_SIGNALS) as JobSignalName[]) {
    v1.post(`/jobs/:id/${name}`, async (req, res) => {
      const d = await visible(req, res);
      assertRunning(jobId(req), d);
      await signalJob(control, jobId(req), name, optionalJson(req));
      res.status(202).json({ job_id: jobId(req), accepted: name });
    });
  }

  v1.post('/jobs/:id/parallelism', async (req, res) => {
    const d = await visible(req, res);
    requireJson(req);
    assertRunning(jobId(req), d);
    const parallelism = await setParallelism(control, jobId(req), req.body as unknown);
    res.json({ job_id: jobId(req), parallelism });
  });

  v1.get('/jobs/:id/results', async (req, res) => {
    const query = parseQuery(ResultsQuerySchema, req);
    const d = await visible(req, res);
    const memo = MemoSchema.safeParse(d.memo ?? {});
    const outputPath = memo.success ? memo.data.output_path : undefined;
    if (!outputPath) throw new HttpError('failed_precondition', `job "${jobId(req)}" has no output path recorded`);
    const status = (d.typedSearchAttributes.get(NightshiftStatus)) ?? d.status.name.toLowerCase();
    res.json(await jobResults(results, jobId(req), outputPath, status, query));
  });

  v1.get('/jobs/:id/timeline', async (req, res) => {
    const d = await visible(req, res);
    res.json(await jobTimeline(timeline, jobId(req), d));
  });

  // A new job over what a finished job lacks, owned by the caller and started through the same submit.
  v1.post('/jobs/:id/retry-failed', async (req, res) => {
    await visible(req, res);
    optionalJson(req);
    const spec = await retryFailedSpec(submitDeps, jobId(req));
    const result = await submitJob(submitDeps, callerOf(res), spec, { allowRetryOf: true });
    res.status(result.created ? 201 : 200).json(result.body);
  });

  v1.use('/schedules', scheduleRouter({ temporal: deps.temporal, config, logger: deps.logger, webhooks: deps.webhooks }));

  app.use('/v1', v1);
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
