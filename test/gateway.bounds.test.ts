/**
 * Bounded payloads and clear rejections, through the real gateway and the real Temporal dev server:
 * a spec too large for Temporal is refused at the edge naming the field, Temporal's own
 * INVALID_ARGUMENT is the caller's 400/413, and a 500 never carries an internal message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WORKFLOW_TYPE } from '../src/job/messages';
import { MAX_CONFIG_BYTES, MAX_LIST_ENTRIES } from '../src/job/bounds';
import { refusedInput, toHttpError } from '../src/gateway/errors';
import { itemListSpec, startGateway, type GatewayHarness } from './helpers/gatewayHarness';

const MiB = 1024 * 1024;
const INTERNAL_DETAIL = 'secret-detail s3://private-bucket/keys.txt at line 42';

describe('gateway bounds', { timeout: 120_000 }, () => {
  let gw: GatewayHarness;
  let failing: GatewayHarness;
  before(async () => {
    gw = await startGateway();
    // A pre-flight check that breaks the way a bug would: an Error nobody turned into an HttpError.
    failing = await startGateway({
      validateJob: () => Promise.reject(new Error(INTERNAL_DETAIL)),
    });
  });
  after(async () => {
    await gw?.close();
    await failing?.close();
  });

  test('a 3 MiB config is a 400 naming config, and no job is started', async () => {
    const jobId = gw.jobId('bigconfig');
    const res = await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId, config: { blob: 'x'.repeat(3 * MiB) } });
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.error?.code, 'invalid_argument');
    assert.deepEqual(res.body.error?.fields?.map((f) => f.field), ['config']);
    assert.match(res.body.error!.fields![0]!.reason, new RegExp(`at most ${MAX_CONFIG_BYTES} bytes`));
    assert.equal((await gw.get(`/v1/jobs/${jobId}`)).status, 404, 'nothing was started');
  });

  test('a config at the limit is accepted', async () => {
    const blob = 'y'.repeat(MAX_CONFIG_BYTES - JSON.stringify({ blob: '' }).length);
    const res = await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: gw.jobId('edgeconfig'), config: { blob } });
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
  });

  test('more than 1,000 s3_paths, includes or excludes: 400 naming each list', async () => {
    const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
    const res = await gw.post('/v1/jobs', {
      model: { name: 'recommender' },
      input: {
        delimited_files: {
          s3_paths: many(MAX_LIST_ENTRIES + 1, (i) => `s3://bucket/in/${i}.jsonl`),
          includes: many(MAX_LIST_ENTRIES + 1, (i) => `**/${i}.jsonl`),
          excludes: many(MAX_LIST_ENTRIES + 1, (i) => `skip/${i}`),
        },
      },
      output: { s3_path: gw.outputPath },
    });
    assert.equal(res.status, 400);
    const fields = res.body.error?.fields?.map((f) => f.field).sort();
    assert.deepEqual(fields, ['input.delimited_files.excludes', 'input.delimited_files.includes', 'input.delimited_files.s3_paths']);
    assert.match(res.body.error!.fields![0]!.reason, /at most 1000 entries/);
  });

  test('over-long names, labels, globs and durations: 400 naming the field', async () => {
    const long = 'a'.repeat(2000);
    const res = await gw.post('/v1/jobs', {
      model: { name: long, version_label: long, signature_name: long },
      input: { delimited_files: { s3_paths: [`s3://bucket/${long}`], includes: [long] } },
      output: { s3_path: gw.outputPath },
      timeout: `${'0'.repeat(100)}1s`,
    });
    assert.equal(res.status, 400);
    const fields = new Set(res.body.error?.fields?.map((f) => f.field));
    for (const f of ['model.name', 'model.version_label', 'model.signature_name', 'input.delimited_files.s3_paths[0]', 'input.delimited_files.includes[0]', 'timeout']) {
      assert.ok(fields.has(f), `${f} named in ${[...fields].join(', ')}`);
    }
  });

  test("Temporal's INVALID_ARGUMENT for a payload over its limit is a 413 naming the field", async () => {
    // The schema keeps such a spec from Temporal, so ask Temporal directly for its real answer.
    const input = { ...itemListSpec(gw.outputPath), config: { blob: 'z'.repeat(3 * MiB) } };
    const err = await gw.temporal.workflow
      .start(WORKFLOW_TYPE, { workflowId: gw.jobId('temporal-too-large'), taskQueue: gw.config.temporal.taskQueue, args: [input] })
      .then(
        () => assert.fail('Temporal accepted a 3 MiB input'),
        (e: unknown) => e,
      );
    const named = refusedInput(err, input);
    const http = toHttpError(named);
    assert.equal(http.status, 413, `${http.code}: ${http.message}`);
    assert.deepEqual(http.fields?.map((f) => f.field), ['config.blob']);
    const generic = toHttpError(err);
    assert.equal(generic.status, 413, 'any route that meets it answers 413, not 500');
    assert.deepEqual(generic.fields?.map((f) => f.field), ['(body)']);
  });

  test('a 500 carries a generic message and the request id, never the internal detail', async () => {
    const res = await failing.request('POST', '/v1/jobs', { body: { ...itemListSpec(failing.outputPath), job_id: failing.jobId('boom') } });
    assert.equal(res.status, 500);
    const requestId = res.headers.get('x-request-id');
    assert.ok(requestId, 'the answer names its request id');
    assert.equal(res.body.error?.code, 'internal');
    assert.equal(res.body.error?.request_id, requestId);
    assert.equal(res.body.error?.message, `internal error (request id ${requestId})`);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes('secret-detail') && !text.includes('private-bucket'), `no internal detail in ${text}`);
  });
});
