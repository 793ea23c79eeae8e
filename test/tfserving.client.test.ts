/**
 * The TF Serving client against the bundled model server (in-process, port 0, a small generated recommender):
 * every RPC, every error class, sub-batching, deadlines, cancellation and round robin over two servers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModels } from '../src/model-server/generateModels';
import { startModelServer, type ModelServer } from '../src/model-server/server';
import { TfServingClient, type ModelRef } from '../src/tfserving/client';
import { TfServingClients } from '../src/tfserving/clients';
import { CodecError } from '../src/tfserving/codec';
import { TfServingError, NON_RETRYABLE_CODES, RETRYABLE_CODES } from '../src/tfserving/errors';
import { grpcTarget, HOST_LIST_SCHEME } from '../src/tfserving/resolver';
import { toApplicationFailure, tfServingFailureDetails } from '../src/tfserving/temporalFailure';
import type { TfServingConfig } from '../src/tfserving/clients';
import { freePort } from '../src/stack/freePort';

const USERS = 300;
const ITEMS = 400;
const DIM = 8;
const MODEL_MAX_BATCH = 16;
const REC: ModelRef = { name: 'recommender' };

let base: string;
let server: ModelServer;
let client: TfServingClient;

function makeModels(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-tfs-client-'));
  const common = { numUsers: USERS, numItems: ITEMS, dim: DIM, maxBatchSize: MODEL_MAX_BATCH, maxEnqueuedBatches: 64 };
  generateModels({ basePath: dir, recommender: { ...common, version: 1, seed: 1, versionLabels: { stable: 1, canary: 2 } } });
  generateModels({ basePath: dir, recommender: { ...common, version: 2, seed: 2 } });
  return dir;
}

const start = (extra: Partial<Parameters<typeof startModelServer>[0]> = {}) =>
  startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: base, threads: 1, ...extra });

/** Brute-force top 10 from the generated tables, ties to the lower item id. */
function expectedTop10(version: number, user: number): number[] {
  const dir = join(base, 'recommender', String(version));
  const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { user_embeddings: string; item_embeddings: string };
  const f32 = (file: string) => {
    const b = readFileSync(join(dir, file));
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  const users = f32(meta.user_embeddings);
  const items = f32(meta.item_embeddings);
  const scores = Array.from({ length: ITEMS }, (_, i) => {
    let s = 0;
    for (let d = 0; d < DIM; d++) s += users[user * DIM + d]! * items[i * DIM + d]!;
    return { i, s: Math.fround(s) };
  });
  scores.sort((a, b) => b.s - a.s || a.i - b.i);
  return scores.slice(0, 10).map((x) => x.i);
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<TfServingError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TfServingError, `expected TfServingError, got ${String(err)}`);
    assert.equal(err.codeName, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}


const predictCalls = (s: ModelServer) => s.stats().rpcs.Predict.requests;

describe('TF Serving client against the model server', { timeout: 120_000 }, () => {
  before(async () => {
    base = makeModels();
    server = await start();
    client = new TfServingClient({ target: `127.0.0.1:${server.port}`, deadlineMs: 10_000 });
  });
  after(async () => {
    client?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test('GetModelMetadata gives the signature of the latest version', async () => {
    const sig = await client.getModelMetadata(REC);
    assert.deepEqual(sig.model, { name: 'recommender', version: '2' });
    assert.equal(sig.signature_name, 'serving_default');
    assert.equal(sig.method_name, 'tensorflow/serving/predict');
    assert.deepEqual(sig.inputs, { user_id: { name: 'user_id', dtype: 'DT_INT64', shape: [-1] } });
    assert.deepEqual(sig.outputs, {
      item_ids: { name: 'item_ids', dtype: 'DT_INT64', shape: [-1, 10] },
      scores: { name: 'scores', dtype: 'DT_FLOAT', shape: [-1, 10] },
    });
  });

  test('a version number or a version label picks the version', async () => {
    assert.equal((await client.getModelMetadata({ name: 'recommender', version: 1 })).model.version, '1');
    assert.equal((await client.getModelMetadata({ name: 'recommender', version_label: 'stable' })).model.version, '1');
    assert.equal((await client.getModelMetadata({ name: 'recommender', version_label: 'canary' })).model.version, '2');
    const res = await client.predict({ name: 'recommender', version_label: 'stable' }, [3]);
    assert.equal(res.model.version, '1');
    assert.deepEqual(res.outputs[0]!.item_ids, expectedTop10(1, 3));
  });

  test('GetModelStatus lists the served versions as AVAILABLE', async () => {
    const status = await client.getModelStatus(REC);
    assert.deepEqual(
      status.sort((a, b) => a.version.localeCompare(b.version)),
      [
        { version: '1', state: 'AVAILABLE', error_code: 0, error_message: '' },
        { version: '2', state: 'AVAILABLE', error_code: 0, error_message: '' },
      ],
    );
    assert.deepEqual((await client.getModelStatus({ name: 'recommender', version: 2 })).map((s) => s.version), ['2']);
  });

  test('Predict answers one output object per item, in item order, with the exact top 10', async () => {
    const users = [5, 0, 299, 5, '17'];
    const res = await client.predict(REC, users);
    assert.deepEqual(res.model, { name: 'recommender', version: '2', signature_name: 'serving_default' });
    assert.equal(res.outputs.length, users.length);
    res.outputs.forEach((o, i) => {
      assert.deepEqual(o.item_ids, expectedTop10(2, Number(users[i])), `user ${users[i]}`);
      const scores = o.scores as number[];
      assert.equal(scores.length, 10);
      assert.ok(scores.every((s, k) => k === 0 || s <= scores[k - 1]!), 'scores descend');
    });
    const filtered = await client.predict(REC, [{ user_id: 1 }], { outputFilter: ['scores'] });
    assert.deepEqual(Object.keys(filtered.outputs[0]!), ['scores']);
  });

  test('items beyond the max batch size are sub-batched, and outputs stay in order', async () => {
    const small = new TfServingClient({ target: `127.0.0.1:${server.port}`, maxBatchSize: 7 });
    try {
      const users = Array.from({ length: 20 }, (_, i) => (i * 37) % USERS);
      const before = predictCalls(server);
      const res = await small.predict(REC, users);
      assert.equal(predictCalls(server) - before, 3);
      res.outputs.forEach((o, i) => assert.deepEqual(o.item_ids, expectedTop10(2, users[i]!)));
    } finally {
      small.close();
    }
  });

  test('requests are kept under the max message size; one item too large for it is a CodecError', async () => {
    const limited = new TfServingClient({ target: `127.0.0.1:${server.port}`, maxMessageBytes: 192 * 1024 });
    try {
      const blobs = Array.from({ length: 8 }, (_, i) => Buffer.alloc(50 * 1024, i));
      const before = predictCalls(server);
      const res = await limited.predict({ name: 'echo_bytes' }, blobs.map((b) => ({ b64: b.toString('base64') })));
      assert.ok(predictCalls(server) - before >= 3, 'split into several requests');
      assert.deepEqual(res.outputs.map((o) => o.length), blobs.map((b) => b.length));
      await assert.rejects(
        limited.predict({ name: 'echo_bytes' }, ['small', { b64: Buffer.alloc(300 * 1024).toString('base64') }]),
        (err: unknown) => err instanceof CodecError && err.item === 1 && /max message size/.test(err.message),
      );
    } finally {
      limited.close();
    }
  });

  test('an answer over the receive limit is asked for again in halves', async () => {
    const tiny = new TfServingClient({ target: `127.0.0.1:${server.port}`, maxMessageBytes: 700, maxBatchSize: MODEL_MAX_BATCH });
    try {
      const users = Array.from({ length: MODEL_MAX_BATCH }, (_, i) => i * 11);
      const before = predictCalls(server);
      const res = await tiny.predict(REC, users, { signature: await client.getModelMetadata(REC) });
      assert.ok(predictCalls(server) - before >= 3, 'one answer too large, then halves');
      res.outputs.forEach((o, i) => assert.deepEqual(o.item_ids, expectedTop10(2, users[i]!)));
    } finally {
      tiny.close();
    }
  });

  test('one caller aborting while the signature is fetched does not fail another caller', async (t) => {
    t.after(() => server.faults.clear());
    const fresh = new TfServingClient({ target: `127.0.0.1:${server.port}` });
    try {
      server.faults.set({ latency: 300, methods: ['GetModelMetadata'] });
      const ac = new AbortController();
      const a = fresh.predict(REC, [1], { signal: ac.signal });
      const b = fresh.predict(REC, [2]);
      setTimeout(() => ac.abort(), 50);
      await rejects(a, 'CANCELLED');
      assert.deepEqual((await b).outputs[0]!.item_ids, expectedTop10(2, 2));
    } finally {
      fresh.close();
    }
  });

  test('items that do not fit the signature fail in the client with a CodecError naming the item', async () => {
    await assert.rejects(client.predict(REC, [1, 2, 'x']), (err: unknown) => err instanceof CodecError && err.item === 2 && err.field === 'user_id');
  });

  test('TF Serving’s NOT_FOUND, FAILED_PRECONDITION and INVALID_ARGUMENT come back with its messages', async () => {
    let err = await rejects(client.getModelMetadata({ name: 'nope' }), 'NOT_FOUND', /^Servable not found for request: Latest\(nope\)$/);
    assert.equal(err.retryable, false);
    await rejects(client.predict({ name: 'recommender', version: 9 }, [1]), 'NOT_FOUND', /^Servable not found for request: Specific\(recommender, 9\)$/);
    err = await rejects(client.getModelMetadata({ name: 'recommender', signature_name: 'other' }), 'FAILED_PRECONDITION', /^Serving signature key "other" not found\.$/);
    assert.equal(err.retryable, false);
    // The server's own answer when the request names a signature it does not have.
    const sig = await client.getModelMetadata(REC);
    await rejects(client.predict({ name: 'recommender', signature_name: 'other' }, [1], { signature: sig }), 'FAILED_PRECONDITION', /Serving signature key "other" not found/);
    err = await rejects(client.predict(REC, [1, USERS + 5]), 'INVALID_ARGUMENT', new RegExp(`${USERS + 5}`));
    assert.equal(err.retryable, false);
    const big = new TfServingClient({ target: `127.0.0.1:${server.port}`, maxBatchSize: 64 });
    try {
      await rejects(big.predict(REC, Array.from({ length: 20 }, (_, i) => i)), 'INVALID_ARGUMENT', /^Task size 20 is larger than maximum input batch size 16$/);
    } finally {
      big.close();
    }
  });

  test('every error class keeps its gRPC code, retryability and message, also as a Temporal failure', async (t) => {
    t.after(() => server.faults.clear());
    const classes: [string, boolean][] = [
      ...[...RETRYABLE_CODES].map((c): [string, boolean] => [c, true]),
      ...[...NON_RETRYABLE_CODES].map((c): [string, boolean] => [c, false]),
    ];
    assert.equal(classes.length, 11);
    await client.getModelMetadata(REC); // cached: the faults below hit Predict only
    for (const [code, retryable] of classes) {
      server.faults.set({ error_rates: { [code]: 1 } });
      const err = await rejects(client.predict(REC, [1]), code);
      assert.equal(err.retryable, retryable, code);
      assert.ok(err.message.length > 0 && !/^\d+ [A-Z_]+:/.test(err.message), `server message as is: ${err.message}`);
      const failure = toApplicationFailure(err);
      assert.equal(failure.type, `TfServing.${code}`);
      assert.equal(failure.nonRetryable, !retryable);
      assert.deepEqual(tfServingFailureDetails(failure), { grpc_code: err.code, grpc_status: code, message: err.message });
    }
  });

  test('an address with nothing listening is UNAVAILABLE, and retryable', async () => {
    const dead = new TfServingClient({ target: `127.0.0.1:${await freePort()}`, deadlineMs: 3000 });
    try {
      const err = await rejects(dead.getModelStatus(REC), 'UNAVAILABLE');
      assert.equal(err.retryable, true);
    } finally {
      dead.close();
    }
  });

  test('the deadline ends a call the server never answers', async (t) => {
    t.after(() => server.faults.clear());
    await client.getModelMetadata(REC);
    server.faults.set({ hang_rate: 1 });
    const t0 = Date.now();
    const err = await rejects(client.predict(REC, [1], { deadlineMs: 300 }), 'DEADLINE_EXCEEDED');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.equal(err.retryable, true);
  });

  test('an AbortSignal cancels the call in flight, and an aborted one is never sent', async (t) => {
    t.after(() => server.faults.clear());
    await client.getModelMetadata(REC);
    server.faults.set({ hang_rate: 1 });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 200);
    const err = await rejects(client.predict(REC, [1], { signal: ac.signal, deadlineMs: 10_000 }), 'CANCELLED');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.equal(err.retryable, false);
    const before = predictCalls(server);
    await rejects(client.predict(REC, [1], { signal: AbortSignal.abort() }), 'CANCELLED');
    assert.equal(predictCalls(server), before);
  });

  test('every form of target reaches the server: host:port, dns:, ipv4:, a list of names', async () => {
    const p = server.port;
    for (const target of [`localhost:${p}`, `dns:localhost:${p}`, `ipv4:127.0.0.1:${p}`, `localhost:${p},127.0.0.1:${p}`]) {
      const c = new TfServingClient({ target, deadlineMs: 5000 });
      try {
        for (let i = 0; i < 3; i++) assert.equal((await c.getModelStatus({ name: 'recommender', version: 2 }))[0]?.state, 'AVAILABLE', target);
      } finally {
        c.close();
      }
    }
  });

  test('round robin spreads calls over every address of a host:port list, and goes on when one is gone', async () => {
    const second = await start({ responseEncoding: 'tensor_content' });
    const rr = new TfServingClient({ target: `127.0.0.1:${server.port},127.0.0.1:${second.port}` });
    try {
      assert.equal(rr.grpcTarget, `${HOST_LIST_SCHEME}:127.0.0.1:${server.port},127.0.0.1:${second.port}`);
      await rr.getModelStatus(REC); // connect
      const a0 = predictCalls(server);
      const b0 = predictCalls(second);
      const sig = await client.getModelMetadata(REC);
      const results = [];
      for (let i = 0; i < 20; i++) results.push(await rr.predict(REC, [i], { signature: sig }));
      const a = predictCalls(server) - a0;
      const b = predictCalls(second) - b0;
      assert.equal(a + b, 20);
      assert.ok(a >= 7 && b >= 7, `spread ${a}/${b}`);
      // Both answer the same, whichever representation they use.
      results.forEach((r, i) => assert.deepEqual(r.outputs[0]!.item_ids, expectedTop10(2, i)));
      // One of them going away leaves the other serving every call.
      await second.stop();
      const before = predictCalls(server);
      for (let i = 0; i < 6; i++) await rr.predict(REC, [i], { signature: sig });
      assert.equal(predictCalls(server) - before, 6);
    } finally {
      rr.close();
      await second.stop();
    }
  });
});

test('targets: one address stays as it is, a list gets the host list resolver, schemes pass through', () => {
  assert.equal(grpcTarget('127.0.0.1:8500'), '127.0.0.1:8500');
  assert.equal(grpcTarget('tfs-a:8500,tfs-b:8500'), `${HOST_LIST_SCHEME}:tfs-a:8500,tfs-b:8500`);
  assert.equal(grpcTarget('dns:tfs.internal:8500'), 'dns:tfs.internal:8500');
  assert.equal(grpcTarget('ipv4:10.0.0.1:8500,10.0.0.2:8500'), 'ipv4:10.0.0.1:8500,10.0.0.2:8500');
  assert.throws(() => grpcTarget('a:1,b'), /not host:port/);
});

test('the client registry gives each model its configured target and one client per target', () => {
  const cfg: TfServingConfig = {
    target: '127.0.0.1:8500',
    modelTargets: { special: '127.0.0.1:9500' },
    tls: false,
    tlsCaFile: '',
    tlsCertFile: '',
    tlsKeyFile: '',
    deadlineMs: 1000,
    maxMessageBytes: 1 << 20,
    maxBatchSize: 32,
  };
  const clients = new TfServingClients(cfg);
  try {
    assert.equal(clients.forModel('special').target, '127.0.0.1:9500');
    assert.equal(clients.forModel('recommender').target, '127.0.0.1:8500');
    assert.equal(clients.forModel('recommender'), clients.forModel('echo_bytes'));
    assert.equal(clients.forModel('recommender').maxBatchSize, 32);
  } finally {
    clients.close();
  }
});
