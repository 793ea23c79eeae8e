/**
 * The gateway against the real Temporal dev server and the real S3 server of the test stack.
 * No worker polls the harness's task queue, so started jobs stay pending: enough to prove
 * parsing, idempotency, staging, signals and the describe() fallback of the job view.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { jobLocation, stagedItemsKey } from '../src/job/layout';
import { NightshiftModel, NightshiftStatus } from '../src/job/messages';
import { INLINE_ITEMS_MAX_BYTES, type ResolvedJobSpec } from '../src/job/spec';
import { getObjectText, headObject } from '../src/storage/s3';
import { itemListSpec, startGateway, type GatewayHarness } from './helpers/gatewayHarness';
import { freePort } from '../src/stack/freePort';

const T = { timeout: 60_000 };


async function workflowInput(gw: GatewayHarness, jobId: string): Promise<ResolvedJobSpec> {
  const history = await gw.temporal.workflow.getHandle(jobId).fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return defaultPayloadConverter.fromPayload<ResolvedJobSpec>(payload);
}

async function signalNames(gw: GatewayHarness, jobId: string): Promise<string[]> {
  const history = await gw.temporal.workflow.getHandle(jobId).fetchHistory();
  return history.events!.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName!] : []));
}

describe('gateway', { timeout: 180_000 }, () => {
  let gw: GatewayHarness;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw?.close();
  });

  test('healthz answers once Temporal is connected', T, async () => {
    assert.deepEqual(await gw.get('/healthz'), { status: 200, body: { ok: true } });
  });

  describe('bad input is a 400 naming the field', () => {
    const base = () => itemListSpec(gw.outputPath);
    const cases: [string, () => unknown, string][] = [
      ['missing model.name', () => ({ ...base(), model: {} }), 'model.name'],
      ['version and version_label together', () => ({ ...base(), model: { name: 'recommender', version: 1, version_label: 'stable' } }), 'model.version_label'],
      ['an empty item list', () => ({ ...base(), input: { item_list: { items: [] } } }), 'input.item_list.items'],
      ['batch_size out of range', () => ({ ...base(), input: { item_list: { items: [{ user_id: 1 }], batch_size: 0 } } }), 'input.item_list.batch_size'],
      ['an output path that is not s3://', () => ({ ...base(), output: { s3_path: 'http://bucket/out/' } }), 'output.s3_path'],
      ['a bad input s3 path', () => ({ ...base(), input: { delimited_files: { s3_paths: ['s3://x'] } } }), 'input.delimited_files.s3_paths[0]'],
      ['an unknown field', () => ({ ...base(), colour: 'red' }), 'colour'],
      ['an unknown input kind', () => ({ ...base(), input: { csv_files: {} } }), 'input'],
      ['parallelism out of range', () => ({ ...base(), parallelism: 5000 }), 'parallelism'],
      ['a body that is not an object', () => [1, 2], '(root)'],
    ];
    for (const [name, body, field] of cases) {
      test(name, T, async () => {
        const res = await gw.post('/v1/jobs', body());
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error?.code, 'invalid_argument');
        assert.ok(res.body.error?.fields?.some((f) => f.field === field), `fields ${JSON.stringify(res.body.error?.fields)} name ${field}`);
        assert.match(res.body.error!.message, new RegExp(`${field.replace(/[.[\]()]/g, '\\$&')}: `));
      });
    }

    test('invalid JSON', T, async () => {
      const res = await gw.post('/v1/jobs', '{"model": {"name": "recommender"},');
      assert.equal(res.status, 400);
      assert.equal(res.body.error?.code, 'invalid_argument');
      assert.equal(res.body.error?.fields?.[0]?.field, '(body)');
    });

    test('a body that is not JSON by content type', T, async () => {
      const res = await gw.post('/v1/jobs', JSON.stringify(base()), { 'content-type': 'text/plain' });
      assert.equal(res.status, 400);
      assert.match(res.body.error!.message, /application\/json/);
    });

    test('every bad field at once', T, async () => {
      const res = await gw.post('/v1/jobs', { ...base(), model: {}, parallelism: 0, timeout: 'soon' });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error?.fields?.map((f) => f.field).sort(), ['model.name', 'parallelism', 'timeout']);
    });
  });

  test('a job failing pre-flight validation is a 400 naming what validateJob named, and starts nothing', T, async () => {
    const strict = await startGateway({
      validateJob: async () => [{ field: 'input.delimited_files.s3_paths', reason: 'matches no object' }],
    });
    try {
      const jobId = gw.jobId('preflight');
      const res = await strict.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error?.fields, [{ field: 'input.delimited_files.s3_paths', reason: 'matches no object' }]);
      assert.equal((await gw.get(`/v1/jobs/${jobId}`)).status, 404);
    } finally {
      await strict.close();
    }
  });

  test('a pre-flight check that does not answer in time does not hold the submit', T, async () => {
    const slow = await startGateway({ validateJob: () => new Promise(() => undefined), validateTimeoutMs: 200 });
    try {
      assert.equal((await slow.post('/v1/jobs', itemListSpec(gw.outputPath))).status, 201);
    } finally {
      await slow.close();
    }
  });

  test('npm run gateway serves healthz and stops cleanly on SIGTERM', T, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'gateway', 'main.js')], {
      env: { ...process.env, NIGHTSHIFT_GATEWAY_ADDR: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        assert.ok(Date.now() < deadline && child.exitCode === null, `gateway did not come up: ${logs}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, logs);
      assert.match(logs, /"msg":"gateway stopped"/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a job starts one workflow with status planning, its model and output path', T, async () => {
    const res = await gw.post('/v1/jobs', itemListSpec(gw.outputPath));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const jobId = res.body.job_id!;
    assert.match(jobId, /^job-\d{8}-[0-9a-f]{8}$/);
    const output = `${gw.outputPath}${jobId}/`;
    assert.deepEqual(res.body, {
      job_id: jobId,
      status: 'planning',
      output_path: output,
      links: { self: `/v1/jobs/${jobId}`, ui: `${gw.config.temporal.uiUrl}/namespaces/default/workflows/${jobId}` },
    });

    const d = await gw.temporal.workflow.getHandle(jobId).describe();
    assert.equal(d.type, 'batchJob');
    assert.equal(d.taskQueue, gw.config.temporal.taskQueue);
    assert.equal(d.typedSearchAttributes.get(NightshiftStatus), 'planning');
    assert.equal(d.typedSearchAttributes.get(NightshiftModel), 'recommender');
    assert.deepEqual(d.memo, { output_path: output, parallelism: 8 });
    const input = await workflowInput(gw, jobId);
    assert.equal(input.job_id, jobId);
    assert.equal(input.parallelism, 8, 'defaults are filled at the edge');
    assert.deepEqual(input.input, { item_list: { items: [{ user_id: 1 }, { user_id: 2 }], batch_size: 10 } });
  });

  test('a pending job without a worker is still visible, from describe()', T, async () => {
    const jobId = gw.jobId('pending');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    const res = await gw.get(`/v1/jobs/${jobId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.job_id, jobId);
    assert.equal(res.body.status, 'planning');
    assert.equal(res.body.model?.name, 'recommender');
    assert.equal(res.body.items_total, null);
    assert.equal(res.body.parallelism, 8);
    assert.equal(res.body.output_path, `${gw.outputPath}${jobId}/`);
    assert.equal(res.body.links?.ui, `${gw.config.temporal.uiUrl}/namespaces/default/workflows/${jobId}`);
  });

  test('the same job id twice is the same job: 201, then 200 with its view, one run', T, async () => {
    const jobId = gw.jobId('twice');
    const spec = { ...itemListSpec(gw.outputPath), job_id: jobId };
    const first = await gw.post('/v1/jobs', spec);
    assert.equal(first.status, 201);
    const runId = (await gw.temporal.workflow.getHandle(jobId).describe()).runId;
    const second = await gw.post('/v1/jobs', spec);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.job_id, jobId);
    assert.equal(second.body.status, 'planning');
    assert.equal((await gw.temporal.workflow.getHandle(jobId).describe()).runId, runId);
  });

  test('two submits of one job id racing start one workflow', T, async () => {
    const jobId = gw.jobId('race');
    const spec = { ...itemListSpec(gw.outputPath), job_id: jobId };
    const answers = await Promise.all([gw.post('/v1/jobs', spec), gw.post('/v1/jobs', spec)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 201]);
    assert.ok(answers.every((a) => a.body.job_id === jobId));
  });

  test('a finished job id is not reused: resubmitting answers with the old job', T, async () => {
    const jobId = gw.jobId('closed');
    const spec = { ...itemListSpec(gw.outputPath), job_id: jobId };
    assert.equal((await gw.post('/v1/jobs', spec)).status, 201);
    await gw.temporal.workflow.getHandle(jobId).terminate('test');
    const again = await gw.post('/v1/jobs', spec);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'failed', 'a terminated job without a manifest reads as failed');
  });

  test('a large item list is staged to S3 as JSON lines and the workflow gets its path', T, async () => {
    const items = Array.from({ length: 30_000 }, (_, i) => ({ user_id: i }));
    assert.ok(JSON.stringify(items).length > INLINE_ITEMS_MAX_BYTES);
    const jobId = gw.jobId('staged');
    const res = await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath, items), job_id: jobId });
    assert.equal(res.status, 201, JSON.stringify(res.body));

    const loc = jobLocation(gw.outputPath, jobId);
    const key = stagedItemsKey(loc);
    const lines = (await getObjectText(gw.s3, loc.bucket, key)).split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, items.length);
    lines.forEach((l, i) => assert.deepEqual(JSON.parse(l), items[i]));

    const input = await workflowInput(gw, jobId);
    assert.deepEqual(input.input, { item_list: { items_s3_path: `s3://${loc.bucket}/${key}`, batch_size: 10 } });
  });

  test('a small item list stays inline and nothing is staged', T, async () => {
    const jobId = gw.jobId('inline');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    const loc = jobLocation(gw.outputPath, jobId);
    assert.equal(await headObject(gw.s3, loc.bucket, stagedItemsKey(loc)), undefined);
  });

  test('an unknown job is a 404', T, async () => {
    const res = await gw.get(`/v1/jobs/${gw.jobId('nobody')}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error?.code, 'not_found');
    for (const action of ['cancel', 'pause', 'resume']) {
      assert.equal((await gw.post(`/v1/jobs/${gw.jobId('nobody')}/${action}`, {})).status, 404);
    }
  });

  test('cancel, pause and resume are signals the workflow receives (202)', T, async () => {
    const jobId = gw.jobId('signals');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    assert.deepEqual(await gw.post(`/v1/jobs/${jobId}/pause`, ''), { status: 202, body: { job_id: jobId, accepted: 'pause' } });
    assert.equal((await gw.post(`/v1/jobs/${jobId}/resume`, '')).status, 202);
    assert.equal((await gw.post(`/v1/jobs/${jobId}/cancel`, { reason: 'test' })).status, 202);
    assert.deepEqual(await signalNames(gw, jobId), ['pause', 'resume', 'cancel']);
    const bad = await gw.post(`/v1/jobs/${jobId}/cancel`, { why: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.fields?.[0]?.field, 'why');
  });

  test('signalling a finished job is a 409', T, async () => {
    const jobId = gw.jobId('finished');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    await gw.temporal.workflow.getHandle(jobId).terminate('test');
    const res = await gw.post(`/v1/jobs/${jobId}/pause`, {});
    assert.equal(res.status, 409);
    assert.equal(res.body.error?.code, 'failed_precondition');
  });

  test('parallelism outside 1..1000 is a 400 at the edge', T, async () => {
    const jobId = gw.jobId('parallelism');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    for (const body of [{ parallelism: 0 }, { parallelism: 1001 }, { parallelism: 2.5 }, { parallelism: '8' }, {}]) {
      const res = await gw.post(`/v1/jobs/${jobId}/parallelism`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error?.fields?.[0]?.field, 'parallelism');
    }
  });

  test('parallelism on a job no worker runs answers 504 instead of hanging', T, async () => {
    const jobId = gw.jobId('noworker');
    assert.equal((await gw.post('/v1/jobs', { ...itemListSpec(gw.outputPath), job_id: jobId })).status, 201);
    const res = await gw.post(`/v1/jobs/${jobId}/parallelism`, { parallelism: 4 });
    assert.equal(res.status, 504, JSON.stringify(res.body));
    assert.equal(res.body.error?.code, 'deadline_exceeded');
  });

  test('an unknown route is a JSON 404', T, async () => {
    const res = await gw.get('/v2/nothing');
    assert.equal(res.status, 404);
    assert.equal(res.body.error?.code, 'not_found');
    assert.equal((await gw.post('/v1/jobs/x/explode', {})).status, 404);
  });
});
