/**
 * The worker's own Prometheus metrics (prom-client), next to the SDK's `temporal_*` ones on the same
 * `/metrics` (metricsServer.ts). One registry per set of activity dependencies, so several workers
 * in one process (tests) never share or double-register series. Activities and the S3 client record
 * through the narrow recorder interfaces below, so neither depends on prom-client or on the worker.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { S3Recorder } from '../storage/s3';

export const METRICS_PREFIX = 'nightshift_';

export const PREDICT_OUTCOMES = ['ok', 'error'] as const;
export type PredictOutcome = (typeof PREDICT_OUTCOMES)[number];
/**
 * What became of a batch activity attempt: its batches succeeded or failed for good (counted by the
 * result's batches), or the attempt was handed back to Temporal to retry, or was cancelled.
 */
export const BATCH_OUTCOMES = ['succeeded', 'failed', 'retrying', 'cancelled'] as const;
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

/** Predict calls take from milliseconds (echo model) to the 30 s default deadline. */
const PREDICT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** S3 requests up to response headers: a few ms locally, up to seconds for large ranges on a busy bucket. */
const S3_BUCKETS_S = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the Predict path reports: one call, its latency and, when it failed, its gRPC code name. */
export interface PredictRecorder {
  predictCall(model: string, seconds: number, errorCode: string | null): void;
}

export interface WorkerMetrics extends PredictRecorder, S3Recorder {
  readonly registry: Registry;
  items(model: string, succeeded: number, failed: number): void;
  batches(model: string, outcome: BatchOutcome, n: number): void;
}

export interface WorkerMetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag) as `nightshift_worker_*`. Default true. */
  processMetrics?: boolean;
}

export function createWorkerMetrics(opts: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: `${METRICS_PREFIX}worker_` });
  const predictDuration = new Histogram({
    name: `${METRICS_PREFIX}predict_duration_seconds`,
    help: 'TF Serving Predict call latency by model and outcome (ok, error); waits for the Predict limiter are not included.',
    labelNames: ['model', 'outcome'] as const,
    buckets: PREDICT_BUCKETS_S,
    registers: [registry],
  });
  const predictErrors = new Counter({
    name: `${METRICS_PREFIX}predict_errors_total`,
    help: 'Failed TF Serving Predict calls by model and gRPC code name (UNAVAILABLE, DEADLINE_EXCEEDED, ...).',
    labelNames: ['model', 'code'] as const,
    registers: [registry],
  });
  const itemsProcessed = new Counter({
    name: `${METRICS_PREFIX}items_processed_total`,
    help: 'Items predicted and written to a part, by model.',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const itemsFailed = new Counter({
    name: `${METRICS_PREFIX}items_failed_total`,
    help: 'Items that ended failed (error lines or failed batches), by model.',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const batches = new Counter({
    name: `${METRICS_PREFIX}batches_total`,
    help: `Batches by model and outcome (${BATCH_OUTCOMES.join(', ')}); retrying and cancelled count activity attempts.`,
    labelNames: ['model', 'outcome'] as const,
    registers: [registry],
  });
  const s3Duration = new Histogram({
    name: `${METRICS_PREFIX}s3_request_duration_seconds`,
    help: 'S3 request latency until the response headers (SDK retries included), by operation and outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: S3_BUCKETS_S,
    registers: [registry],
  });

  // Requests per 1,000 items is what S3 bills (bench/scale.ts); the duration histogram's _count says the same per outcome, this is the plain tally.
  const s3Requests = new Counter({
    name: `${METRICS_PREFIX}s3_requests_total`,
    help: 'S3 requests made by the worker, by operation (GetObject, PutObject, ...); SDK retries of one request count once.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });

  return {
    registry,
    predictCall(model, seconds, errorCode) {
      predictDuration.observe({ model, outcome: errorCode === null ? 'ok' : 'error' }, seconds);
      if (errorCode !== null) predictErrors.inc({ model, code: errorCode });
    },
    s3Request(operation, seconds, ok) {
      s3Duration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
      s3Requests.inc({ operation });
    },
    items(model, succeeded, failed) {
      if (succeeded > 0) itemsProcessed.inc({ model }, succeeded);
      if (failed > 0) itemsFailed.inc({ model }, failed);
    },
    batches(model, outcome, n) {
      if (n > 0) batches.inc({ model, outcome }, n);
    },
  };
}
