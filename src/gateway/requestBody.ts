/** Reading a request's body and query: JSON only, checked by the route's zod schema. */
import type { Request } from 'express';
import type { z } from 'zod';
import { invalidBody, invalidFields } from './errors';

export function requireJson(req: Request): void {
  if (!req.is('application/json')) {
    throw invalidFields([{ field: '(body)', reason: `must be application/json (got ${req.get('content-type') ?? 'no content type'})` }]);
  }
}

/** Control routes may come without a body at all. */
export function optionalJson(req: Request): unknown {
  if (req.body === undefined || (req.get('content-length') ?? '0') === '0') return undefined;
  requireJson(req);
  return req.body as unknown;
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw invalidBody(parsed.error);
  return parsed.data;
}
