/**
 * The worker's one Prometheus endpoint (`NIGHTSHIFT_WORKER_METRICS_ADDR`). The SDK's native core
 * exports its `temporal_*` metrics only through its own HTTP server, so core binds a private
 * loopback port and each scrape of `GET /metrics` here returns core's text followed by the
 * `nightshift_*` registry: one target per worker for Prometheus, one port to open.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { splitHostPort } from '../config';
import type { Logger } from '../logger';

/** A scrape must not hang on core: Prometheus' own default scrape timeout is 10 s. */
const CORE_SCRAPE_TIMEOUT_MS = 5000;

export interface WorkerMetricsServerOptions {
  /** host:port to serve on. */
  addr: string;
  /** Core's exporter (`http://127.0.0.1:<port>/metrics`), or null when the SDK's metrics are not exported. */
  coreUrl: string | null;
  registry: Registry;
  logger: Logger;
}

export interface WorkerMetricsServer {
  /** The bound `host:port` (the port is the real one when the address asked for port 0). */
  readonly address: string;
  close(): Promise<void>;
}

async function coreText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

export async function serveWorkerMetrics(opts: WorkerMetricsServerOptions): Promise<WorkerMetricsServer> {
  const { host, port } = splitHostPort(opts.addr);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the worker serves GET /metrics\n');
      return;
    }
    void (async () => {
      let sdk = '';
      if (opts.coreUrl) {
        try {
          sdk = await coreText(opts.coreUrl);
        } catch (err) {
          // The application's metrics are still worth a scrape; the gap is logged and said in the body.
          opts.logger.warn({ err: (err as Error).message, core: opts.coreUrl }, 'SDK metrics unavailable for this scrape');
          sdk = '# temporal SDK metrics unavailable for this scrape\n';
        }
      }
      const ours = await opts.registry.metrics();
      res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(sdk + ours);
    })().catch((err: unknown) => {
      opts.logger.error({ err }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('metrics unavailable\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const address = bound && typeof bound === 'object' ? `${host}:${bound.port}` : opts.addr;
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
