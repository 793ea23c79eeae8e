/**
 * Prometheus metrics of the gateway (`GET /metrics`): requests by route template and status code,
 * latency, job submissions by outcome and, given a reader, the job task queue's backlog (the
 * autoscaling signal, deploy/keda-scaledobject.yaml). Each gateway app has its own registry, so
 * several apps in one process (tests) never share or double-register series.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BacklogReader, TaskQueueBacklog } from '../temporal/taskQueueBacklog';
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
  /** Exports `nightshift_task_queue_*` read at scrape time through it (cached there); absent: not exported. */
  taskQueueBacklog?: BacklogReader;
}

/** The task queue gauges: the same reading, one field each. */
const BACKLOG_GAUGES: { name: string; help: string; value: (b: TaskQueueBacklog) => number }[] = [
  { name: 'nightshift_task_queue_backlog', help: 'Tasks waiting for a worker, by task queue and type (workflow, activity); scale workers on this.', value: (b) => b.backlog },
  { name: 'nightshift_task_queue_backlog_age_seconds', help: 'Age of the oldest waiting task; 0 when none waits.', value: (b) => b.backlogAgeSeconds },
  { name: 'nightshift_task_queue_tasks_add_rate', help: 'Tasks per second added to the task queue (server average over ~30 s).', value: (b) => b.addRate },
  { name: 'nightshift_task_queue_tasks_dispatch_rate', help: 'Tasks per second dispatched to workers (server average over ~30 s).', value: (b) => b.dispatchRate },
  { name: 'nightshift_task_queue_rate_limited', help: '1 when the task queue rate limit held dispatches back lately: more workers would not help.', value: (b) => (b.rateLimited ? 1 : 0) },
];

/**
 * Gauges filled at scrape time from `reader`. A failed read leaves them without series (a stale number
 * would keep an autoscaler scaling) and sets `nightshift_task_queue_stats_up` to 0.
 */
function registerBacklogGauges(registry: Registry, reader: BacklogReader): void {
  const read = (): Promise<TaskQueueBacklog[] | null> => reader.read().catch(() => null);
  new Gauge({
    name: 'nightshift_task_queue_stats_up',
    help: '1 when the last DescribeTaskQueue answered, 0 when it failed.',
    registers: [registry],
    async collect() {
      this.set((await read()) === null ? 0 : 1);
    },
  });
  for (const g of BACKLOG_GAUGES) {
    new Gauge({
      name: g.name,
      help: g.help,
      labelNames: ['task_queue', 'type'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const b of (await read()) ?? []) this.set({ task_queue: b.taskQueue, type: b.type }, g.value(b));
      },
    });
  }
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
  if (opts.taskQueueBacklog) registerBacklogGauges(registry, opts.taskQueueBacklog);

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
