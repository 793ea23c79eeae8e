/**
 * Webhook signatures: `X-Nightshift-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 * The timestamp (X-Nightshift-Timestamp, unix seconds) is inside the signed text so a receiver can
 * refuse an old delivery replayed by someone who captured it (docs/jobs.md shows the check).
 */
import { createHmac } from 'node:crypto';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
