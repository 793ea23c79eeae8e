/**
 * Wire compatibility with TF Serving: messages assembled byte by byte here, from the field numbers of TF Serving's
 * protos (not by this project's code), must decode to what they mean, and what the project encodes must be those
 * same bytes. Also: the RPC paths, and the generated types must match protos/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { decodeTensor, tensorsToItems } from '../src/tfserving/codec';
import {
  messages,
  modelServiceDefinition,
  packSignatureDefMap,
  predictionServiceDefinition,
  unpackSignatureDefMap,
  SIGNATURE_DEF_MAP_TYPE_URL,
} from '../src/tfserving/protos';
import { signatureFromMetadata } from '../src/tfserving/signature';

const REPO = resolve(__dirname, '..', '..');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'ascii').toString('hex');

// PredictRequest {
//   model_spec (1) { name (1) "recommender", version (2) Int64Value { value (1) 3 }, signature_name (3) "serving_default" }
//   inputs (2) map entry { key (1) "user_id", value (2) TensorProto {
//     dtype (1) 9 = DT_INT64, tensor_shape (2) { dim (2) { size (1) 2 } }, int64_val (10) packed [7, 300] } }
//   output_filter (3) "scores"
// }
const PREDICT_REQUEST = hex(`
  0a 22
    0a 0b ${ascii('recommender')}
    12 02 08 03
    1a 0f ${ascii('serving_default')}
  12 18
    0a 07 ${ascii('user_id')}
    12 0d
      08 09
      12 04 12 02 08 02
      52 03 07 ac02
  1a 06 ${ascii('scores')}
`);

test('a PredictRequest assembled by hand decodes to its meaning', () => {
  const req = messages.PredictRequest.deserialize(PREDICT_REQUEST);
  assert.equal(req.model_spec?.name, 'recommender');
  assert.equal(req.model_spec?.version_choice, 'version');
  assert.equal(req.model_spec?.version?.value, '3');
  assert.equal(req.model_spec?.signature_name, 'serving_default');
  assert.deepEqual(req.output_filter, ['scores']);
  const t = decodeTensor(req.inputs['user_id']!, 'user_id');
  assert.equal(t.dtype, 'DT_INT64');
  assert.deepEqual(t.shape, [2]);
  assert.deepEqual(Array.from(t.values as BigInt64Array), [7n, 300n]);
});

test('the project encodes that PredictRequest to exactly the same bytes', () => {
  const bytes = messages.PredictRequest.serialize({
    model_spec: { name: 'recommender', version: { value: '3' }, signature_name: 'serving_default' },
    inputs: { user_id: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 2 }] }, int64_val: ['7', '300'] } },
    output_filter: ['scores'],
  });
  assert.equal(bytes.toString('hex'), PREDICT_REQUEST.toString('hex'));
});

test('a version label travels in field 4 of ModelSpec', () => {
  const bytes = messages.ModelSpec.serialize({ name: 'm', version_label: 'stable' });
  assert.equal(bytes.toString('hex'), `0a016d2206${ascii('stable')}`);
});

// PredictResponse {
//   outputs (1) map entry { key "scores", value TensorProto {
//     dtype 1 = DT_FLOAT, tensor_shape { dim { size 2 } dim { size 1 } }, tensor_content = LE float32 [1.5, -2] } }
//   model_spec (2) { name "m", version { value 12 } }
// }
const PREDICT_RESPONSE = hex(`
  0a 20
    0a 06 ${ascii('scores')}
    12 16
      08 01
      12 08 12 02 08 02 12 02 08 01
      22 08 0000c03f 000000c0
  12 07 0a 01 6d 12 02 08 0c
`);

test('a PredictResponse with tensor_content assembled by hand decodes to per-item outputs', () => {
  const res = messages.PredictResponse.deserialize(PREDICT_RESPONSE);
  assert.equal(res.model_spec?.version?.value, '12');
  assert.deepEqual(tensorsToItems(res.outputs, 2), [{ scores: [1.5] }, { scores: [-2] }]);
});

test('negative int64 values (ten-byte varints) and typed float_val decode', () => {
  // TensorProto { dtype 9, tensor_shape { dim { size 1 } }, int64_val packed [-1] }
  const int64 = hex(`08 09 12 04 12 02 08 01 52 0a ffffffffffffffffff01`);
  assert.deepEqual(Array.from(decodeTensor(messages.TensorProto.deserialize(int64)).values as BigInt64Array), [-1n]);
  // TensorProto { dtype 1, tensor_shape { dim { size 3 } }, float_val packed [0.5] }: one value fills the shape.
  const fill = hex(`08 01 12 04 12 02 08 03 2a 04 0000003f`);
  assert.deepEqual(Array.from(decodeTensor(messages.TensorProto.deserialize(fill)).values as Float32Array), [0.5, 0.5, 0.5]);
});

/** tag + varint length + payload, for length-delimited fields. */
const ld = (field: number, payload: Buffer): Buffer => {
  const len: number[] = [];
  for (let n = payload.length; ; n >>>= 7) {
    if (n < 128) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), payload]);
};
const str = (field: number, s: string): Buffer => ld(field, Buffer.from(s));

