/**
 * The `recommender` model: matrix factorisation. Scores are dot products of a user's embedding with every
 * item's; the answer is the exact top k (ties: lower item id first), computed on the shared compute pool.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from './servingError';
import type { RecommenderVersion } from './modelFiles';
import { BatchingServable, LoadContext, PREDICT_METHOD, SignatureSpec, Tensors, spec } from './servable';
import type { ComputePool } from './computePool';

interface Task {
  rows: number;
  users: Int32Array;
}

/** Reads a whole file into shared memory, so every compute thread reads the one copy. */
function readShared(path: string, bytes: number): SharedArrayBuffer {
  const size = existsSync(path) ? statSync(path).size : -1;
  if (size !== bytes) {
    const found = size < 0 ? 'is missing' : `has ${size} bytes`;
    throw new Error(`${path} ${found}, model.json implies ${bytes}; generate it with node lib/src/model-server/generateModels.js --base <model base path>`);
  }
  const sab = new SharedArrayBuffer(bytes);
  const view = new Uint8Array(sab);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < bytes; ) {
      const n = readSync(fd, view, at, Math.min(bytes - at, 1 << 24), at);
      if (n === 0) throw new Error(`${path}: unexpected end of file`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return sab;
}

export class Recommender extends BatchingServable<Task> {
  readonly signatures: Record<string, SignatureSpec>;
  private readonly key: string;

  constructor(
    ctx: LoadContext,
    private readonly model: RecommenderVersion,
    private readonly pool: ComputePool,
  ) {
    super(ctx.name, ctx.version, ctx.config, ctx.batchThreads);
    const k = model.top_k;
    this.signatures = {
      serving_default: {
        method_name: PREDICT_METHOD,
        inputs: { user_id: spec('user_id', 'DT_INT64', [-1]) },
        outputs: { item_ids: spec('item_ids', 'DT_INT64', [-1, k]), scores: spec('scores', 'DT_FLOAT', [-1, k]) },
      },
    };
    this.key = `${ctx.name}/${ctx.version}`;
    pool.addTables(this.key, {
      users: readShared(join(ctx.dir, model.user_embeddings), model.num_users * model.dim * 4),
      items: readShared(join(ctx.dir, model.item_embeddings), model.num_items * model.dim * 4),
      numItems: model.num_items,
      dim: model.dim,
    });
  }

  protected prepare(_signature: string, inputs: Tensors): Task {
    const ids = inputs.user_id!.values as BigInt64Array;
    const users = new Int32Array(ids.length);
    const n = BigInt(this.model.num_users);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // TF's own gather error, prefixed so the failing id is plain to a reader of a job's error file.
      if (id < 0n || id >= n) throw invalidArgument(`unknown user_id ${id}: indices[${i}] = ${id} is not in [0, ${n})`);
      users[i] = Number(id);
    }
    return { rows: users.length, users };
  }

  protected async runBatch(tasks: Task[]): Promise<Tensors[]> {
    const k = this.model.top_k;
    const all = new Int32Array(tasks.reduce((a, t) => a + t.rows, 0));
    let at = 0;
    for (const t of tasks) {
      all.set(t.users, at);
      at += t.rows;
    }
    const { ids, scores } = await this.pool.topK(this.key, all, k);
    at = 0;
    return tasks.map((t) => {
      const from = at * k;
      const to = (at + t.rows) * k;
      at += t.rows;
      return {
        item_ids: { dtype: 'DT_INT64', shape: [t.rows, k], values: BigInt64Array.from(ids.subarray(from, to), BigInt) },
        scores: { dtype: 'DT_FLOAT', shape: [t.rows, k], values: scores.slice(from, to) },
      };
    });
  }

  override async close(): Promise<void> {
    await super.close();
    this.pool.dropTables(this.key);
  }
}

export function loadRecommender(ctx: LoadContext, version: RecommenderVersion): Recommender {
  return new Recommender(ctx, version, ctx.pool);
}
