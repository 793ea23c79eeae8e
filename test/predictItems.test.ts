/**
 * PredictRun with a batch's sub-batches in flight at once, against the real model server: outputs stay in
 * item order, bisection still isolates a poisoned item, progress counts items done, and the first failing
 * sub-batch aborts the others and is thrown only once every call has settled.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startModelServer, type ModelServer } from '../src/model-server/server';
import { TfServingClient } from '../src/tfserving/client';
import { TfServingError } from '../src/tfserving/errors';
import { PredictLimiter } from '../src/worker/predictLimiter';
import { PredictRun, type ItemOutcome, type PredictCall } from '../src/batch/predictItems';
import { silentLogger } from './helpers/modelServerKit';

const MODEL = { name: 'recommender' };
/** Beyond the model's users: the server answers INVALID_ARGUMENT for a request holding it. */
const POISON = 987_654_321;

interface Calls {
  started: number;
  settled: number;
  open: number;
  peak: number;
}

describe('PredictRun: sub-batches of a batch in flight at once', () => {
  let server: ModelServer;
  let client: TfServingClient;
  let reference: ItemOutcome[];
  const items = Array.from({ length: 1000 }, (_, i) => ({ user_id: i }));

  /** A Predict call as the worker makes it: a limiter permit, then the call, both abortable. */
  function callVia(limiter: PredictLimiter, calls: Calls): PredictCall {
    return async (values, signal) => {
      const release = await limiter.acquire(MODEL.name, 'job', signal);
      calls.started++;
      calls.peak = Math.max(calls.peak, ++calls.open);
      try {
        const res = await client.predict(MODEL, values, { signal });
        return { outputs: res.outputs, modelVersion: res.model.version };
      } finally {
        calls.open--;
        calls.settled++;
        release();
      }
    };
  }

  const newCalls = (): Calls => ({ started: 0, settled: 0, open: 0, peak: 0 });

  before(async () => {
    server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: silentLogger });
    client = new TfServingClient({ target: `127.0.0.1:${server.port}` });
    // One sub-batch at a time, as before: what every concurrent run must reproduce item for item.
    reference = await new PredictRun(callVia(new PredictLimiter({ maxPredictCalls: 16, perModelLimit: 8 }), newCalls()), { maxBatch: 50 }).predict(items);
    assert.equal(reference.length, items.length);
    assert.ok(reference.every((o) => o.ok));
    assert.notDeepEqual(reference[0], reference[1], 'outputs differ by user, so a shuffled order would show');
  });

  afterEach(() => server.faults.clear());

  after(async () => {
    client.close();
    await server.stop();
  });

  it('keeps outputs in item order with several sub-batches in flight, never more than asked', async () => {
    // Each call answers after 20 ms, so sub-batches sent together are in flight together.
    server.faults.set({ latency: 20 });
    const calls = newCalls();
    const progress: number[] = [];
    const run = new PredictRun(callVia(new PredictLimiter({ maxPredictCalls: 16, perModelLimit: 8 }), calls), {
      maxBatch: 50,
      inFlight: 4,
      onProgress: (done) => progress.push(done),
    });
    const outcomes = await run.predict(items);
    assert.deepEqual(outcomes, reference);
    assert.equal(calls.peak, 4, 'four sub-batches in flight at once');
    assert.equal(run.calls, 20);
    assert.ok(server.stats().rpcs.Predict.max_in_flight <= 4);
    // Items done, whatever order the sub-batches finished in: 50 more at each step, up to all of them.
    assert.deepEqual(progress, Array.from({ length: 20 }, (_, i) => (i + 1) * 50));
  });

  it('isolates a poisoned item in each of two concurrent sub-batches; their batch-mates succeed', async () => {
    server.faults.set({ latency: { kind: 'uniform', min_ms: 0, max_ms: 20 } });
    const values: { user_id: number }[] = items.map((v) => ({ ...v }));
    values[37] = { user_id: POISON };
    values[612] = { user_id: POISON };
    const calls = newCalls();
    const progress: number[] = [];
    const run = new PredictRun(callVia(new PredictLimiter({ maxPredictCalls: 16, perModelLimit: 8 }), calls), {
      maxBatch: 50,
      inFlight: 8,
      onProgress: (done) => progress.push(done),
    });
    const outcomes = await run.predict(values);
    assert.equal(outcomes.length, values.length);
    outcomes.forEach((o, i) => {
      if (i === 37 || i === 612) {
        assert.ok(!o.ok, `item ${i} failed`);
        assert.equal(o.error.code, 'INVALID_ARGUMENT');
        assert.match(o.error.message, /987654321/);
      } else assert.deepEqual(o, reference[i], `item ${i}`);
    });
    // 20 sub-batches, then the halvings that narrow each poisoned one down to its bad item.
    assert.ok(run.calls > 20);
    assert.ok(calls.peak > 1 && calls.peak <= 8);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! > progress[i - 1]!, `progress ${progress.join(',')} rises`);
    assert.equal(progress.at(-1), values.length);
  });

  it('the first failing sub-batch aborts the others (a hung one too) and is thrown once every call has settled', async () => {
    // Seeded: the first call to arrive hangs, the second fails UNAVAILABLE (later ones hang or fail).
    server.faults.set({ hang_rate: 0.5, error_rates: { UNAVAILABLE: 1 }, seed: 18 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const limiter = new PredictLimiter({ maxPredictCalls: 16, perModelLimit: 8 });
      const calls = newCalls();
      const run = new PredictRun(callVia(limiter, calls), { maxBatch: 50, inFlight: 4 });
      await assert.rejects(run.predict(items), (err: unknown) => err instanceof TfServingError && err.codeName === 'UNAVAILABLE');
      assert.ok(server.faults.stats().hung >= 1, 'a call was hanging when its sibling failed');
      assert.equal(calls.open, 0, 'no call left in flight');
      assert.equal(calls.settled, calls.started);
      assert.equal(limiter.inFlight(), 0, 'every permit given back');
      assert.ok(run.calls < 20, `no sub-batch sent after the failure (${run.calls} calls)`);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
