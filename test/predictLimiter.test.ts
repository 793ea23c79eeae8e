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
        limiter.run(m, `job-${m}`, undefined, async () => {
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
    const holder = limiter.run('m', 'j', undefined, () => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const waiting = limiter.run('m', 'j', ac.signal, async () => 'ran');
    ac.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    release();
    await holder;
    assert.equal(limiter.inFlight(), 0);
    assert.equal(await limiter.run('m', 'j', undefined, async () => 'next'), 'next');
  });

  it('a freed permit goes to the jobs in turn: a job with a long queue does not starve one that comes later', async () => {
    const limiter = new PredictLimiter({ maxPredictCalls: 10, perModelLimit: 2 });
    const order: string[] = [];
    const call = (job: string) =>
      limiter.run('m', job, undefined, async () => {
        order.push(job);
        await tick();
      });
    // Job a queues 20 calls first; job b queues 5 after it, while a's first two hold both permits.
    const all = [...Array.from({ length: 20 }, () => call('a')), ...Array.from({ length: 5 }, () => call('b'))];
    await Promise.all(all);
    assert.equal(order.length, 25);
    // FIFO would run b's calls last (positions 20-24); round robin interleaves them right after a's first two.
    const firstB = order.indexOf('b');
    const lastB = order.lastIndexOf('b');
    assert.ok(firstB <= 3, `b's first call ran at position ${firstB}: ${order.join('')}`);
    assert.ok(lastB < 14, `b's last call ran at position ${lastB}: ${order.join('')}`);
    assert.equal(limiter.inFlight('m'), 0);
  });

  it('the global cap is shared in turn by jobs too, and a cancelled waiter leaves its job queue consistent', async () => {
    const limiter = new PredictLimiter({ maxPredictCalls: 1, perModelLimit: 5 });
    const order: string[] = [];
    const ac = new AbortController();
    const calls = [
      ...['a', 'a', 'a'].map((j) => limiter.run('x', j, undefined, async () => void order.push(j))),
      limiter.run('y', 'b', ac.signal, async () => void order.push('cancelled')),
      limiter.run('y', 'b', undefined, async () => void order.push('b')),
    ];
    ac.abort(new Error('cancelled'));
    const results = await Promise.allSettled(calls);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
    // FIFO would give a, a, a, b.
    assert.deepEqual(order, ['a', 'a', 'b', 'a']);
  });
});
