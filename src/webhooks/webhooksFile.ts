/**
 * The server's named webhooks (NIGHTSHIFT_WEBHOOKS_FILE, JSON or YAML):
 *
 *   webhooks:
 *     nightly-done: { url: "https://hooks.example.com/nightshift", secret: "..." }
 *
 * A job names a webhook (`on_complete.webhook`); its URL and secret live only here, so a request
 * can never make the worker POST to an address of its choosing, and secrets never enter Temporal.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { WEBHOOK_NAME_PATTERN, type FieldIssue } from '../job/spec';

export interface Webhook {
  url: string;
  /** HMAC-SHA256 key of the X-Nightshift-Signature header; null sends no signature. */
  secret: string | null;
}

/** Webhooks by name; empty when no file is configured. */
export type Webhooks = ReadonlyMap<string, Webhook>;

const httpUrl = z.string().refine((u) => {
  try {
    const { protocol } = new URL(u);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

const WebhooksFileSchema = z
  .object({
    webhooks: z.record(
      z.string().regex(WEBHOOK_NAME_PATTERN, 'webhook names are 1-64 of [A-Za-z0-9_.-]'),
      z.object({ url: httpUrl, secret: z.string().min(1, 'must not be empty (leave it out for no signature)').optional() }).strict(),
    ),
  })
  .strict();

/** A webhooks file that cannot be used; the message names the file and the field. */
export class WebhooksFileError extends Error {
  constructor(file: string, reason: string) {
    super(`webhooks file ${file}: ${reason}`);
    this.name = 'WebhooksFileError';
  }
}

/** Parses the text of a webhooks file (`file` only names it in errors). */
export function parseWebhooks(text: string, file: string): Webhooks {
  let doc: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    doc = parseYaml(text);
  } catch (err) {
    throw new WebhooksFileError(file, `not valid JSON or YAML: ${(err as Error).message}`);
  }
  const r = WebhooksFileSchema.safeParse(doc);
  if (!r.success) {
    const field = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(root)';
    const reasons = r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((k) => `${field([...i.path, k])}: unknown field`) : [`${field(i.path)}: ${i.message}`],
    );
    throw new WebhooksFileError(file, reasons.join('; '));
  }
  return new Map(Object.entries(r.data.webhooks).map(([name, w]) => [name, { url: w.url, secret: w.secret ?? null }]));
}

/** Reads NIGHTSHIFT_WEBHOOKS_FILE once at start; an empty path means no webhooks. */
export function loadWebhooks(file: string): Webhooks {
  if (!file) return new Map();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebhooksFileError(file, `cannot be read: ${(err as Error).message}`);
  }
  return parseWebhooks(text, file);
}

/**
 * For the gateway's submit: the issue to report when `on_complete.webhook` names no configured
 * webhook, or null when the spec has no `on_complete` or names a known one.
 */
export function webhookNameIssue(spec: { on_complete?: { webhook: string } | undefined }, webhooks: Webhooks): FieldIssue | null {
  const name = spec.on_complete?.webhook;
  if (name === undefined || webhooks.has(name)) return null;
  // The configured names are not listed: they are the server's business, not the caller's.
  return { field: 'on_complete.webhook', reason: `no webhook named "${name}" is configured on this server` };
}
