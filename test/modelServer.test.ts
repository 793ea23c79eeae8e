/**
 * The bundled model server answers like tensorflow_model_server: the three RPCs through a real gRPC client,
 * every error with TF Serving's status code and wording, versions and labels, and the echo_bytes model.
 */
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import { generateModels } from '../src/model-server/generateModels';
import type { ModelRepository } from '../src/model-server/modelRepository';
import { predict as rpcPredict } from '../src/model-server/rpcs';
import { PREDICT_METHOD, spec, type Servable } from '../src/model-server/servable';
import { decodeTensor } from '../src/tfserving/codec';
import { unpackSignatureDefMap, type PredictRequest__Output, type TensorProto } from '../src/tfserving/protos';
import {
  failure,
  metadata,
  predict,
  recommend,
  startHarness,
  status,
  success,
  tempModels,
  userIds,
  type Harness,
} from './helpers/modelServerKit';

const USERS = 50;
const ITEMS = 300;

describe('model server RPCs', { timeout: 60_000 }, () => {
  let models: ReturnType<typeof tempModels>;
  let h: Harness;

  before(async () => {
    models = tempModels({
      recommender: { numUsers: USERS, numItems: ITEMS, dim: 8, seed: 1, maxBatchSize: 16, versionLabels: { stable: 1, canary: 2 } },
    });
    generateModels({ basePath: models.basePath, recommender: { numUsers: USERS, numItems: ITEMS, dim: 8, seed: 2, version: 2 } });
    h = await startHarness({ basePath: models.basePath, threads: 2 });
  });

  after(async () => {
    await h?.close();
    models?.cleanup();
  });

  test('GetModelStatus reports every served version AVAILABLE, highest first', async () => {
    const res = success(await status(h, { model_spec: { name: 'recommender' } }));
    assert.deepEqual(
      res.model_version_status.map((v) => [v.version, v.state, v.status?.error_code, v.status?.error_message]),
      [
        ['2', 'AVAILABLE', 'OK', ''],
        ['1', 'AVAILABLE', 'OK', ''],
      ],
    );
    const one = success(await status(h, { model_spec: { name: 'recommender', version: { value: '1' } } }));
    assert.deepEqual(one.model_version_status.map((v) => v.version), ['1']);
  });

  test('GetModelStatus errors: unknown model, unknown version, missing model_spec', async () => {
    const unknown = failure(await status(h, { model_spec: { name: 'nope' } }));
    assert.equal(unknown.code, grpcStatus.NOT_FOUND);
    assert.equal(unknown.details, 'Could not find any versions of model nope');
    const v = failure(await status(h, { model_spec: { name: 'recommender', version: { value: '7' } } }));
    assert.equal(v.code, grpcStatus.NOT_FOUND);
    assert.equal(v.details, 'Could not find version 7 of model recommender');
    const m = failure(await status(h, {}));
    assert.equal(m.code, grpcStatus.INVALID_ARGUMENT);
    assert.equal(m.details, 'Missing ModelSpec');
  });

  test('GetModelMetadata packs a SignatureDefMap with the signature of the resolved version', async () => {
    const res = success(await metadata(h, { model_spec: { name: 'recommender' }, metadata_field: ['signature_def'] }));
    assert.equal(res.model_spec?.name, 'recommender');
    assert.equal(res.model_spec?.version?.value, '2');
    const any = res.metadata['signature_def']!;
    assert.equal(any.type_url, 'type.googleapis.com/tensorflow.serving.SignatureDefMap');
    const sig = unpackSignatureDefMap(any).signature_def['serving_default']!;
    assert.equal(sig.method_name, 'tensorflow/serving/predict');
    const shape = (t: { tensor_shape: { dim: { size: string }[] } | null }) => t.tensor_shape!.dim.map((d) => Number(d.size));
    assert.deepEqual(Object.keys(sig.inputs), ['user_id']);
    assert.equal(sig.inputs['user_id']!.dtype, 'DT_INT64');
    assert.deepEqual(shape(sig.inputs['user_id']!), [-1]);
    assert.deepEqual(Object.keys(sig.outputs).sort(), ['item_ids', 'scores']);
    assert.equal(sig.outputs['item_ids']!.dtype, 'DT_INT64');
    assert.deepEqual(shape(sig.outputs['item_ids']!), [-1, 10]);
    assert.equal(sig.outputs['scores']!.dtype, 'DT_FLOAT');
    assert.deepEqual(shape(sig.outputs['scores']!), [-1, 10]);

    const labelled = success(
      await metadata(h, { model_spec: { name: 'recommender', version_label: 'stable' }, metadata_field: ['signature_def'] }),
    );
    assert.equal(labelled.model_spec?.version?.value, '1');
  });

  test('GetModelMetadata errors', async () => {
    const cases: [Parameters<typeof metadata>[1], grpcStatus, string][] = [
      [{ metadata_field: ['signature_def'] }, grpcStatus.INVALID_ARGUMENT, 'Missing ModelSpec'],
      [{ model_spec: { name: 'recommender' } }, grpcStatus.INVALID_ARGUMENT, 'GetModelMetadataRequest must specify at least one metadata_field'],
      [{ model_spec: { name: 'recommender' }, metadata_field: ['graph'] }, grpcStatus.INVALID_ARGUMENT, 'Metadata field graph is not supported'],
      [{ model_spec: { name: 'nope' }, metadata_field: ['signature_def'] }, grpcStatus.NOT_FOUND, 'Servable not found for request: Latest(nope)'],
    ];
    for (const [req, code, details] of cases) {
      const f = failure(await metadata(h, req));
      assert.deepEqual([grpcStatus[f.code], f.details], [grpcStatus[code], details]);
    }
  });

  test('Predict echoes model name, version and signature; latest unless a version or label is asked for', async () => {
    const latest = success(await recommend(h, [3]));
    assert.deepEqual(
      { name: latest.model_spec?.name, version: latest.model_spec?.version?.value, sig: latest.model_spec?.signature_name },
      { name: 'recommender', version: '2', sig: 'serving_default' },
    );
    const v1 = success(await recommend(h, [3], { version: { value: '1' } }));
    assert.equal(v1.model_spec?.version?.value, '1');
    const stable = success(await recommend(h, [3], { version_label: 'stable' }));
    assert.equal(stable.model_spec?.version?.value, '1');
    const canary = success(await recommend(h, [3], { version_label: 'canary', signature_name: 'serving_default' }));
    assert.equal(canary.model_spec?.version?.value, '2');
    // Versions 1 and 2 come from different seeds, so they recommend differently.
    assert.deepEqual(stable.outputs['item_ids'], v1.outputs['item_ids']);
    assert.notDeepEqual(decodeTensor(v1.outputs['item_ids']!).values, decodeTensor(latest.outputs['item_ids']!).values);
  });

  test('Predict answers [n, 10] item ids and scores in typed fields, as TF Serving does', async () => {
    const res = success(await recommend(h, [0, 1, 49]));
    assert.deepEqual(Object.keys(res.outputs).sort(), ['item_ids', 'scores']);
    const ids = res.outputs['item_ids']!;
    assert.equal(ids.dtype, 'DT_INT64');
    assert.equal(ids.tensor_content.length, 0);
    assert.equal(ids.int64_val.length, 30);
    const scores = decodeTensor(res.outputs['scores']!);
    assert.deepEqual(scores.shape, [3, 10]);
    for (let u = 0; u < 3; u++) {
      const row = Array.from(scores.values as Float32Array).slice(u * 10, u * 10 + 10);
      assert.deepEqual(row, [...row].sort((a, b) => b - a), 'scores are in descending order');
    }
    const items = decodeTensor(ids).values as BigInt64Array;
    assert.ok(items.every((id) => id >= 0n && id < BigInt(ITEMS)));
  });

  test('Predict reads tensor_content inputs and honours output_filter', async () => {
    const content: TensorProto = {
      dtype: 'DT_INT64',
      tensor_shape: { dim: [{ size: 2 }] },
      tensor_content: Buffer.from(new BigInt64Array([5n, 6n]).buffer),
    };
    const res = success(await predict(h, { model_spec: { name: 'recommender' }, inputs: { user_id: content }, output_filter: ['scores'] }));
    assert.deepEqual(Object.keys(res.outputs), ['scores']);
    const viaVals = success(await recommend(h, [5, 6]));
    assert.deepEqual(res.outputs['scores'], viaVals.outputs['scores']);
    // The single-value fill rule: one int64_val fills the shape.
    const filled = success(
      await predict(h, {
        model_spec: { name: 'recommender' },
        inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 2 }] }, int64_val: ['5'] } },
      }),
    );
    const twice = decodeTensor(filled.outputs['item_ids']!).values as BigInt64Array;
    assert.deepEqual(twice.slice(0, 10), twice.slice(10, 20));
  });

  test("Predict errors carry TF Serving's codes and messages", async () => {
    const ok = userIds([1]);
    const spec = { name: 'recommender' };
    const cases: [string, Parameters<typeof predict>[1], grpcStatus, string][] = [
      ['missing model_spec', { inputs: { user_id: ok } }, grpcStatus.INVALID_ARGUMENT, 'Missing ModelSpec'],
      ['unknown model', { model_spec: { name: 'nope' }, inputs: { user_id: ok } }, grpcStatus.NOT_FOUND, 'Servable not found for request: Latest(nope)'],
      [
        'unknown version',
        { model_spec: { name: 'recommender', version: { value: '9' } }, inputs: { user_id: ok } },
        grpcStatus.NOT_FOUND,
        'Servable not found for request: Specific(recommender, 9)',
      ],
      [
        'unknown label',
        { model_spec: { name: 'recommender', version_label: 'beta' }, inputs: { user_id: ok } },
        grpcStatus.INVALID_ARGUMENT,
        'Unrecognized servable version label: beta',
      ],
      [
        'unknown signature',
        { model_spec: { name: 'recommender', signature_name: 'predict_v2' }, inputs: { user_id: ok } },
        grpcStatus.FAILED_PRECONDITION,
        'Serving signature key "predict_v2" not found.',
      ],
      [
        'no inputs',
        { model_spec: spec, inputs: {} },
        grpcStatus.INVALID_ARGUMENT,
        'input size does not match signature: 0!=1 len({}) != len({user_id}). Sent extra: {}. Missing but required: {user_id}.',
      ],
      [
        'extra input',
        { model_spec: spec, inputs: { user_id: ok, age: ok } },
        grpcStatus.INVALID_ARGUMENT,
        'input size does not match signature: 2!=1 len({age,user_id}) != len({user_id}). Sent extra: {age}. Missing but required: {}.',
      ],
      [
        'wrong input name',
        { model_spec: spec, inputs: { userid: ok } },
        grpcStatus.INVALID_ARGUMENT,
        'input tensor alias not found in signature: userid. Inputs expected to be in the set {user_id}.',
      ],
      [
        'wrong dtype',
        { model_spec: spec, inputs: { user_id: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 1 }] }, float_val: [1] } } },
        grpcStatus.INVALID_ARGUMENT,
        'Expects arg[0] to be int64 but float is provided',
      ],
      [
        'scalar input',
        { model_spec: spec, inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [] }, int64_val: ['1'] } } },
        grpcStatus.INVALID_ARGUMENT,
        'Batching Run() input tensors must have at least one dimension',
      ],
      [
        'wrong rank',
        { model_spec: spec, inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, int64_val: ['1'] } } },
        grpcStatus.INVALID_ARGUMENT,
        "input user_id has shape [1,1], which is not compatible with the signature's shape [-1]",
      ],
      [
        'values do not fill the shape',
        { model_spec: spec, inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 3 }] }, int64_val: ['1', '2'] } } },
        grpcStatus.INVALID_ARGUMENT,
        'tensor parsing error: user_id',
      ],
      [
        'tensor_content of the wrong length',
        { model_spec: spec, inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 2 }] }, tensor_content: Buffer.alloc(12) } } },
        grpcStatus.INVALID_ARGUMENT,
        'tensor parsing error: user_id',
      ],
      [
        'unknown output in output_filter',
        { model_spec: spec, inputs: { user_id: ok }, output_filter: ['ranks'] },
        grpcStatus.INVALID_ARGUMENT,
        'output tensor alias not found in signature: ranks Outputs expected to be in the set {item_ids,scores}.',
      ],
      [
        'duplicate output in output_filter',
        { model_spec: spec, inputs: { user_id: ok }, output_filter: ['scores', 'scores'] },
        grpcStatus.INVALID_ARGUMENT,
        'duplicate output tensor alias: scores',
      ],
      [
        'unknown user id',
        { model_spec: spec, inputs: { user_id: userIds([1, USERS]) } },
        grpcStatus.INVALID_ARGUMENT,
        `unknown user_id ${USERS}: indices[1] = ${USERS} is not in [0, ${USERS})`,
      ],
      [
        'negative user id',
        { model_spec: spec, inputs: { user_id: userIds([-3]) } },
        grpcStatus.INVALID_ARGUMENT,
        `unknown user_id -3: indices[0] = -3 is not in [0, ${USERS})`,
      ],
      [
        'more rows than max_batch_size',
        { model_spec: spec, inputs: { user_id: userIds(Array.from({ length: 17 }, (_, i) => i)) } },
        grpcStatus.INVALID_ARGUMENT,
        'Task size 17 is larger than maximum input batch size 16',
      ],
    ];
    for (const [what, req, code, details] of cases) {
      const f = failure(await predict(h, req));
      assert.deepEqual([grpcStatus[f.code], f.details], [grpcStatus[code], details], what);
    }
    // A request of exactly max_batch_size rows is fine.
    success(await recommend(h, Array.from({ length: 16 }, (_, i) => i)));
  });

  test('echo_bytes answers the length and SHA-256 of arbitrary bytes', async () => {
    const inputs = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([0xff, 0x00, 0xfe, 0x80]), Buffer.alloc(70_000, 7)];
    const res = success(
      await predict(h, {
        model_spec: { name: 'echo_bytes' },
        inputs: { image_bytes: { dtype: 'DT_STRING', tensor_shape: { dim: [{ size: inputs.length }] }, string_val: inputs } },
      }),
    );
    assert.deepEqual(res.model_spec?.version?.value, '1');
    assert.deepEqual(decodeTensor(res.outputs['length']!).values, BigInt64Array.from(inputs, (b) => BigInt(b.length)));
    assert.deepEqual(
      (decodeTensor(res.outputs['sha256']!).values as Buffer[]).map(String),
      inputs.map((b) => createHash('sha256').update(b).digest('hex')),
    );
    const wrong = failure(
      await predict(h, { model_spec: { name: 'echo_bytes' }, inputs: { image_bytes: userIds([1]) } }),
    );
    assert.equal(wrong.details, 'Expects arg[0] to be string but int64 is provided');
  });

  test('admin /stats counts requests per RPC and per model', async () => {
    const { status: code, json } = await h.admin<{ rpcs: Record<string, { requests: number; ok: number; errors: Record<string, number> }>; models: { model: string; version: number; requests: number }[] }>('GET', '/stats');
    assert.equal(code, 200);
    assert.ok(json.rpcs['Predict']!.requests > 20);
    assert.ok(json.rpcs['Predict']!.errors['INVALID_ARGUMENT']! > 5);
    assert.ok(json.rpcs['GetModelStatus']!.ok >= 2);
    assert.ok(json.rpcs['GetModelMetadata']!.ok >= 2);
    assert.ok(json.models.find((m) => m.model === 'echo_bytes')!.requests >= 1);
    const health = await h.admin<{ status: string; models: Record<string, number[]> }>('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json.models, { echo_bytes: [1], recommender: [2, 1] });
  });
});

