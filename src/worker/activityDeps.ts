import type { Config } from '../config';
import type { Logger } from '../logger';
import { createS3Client, observeS3Requests } from '../storage/s3';
import { TfServingClients } from '../tfserving/clients';
import { PredictLimiter } from './predictLimiter';
import { loadWebhooks } from '../webhooks/webhooksFile';
import { createWorkerMetrics, type WorkerMetrics } from './workerMetrics';
import type { ActivityDeps } from '../../activities';

/**
 * Clients built once per worker process and shared by every activity it runs. The metrics are the
 * ones the worker's /metrics serves; a test passes none and reads the fresh set from the result.
 */
export function createActivityDeps(config: Config, logger: Logger, metrics: WorkerMetrics = createWorkerMetrics()): ActivityDeps & { close(): void } {
  // First, so a bad webhooks file stops the worker before any client is opened.
  const webhooks = loadWebhooks(config.webhooksFile);
  const tfserving = new TfServingClients(config.tfserving);
  const s3 = createS3Client(config.s3);
  observeS3Requests(s3, metrics);
  return {
    s3,
    tfserving,
    limiter: new PredictLimiter(config.worker),
    logger,
    maxPredictBatch: config.tfserving.maxBatchSize,
    gzStageChunkBytes: config.worker.gzStageChunkBytes,
    stallLimitMs: config.worker.stallLimitMs,
    webhooks,
    metrics,
    close: () => tfserving.close(),
  };
}
