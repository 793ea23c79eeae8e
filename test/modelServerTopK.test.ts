/**
 * The recommender answers the exact top 10 by dot product (ties: lower item id first), checked against a
 * brute-force sort over generated embeddings; and the generator is deterministic and idempotent.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddingTable, generateModels, streamSeed } from '../src/model-server/generateModels';
import { topKForUsers } from '../src/model-server/topK';
import { decodeTensor } from '../src/tfserving/codec';
import { recommend, startHarness, success, tempModels, type Harness } from './helpers/modelServerKit';

/** Reads a generated table back from disk, so the check does not trust the server's own loading. */
function table(dir: string, file: string): Float32Array {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** Every score, float32-rounded as the server answers it, sorted by score then id. */
function bruteForce(users: Float32Array, items: Float32Array, dim: number, user: number, k: number): { ids: number[]; scores: number[] } {
  const all: [number, number][] = [];
  for (let j = 0; j < items.length / dim; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += users[user * dim + d]! * items[j * dim + d]!;
    all.push([Math.fround(s), j]);
  }
  all.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const top = all.slice(0, k);
  return { ids: top.map((t) => t[1]), scores: top.map((t) => t[0]) };
}

async function checkAllUsers(h: Harness, dir: string, numUsers: number, dim: number, batch: number): Promise<number> {
  const users = table(dir, 'user_embeddings.bin');
  const items = table(dir, 'item_embeddings.bin');
  let ties = 0;
  for (let first = 0; first < numUsers; first += batch) {
    const ids = Array.from({ length: Math.min(batch, numUsers - first) }, (_, i) => first + i);
    const res = success(await recommend(h, ids));
    const got = decodeTensor(res.outputs['item_ids']!).values as BigInt64Array;
    const scores = decodeTensor(res.outputs['scores']!).values as Float32Array;
    ids.forEach((u, r) => {
      const want = bruteForce(users, items, dim, u, 10);
      assert.deepEqual(Array.from(got.slice(r * 10, r * 10 + 10), Number), want.ids, `user ${u} item ids`);
      assert.deepEqual(Array.from(scores.slice(r * 10, r * 10 + 10)), want.scores, `user ${u} scores`);
      for (let i = 1; i < 10; i++) if (want.scores[i] === want.scores[i - 1]) ties++;
    });
  }
  return ties;
}

describe('recommender top 10', { timeout: 120_000 }, () => {
  let random: ReturnType<typeof tempModels>;
  let tied: ReturnType<typeof tempModels>;
  let h1: Harness;
  let h2: Harness;

  before(async () => {
    random = tempModels({ recommender: { numUsers: 203, numItems: 3001, dim: 16, seed: 11 }, echoBytes: false });
    // Integer embeddings in [-1, 1] over 3 dims: few distinct scores, so the tie rule decides most ranks.
    tied = tempModels({ recommender: { numUsers: 40, numItems: 500, dim: 3, seed: 12, levels: 1 }, echoBytes: false });
    h1 = await startHarness({ basePath: random.basePath, threads: 2, adminAddr: null });
    h2 = await startHarness({ basePath: tied.basePath, threads: 2, adminAddr: null });
  });

  after(async () => {
    await h1?.close();
    await h2?.close();
    random?.cleanup();
    tied?.cleanup();
  });

  test('equals a brute-force sort for every user (batches split over two threads)', async () => {
    await checkAllUsers(h1, join(random.basePath, 'recommender', '1'), 203, 16, 64);
  });

  test('ties are broken by the lower item id', async () => {
    const ties = await checkAllUsers(h2, join(tied.basePath, 'recommender', '1'), 40, 3, 17);
    assert.ok(ties > 100, `the tied model should produce many ties, got ${ties}`);
  });

  test('the same user in one batch, or twice, gets the same answer', async () => {
    const a = success(await recommend(h1, [7]));
    const b = success(await recommend(h1, [9, 7, 7, 1]));
    const ids = (r: typeof a) => Array.from(decodeTensor(r.outputs['item_ids']!).values as BigInt64Array);
    assert.deepEqual(ids(b).slice(10, 20), ids(a));
    assert.deepEqual(ids(b).slice(20, 30), ids(a));
  });
});

describe('topKForUsers', () => {
  test('handles groups that are not a multiple of four and fewer items than k', () => {
    const dim = 2;
    const users = new Float32Array([1, 0, 0, 1, 1, 1, -1, 0, 0, -1]);
    const items = new Float32Array([3, 1, 1, 3, 2, 2]);
    const ids = new Int32Array(5 * 4);
    const scores = new Float32Array(5 * 4);
    topKForUsers({ users, items, numItems: 3, dim }, [0, 1, 2, 3, 4], 4, ids, scores);
    assert.deepEqual(Array.from(ids), [0, 2, 1, -1, 1, 2, 0, -1, 0, 1, 2, -1, 1, 2, 0, -1, 0, 2, 1, -1]);
    assert.deepEqual(Array.from(scores.slice(8, 12)), [4, 4, 4, -Infinity]);
  });
});

describe('generateModels', () => {
  test('is deterministic from the seed and a fast no-op when the files match model.json', () => {
    const a = tempModels({ recommender: { numUsers: 100, numItems: 50, dim: 8, seed: 5 } });
    const b = tempModels({ recommender: { numUsers: 100, numItems: 50, dim: 8, seed: 5 } });
    try {
      const dirA = join(a.basePath, 'recommender', '1');
      const dirB = join(b.basePath, 'recommender', '1');
      const specA = JSON.parse(readFileSync(join(dirA, 'model.json'), 'utf8'));
      assert.deepEqual(specA, JSON.parse(readFileSync(join(dirB, 'model.json'), 'utf8')));
      assert.deepEqual(readFileSync(join(dirA, 'user_embeddings.bin')), readFileSync(join(dirB, 'user_embeddings.bin')));
      assert.match(specA.sha256['item_embeddings.bin'], /^[0-9a-f]{64}$/);
      assert.deepEqual(table(dirA, 'item_embeddings.bin'), embeddingTable(50, 8, streamSeed(5, 'items')));

      const mtime = statSync(join(dirA, 'user_embeddings.bin')).mtimeMs;
      const again = generateModels({ basePath: a.basePath });
      assert.deepEqual(again.generated, []);
      assert.deepEqual(again.current.sort(), ['echo_bytes/1', 'recommender/1']);
      assert.equal(statSync(join(dirA, 'user_embeddings.bin')).mtimeMs, mtime);

      // A damaged file (same size, other bytes) is rebuilt from the seed.
      const damaged = readFileSync(join(dirA, 'user_embeddings.bin'));
      damaged[0] ^= 0xff;
      writeFileSync(join(dirA, 'user_embeddings.bin'), damaged);
      assert.deepEqual(generateModels({ basePath: a.basePath }).generated, ['recommender/1']);
      assert.deepEqual(readFileSync(join(dirA, 'user_embeddings.bin')), readFileSync(join(dirB, 'user_embeddings.bin')));

      // Every matrix-factorisation version in the base dir is covered, not only the default one.
      generateModels({ basePath: a.basePath, recommender: { numUsers: 10, numItems: 20, dim: 4, seed: 6, version: 2 } });
      rmSync(join(a.basePath, 'recommender', '2', 'item_embeddings.bin'));
      assert.deepEqual(generateModels({ basePath: a.basePath }).generated, ['recommender/2']);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  test("the repository's model.json matches what the generator writes from its seed", () => {
    const repo = JSON.parse(readFileSync(join(__dirname, '..', '..', 'models', 'recommender', '1', 'model.json'), 'utf8'));
    assert.deepEqual(
      [repo.num_users, repo.num_items, repo.dim, repo.top_k],
      [100_000, 20_000, 32, 10],
    );
    // Hashing the full tables takes a moment; the item table (2.5 MB) proves the generator is unchanged.
    const items = embeddingTable(repo.num_items, repo.dim, streamSeed(repo.seed, 'items'));
    assert.equal(createHash('sha256').update(new Uint8Array(items.buffer)).digest('hex'), repo.sha256['item_embeddings.bin']);
  });
});