test('GetModelMetadataResponse: an Any holding a SignatureDefMap, assembled by hand, gives the signature', () => {
  // TensorInfo { name (1) "x:0", dtype (2) 9, tensor_shape (3) { dim { size -1 } dim { size 4 } } }
  const minusOne = hex('ffffffffffffffffff01');
  const shape = Buffer.concat([ld(2, Buffer.concat([hex('08'), minusOne])), ld(2, hex('08 04'))]);
  const info = Buffer.concat([str(1, 'x:0'), hex('10 09'), ld(3, shape)]);
  const outInfo = Buffer.concat([str(1, 'y:0'), hex('10 01'), ld(3, ld(2, Buffer.concat([hex('08'), minusOne])))]);
  // SignatureDef { inputs (1) {"x": info}, outputs (2) {"y": outInfo}, method_name (3) }
  const sigDef = Buffer.concat([
    ld(1, Buffer.concat([str(1, 'x'), ld(2, info)])),
    ld(2, Buffer.concat([str(1, 'y'), ld(2, outInfo)])),
    str(3, 'tensorflow/serving/predict'),
  ]);
  // SignatureDefMap { signature_def (1) {"serving_default": sigDef} }
  const map = ld(1, Buffer.concat([str(1, 'serving_default'), ld(2, sigDef)]));
  // GetModelMetadataResponse { model_spec (1) { name "m", version { value 2 } }, metadata (2) {"signature_def": Any} }
  const any = Buffer.concat([str(1, SIGNATURE_DEF_MAP_TYPE_URL), ld(2, map)]);
  const res = Buffer.concat([ld(1, Buffer.concat([str(1, 'm'), ld(2, hex('08 02'))])), ld(2, Buffer.concat([str(1, 'signature_def'), ld(2, any)]))]);

  const sig = signatureFromMetadata(messages.GetModelMetadataResponse.deserialize(res), 'serving_default');
  assert.deepEqual(sig, {
    model: { name: 'm', version: '2' },
    signature_name: 'serving_default',
    method_name: 'tensorflow/serving/predict',
    inputs: { x: { name: 'x', dtype: 'DT_INT64', shape: [-1, 4] } },
    outputs: { y: { name: 'y', dtype: 'DT_FLOAT', shape: [-1] } },
  });
  // And our packing of the same signature produces the same bytes.
  const packed = packSignatureDefMap({
    signature_def: {
      serving_default: {
        inputs: { x: { name: 'x:0', dtype: 'DT_INT64', tensor_shape: { dim: [{ size: -1 }, { size: 4 }] } } },
        outputs: { y: { name: 'y:0', dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: -1 }] } } },
        method_name: 'tensorflow/serving/predict',
      },
    },
  });
  assert.equal(packed.type_url, SIGNATURE_DEF_MAP_TYPE_URL);
  assert.equal(packed.value.toString('hex'), map.toString('hex'));
  assert.equal(unpackSignatureDefMap(packed).signature_def['serving_default']?.method_name, 'tensorflow/serving/predict');
});

test('GetModelStatusResponse assembled by hand decodes versions, states and status', () => {
  // ModelVersionStatus { version (1) 3, state (2) 30 = AVAILABLE, status (3) { error_code (1) 0, error_message (2) "" } }
  const status = Buffer.concat([hex('08 03 10 1e'), ld(3, Buffer.alloc(0))]);
  const res = messages.GetModelStatusResponse.deserialize(ld(1, status));
  assert.equal(res.model_version_status[0]!.version, '3');
  assert.equal(res.model_version_status[0]!.state, 'AVAILABLE');
  assert.equal(res.model_version_status[0]!.status?.error_code, 'OK');
});

test('the RPCs have TF Serving’s method paths', () => {
  assert.equal(predictionServiceDefinition.Predict.path, '/tensorflow.serving.PredictionService/Predict');
  assert.equal(predictionServiceDefinition.GetModelMetadata.path, '/tensorflow.serving.PredictionService/GetModelMetadata');
  assert.equal(modelServiceDefinition.GetModelStatus.path, '/tensorflow.serving.ModelService/GetModelStatus');
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

test('the committed generated types match protos/ (npm run proto:gen)', { timeout: 60_000 }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'nightshift-proto-gen-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, [join(REPO, 'src', 'tfserving', 'generateTypes.mjs'), '--out', out], { cwd: REPO, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const committed = join(REPO, 'src', 'tfserving', 'generated');
  const files = (dir: string) => listFiles(dir).map((f) => relative(dir, f)).sort();
  assert.deepEqual(files(out), files(committed), 'generated file list differs: run npm run proto:gen');
  for (const f of files(out)) {
    assert.equal(readFileSync(join(out, f), 'utf8'), readFileSync(join(committed, f), 'utf8'), `${f} is stale: run npm run proto:gen`);
  }
});
