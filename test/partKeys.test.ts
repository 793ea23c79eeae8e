/**
 * Part and error keys sort lexically in batch order at any job size: 6 digits below a million
 * batches (the keys every existing job has), more from a million on, chosen once from the job's
 * batch count. Pure key arithmetic, checked across the 999,999 / 1,000,000 boundary.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorPartKey, jobLocation, partKey, partKeyWidth } from '../src/job/layout';

const loc = jobLocation('s3://bucket/out/', 'job');
const lexically = (keys: string[]): string[] => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const PART_NUMBER = /part-(\d+)\.jsonl$/;

describe('part key width', () => {
  it('stays 6 digits below a million batches, so keys of existing and running jobs do not change', () => {
    assert.equal(partKeyWidth(1), 6);
    assert.equal(partKeyWidth(999_999), 6);
    assert.equal(partKeyWidth(1_000_000), 6, 'batches 0..999,999: the last number has 6 digits');
    assert.equal(partKey(loc, 42), 'out/job/part-000042.jsonl');
    assert.equal(partKey(loc, 42, partKeyWidth(1000)), 'out/job/part-000042.jsonl');
    assert.equal(errorPartKey(loc, 7, partKeyWidth(999_999)), 'out/job/errors/part-000007.jsonl');
  });

  it('grows with the last batch number from 1,000,001 batches on', () => {
    assert.equal(partKeyWidth(1_000_001), 7);
    assert.equal(partKeyWidth(10_000_000), 7);
    assert.equal(partKeyWidth(10_000_001), 8);
    assert.equal(partKey(loc, 42, partKeyWidth(1_000_001)), 'out/job/part-0000042.jsonl');
  });

  for (const total of [1_000_000, 1_000_001, 1_234_567, 10_000_001]) {
    it(`keys of a ${total.toLocaleString('en')}-batch job sort lexically in batch order`, () => {
      const width = partKeyWidth(total);
      const last = total - 1;
      // The boundary and both ends, plus a spread, shuffled so sorting has work to do.
      const batches = [0, 1, 9, 10, 99_999, 100_000, 999_998, 999_999, last - 1, last, ...Array.from({ length: 200 }, (_, i) => Math.floor((i * last) / 199))]
        .filter((b, i, all) => b >= 0 && b <= last && all.indexOf(b) === i)
        .sort(() => 0.5 - Math.random());
      for (const keyOf of [partKey, errorPartKey]) {
        const keys = batches.map((b) => keyOf(loc, b, width));
        const order = lexically(keys).map((k) => Number(PART_NUMBER.exec(k)![1]));
        assert.deepEqual(order, [...batches].sort((a, b) => a - b));
        assert.equal(new Set(keys.map((k) => k.length)).size, 1, 'one width for every key of the job');
      }
    });
  }

  it('the fixed 6-digit width would not sort past 999,999 (why the width grows)', () => {
    const keys = [999_999, 1_000_000].map((b) => partKey(loc, b));
    assert.deepEqual(lexically(keys), [partKey(loc, 1_000_000), partKey(loc, 999_999)]);
  });
});
