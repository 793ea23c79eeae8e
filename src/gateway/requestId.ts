/**
 * Every request gets an id: the caller's `X-Request-Id` when it is sane, else a fresh UUID. It is
 * echoed in the response, carried by a per-request child logger and by every error body, so one
 * id leads from a client's report to the gateway's log lines. One log line per request on finish.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';

declare global {
  namespace Express {
    interface Locals {
      /** Set by `requestContext` before any route runs. */
      requestId?: string;
      /** The gateway logger bound to this request's id. */
      log?: Logger;
      /** The id of the API key that authenticated the request (never the key itself). */
      keyId?: string;
      /** A route template for a response that no express route matched (see `routeTemplate`). */
      route?: string;
    }
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Long enough for any tracing id, short and plain enough to log and echo without escaping. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The route that answered, as its template (`/v1/jobs/:id`), never the raw path: ids in paths would
 * make every job its own log key and metric series. `unmatched` when no route took the request.
 */
export function routeTemplate(req: Request, res: Response): string {
  if (res.locals.route) return res.locals.route;
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  const full = `${req.baseUrl}${path}`;
  return full.length > 1 && full.endsWith('/') ? full.slice(0, -1) : full || '/';
}

/**
 * Mount first. GET requests log at debug: progress polling is constant chatter, and everything that
 * changes something is worth an info line. Headers are never logged (Authorization).
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ request_id: requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;
      const line = {
        method: req.method,
        route: routeTemplate(req, res),
        status: res.statusCode,
        ms,
        ...(res.locals.keyId ? { key_id: res.locals.keyId } : {}),
      };
      if (res.statusCode >= 500) log.warn(line, 'request');
      else log[req.method === 'GET' ? 'debug' : 'info'](line, 'request');
    });
    next();
  };
}
