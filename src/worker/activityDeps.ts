import type { Config } from '../config';
import type { Logger } from '../logger';
import { createS3Client } from '../storage/s3';
import { TfServingClients } from '../tfserving/clients';
import { PredictLimiter } from './predictLimiter';
import { loadWebhooks } from '../webhooks/webhooksFile';
import type { ActivityDeps } from '../../activities';

/** Clients built once per worker process and shared by every activity it runs. */
export function createActivityDeps(config: Config, logger: Logger): ActivityDeps & { close(): void } {
  // First, so a bad webhooks file stops the worker before any client is opened.
  const webhooks = loadWebhooks(config.webhooksFile);
  const tfserving = new TfServingClients(config.tfserving);
  return {
    s3: createS3Client(config.s3),
    tfserving,
    limiter: new PredictLimiter(config.worker),
    logger,
    maxPredictBatch: config.tfserving.maxBatchSize,
    gzStageChunkBytes: config.worker.gzStageChunkBytes,
    stallLimitMs: config.worker.stallLimitMs,
    webhooks,
    close: () => tfserving.close(),
  };
}
