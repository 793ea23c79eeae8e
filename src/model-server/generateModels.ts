/**
 * Writes the bundled models' data files, deterministically from a seed, so the repository carries only the
 * small JSON configs. Run with no arguments by `npm run setup` (a fast no-op when the files match the
 * committed `model.json`); `--base DIR` writes elsewhere. Tests call `generateModels({ basePath, ... })`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  MODEL_CONFIG_FILE,
  ModelConfig,
  RecommenderVersion,
  RecommenderVersionSchema,
  VERSION_FILE,
  VersionFileSchema,
  readJsonFile,
} from './modelFiles';

/** The repository's own `models/` (this file runs from lib/src/model-server/). */
export const REPO_MODELS_DIR = resolve(__dirname, '..', '..', '..', 'models');

export interface RecommenderOptions {
  numUsers?: number;
  numItems?: number;
  dim?: number;
  seed?: number;
  /** Integer embedding values in [-levels, levels]: exact dot products and many ties (tests). */
  levels?: number;
  version?: number;
  maxBatchSize?: number;
  maxEnqueuedBatches?: number;
  versionLabels?: Record<string, number>;
}

export interface GenerateOptions {
  basePath?: string;
  /** Options for a recommender model that has no model.json yet (an existing model.json wins). */
  recommender?: RecommenderOptions;
  /** Model name of the recommender (default `recommender`). */
  recommenderName?: string;
  /** Also write the `echo_bytes` model's config (default true). */
  echoBytes?: boolean;
}

export interface GenerateResult {
  basePath: string;
  generated: string[];
  current: string[];
}

export const RECOMMENDER_DEFAULTS = { numUsers: 100_000, numItems: 20_000, dim: 32, seed: 20240611, version: 1 };

/**
 * mulberry32: a 32-bit state PRNG, a few ns per value and identical on every platform (integer ops only),
 * which is what makes the generated tables reproducible from the seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Row-major float32 table [rows][dim]: uniform in [-1, 1) on a 2^-23 grid, or integers when `levels` is set. */
export function embeddingTable(rows: number, dim: number, seed: number, levels?: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(rows * dim);
  if (levels) {
    const span = 2 * levels + 1;
    for (let i = 0; i < out.length; i++) out[i] = (next() % span) - levels;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = (next() >>> 8) / 8388608 - 1;
  }
  return out;
}

