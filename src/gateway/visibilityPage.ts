/**
 * One page of a Temporal visibility listing (workflows, schedules) behind the gateway's page
 * tokens: Temporal's own token, passed through base64url. The query is rebuilt from the caller on
 * every request, so a token cannot widen what a key sees.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';
import { invalidFields } from './errors';

/** Values reach a query only after zod checked them (enum, name pattern, ISO date, id pattern); quotes are still escaped. */
export const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `request(token)` for the caller's `pageToken`; a token Temporal refuses is a 400 on `page_token`. */
export async function visibilityPage<T>(request: (token: Uint8Array | undefined) => Promise<T>, pageToken: string | undefined): Promise<T> {
  try {
    return await request(pageToken ? Buffer.from(pageToken, 'base64url') : undefined);
  } catch (err) {
    // Visibility stores reject a foreign token with INVALID_ARGUMENT or a bare UNKNOWN: if the same
    // listing works without it, the token was the caller's mistake.
    if (!pageToken || (isGrpcServiceError(err) && err.code === grpcStatus.UNAVAILABLE)) throw err;
    await request(undefined);
    throw invalidFields([{ field: 'page_token', reason: 'is not a page token of this listing' }]);
  }
}

/** Temporal's next-page token as the gateway hands it out; null on the last page. */
export const nextPageToken = (token: Uint8Array | null | undefined): string | null =>
  token && token.length > 0 ? Buffer.from(token).toString('base64url') : null;
