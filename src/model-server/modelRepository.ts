/**
 * The served models: scans `<base>/<model>/<version>/model.json` like TF Serving scans a model base path,
 * loads every version, and resolves a ModelSpec (latest, a version, or a label) with TF Serving's errors.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelSpec__Output } from '../tfserving/protos';
import type { ComputePool } from './computePool';
import { loadEchoBytes } from './echoBytes';
import { MODEL_CONFIG_FILE, ModelConfig, ModelConfigSchema, VERSION_FILE, VersionFileSchema, readJsonFile } from './modelFiles';
import { loadRecommender } from './recommender';
import type { Servable } from './servable';
import { invalidArgument, notFound } from './servingError';

export interface ServedModel {
  name: string;
  config: ModelConfig;
  /** Loaded versions, highest first (the order GetModelStatus lists them in, as TF Serving does). */
  versions: Servable[];
  labels: Record<string, number>;
}

export interface LoadOptions {
  pool: ComputePool;
  /** Batches of one version running at once (TF Serving's num_batch_threads). */
  batchThreads: number;
}

export class ModelRepository {
  private constructor(
    readonly basePath: string,
    readonly models: Map<string, ServedModel>,
    private readonly opts: LoadOptions,
  ) {}

  static load(basePath: string, opts: LoadOptions): ModelRepository {
    const base = resolve(basePath);
    if (!existsSync(base)) throw new Error(`model base path ${base} does not exist`);
    const models = new Map<string, ServedModel>();
    try {
      for (const name of readdirSync(base).sort()) {
        const dir = join(base, name);
        if (!statSync(dir).isDirectory()) continue;
        const model = loadModel(name, dir, opts);
        if (model) models.set(name, model);
      }
    } catch (err) {
      for (const m of models.values()) for (const v of m.versions) void v.close();
      throw err;
    }
    return new ModelRepository(base, models, opts);
  }

  /**
   * Loads the versions (and models) that appeared in the base path since the last scan, as TF Serving's file
   * system poll does: a new version dir becomes the latest for requests that name no version, and the versions
   * already loaded keep serving (like TF Serving's `all` version policy). Returns the `model/version`s it added.
   */
  rescan(): string[] {
    const added: string[] = [];
    for (const name of readdirSync(this.basePath).sort()) {
      const dir = join(this.basePath, name);
      if (!statSync(dir).isDirectory()) continue;
      const known = this.models.get(name);
      if (!known) {
        const model = loadModel(name, dir, this.opts);
        if (model) {
          this.models.set(name, model);
          added.push(...model.versions.map((v) => `${name}/${v.version}`));
        }
        continue;
      }
      const have = new Set(known.versions.map((v) => v.version));
      const fresh = versionDirs(dir).filter((v) => !have.has(v));
      if (fresh.length === 0) continue;
      // Sorted after the push, so a request that names no version sees the new latest only once it is loaded.
      known.versions = [...known.versions, ...fresh.map((v) => loadVersion(name, v, dir, known.config, this.opts))].sort((a, b) => b.version - a.version);
      added.push(...fresh.map((v) => `${name}/${v}`));
    }
    return added;
  }

  /** The servable a request names, or TF Serving's NOT_FOUND / INVALID_ARGUMENT. */
  resolve(spec: ModelSpec__Output): Servable {
    const model = this.models.get(spec.name);
    if (spec.version_choice === 'version' && spec.version) {
      const v = Number(spec.version.value);
      const servable = model?.versions.find((s) => s.version === v);
      if (!servable) throw notFound(`Servable not found for request: Specific(${spec.name}, ${spec.version.value})`);
      return servable;
    }
    if (spec.version_choice === 'version_label' && spec.version_label) {
      const v = model?.labels[spec.version_label];
      if (v === undefined) throw invalidArgument(`Unrecognized servable version label: ${spec.version_label}`);
      const servable = model!.versions.find((s) => s.version === v);
      if (!servable) throw notFound(`Servable not found for request: Specific(${spec.name}, ${v})`);
      return servable;
    }
    const latest = model?.versions[0];
    if (!latest) throw notFound(`Servable not found for request: Latest(${spec.name})`);
    return latest;
  }

  /** Every loaded version, for stats and readiness. */
  servables(): Servable[] {
    return [...this.models.values()].flatMap((m) => m.versions);
  }

  async close(): Promise<void> {
    await Promise.all(this.servables().map((s) => s.close()));
  }
}

function loadModel(name: string, dir: string, opts: LoadOptions): ServedModel | undefined {
  const configPath = join(dir, MODEL_CONFIG_FILE);
  const config = existsSync(configPath) ? readJsonFile(configPath, ModelConfigSchema) : {};
  const versionNumbers = versionDirs(dir);
  if (versionNumbers.length === 0) return undefined;
  const versions: Servable[] = versionNumbers.map((version) => loadVersion(name, version, dir, config, opts));
  const labels = config.version_labels ?? {};
  for (const [label, v] of Object.entries(labels)) {
    // TF Serving refuses a label on a version it does not serve, at config time.
    if (!versionNumbers.includes(v)) throw new Error(`${configPath}: label "${label}" points at version ${v}, which is not in ${dir}`);
  }
  return { name, config, versions, labels };
}

/** Version numbers under a model dir (a number-named dir holding a model.json), highest first. */
function versionDirs(dir: string): number[] {
  return readdirSync(dir)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(dir, v, VERSION_FILE)))
    .map(Number)
    .sort((a, b) => b - a);
}

function loadVersion(name: string, version: number, dir: string, config: ModelConfig, opts: LoadOptions): Servable {
  const vdir = join(dir, String(version));
  const spec = readJsonFile(join(vdir, VERSION_FILE), VersionFileSchema);
  const ctx = { name, version, dir: vdir, config, pool: opts.pool, batchThreads: opts.batchThreads };
  return spec.kind === 'matrix_factorization' ? loadRecommender(ctx, spec) : loadEchoBytes(ctx);
}
