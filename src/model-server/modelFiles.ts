/**
 * On-disk formats of the model base directory (see README.md in this folder):
 *   <base>/<model>/model.config.json   batching limits and version labels of one model
 *   <base>/<model>/<version>/model.json what the version is (kind, sizes, seed, data files)
 * Both are small JSON files that are committed; the embedding tables are generated (*.bin, git-ignored).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const MODEL_CONFIG_FILE = 'model.config.json';
export const VERSION_FILE = 'model.json';

export const ModelConfigSchema = z
  .object({
    /** TF Serving's `max_batch_size`: a larger request fails, and queued requests are merged up to it. */
    max_batch_size: z.number().int().positive().optional(),
    /** TF Serving's `max_enqueued_batches`: batches waiting beyond it make new requests fail UNAVAILABLE. */
    max_enqueued_batches: z.number().int().positive().optional(),
    /** Like TF Serving's `version_labels` in the model config: label → version. */
    version_labels: z.record(z.string().min(1), z.number().int().nonnegative()).optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const RecommenderVersionSchema = z
  .object({
    kind: z.literal('matrix_factorization'),
    num_users: z.number().int().positive(),
    num_items: z.number().int().positive(),
    dim: z.number().int().positive(),
    top_k: z.number().int().positive(),
    seed: z.number().int().nonnegative(),
    /** When set, every embedding value is an integer in [-levels, levels] (exact sums, many ties: for tests). */
    levels: z.number().int().positive().optional(),
    user_embeddings: z.string().min(1),
    item_embeddings: z.string().min(1),
    /** sha256 (hex) of each data file, checked by the generator so a stale or partial file is rebuilt. */
    sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
  })
  .strict();
export type RecommenderVersion = z.infer<typeof RecommenderVersionSchema>;

export const EchoBytesVersionSchema = z.object({ kind: z.literal('echo_bytes') }).strict();

export const VersionFileSchema = z.discriminatedUnion('kind', [RecommenderVersionSchema, EchoBytesVersionSchema]);
export type VersionFile = z.infer<typeof VersionFileSchema>;

export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