describe('model server response encoding', { timeout: 60_000 }, () => {
  test('tensor_content answers carry the same values as typed fields', async () => {
    const models = tempModels({ recommender: { numUsers: 20, numItems: 50, dim: 4, seed: 3 }, echoBytes: false });
    const typed = await startHarness({ basePath: models.basePath, threads: 1, adminAddr: null });
    const packed = await startHarness({ basePath: models.basePath, threads: 1, adminAddr: null, responseEncoding: 'tensor_content' });
    try {
      const a = success(await recommend(typed, [0, 19]));
      const b = success(await recommend(packed, [0, 19]));
      assert.equal(b.outputs['item_ids']!.int64_val.length, 0);
      assert.equal(b.outputs['item_ids']!.tensor_content.length, 2 * 10 * 8);
      for (const out of ['item_ids', 'scores']) {
        assert.deepEqual(decodeTensor(b.outputs[out]!), decodeTensor(a.outputs[out]!), out);
      }
      assert.equal(typed.server.adminPort, null);
    } finally {
      await typed.close();
      await packed.close();
      models.cleanup();
    }
  });
});

describe('checks of a multi-input signature', () => {
  // No bundled model has two inputs, so a stand-in servable exercises the batching session's checks.
  const servable: Servable = {
    name: 'pair',
    version: 3,
    signatures: {
      serving_default: {
        method_name: PREDICT_METHOD,
        inputs: { a: spec('a', 'DT_FLOAT', [-1, 2]), b: spec('b', 'DT_STRING', [-1]) },
        outputs: { n: spec('n', 'DT_INT64', [-1]) },
      },
    },
    predict: async (_sig, inputs, rows) => ({ n: { dtype: 'DT_INT64', shape: [rows], values: new BigInt64Array(rows).fill(BigInt(inputs['b']!.values.length)) } }),
    stats: () => ({ model: 'pair', version: 3, requests: 0, rows: 0, batches: 0, queue: { batches: 0, rows: 0, running: 0 } }),
    close: async () => {},
  };
  const repo = { resolve: () => servable } as unknown as ModelRepository;
  const floats = (rows: number): TensorProto => ({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: rows }, { size: 2 }] }, float_val: [1] });
  const strings = (rows: number): TensorProto => ({ dtype: 'DT_STRING', tensor_shape: { dim: [{ size: rows }] }, string_val: [Buffer.from('x')] });
  const run = (inputs: Record<string, TensorProto>) =>
    rpcPredict(repo, { model_spec: { name: 'pair', signature_name: '' }, inputs, output_filter: [] } as unknown as PredictRequest__Output, 'typed_fields');

  test('inputs must agree on dimension 0', async () => {
    await assert.rejects(run({ a: floats(2), b: strings(3) }), {
      code: grpcStatus.INVALID_ARGUMENT,
      message: 'Batching Run() input tensors must have equal 0th-dimension size',
    });
  });

  test('a dtype error names the argument by its position among the sorted input names', async () => {
    await assert.rejects(run({ a: floats(2), b: floats(2) }), { message: 'Expects arg[1] to be string but float is provided' });
    await assert.rejects(run({ a: strings(2), b: strings(2) }), { message: 'Expects arg[0] to be float but string is provided' });
  });

  test('fixed inner dimensions are checked; a valid request answers', async () => {
    const wide: TensorProto = { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 2 }, { size: 3 }] }, float_val: [1] };
    await assert.rejects(run({ a: wide, b: strings(2) }), { message: "input a has shape [2,3], which is not compatible with the signature's shape [-1,2]" });
    const res = await run({ a: floats(2), b: strings(2) });
    assert.deepEqual(res.model_spec, { name: 'pair', version: { value: '3' }, signature_name: 'serving_default' });
    assert.deepEqual(res.outputs!['n']!.int64_val, ['2', '2']);
  });
});
