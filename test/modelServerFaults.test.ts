/**
 * Fault injection, toggled at run time through the admin endpoint: injected errors, latency, hangs and a
 * crash; and the batching queue's UNAVAILABLE when more batches wait than max_enqueued_batches allows.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { faultConfigFromArgs } from '../src/model-server/faults';
import type { ModelServerStats } from '../src/model-server/server';
import { PredictionService } from '../src/tfserving/protos';
import { failure, predict, recommend, startHarness, status, success, tempModels, userIds, type Harness } from './helpers/modelServerKit';

describe('fault injection at run time', { timeout: 60_000 }, () => {
  let models: ReturnType<typeof tempModels>;
  let h: Harness;

  before(async () => {
    models = tempModels({ recommender: { numUsers: 10, numItems: 40, dim: 4, seed: 1 }, echoBytes: false });
    h = await startHarness({ basePath: models.basePath, threads: 1 });
  });

  after(async () => {
    await h?.close();
    models?.cleanup();
  });

  test('faults are off by default', async () => {
    const { json } = await h.admin('GET', '/faults');
    assert.deepEqual(json.config, { error_rates: {}, latency: null, hang_rate: 0, crash_after: null, methods: ['Predict'], message_bytes: null, seed: null });
    for (let i = 0; i < 5; i++) success(await recommend(h, [i]));
  });

  test('an error rate of 1 fails every Predict with that code; DELETE turns it off', async () => {
    const put = await h.admin('PUT', '/faults', { error_rates: { UNAVAILABLE: 1 } });
    assert.equal(put.status, 200);
    for (let i = 0; i < 3; i++) {
      const f = failure(await recommend(h, [1]));
      assert.equal(f.code, grpc.status.UNAVAILABLE);
      assert.equal(f.details, 'injected fault: UNAVAILABLE');
    }
    // Only Predict is affected unless `methods` says otherwise, so readiness checks keep working.
    success(await status(h, { model_spec: { name: 'recommender' } }));
    assert.equal((await h.admin('DELETE', '/faults')).status, 200);
    success(await recommend(h, [1]));
  });

  test('error rates split calls between codes, reproducibly with a seed', async () => {
    const injected = async () => (await h.admin<{ stats: { errors: Record<string, number> } }>('GET', '/faults')).json.stats.errors;
    const before = (await injected())['UNAVAILABLE'] ?? 0;
    const run = async () => {
      await h.admin('PUT', '/faults', { error_rates: { UNAVAILABLE: 0.3, RESOURCE_EXHAUSTED: 0.2 }, seed: 42 });
      const codes: string[] = [];
      for (let i = 0; i < 40; i++) {
        const o = await recommend(h, [2]);
        codes.push(o.ok ? 'OK' : grpc.status[o.code]!);
      }
      return codes;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    const count = (c: string) => first.filter((x) => x === c).length;
    assert.ok(count('OK') > 5 && count('UNAVAILABLE') > 3 && count('RESOURCE_EXHAUSTED') > 1, first.join(' '));
    assert.equal((await injected())['UNAVAILABLE']! - before, count('UNAVAILABLE') * 2);
    await h.admin('DELETE', '/faults');
  });

  test('added latency delays answers; a shorter deadline gives DEADLINE_EXCEEDED', async () => {
    await h.admin('PUT', '/faults', { latency: { kind: 'fixed', ms: 300 } });
    const slow = await recommend(h, [3]);
    assert.ok(slow.ok && slow.ms >= 290, `took ${slow.ms} ms`);
    const late = failure(await predict(h, { model_spec: { name: 'recommender' }, inputs: { user_id: userIds([3]) } }, 100));
    assert.equal(late.code, grpc.status.DEADLINE_EXCEEDED);
    await h.admin('PUT', '/faults', { latency: { kind: 'uniform', min_ms: 20, max_ms: 60 } });
    const u = await recommend(h, [3]);
    assert.ok(u.ok && u.ms >= 19, `took ${u.ms} ms`);
    await h.admin('DELETE', '/faults');
  });

  test('a hang never answers; the client deadline ends the call', async () => {
    await h.admin('PUT', '/faults', { hang_rate: 1, methods: ['Predict', 'GetModelMetadata'] });
    const f = failure(await predict(h, { model_spec: { name: 'recommender' }, inputs: { user_id: userIds([4]) } }, 300));
    assert.equal(f.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(f.ms >= 290);
    const { json } = await h.admin<{ stats: { hung: number } }>('GET', '/faults');
    assert.ok(json.stats.hung >= 1);
    await h.admin('DELETE', '/faults');
    success(await recommend(h, [4]));
  });

  test('message_bytes pads injected error messages to that size', async () => {
    await h.admin('PUT', '/faults', { error_rates: { FAILED_PRECONDITION: 1 }, message_bytes: 10_240 });
    const f = failure(await recommend(h, [1]));
    assert.equal(f.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(Buffer.byteLength(f.details), 10_240);
    assert.match(f.details, /^injected fault: FAILED_PRECONDITION x+$/);
    assert.equal(faultConfigFromArgs(['--fault-message-bytes', '2048']).message_bytes, 2048);
    await h.admin('DELETE', '/faults');
  });

  test('stats count Predict calls the client cancelled, and the items predicted', async () => {
    type Stats = { rpcs: Record<string, { ok: number; cancelled: number; last_cancelled_at_ms: number | null; items: number }> };
    const stats = async () => (await h.admin<Stats>('GET', '/stats')).json.rpcs['Predict']!;
    const before = await stats();
    // Answered calls are not cancelled ones (grpc-js signals 'cancelled' at the end of every call).
    success(await recommend(h, [1, 2, 3]));
    success(await recommend(h, [4]));
    const answered = await stats();
    assert.equal(answered.items - before.items, 4, 'rows of the answered calls');
    assert.equal(answered.cancelled, before.cancelled);
    assert.equal(answered.last_cancelled_at_ms, before.last_cancelled_at_ms, 'an answered call is no cancel');

    await h.admin('PUT', '/faults', { hang_rate: 1 });
    const hungBefore = h.server.faults.stats().hung;
    const sentAt = Date.now();
    const outcome = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = h.predictions.Predict({ model_spec: { name: 'recommender' }, inputs: { user_id: userIds([5, 6]) } }, (err) => resolve(err));
      // Cancel once the server holds the call, so the cancel reaches it as a cancel, not as a refused stream.
      const poll = setInterval(() => {
        if (h.server.faults.stats().hung > hungBefore) {
          clearInterval(poll);
          call.cancel();
        }
      }, 10);
    });
    assert.equal((await outcome)?.code, grpc.status.CANCELLED);
    for (let i = 0; i < 100 && (await stats()).cancelled === before.cancelled; i++) await new Promise((r) => setTimeout(r, 20));
    const after = await stats();
    assert.equal(after.cancelled - before.cancelled, 1, 'the cancelled call is counted');
    // When the server saw the cancel (what bench/cancel.ts times): after the call was sent, not later than now.
    assert.ok(after.last_cancelled_at_ms !== null && after.last_cancelled_at_ms >= sentAt && after.last_cancelled_at_ms <= Date.now(), String(after.last_cancelled_at_ms));
    assert.equal(after.items, answered.items, 'a cancelled call predicted nothing');
    await h.admin('DELETE', '/faults');
  });

  test('an invalid fault config is refused with 400 and changes nothing', async () => {
    await h.admin('PUT', '/faults', { latency: 5 });
    for (const bad of [{ error_rates: { NOT_A_CODE: 0.5 } }, { error_rates: { UNAVAILABLE: 0.7, INTERNAL: 0.7 } }, { hang_rate: 2 }, { surprise: true }, 'not json']) {
      const res = await h.admin<{ error: string }>('PUT', '/faults', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.match(res.json.error, /./);
    }
    const { json } = await h.admin<{ config: { latency: unknown } }>('GET', '/faults');
    assert.deepEqual(json.config.latency, { kind: 'fixed', ms: 5, rate: 1 });
    assert.equal((await h.admin('GET', '/nope')).status, 404);
    await h.admin('DELETE', '/faults');
  });
});

describe('crash after N requests (in-process)', { timeout: 60_000 }, () => {
  test('serves N calls, then drops the server; /healthz turns 503', async () => {
    const models = tempModels({ recommender: { numUsers: 10, numItems: 40, dim: 4, seed: 1 }, echoBytes: false });
    const h = await startHarness({ basePath: models.basePath, threads: 1, faults: { crash_after: 2 } });
    try {
      success(await recommend(h, [1]));
      success(await recommend(h, [2]));
      const f = failure(await recommend(h, [3], {}));
      assert.equal(f.code, grpc.status.UNAVAILABLE);
      const health = await h.admin('GET', '/healthz');
      assert.equal(health.status, 503);
      const stats = await h.admin<ModelServerStats>('GET', '/stats');
      assert.equal(stats.json.state, 'crashed');
      assert.equal(stats.json.faults.crashed, true);
      assert.equal(failure(await recommend(h, [4])).code, grpc.status.UNAVAILABLE);
    } finally {
      await h.close();
      models.cleanup();
    }
  });
});

describe('batching queue limits', { timeout: 60_000 }, () => {
  test('more waiting batches than max_enqueued_batches fail UNAVAILABLE with TF Serving\'s message', async () => {
    // One thread and large-enough batches keep the first batch running while the others arrive.
    const models = tempModels({
      recommender: { numUsers: 64, numItems: 40_000, dim: 32, seed: 1, maxBatchSize: 64, maxEnqueuedBatches: 1 },
      echoBytes: false,
    });
    const h = await startHarness({ basePath: models.basePath, threads: 1 });
    try {
      const full = Array.from({ length: 64 }, (_, i) => i);
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => recommend(h, full)));
      const failed = outcomes.filter((o) => !o.ok).map(failure);
      assert.ok(outcomes.some((o) => o.ok), 'some requests are served');
      assert.ok(failed.length > 0, 'some requests find the queue full');
      for (const f of failed) {
        assert.deepEqual([grpc.status[f.code], f.details], ['UNAVAILABLE', 'The batch scheduling queue to which this task was submitted is full']);
      }
      // Small tasks merge into one waiting batch (up to max_batch_size rows), so they all fit in the queue.
      const small = await Promise.all(Array.from({ length: 8 }, (_, i) => recommend(h, [i, i + 1, i + 2])));
      assert.ok(small.every((o) => o.ok));
      const stats = await h.admin<ModelServerStats>('GET', '/stats');
      const rec = stats.json.models.find((m) => m.model === 'recommender')!;
      assert.ok(rec.batches < rec.requests, `batches ${rec.batches} < requests ${rec.requests}: tasks were merged`);
    } finally {
      await h.close();
      models.cleanup();
    }
  });
});

describe('fault flags', () => {
  test('flags overlay NIGHTSHIFT_MODEL_SERVER_FAULTS', () => {
    const cfg = faultConfigFromArgs(
      ['--error-rate', 'unavailable=0.25', '--latency-ms', '10-30', '--crash-after', '100', '--fault-methods', 'Predict,GetModelStatus'],
      '{"error_rates":{"INTERNAL":0.1},"hang_rate":0.01}',
    );
    assert.deepEqual(cfg, {
      error_rates: { INTERNAL: 0.1, UNAVAILABLE: 0.25 },
      latency: { kind: 'uniform', min_ms: 10, max_ms: 30, rate: 1 },
      hang_rate: 0.01,
      crash_after: 100,
      methods: ['Predict', 'GetModelStatus'],
      message_bytes: null,
      seed: null,
    });
    assert.throws(() => faultConfigFromArgs(['--hang-rate', '3']), /hang_rate/);
    assert.throws(() => faultConfigFromArgs(['--bogus']), /unknown flag/);
  });
});

describe('npm run model-server (process)', { timeout: 60_000 }, () => {
  let models: ReturnType<typeof tempModels>;
  before(() => {
    models = tempModels({ recommender: { numUsers: 10, numItems: 40, dim: 4, seed: 1 }, echoBytes: false });
  });
  after(() => models?.cleanup());

  /** Starts main.js on free ports; resolves with the gRPC port from its "listening" log line. */
  function startProcess(args: string[]) {
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'model-server', 'main.js'), ...args], {
      env: {
        ...process.env,
        NIGHTSHIFT_MODEL_SERVER_ADDR: '127.0.0.1:0',
        NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: '127.0.0.1:0',
        NIGHTSHIFT_MODEL_BASE_PATH: models.basePath,
        NIGHTSHIFT_MODEL_SERVER_THREADS: '1',
        NIGHTSHIFT_MODEL_SERVER_FAULTS: '',
        NIGHTSHIFT_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('model server did not start in 20 s')), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'model server listening') {
          clearTimeout(timer);
          resolve(entry.port!);
        }
      });
      void exited.then(() => reject(new Error('model server exited before listening')));
    });
    return { child, port, exited };
  }

  test('stops gracefully on SIGTERM', async () => {
    const p = startProcess([]);
    try {
      const port = await p.port;
      const client = new PredictionService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const ok = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.Predict({ model_spec: { name: 'recommender' }, inputs: { user_id: userIds([1]) } }, (err) => resolve(err)),
      );
      client.close();
      assert.equal(ok, null);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  test('--crash-after makes the process exit', async () => {
    const p = startProcess(['--crash-after', '1']);
    try {
      const port = await p.port;
      const client = new PredictionService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const call = () =>
        new Promise<grpc.ServiceError | null>((resolve) =>
          client.Predict({ model_spec: { name: 'recommender' }, inputs: { user_id: userIds([1]) } }, { deadline: Date.now() + 5000 }, (err) => resolve(err)),
        );
      assert.equal(await call(), null);
      const err = await call();
      client.close();
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
      assert.equal(await p.exited, 70);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
