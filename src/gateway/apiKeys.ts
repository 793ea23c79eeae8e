/**
 * API keys: the file named by NIGHTSHIFT_API_KEYS_FILE (JSON, or YAML with the same shape) lists
 * each key's id, the SHA-256 of its secret, the S3 prefixes it may read and write and the models
 * it may call. The gateway keeps only the hashes, compares in constant time and never logs a key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(.*\/)?$/;

const prefix = z
  .string()
  .regex(S3_PREFIX, 'must be an s3://bucket/ or s3://bucket/prefix/ URL ending in "/"')
  .refine((p) => !p.split('/').slice(3).some((s) => s === '.' || s === '..'), 'must not contain "." or ".." segments');

export const ApiKeysFileSchema = z
  .object({
    keys: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'must be 1-64 of [A-Za-z0-9_.@-]'),
            sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the hex SHA-256 of the key (64 hex digits)'),
            read: z.array(prefix).default([]),
            write: z.array(prefix).default([]),
            /** Absent: every model. */
            models: z.array(z.string().min(1)).optional(),
            admin: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1, 'must list at least one key'),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.keys.forEach((k, i) => {
      if (seen.has(k.id)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate id "${k.id}"` });
      seen.add(k.id);
    });
  });

/** Who is calling, and what it may touch. `null` lists mean "anything" (admin without limits, or no keys configured). */
export interface Caller {
  id: string;
  admin: boolean;
  read: readonly string[] | null;
  write: readonly string[] | null;
  models: readonly string[] | null;
}

/** The caller when no keys are configured: the gateway is on loopback only, so whoever reaches it is trusted. */
export const LOCAL_CALLER: Caller = { id: 'local', admin: true, read: null, write: null, models: null };

interface StoredKey {
  hash: Buffer;
  caller: Caller;
}

export class ApiKeysFileError extends Error {
  override name = 'ApiKeysFileError';
}

/** Reads and checks a keys file; every problem names the file and the field. */
export function readApiKeysFile(path: string): StoredKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiKeysFileError(`${path}: cannot be read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ApiKeysFileError(`${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  const parsed = ApiKeysFileSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ApiKeysFileError(`${path}: ${why}`);
  }
  return parsed.data.keys.map((k) => ({
    hash: Buffer.from(k.sha256, 'hex'),
    caller: { id: k.id, admin: k.admin, read: k.read, write: k.write, models: k.models ?? null },
  }));
}

export const sha256Hex = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * The keys the gateway accepts. `reload()` re-reads the file (SIGHUP); a bad file keeps the
 * previous keys, so a typo cannot lock every team out or open the gateway.
 */
export class ApiKeyStore {
  private keys: StoredKey[] = [];

  constructor(readonly path: string) {
    this.reload();
  }

  reload(): number {
    this.keys = readApiKeysFile(this.path);
    return this.keys.length;
  }

  /** The caller a presented key belongs to. Every stored hash is compared, so timing tells nothing about which one matched. */
  authenticate(presented: string): Caller | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: Caller | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(hash, k.hash) && !found) found = k.caller;
    }
    return found;
  }
}
