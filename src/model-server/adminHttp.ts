/**
 * The model server's admin endpoint (plain node:http, JSON): health, stats, and fault injection at run time.
 *   GET /healthz   200 {"status":"serving",...} or 503 once crashed/stopping
 *   GET /stats     per-RPC request counts, per-model batching counters, injected faults
 *   GET /faults    the current fault config and counters
 *   PUT /faults    replace the fault config (body: JSON, see README.md); 400 with the reason when invalid
 *   DELETE /faults turn every fault off
 *   POST /reload   load model version dirs added to the base path since start (a model rollout)
 * Anyone who reaches it can make the server fail on purpose, and it has no authentication: it binds
 * loopback only (127.0.0.0/8, ::1, localhost) and refuses any other address.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, splitHostPort } from '../config';
import type { FaultController } from './faults';

export interface AdminDeps {
  faults: FaultController;
  stats: () => unknown;
  healthy: () => boolean;
  models: () => Record<string, number[]>;
  reload: () => string[];
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

function faultView(faults: FaultController) {
  return { config: faults.config, stats: faults.stats() };
}

async function route(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  const method = req.method ?? 'GET';
  if (path === '/healthz' && method === 'GET') {
    const ok = deps.healthy();
    return send(res, ok ? 200 : 503, { status: ok ? 'serving' : 'unavailable', models: deps.models() });
  }
  if (path === '/stats' && method === 'GET') return send(res, 200, deps.stats());
  if (path === '/reload' && method === 'POST') return send(res, 200, { added: deps.reload(), models: deps.models() });
  if (path === '/faults') {
    if (method === 'GET') return send(res, 200, faultView(deps.faults));
    if (method === 'DELETE') {
      deps.faults.clear();
      return send(res, 200, faultView(deps.faults));
    }
    if (method === 'PUT') {
      let body: unknown;
      try {
        body = await readJson(req);
        deps.faults.set(body);
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
      return send(res, 200, faultView(deps.faults));
    }
    return send(res, 405, { error: `${method} /faults is not supported (GET, PUT, DELETE)` });
  }
  return send(res, 404, { error: `no route ${method} ${path} (GET /healthz, GET /stats, GET|PUT|DELETE /faults, POST /reload)` });
}

/** `[::1]` → `::1`; an empty host (`:8505`) is all interfaces, so not loopback. */
function loopbackHost(addr: string): string | null {
  const host = splitHostPort(addr).host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isLoopbackHost(host) ? host : null;
}

export async function startAdminServer(addr: string, deps: AdminDeps): Promise<AdminServer> {
  const host = loopbackHost(addr);
  if (host === null) {
    throw new Error(
      `admin address ${addr} is not loopback: the admin endpoint (fault injection, no authentication) binds only ` +
        `127.0.0.0/8, ::1 or localhost (NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR / --admin-addr; empty = off)`,
    );
  }
  const { port } = splitHostPort(addr);
  const server = createServer((req, res) => {
    route(deps, req, res).catch((err: unknown) => send(res, 500, { error: (err as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
