/**
 * Who is calling: `Authorization: Bearer <key>` checked against the keys file, or, when the
 * gateway runs without keys (loopback only), the local caller. The caller is kept in
 * `res.locals.caller` for the routes; its id (never the key) goes into request logs.
 */
import type { RequestHandler, Response } from 'express';
import { LOCAL_CALLER, type ApiKeyStore, type Caller } from './apiKeys';
import { HttpError } from './errors';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="nightshift"' };

export function authenticate(keys: ApiKeyStore | undefined): RequestHandler {
  return (req, res, next) => {
    if (!keys) {
      res.locals.caller = LOCAL_CALLER;
      next();
      return;
    }
    const header = req.get('authorization');
    if (!header) {
      next(new HttpError('unauthenticated', 'missing Authorization: Bearer <API key>', undefined, CHALLENGE));
      return;
    }
    const m = /^Bearer[ ]+(\S{1,1024})\s*$/i.exec(header);
    const caller = m ? keys.authenticate(m[1]!) : undefined;
    if (!caller) {
      next(new HttpError('unauthenticated', 'invalid API key', undefined, { 'www-authenticate': 'Bearer realm="nightshift", error="invalid_token"' }));
      return;
    }
    res.locals.caller = caller;
    res.locals.keyId = caller.id;
    next();
  };
}

/** The caller `authenticate` settled; routes behind it always have one. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('route is not behind authenticate()');
  return caller;
}
