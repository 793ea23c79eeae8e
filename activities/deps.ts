/**
 * What activities are given by the worker (samples' `createActivities(deps)`): clients built
 * once per process, so activities stay functions of their input and tests can inject their own.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../src/logger';
import type { PredictLimiter } from '../src/worker/predictLimiter';
import type { TfServingClient } from '../src/tfserving/client';
import type { Webhooks } from '../src/webhooks/webhooksFile';
import type { WorkerMetrics } from '../src/worker/workerMetrics';

export interface ActivityDeps {
  s3: S3Client;
  /** The TF Serving client for a model (per-model targets from config, else the default target). */
  tfserving: { forModel(name: string): TfServingClient };
  limiter: PredictLimiter;
  logger: Logger;
  /** Largest Predict request in items; bigger batches are cut into sub-batches. */
  maxPredictBatch: number;
  /** Size of the plain chunks planning stages a `.gz` input into (NIGHTSHIFT_GZ_STAGE_CHUNK_BYTES). */
  gzStageChunkBytes: number;
  /** A batch's Predict call or S3 request without progress for this long is aborted (Stalled). */
  stallLimitMs: number;
  /** Named completion webhooks (NIGHTSHIFT_WEBHOOKS_FILE), read once at start. */
  webhooks: Webhooks;
  /** The worker's application metrics (`nightshift_*` on its /metrics). */
  metrics: WorkerMetrics;
}
