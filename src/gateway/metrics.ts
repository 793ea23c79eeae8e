/**
 * Prometheus metrics of the gateway (`GET /metrics`): requests by route template and status code,
 * latency, and job submissions by outcome. Each gateway app has its own registry, so several apps
 * in one process (tests) never share or double-register series.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { routeTemplate } from './requestId';

export const METRICS_PREFIX = 'nightshift_gateway_';

export const SUBMISSION_OUTCOMES = ['created', 'existing', 'dry_run', 'invalid', 'forbidden', 'rate_limited', 'error'] as const;
export type SubmissionOutcome = (typeof SUBMISSION_OUTCOMES)[number];

/** Submissions wait for Temporal and the pre-flight check (up to ~10 s); polling answers in milliseconds. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Mount right after `requestContext`: times every request and counts it on finish. */
  readonly middleware: RequestHandler;
  /** `GET /metrics`. */
  readonly handler: RequestHandler;
}

export interface GatewayMetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag). Default true. */
  processMetrics?: boolean;
  /** The submission route whose answers are counted by outcome. Default `POST /v1/jobs`. */
  submitRoute?: { method: string; route: string };
}

/**
 * What a `POST /v1/jobs` answer means, read from its status so the count cannot disagree with what
 * the caller got. 401 and 403 are both a caller not allowed to submit; 409 is a spec the caller must change.
 */
export function submissionOutcome(status: number, dryRun: boolean): SubmissionOutcome {
  if (status === 201) return 'created';
  if (status === 200) return dryRun ? 'dry_run' : 'existing';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'invalid';
  return 'error';
}

/** The path of a request URL without query and trailing slash; `originalUrl` because mounted routers rewrite `url`. */
function pathOf(url: string): string {
  const path = url.split('?', 1)[0]!;
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function createGatewayMetrics(opts: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  const requests = new Counter({
    name: `${METRICS_PREFIX}http_requests_total`,
    help: 'HTTP requests by method, route template (unmatched for no route) and status code.',
    labelNames: ['method', 'route', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${METRICS_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency by method and route template, until the response is written.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  });
  const submissions = new Counter({
    name: `${METRICS_PREFIX}job_submissions_total`,
    help: `Job submissions by outcome (${SUBMISSION_OUTCOMES.join(', ')}).`,
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Every outcome is exported from the start, so a rate() over a rare outcome has a series to read.
  for (const outcome of SUBMISSION_OUTCOMES) submissions.inc({ outcome }, 0);
  const submit = opts.submitRoute ?? { method: 'POST', route: '/v1/jobs' };

  const middleware: RequestHandler = (req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeTemplate(req, res);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      requests.inc({ method: req.method, route, code: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
      // The path, not the template: a body the parser refused never reached the route, and is still a submission.
      if (req.method === submit.method && pathOf(req.originalUrl) === submit.route) {
        submissions.inc({ outcome: submissionOutcome(res.statusCode, req.query.dry_run === 'true') });
      }
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };

  return { registry, middleware, handler };
}
