/**
 * `npm run worker`: one batch worker process on task queue `nightshift`. Start as many as you
 * like, here or on other hosts; SIGTERM/SIGINT drain in-flight work (up to the grace time).
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { connectWorker } from '../temporal/connectWorker';
import { createBatchWorker } from './createWorker';
import { createActivityDeps } from './activityDeps';
import { serveWorkerMetrics, type WorkerMetricsServer } from './metricsServer';
import { freePort } from '../stack/freePort';
import { startTracing } from '../temporal/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  // The SDK's own logs (worker state, task failures) and its native core's (connection retries)
  // go to the same structured log, at the worker's level.
  const sdkLevel: LogLevel = logger.isLevelEnabled('info') ? 'INFO' : logger.isLevelEnabled('warn') ? 'WARN' : 'ERROR';
  // Core serves its temporal_* metrics only on its own listener: a private loopback port that
  // the worker's /metrics reads on each scrape (metricsServer.ts).
  const coreMetricsAddr = config.worker.metricsAddr ? `127.0.0.1:${await freePort()}` : null;
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const level = entry.level === 'TRACE' ? 'trace' : entry.level === 'DEBUG' ? 'debug' : entry.level === 'INFO' ? 'info' : entry.level === 'WARN' ? 'warn' : 'error';
      logger[level]({ sdk: entry.meta }, entry.message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: sdkLevel === 'INFO' ? 'WARN' : sdkLevel }), forward: {} },
      ...(coreMetricsAddr ? { metrics: { metricPrefix: 'temporal_', prometheus: { bindAddress: coreMetricsAddr } } } : {}),
    },
  });
  const tracing = startTracing('nightshift-worker', config.otlpEndpoint);
  const deps = createActivityDeps(config, logger);
  let metricsServer: WorkerMetricsServer | null = null;
  if (config.worker.metricsAddr) {
    metricsServer = await serveWorkerMetrics({ addr: config.worker.metricsAddr, coreUrl: `http://${coreMetricsAddr}/metrics`, registry: deps.metrics.registry, logger });
  }
  const connection = await connectWorker(config.temporal);
  const worker = await createBatchWorker({ connection, config, deps, tracing });
  logger.info(
    {
      temporal: config.temporal.address,
      namespace: config.temporal.namespace,
      task_queue: config.temporal.taskQueue,
      tfserving: config.tfserving.target,
      max_activities: config.worker.maxActivities,
      max_predict_calls: config.worker.maxPredictCalls,
      per_model_limit: config.worker.perModelLimit,
      metrics: metricsServer ? `http://${metricsServer.address}/metrics` : null,
      tracing: config.otlpEndpoint,
      // The version to make current (temporal worker deployment set-current-version) once this worker polls.
      deployment_version: worker.options.workerDeploymentOptions?.version ?? null,
      versioning_behavior: worker.options.workerDeploymentOptions?.defaultVersioningBehavior ?? null,
    },
    'worker running',
  );
  try {
    await worker.run();
  } finally {
    deps.close();
    await connection.close();
    await metricsServer?.close();
    await tracing?.shutdown();
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  createLogger('worker').fatal({ err }, 'worker failed');
  process.exit(1);
});
