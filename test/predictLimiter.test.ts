import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PredictLimiter } from '../src/worker/predictLimiter';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Runs `n` calls per model through the limiter and reports the most seen in flight, per model and in all. */
async function load(limiter: PredictLimiter, models: string[], n: number) {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let all = 0;
  let peakAll = 0;
  await Promise.all(
    models.flatMap((m) =>
      Array.from({ length: n }, () =>
        limiter.run(m, undefined, async () => {
          inFlight.set(m, (inFlight.get(m) ?? 0) + 1);
          all++;
          peak.set(m, Math.max(peak.get(m) ?? 0, inFlight.get(m)!));
          peakAll = Math.max(peakAll, all);
          await tick();
          inFlight.set(m, inFlight.get(m)! - 1);
          all--;
        }),
      ),
    ),
  );
  return { peak, peakAll };
}

describe('Predict limits of a worker', () => {
  it('one model never has more than its limit in flight, whatever the number of jobs', async () => {
    const { peak } = await load(new PredictLimiter({ maxPredictCalls: 10, perModelLimit: 3 }), ['recommender'], 30);
    assert.equal(peak.get('recommender'), 3);
  });

  it('all models together never pass the global limit', async () => {
    const { peak, peakAll } = await load(new PredictLimiter({ maxPredictCalls: 4, perModelLimit: 3 }), ['a', 'b', 'c'], 10);
    assert.equal(peakAll, 4);
    for (const m of ['a', 'b', 'c']) assert.ok(peak.get(m)! <= 3);
  });

  it('a cancelled batch stops waiting for a slot and frees nothing it did not take', async () => {
    const limiter = new PredictLimiter({ maxPredictCalls: 1, perModelLimit: 1 });
    let release!: () => void;
    const holder = limiter.run('m', undefined, () => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const waiting = limiter.run('m', ac.signal, async () => 'ran');
    ac.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    release();
    await holder;
    assert.equal(limiter.inFlight(), 0);
    assert.equal(await limiter.run('m', undefined, async () => 'next'), 'next');
  });
});