/** Users and items draw from different streams of the same seed. */
const STREAMS = { users: 0x75736572, items: 0x6974656d } as const;
export const streamSeed = (seed: number, table: keyof typeof STREAMS) => (seed ^ STREAMS[table]) >>> 0;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fileMatches(path: string, bytes: number, hash: string | undefined): boolean {
  if (!existsSync(path) || statSync(path).size !== bytes) return false;
  return hash === undefined || sha256(readFileSync(path)) === hash;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function writeJson(path: string, value: unknown): void {
  writeAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

function recommenderVersionFile(o: RecommenderOptions): RecommenderVersion {
  return {
    kind: 'matrix_factorization',
    num_users: o.numUsers ?? RECOMMENDER_DEFAULTS.numUsers,
    num_items: o.numItems ?? RECOMMENDER_DEFAULTS.numItems,
    dim: o.dim ?? RECOMMENDER_DEFAULTS.dim,
    top_k: 10,
    seed: o.seed ?? RECOMMENDER_DEFAULTS.seed,
    ...(o.levels ? { levels: o.levels } : {}),
    user_embeddings: 'user_embeddings.bin',
    item_embeddings: 'item_embeddings.bin',
  };
}

/** Ensures one recommender version's tables exist and match its model.json; returns whether it wrote them. */
export function ensureRecommenderVersion(versionDir: string, defaults: RecommenderOptions = {}): boolean {
  const specPath = join(versionDir, VERSION_FILE);
  mkdirSync(versionDir, { recursive: true });
  const spec = existsSync(specPath)
    ? readJsonFile(specPath, RecommenderVersionSchema)
    : recommenderVersionFile(defaults);
  const tables = [
    { file: spec.user_embeddings, rows: spec.num_users, stream: 'users' as const },
    { file: spec.item_embeddings, rows: spec.num_items, stream: 'items' as const },
  ];
  const current = tables.every((t) =>
    fileMatches(join(versionDir, t.file), t.rows * spec.dim * 4, spec.sha256?.[t.file]),
  );
  if (current && existsSync(specPath)) return false;

  const hashes: Record<string, string> = {};
  for (const t of tables) {
    const table = embeddingTable(t.rows, spec.dim, streamSeed(spec.seed, t.stream), spec.levels);
    const bytes = new Uint8Array(table.buffer);
    hashes[t.file] = sha256(bytes);
    const expected = spec.sha256?.[t.file];
    if (expected && expected !== hashes[t.file]) {
      throw new Error(`${specPath}: generated ${t.file} has sha256 ${hashes[t.file]}, model.json says ${expected}`);
    }
    writeAtomic(join(versionDir, t.file), bytes);
  }
  if (!spec.sha256) writeJson(specPath, { ...spec, sha256: hashes });
  return true;
}

function ensureModelConfig(modelDir: string, config: ModelConfig): void {
  const path = join(modelDir, MODEL_CONFIG_FILE);
  if (existsSync(path)) return;
  mkdirSync(modelDir, { recursive: true });
  writeJson(path, config);
}

export function generateModels(opts: GenerateOptions = {}): GenerateResult {
  const basePath = resolve(opts.basePath ?? REPO_MODELS_DIR);
  const result: GenerateResult = { basePath, generated: [], current: [] };
  const rec = opts.recommender ?? {};
  const recName = opts.recommenderName ?? 'recommender';
  const version = rec.version ?? RECOMMENDER_DEFAULTS.version;

  ensureModelConfig(join(basePath, recName), {
    max_batch_size: rec.maxBatchSize ?? 1024,
    max_enqueued_batches: rec.maxEnqueuedBatches ?? 64,
    ...(rec.versionLabels ? { version_labels: rec.versionLabels } : {}),
  });
  const wrote = ensureRecommenderVersion(join(basePath, recName, String(version)), rec);
  (wrote ? result.generated : result.current).push(`${recName}/${version}`);

  // Any other matrix-factorisation version in the base dir (more versions, other models) gets its tables too.
  for (const model of readdirSync(basePath)) {
    const modelDir = join(basePath, model);
    if (!statSync(modelDir).isDirectory()) continue;
    for (const v of readdirSync(modelDir).filter((d) => /^\d+$/.test(d))) {
      const key = `${model}/${v}`;
      const spec = join(modelDir, v, VERSION_FILE);
      if (key === `${recName}/${version}` || !existsSync(spec)) continue;
      if (VersionFileSchema.parse(JSON.parse(readFileSync(spec, 'utf8'))).kind !== 'matrix_factorization') continue;
      (ensureRecommenderVersion(join(modelDir, v)) ? result.generated : result.current).push(key);
    }
  }

  if (opts.echoBytes ?? true) {
    ensureModelConfig(join(basePath, 'echo_bytes'), { max_batch_size: 256, max_enqueued_batches: 64 });
    const versionDir = join(basePath, 'echo_bytes', '1');
    mkdirSync(versionDir, { recursive: true });
    if (existsSync(join(versionDir, VERSION_FILE))) result.current.push('echo_bytes/1');
    else {
      writeJson(join(versionDir, VERSION_FILE), { kind: 'echo_bytes' });
      result.generated.push('echo_bytes/1');
    }
  }
  return result;
}

function main(argv: string[]): void {
  const baseFlag = argv.indexOf('--base');
  const basePath = baseFlag >= 0 ? argv[baseFlag + 1] : undefined;
  if (baseFlag >= 0 && !basePath) throw new Error('usage: generateModels [--base DIR]');
  const t0 = Date.now();
  const r = generateModels({ basePath });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const what = r.generated.length ? `generated ${r.generated.join(', ')}` : 'all current';
  console.log(`models in ${r.basePath}: ${what}${r.current.length ? ` (current: ${r.current.join(', ')})` : ''} in ${secs}s`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
