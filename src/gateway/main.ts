/**
 * `npm run gateway`: the HTTP gateway on NIGHTSHIFT_GATEWAY_ADDR. Connects to Temporal first, so
 * `/healthz` answering means jobs can be submitted; SIGTERM/SIGINT stop it gracefully and SIGHUP
 * re-reads the API keys file. Without keys it serves loopback only and refuses any other address.
 */
import { createServer } from 'node:http';
import { isLoopbackHost, loadConfig, splitHostPort } from '../config';
import { createLogger } from '../logger';
import { createS3Client } from '../storage/s3';
import { connectClient } from '../temporal/connectClient';
import { startTracing } from '../temporal/tracing';
import { ApiKeyStore } from './apiKeys';
import { createGatewayApp } from './app';
import { createPreflight } from './preflight';
import { loadWebhooks } from '../webhooks/webhooksFile';

/** In-flight requests get this long to finish after a stop signal. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.logLevel);
  const { host, port } = splitHostPort(config.gateway.addr);

  let apiKeys: ApiKeyStore | undefined;
  if (config.gateway.apiKeysFile) {
    apiKeys = new ApiKeyStore(config.gateway.apiKeysFile);
  } else if (!isLoopbackHost(host)) {
    throw new Error(
      `NIGHTSHIFT_GATEWAY_ADDR=${config.gateway.addr} is reachable from other hosts, but no API keys are configured: ` +
        'set NIGHTSHIFT_API_KEYS_FILE (README "Security") or bind 127.0.0.1',
    );
  }

  // A bad webhooks file stops the gateway here, as it stops the worker: jobs must not name webhooks that cannot fire.
  const webhooks = loadWebhooks(config.webhooksFile);
  const tracing = startTracing('nightshift-gateway', config.otlpEndpoint);
  const temporal = await connectClient(config.temporal, tracing);
  const s3 = createS3Client(config.s3);
  const presignS3 = config.s3.presignEndpoint ? createS3Client({ ...config.s3, endpoint: config.s3.presignEndpoint }) : s3;
  const preflight = createPreflight(config, s3);
  const app = createGatewayApp({
    temporal,
    s3,
    presignS3,
    config,
    logger,
    apiKeys,
    tfserving: preflight.tfserving,
    webhooks,
    validateJob: preflight.validateJob,
    describeModel: preflight.describeModel,
  });

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  logger.info({ addr: config.gateway.addr, temporal: config.temporal.address, namespace: config.temporal.namespace }, 'gateway listening');
  if (apiKeys) logger.info({ file: config.gateway.apiKeysFile }, 'API keys required on /v1 routes');
  else logger.warn({ addr: config.gateway.addr }, 'no API keys configured (NIGHTSHIFT_API_KEYS_FILE): serving loopback only, every caller is admin');

  process.on('SIGHUP', () => {
    if (!apiKeys) return;
    try {
      logger.info({ file: config.gateway.apiKeysFile, keys: apiKeys.reload() }, 'API keys reloaded');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'API keys file not reloaded; keeping the previous keys');
    }
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    server.close(() => {
      clearTimeout(force);
      preflight.close();
      s3.destroy();
      if (presignS3 !== s3) presignS3.destroy();
      temporal.connection
        .close()
        .catch((err: unknown) => logger.warn({ err }, 'closing the Temporal connection failed'))
        .then(() => tracing?.shutdown())
        .catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'))
        .finally(() => {
          logger.info('gateway stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    createLogger('gateway').fatal({ err }, 'gateway failed to start');
    process.exit(1);
  });
}
