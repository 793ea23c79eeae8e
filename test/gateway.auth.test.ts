/**
 * The gateway as a team would expose it: API keys from a file, each key held to its S3 prefixes
 * and models, seeing and steering only its own jobs. Real Temporal and S3; a real worker where a
 * job has to finish.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ApiKeyStore, ApiKeysFileError, sha256Hex } from '../src/gateway/apiKeys';
import { appRoutes } from '../src/gateway/appRoutes';
import { openApiPath, type OpenApiDocument } from '../src/gateway/openapi';
import { NightshiftOwner } from '../src/job/messages';
import { jobLocation } from '../src/job/layout';
import { createS3Client, listObjects, putObject } from '../src/storage/s3';
import { createPreflight, type Preflight } from '../src/gateway/preflight';
import { freePort } from '../src/stack/freePort';
import { startGateway, type GatewayHarness } from './helpers/gatewayHarness';
import { withWorker, users } from './helpers/jobHarness';

const T = { timeout: 120_000 };
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const KEYS = { a: `key-a-${RUN}`, b: `key-b-${RUN}`, admin: `key-admin-${RUN}` };

function writeKeys(dir: string, bucket: string): string {
  const file = join(dir, 'keys.json');
  const prefix = (team: string) => `s3://${bucket}/auth-test/${RUN}/${team}/`;
  writeFileSync(
    file,
    JSON.stringify({
      keys: [
        { id: 'team-a', sha256: sha256Hex(KEYS.a), read: [prefix('team-a')], write: [prefix('team-a')], models: ['recommender'] },
        { id: 'team-b', sha256: sha256Hex(KEYS.b), read: [prefix('team-b')], write: [prefix('team-b')] },
        { id: 'ops', sha256: sha256Hex(KEYS.admin), read: [`s3://${bucket}/`], write: [`s3://${bucket}/`], admin: true },
      ],
    }),
  );
  return file;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('gateway with API keys', { timeout: 600_000 }, () => {
  let gw: GatewayHarness;
  let dir: string;
  let base: string;
  let preflight: Preflight | undefined;
  const prefix = (team: string) => `${base}${team}/`;
  const spec = (team: string, extra: Record<string, unknown> = {}) => ({
    model: { name: 'recommender' },
    input: { item_list: { items: users(0, 3), batch_size: 2 } },
    output: { s3_path: `${prefix(team)}out/` },
    ...extra,
  });
  const notStarted = async (jobId: string) => {
    await assert.rejects(gw.temporal.workflow.getHandle(jobId).describe(), WorkflowNotFoundError, `${jobId} must not have started`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nightshift-keys-'));
    const probe = await startGateway();
    const bucket = probe.config.s3.bucket;
    await probe.close();
    preflight = createPreflight(probe.config, createS3Client(probe.config.s3));
    gw = await startGateway({
      apiKeys: new ApiKeyStore(writeKeys(dir, bucket)),
      validateJob: preflight.validateJob,
      describeModel: preflight.describeModel,
    });
    base = `s3://${bucket}/auth-test/${RUN}/`;
  });
  after(async () => {
    preflight?.close();
    await gw?.close();
  });

  test('every /v1 route the app serves asks for a key: none or a wrong one is a 401 in the error shape', T, async () => {
    const routes = appRoutes(gw.app).filter((r) => r.path.startsWith('/v1'));
    assert.ok(routes.length >= 10, JSON.stringify(routes));
    for (const { method, path: template } of routes) {
      const path = template.replace(':id', 'x');
      for (const headers of [{}, bearer('not-a-key'), { authorization: `Basic ${Buffer.from(`u:${KEYS.a}`).toString('base64')}` }]) {
        const res = await gw.request(method.toUpperCase(), path, { body: method === 'post' ? spec('team-a') : undefined, headers });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error?.code, 'unauthenticated');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    }
    for (const open of ['/healthz', '/readyz', '/openapi.json']) assert.equal((await gw.get(open)).status, 200, `${open} stays open for load balancers`);
  });

  test('every route the app serves is in /openapi.json, and the document validates as OpenAPI 3.1', T, async () => {
    const doc = (await gw.get('/openapi.json')).body as unknown as OpenApiDocument;
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.equal(doc.openapi, '3.1.0');
    for (const r of appRoutes(gw.app)) {
      const ops = doc.paths[openApiPath(r.path).path] as Record<string, unknown> | undefined;
      assert.ok(ops?.[r.method], `${r.method} ${r.path} is served but not documented`);
    }
  });

  test('a key may not read or write outside its prefixes, nor call other models: 403 naming the path', T, async () => {
    const jobId = `auth-${RUN}-forbidden`;
    const cases: [string, Record<string, unknown>, string][] = [
      ['output in team-b', spec('team-a', { output: { s3_path: `${prefix('team-b')}out/` } }), 'output.s3_path'],
      ['output in another bucket', spec('team-a', { output: { s3_path: 's3://any-other-teams-bucket/x/' } }), 'output.s3_path'],
      ['input in team-b', spec('team-a', { input: { delimited_files: { s3_paths: [`${prefix('team-b')}in/`] } } }), 'input.delimited_files.s3_paths[0]'],
      ['a prefix that only starts like team-a', spec('team-a', { input: { delimited_files: { s3_paths: [`${base}team-a`] } } }), 'input.delimited_files.s3_paths[0]'],
      ['staged items of team-b', spec('team-a', { input: { item_list: { items_s3_path: `${prefix('team-b')}items.jsonl` } } }), 'input.item_list.items_s3_path'],
      ['a model the key may not call', spec('team-a', { model: { name: 'echo_bytes' } }), 'model.name'],
    ];
    for (const [name, body, field] of cases) {
      const res = await gw.request('POST', '/v1/jobs', { body: { ...body, job_id: jobId }, headers: bearer(KEYS.a) });
      assert.equal(res.status, 403, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'permission_denied', name);
      assert.equal(res.body.error?.fields?.[0]?.field, field, name);
      const dry = await gw.request('POST', '/v1/jobs?dry_run=true', { body, headers: bearer(KEYS.a) });
      assert.equal(dry.status, 403, `dry run, ${name}`);
    }
    const dotted = await gw.request('POST', '/v1/jobs', {
      body: { ...spec('team-a', { output: { s3_path: `${prefix('team-a')}../team-b/` } }), job_id: jobId },
      headers: bearer(KEYS.a),
    });
    assert.equal(dotted.status, 400);
    assert.equal(dotted.body.error?.fields?.[0]?.field, 'output.s3_path');
    const retry = await gw.request('POST', '/v1/jobs', { body: { ...spec('team-a'), job_id: jobId, retry_of: 'someone-else' }, headers: bearer(KEYS.a) });
    assert.equal(retry.status, 400);
    assert.equal(retry.body.error?.fields?.[0]?.field, 'retry_of');
    await notStarted(jobId);
    const written = [];
    for await (const o of listObjects(gw.s3, gw.config.s3.bucket, `auth-test/${RUN}/team-b/`)) written.push(o.key);
    assert.deepEqual(written, [], 'nothing was written under team-b');
  });

  test("a key sees and steers only its own jobs; another key's job is a 404, an admin sees all", T, async () => {
    const jobId = `auth-${RUN}-owned`;
    const created = await gw.request('POST', '/v1/jobs', { body: { ...spec('team-a'), job_id: jobId }, headers: bearer(KEYS.a) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const d = await gw.temporal.workflow.getHandle(jobId).describe();
    assert.equal(d.typedSearchAttributes.get(NightshiftOwner), 'team-a');

    const id = encodeURIComponent(jobId);
    const control: [string, string, unknown][] = [
      ['GET', `/v1/jobs/${id}`, undefined],
      ['GET', `/v1/jobs/${id}/results`, undefined],
      ['DELETE', `/v1/jobs/${id}`, undefined],
      ['POST', `/v1/jobs/${id}/cancel`, undefined],
      ['POST', `/v1/jobs/${id}/pause`, undefined],
      ['POST', `/v1/jobs/${id}/resume`, undefined],
      ['POST', `/v1/jobs/${id}/parallelism`, { parallelism: 2 }],
      ['POST', `/v1/jobs/${id}/retry-failed`, undefined],
    ];
    for (const [method, path, body] of control) {
      const res = await gw.request(method, path, { body, headers: bearer(KEYS.b) });
      assert.equal(res.status, 404, `team-b ${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'not_found');
    }
    // The same id submitted by team-b is not team-b's job: refused, and the answer does not show team-a's job.
    const taken = await gw.request('POST', '/v1/jobs', { body: { ...spec('team-b'), job_id: jobId }, headers: bearer(KEYS.b) });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.job_id, undefined);
    assert.equal((await gw.request('GET', `/v1/jobs/${id}`, { headers: bearer(KEYS.a) })).status, 200);
    assert.equal((await gw.request('GET', `/v1/jobs/${id}`, { headers: bearer(KEYS.admin) })).status, 200);

    // A workflow the gateway did not start is not a job, whoever asks.
    const other = `auth-${RUN}-not-a-job`;
    await gw.temporal.workflow.start('someOtherWorkflow', { workflowId: other, taskQueue: `nobody-${RUN}`, args: [] });
    try {
      assert.equal((await gw.request('GET', `/v1/jobs/${other}`, { headers: bearer(KEYS.admin) })).status, 404);
      assert.equal((await gw.request('POST', `/v1/jobs/${other}/cancel`, { headers: bearer(KEYS.admin) })).status, 404);
    } finally {
      await gw.temporal.workflow.getHandle(other).terminate('test');
    }
  });

  test('listing goes through Temporal visibility: own jobs only, filters, newest first, pages', T, async () => {
    const ids = [1, 2, 3].map((n) => `auth-${RUN}-list-${n}`);
    for (const jobId of ids) {
      const res = await gw.request('POST', '/v1/jobs', { body: { ...spec('team-a'), job_id: jobId }, headers: bearer(KEYS.a) });
      assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    }
    const bJob = `auth-${RUN}-list-b`;
    assert.equal((await gw.request('POST', '/v1/jobs', { body: { ...spec('team-b'), job_id: bJob }, headers: bearer(KEYS.b) })).status, 201);

    // Visibility is eventually consistent: wait until the last job shows.
    const listed = async (key: string, query = '') => {
      const res = await gw.request('GET', `/v1/jobs${query}`, { headers: bearer(key) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as unknown as { jobs: { job_id: string; owner: string; status: string; model: string }[]; next_page_token: string | null };
    };
    const deadline = Date.now() + 20_000;
    while (!(await listed(KEYS.admin)).jobs.some((j) => j.job_id === bJob) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));

    const a = await listed(KEYS.a, '?limit=1000');
    assert.ok(ids.every((id) => a.jobs.some((j) => j.job_id === id)), 'team-a sees its jobs');
    assert.ok(a.jobs.every((j) => j.owner === 'team-a'), 'and only its jobs');
    assert.ok(!a.jobs.some((j) => j.job_id === bJob));
    const admin = await listed(KEYS.admin, '?limit=1000');
    assert.ok(admin.jobs.some((j) => j.job_id === bJob) && admin.jobs.some((j) => j.job_id === ids[0]));

    const mine = a.jobs.filter((j) => ids.includes(j.job_id)).map((j) => j.job_id);
    assert.deepEqual(mine, [...ids].reverse(), 'newest first');
    assert.ok(a.jobs.every((j) => j.status === 'planning' && j.model === 'recommender'));
    assert.equal((await listed(KEYS.a, '?status=succeeded')).jobs.filter((j) => ids.includes(j.job_id)).length, 0);
    assert.equal((await listed(KEYS.a, '?model=echo_bytes')).jobs.length, 0);
    assert.equal((await listed(KEYS.a, `?created_after=${new Date(Date.now() + 60_000).toISOString()}`)).jobs.length, 0);

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page = await listed(KEYS.a, `?limit=1${token ? `&page_token=${token}` : ''}`);
      assert.ok(page.jobs.length <= 1);
      seen.push(...page.jobs.map((j) => j.job_id));
      token = page.next_page_token;
    } while (token && seen.length < 50);
    assert.deepEqual(seen, a.jobs.map((j) => j.job_id), 'pages of one add up to the whole list');

    for (const [query, field] of [
      ['?status=done', 'status'],
      ['?limit=0', 'limit'],
      ['?created_after=yesterday', 'created_after'],
      ['?model=a%27%20OR%20true', 'model'],
      ['?page_token=bm90LWEtdG9rZW4', 'page_token'],
      ['?colour=red', 'colour'],
    ]) {
      const res = await gw.request('GET', `/v1/jobs${query}`, { headers: bearer(KEYS.a) });
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.fields?.[0]?.field, field, query);
    }
  });

  test('DELETE stops a job like cancel: 202, again 202, and 409 with the final status once it ended', T, async () => {
    await withWorker({ taskQueue: gw.config.temporal.taskQueue }, async () => {
      const running = `auth-${RUN}-delete`;
      const big = { ...spec('team-a'), job_id: running, input: { item_list: { items: users(0, 20_000), batch_size: 50 } }, parallelism: 1 };
      assert.equal((await gw.request('POST', '/v1/jobs', { body: big, headers: bearer(KEYS.a) })).status, 201);
      const del = await gw.request('DELETE', `/v1/jobs/${running}`, { headers: bearer(KEYS.a) });
      assert.deepEqual([del.status, del.body], [202, { job_id: running, accepted: 'cancel' }]);
      const again = await gw.request('DELETE', `/v1/jobs/${running}`, { headers: bearer(KEYS.a) });
      assert.ok(again.status === 202 || again.status === 409, JSON.stringify(again.body));
      const h = gw.temporal.workflow.getHandle(running);
      const result = (await h.result()) as { status: string };
      assert.equal(result.status, 'cancelled');
      const late = await gw.request('DELETE', `/v1/jobs/${running}`, { headers: bearer(KEYS.a) });
      assert.equal(late.status, 409);
      assert.match(late.body.error!.message, /cancelled/);

      const done = `auth-${RUN}-done`;
      assert.equal((await gw.request('POST', '/v1/jobs', { body: { ...spec('team-a'), job_id: done }, headers: bearer(KEYS.a) })).status, 201);
      assert.equal(((await gw.temporal.workflow.getHandle(done).result()) as { status: string }).status, 'succeeded');
      const res = await gw.request('DELETE', `/v1/jobs/${done}`, { headers: bearer(KEYS.a) });
      assert.equal(res.status, 409);
      assert.match(res.body.error!.message, /\(succeeded\)/);

      // Results of the finished job: the manifest and presigned URLs that fetch the parts themselves.
      const results = await gw.request('GET', `/v1/jobs/${done}/results?limit=1`, { headers: bearer(KEYS.a) });
      assert.equal(results.status, 200, JSON.stringify(results.body));
      const body = results.body as unknown as {
        status: string;
        manifest: { items_succeeded: number; parts?: unknown };
        parts: { key: string; url: string; items: number; bytes: number }[];
        next_page_token: string | null;
        manifest_url: string;
      };
      assert.equal(body.status, 'succeeded');
      assert.equal(body.manifest.items_succeeded, 3);
      assert.equal(body.manifest.parts, undefined, 'file lists are paged, not in the manifest object');
      assert.equal(body.parts.length, 1);
      assert.equal(body.next_page_token, '1');
      const text = await (await fetch(body.parts[0]!.url)).text();
      assert.equal(Buffer.byteLength(text), body.parts[0]!.bytes);
      assert.equal(text.trim().split('\n').length, body.parts[0]!.items);
      const page2 = await gw.request('GET', `/v1/jobs/${done}/results?limit=1&page_token=1`, { headers: bearer(KEYS.a) });
      const p2 = page2.body as unknown as { parts: { key: string }[]; next_page_token: string | null };
      assert.equal(p2.parts.length, 1);
      assert.notEqual(p2.parts[0]!.key, body.parts[0]!.key);
      assert.equal(p2.next_page_token, null);
      const manifest = JSON.parse(await (await fetch(body.manifest_url)).text()) as { job_id: string };
      assert.equal(manifest.job_id, done);
    });
    const pending = `auth-${RUN}-pending`;
    assert.equal((await gw.request('POST', '/v1/jobs', { body: { ...spec('team-a'), job_id: pending }, headers: bearer(KEYS.a) })).status, 201);
    const early = await gw.request('GET', `/v1/jobs/${pending}/results`, { headers: bearer(KEYS.a) });
    assert.equal(early.status, 409, 'no results before the manifest');
  });

  test('a dry run checks and estimates, and starts and writes nothing', T, async () => {
    const bucket = gw.config.s3.bucket;
    const inKey = (n: number) => `auth-test/${RUN}/team-a/in/part-${n}.jsonl`;
    for (let n = 0; n < 3; n++) {
      await putObject(gw.s3, bucket, inKey(n), users(n * 100, n * 100 + 100).map((u) => JSON.stringify(u)).join('\n') + '\n');
    }
    await putObject(gw.s3, bucket, `auth-test/${RUN}/team-a/in/notes.txt`, 'not an input');
    const jobId = `auth-${RUN}-dry`;
    const body = {
      ...spec('team-a'),
      job_id: jobId,
      input: { delimited_files: { s3_paths: [`${prefix('team-a')}in/`], includes: ['**/*.jsonl'], batch_size: 40 } },
    };
    const res = await gw.request('POST', '/v1/jobs?dry_run=true', { body, headers: bearer(KEYS.a) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body as unknown as {
      valid: boolean;
      job_id: string;
      model: { name: string; version: string | null };
      input_kind: string;
      matched_objects: { count: number; first: { path: string }[] };
      estimated_items: number;
      estimated_batches: number;
    };
    assert.equal(r.valid, true);
    assert.equal(r.job_id, jobId);
    assert.equal(r.input_kind, 'delimited_files');
    assert.equal(r.matched_objects.count, 3);
    assert.deepEqual(r.matched_objects.first.map((o) => o.path), [0, 1, 2].map((n) => `s3://${bucket}/${inKey(n)}`));
    assert.equal(r.estimated_items, 300, 'small files are sampled whole');
    assert.equal(r.estimated_batches, 9, '3 files of 100 lines in batches of 40');
    assert.match(r.model.version ?? '', /^\d+$/);
    await notStarted(jobId);
    const written = [];
    for await (const o of listObjects(gw.s3, bucket, jobLocation(body.output.s3_path, jobId).prefix)) written.push(o.key);
    assert.deepEqual(written, []);

    const bad = await gw.request('POST', '/v1/jobs?dry_run=true', { body: { ...body, model: { name: 'no_such_model' } }, headers: bearer(KEYS.admin) });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error?.fields?.[0]?.field, 'model.name');
    const junk = await gw.request('POST', '/v1/jobs?dry_run=maybe', { body, headers: bearer(KEYS.a) });
    assert.equal(junk.status, 400);
    assert.equal(junk.body.error?.fields?.[0]?.field, 'dry_run');
  });

  test('20 concurrent submissions of one job id: one workflow, one set of staged items', T, async () => {
    const jobId = `auth-${RUN}-idem`;
    const body = { ...spec('team-a'), job_id: jobId, input: { item_list: { items: users(0, 30_000), batch_size: 100 } } };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gw.request('POST', '/v1/jobs', { body, headers: bearer(KEYS.a) })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [...Array<number>(19).fill(200), 201]);
    assert.ok(answers.every((a) => a.body.job_id === jobId));
    const runs = [];
    for await (const w of gw.temporal.workflow.list({ query: `WorkflowId = '${jobId}'` })) runs.push(w.runId);
    assert.equal(runs.length, 1);
    const staged = [];
    const loc = jobLocation(body.output.s3_path, jobId);
    for await (const o of listObjects(gw.s3, loc.bucket, loc.prefix)) staged.push(o.key);
    assert.deepEqual(staged, [`${loc.prefix}_input/items.jsonl`]);
  });
});

