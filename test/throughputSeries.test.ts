/** The throughput series the workflow keeps for the jobs page: bounded, and never losing or moving an item. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addItems, BUCKET_S, emptySeries, MAX_BUCKETS, throughputPoints } from '../src/job/throughputSeries';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('throughput series', () => {
  test('items land in the 10 s bucket of their time; the rate is items per second', () => {
    const t0 = Date.parse('2026-11-30T02:00:00Z');
    let s = emptySeries(t0);
    s = addItems(s, t0 + 1_000, 500);
    s = addItems(s, t0 + 9_999, 500);
    s = addItems(s, t0 + 25_000, 200);
    s = addItems(s, t0 - 5_000, 10); // a clock a little behind the start counts in bucket 0
    s = addItems(s, t0 + 26_000, 0);
    assert.deepEqual(s, { start_ms: t0, bucket_s: 10, items: [1010, 0, 200] });
    const points = throughputPoints(s, t0 + 30_000);
    assert.deepEqual(points.map((p) => p.items_per_s), [101, 0, 20]);
    assert.equal(points[2]!.at, '2026-11-30T02:00:20.000Z');
  });

  test('the newest bucket is rated over the part of it that has passed', () => {
    const t0 = 0;
    const s = addItems(emptySeries(t0), 12_000, 400);
    // At 14 s only 4 s of the second bucket have passed: 100 items/s, not 40.
    assert.deepEqual(throughputPoints(s, 14_000).map((p) => p.items_per_s), [0, 100]);
    assert.deepEqual(throughputPoints(s, 60_000).map((p) => p.items_per_s), [0, 40]);
  });

  test('a long job stays within MAX_BUCKETS: buckets merge in pairs and widen, keeping every item', () => {
    let s = emptySeries(0);
    let added = 0;
    // 10 hours, a batch of 7 items every 3 s.
    for (let t = 0; t < 10 * 3600_000; t += 3000) {
      s = addItems(s, t, 7);
      added += 7;
      assert.ok(s.items.length <= MAX_BUCKETS, `${s.items.length} buckets at ${t} ms`);
    }
    assert.equal(sum(s.items), added);
    assert.equal(s.bucket_s, BUCKET_S * 16); // 36,000 s / 160 s = 225 buckets; 80 s would need 450
    assert.equal(s.items.length, Math.ceil((10 * 3600) / s.bucket_s));
    // Even buckets: the merged widths still line up with time.
    assert.ok(s.items.every((n) => Math.abs(n - (s.bucket_s / 3) * 7) <= 7), JSON.stringify(s.items.slice(0, 5)));
  });
});
