/**
 * The recommender's kernel: for each user row, the k items with the highest dot product.
 * A score is the float64 sum rounded to float32 (the value the response carries), and items are ranked by
 * that rounded score, so equal scores in a response always come in ascending item id order.
 */

export interface EmbeddingTables {
  users: Float32Array;
  items: Float32Array;
  numItems: number;
  dim: number;
}

/**
 * Writes k item ids and scores per user into `outIds` / `outScores` (row i at [i*k, i*k+k)).
 * Users are processed four at a time so each item row is read once per four users (memory, not math, is
 * the limit with 20k items × 32 dims).
 */
export function topKForUsers(
  t: EmbeddingTables,
  userRows: ArrayLike<number>,
  k: number,
  outIds: Int32Array,
  outScores: Float32Array,
): void {
  const { items, numItems, dim } = t;
  const kk = Math.min(k, numItems);
  const u = new Float64Array(4 * dim);
  const best = [0, 1, 2, 3].map(() => ({ ids: new Int32Array(kk), scores: new Float64Array(kk), n: 0 }));

  for (let first = 0; first < userRows.length; first += 4) {
    const group = Math.min(4, userRows.length - first);
    for (let g = 0; g < 4; g++) {
      // Missing group members repeat the first user, so the unrolled loop below needs no branches.
      const row = userRows[first + (g < group ? g : 0)];
      for (let d = 0; d < dim; d++) u[g * dim + d] = t.users[row * dim + d];
      best[g].n = 0;
    }
    const b0 = best[0], b1 = best[1], b2 = best[2], b3 = best[3];
    for (let j = 0; j < numItems; j++) {
      const off = j * dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < dim; d++) {
        const v = items[off + d];
        s0 += u[d] * v;
        s1 += u[dim + d] * v;
        s2 += u[2 * dim + d] * v;
        s3 += u[3 * dim + d] * v;
      }
      offer(b0, kk, j, Math.fround(s0));
      offer(b1, kk, j, Math.fround(s1));
      offer(b2, kk, j, Math.fround(s2));
      offer(b3, kk, j, Math.fround(s3));
    }
    for (let g = 0; g < group; g++) {
      const base = (first + g) * k;
      for (let r = 0; r < k; r++) {
        // Fewer items than k: TF's top_k would fail; we pad with id -1 and -Infinity rather than refuse.
        outIds[base + r] = r < kk ? best[g].ids[r] : -1;
        outScores[base + r] = r < kk ? best[g].scores[r] : -Infinity;
      }
    }
  }
}

/** Items arrive in ascending id order, so a tie never displaces an earlier (lower) id. */
function offer(b: { ids: Int32Array; scores: Float64Array; n: number }, k: number, id: number, s: number): void {
  if (b.n === k && s <= b.scores[k - 1]) return;
  let i = b.n < k ? b.n++ : k - 1;
  while (i > 0 && b.scores[i - 1] < s) {
    b.scores[i] = b.scores[i - 1];
    b.ids[i] = b.ids[i - 1];
    i--;
  }
  b.scores[i] = s;
  b.ids[i] = id;
}
