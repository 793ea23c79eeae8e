/**
 * `npm run gateway`: the HTTP gateway on NIGHTSHIFT_GATEWAY_ADDR. Connects to Temporal first, so
 * `/healthz` answering means jobs can be submitted; SIGTERM/SIGINT stop it gracefully.
 */
import { createServer } from 'node:http';
import { loadConfig, splitHostPort } from '../config';
import { createLogger } from '../logger';
import { createS3Client } from '../storage/s3';
import { connectClient } from '../temporal/connectClient';
import { createGatewayApp } from './app';
import { createPreflight } from './preflight';

/** In-flight requests get this long to finish after a stop signal. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.logLevel);
  const temporal = await connectClient(config.temporal);
  const s3 = createS3Client(config.s3);
  const preflight = createPreflight(config, s3);
  const app = createGatewayApp({ temporal, s3, config, logger, validateJob: preflight.validateJob });

  const { host, port } = splitHostPort(config.gateway.addr);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  logger.info({ addr: config.gateway.addr, temporal: config.temporal.address, namespace: config.temporal.namespace }, 'gateway listening');

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
      temporal.connection
        .close()
        .catch((err: unknown) => logger.warn({ err }, 'closing the Temporal connection failed'))
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

main().catch((err: unknown) => {
  createLogger('gateway').fatal({ err }, 'gateway failed to start');
  process.exit(1);
});