describe('gateway limits', { timeout: 120_000 }, () => {
  test('submissions past the per-key rate are a 429 with Retry-After; bodies past the limit a 413', T, async () => {
    const gw = await startGateway({ submitsPerMinute: 2, maxBodyBytes: 4096 });
    try {
      const body = { model: { name: 'recommender' }, input: { item_list: { items: users(0, 2) } }, output: { s3_path: gw.outputPath } };
      assert.equal((await gw.post('/v1/jobs', body)).status, 201);
      assert.equal((await gw.post('/v1/jobs', body)).status, 201);
      const third = await gw.request('POST', '/v1/jobs', { body });
      assert.equal(third.status, 429);
      assert.equal(third.body.error?.code, 'resource_exhausted');
      assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
      const invalid = await gw.request('POST', '/v1/jobs', { body: { ...body, parallelism: 0 } });
      assert.equal(invalid.status, 400, 'a bad spec is told so before it spends a token');

      const huge = await gw.request('POST', '/v1/jobs', { body: { ...body, input: { item_list: { items: users(0, 1000) } } } });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error?.code, 'payload_too_large');
    } finally {
      await gw.close();
    }
  });
});

describe('API keys file', () => {
  test('JSON or YAML; re-read on reload; a broken file keeps the keys that were loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-keys-'));
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, `keys:\n  - id: one\n    sha256: ${sha256Hex('first-key')}\n    read: ["s3://bkt/x/"]\n    write: ["s3://bkt/x/"]\n`);
    const store = new ApiKeyStore(file);
    assert.equal(store.authenticate('first-key')?.id, 'one');
    assert.deepEqual(store.authenticate('first-key')?.models, null, 'models absent: every model');
    assert.equal(store.authenticate('second-key'), undefined);

    writeFileSync(file, `keys:\n  - id: two\n    sha256: ${sha256Hex('second-key')}\n    admin: true\n`);
    store.reload();
    assert.equal(store.authenticate('first-key'), undefined);
    assert.equal(store.authenticate('second-key')?.admin, true);

    writeFileSync(file, 'keys: [ {id: three, sha256: nothex} ]\n');
    assert.throws(() => store.reload(), (err: Error) => err instanceof ApiKeysFileError && /keys\.0\.sha256/.test(err.message));
    assert.equal(store.authenticate('second-key')?.id, 'two', 'the previous keys stay');

    const json = join(dir, 'keys.json');
    writeFileSync(json, JSON.stringify({ keys: [{ id: 'a', sha256: sha256Hex('k'), read: ['s3://bkt/no-slash'] }] }));
    assert.throws(() => new ApiKeyStore(json), /keys\.0\.read\.0/);
  });

  test('npm run gateway refuses a non-loopback address without keys, and starts on one with keys', T, async () => {
    const port = await freePort();
    const run = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'gateway', 'main.js')], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let logs = '';
      child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
      child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
      return { child, logs: () => logs };
    };
    const refused = await run({ NIGHTSHIFT_GATEWAY_ADDR: `0.0.0.0:${port}`, NIGHTSHIFT_API_KEYS_FILE: '' });
    const [code] = (await once(refused.child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(refused.logs(), /no API keys are configured/);

    const dir = mkdtempSync(join(tmpdir(), 'nightshift-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'k', sha256: sha256Hex('secret-k'), read: ['s3://nightshift/'], write: ['s3://nightshift/'] }] }));
    const served = await run({ NIGHTSHIFT_GATEWAY_ADDR: `0.0.0.0:${port}`, NIGHTSHIFT_API_KEYS_FILE: file });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/jobs`, { headers: bearer('secret-k') }).catch(() => undefined);
        if (res) {
          assert.equal(res.status, 200);
          break;
        }
        assert.ok(Date.now() < deadline && served.child.exitCode === null, served.logs());
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/v1/jobs`)).status, 401);

      // SIGHUP re-reads the file: the new key works, the old one no longer does.
      writeFileSync(file, JSON.stringify({ keys: [{ id: 'k2', sha256: sha256Hex('secret-k2'), read: ['s3://nightshift/'], write: ['s3://nightshift/'] }] }));
      served.child.kill('SIGHUP');
      const until = Date.now() + 10_000;
      while ((await fetch(`http://127.0.0.1:${port}/v1/jobs`, { headers: bearer('secret-k2') })).status !== 200) {
        assert.ok(Date.now() < until, `SIGHUP did not reload the keys: ${served.logs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/v1/jobs`, { headers: bearer('secret-k') })).status, 401);
      assert.doesNotMatch(served.logs(), /secret-k/, 'keys are never logged');
    } finally {
      served.child.kill('SIGTERM');
      await once(served.child, 'exit');
    }
  });
});
