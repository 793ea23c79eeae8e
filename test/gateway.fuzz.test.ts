/**
 * Property-based fuzzing of the gateway (fast-check) on the real Temporal and S3: random and
 * mutated bodies, headers, methods and paths always get a JSON 4xx in the error shape or a 2xx
 * that matches its documented schema; never a 5xx, never a crash, and a rejected body starts no
 * workflow (each body carries a job id, looked up in Temporal afterwards).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ApiKeyStore, sha256Hex } from '../src/gateway/apiKeys';
import { ErrorBodySchema, JobCreatedSchema, JobListPageSchema, JobViewSchema } from '../src/gateway/apiSchemas';
import { startGateway, type GatewayHarness } from './helpers/gatewayHarness';

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const KEY = `fuzz-key-${RUN}`;
const RUNS = Number(process.env.NIGHTSHIFT_FUZZ_RUNS ?? 0) || 2000;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A valid spec to mutate: fields set to random values, removed, or joined by unknown ones. */
function validSpec(bucket: string): Record<string, unknown> {
  return {
    model: { name: 'recommender' },
    input: { item_list: { items: [{ user_id: 1 }, { user_id: 2 }], batch_size: 10 } },
    output: { s3_path: `s3://${bucket}/fuzz/${RUN}/` },
  };
}

const FIELD_PATHS = [
  ['model'],
  ['model', 'name'],
  ['model', 'version'],
  ['model', 'version_label'],
  ['model', 'signature_name'],
  ['input'],
  ['input', 'item_list'],
  ['input', 'item_list', 'items'],
  ['input', 'item_list', 'batch_size'],
  ['input', 'item_list', 'items_s3_path'],
  ['input', 'delimited_files'],
  ['output'],
  ['output', 's3_path'],
  ['output', 'include_input'],
  ['parallelism'],
  ['timeout'],
  ['batch_timeout'],
  ['retry'],
  ['retry', 'max_attempts'],
  ['max_failure_ratio'],
  ['config'],
  ['on_complete'],
  ['on_complete', 'webhook'],
  ['retry_of'],
  ['__proto__'],
  ['constructor'],
] as const;

type Mutation = { path: readonly string[]; value: unknown } | { path: readonly string[]; remove: true };

function mutate(spec: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  const out = structuredClone(spec);
  for (const m of mutations) {
    let node: Record<string, unknown> = out;
    for (const k of m.path.slice(0, -1)) {
      const next = node[k];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    const last = m.path[m.path.length - 1]!;
    if ('remove' in m) delete node[last];
    else Object.defineProperty(node, last, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('', ' ', 's3://', 's3://x/../y/', 'recommender', '1h', '-1s', 'NaN', '\u0000', '😀'.repeat(20), 'a'.repeat(5000)),
  fc.integer(),
  fc.double(),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...FIELD_PATHS), value: jsonValue }),
  fc.record({ path: fc.constantFrom(...FIELD_PATHS), remove: fc.constant(true as const) }),
  fc.record({ path: fc.tuple(fc.string({ maxLength: 12 })), value: jsonValue }),
);

const authorization = fc.oneof(
  fc.constant(`Bearer ${KEY}`),
  fc.constant(`Bearer ${KEY}`),
  fc.constant(`bearer   ${KEY}`),
  fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 40 }),
  fc.constant(''),
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=latin1');

const idSegment = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('..', '.', '%2e%2e', '%00', '%ZZ', 'x'.repeat(300), 'job%2Fother'));

function headerSafe(h: Record<string, string>): Record<string, string> {
  // fetch refuses header values it cannot send; those never reach a gateway anyway.
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '' && /^[\t\x20-\x7e]*$/.test(v)));
}

describe('gateway fuzzing', { timeout: 900_000 }, () => {
  let gw: GatewayHarness;
  const rejectedIds: string[] = [];
  let seq = 0;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-fuzz-'));
    const file = join(dir, 'keys.json');
    gw = await startGateway({ submitsPerMinute: 0 });
    const bucket = gw.config.s3.bucket;
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'fuzzer', sha256: sha256Hex(KEY), read: [`s3://${bucket}/fuzz/`], write: [`s3://${bucket}/fuzz/`] }] }));
    await gw.close();
    gw = await startGateway({ submitsPerMinute: 0, apiKeys: new ApiKeyStore(file) });
  });
  after(async () => {
    await gw?.close();
  });

  /** Sends one request and checks the answer's shape; returns status and body. */
  async function send(req: Sent): Promise<{ status: number; body: unknown }> {
    const res = await fetch(gw.url + req.path, { method: req.method, headers: headerSafe(req.headers), body: req.body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const what = `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body?.slice(0, 300) ?? ''} -> ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, `5xx: ${what}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, `not JSON: ${what}`);
    const body = JSON.parse(text) as unknown;
    if (res.status >= 400) assert.ok(ErrorBodySchema.safeParse(body).success, `not the error shape: ${what}`);
    return { status: res.status, body };
  }

  test(`${RUNS} mutated job specs: 4xx in the error shape or a documented 2xx; rejected ones start nothing`, { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), authorization, contentType, fc.boolean(), async (mutations, auth, ctype, dry) => {
        const jobId = `fuzz-${RUN}-${seq++}`;
        const spec = { ...mutate(validSpec(gw.config.s3.bucket), mutations), job_id: jobId };
        const r = await send({ method: 'POST', path: `/v1/jobs${dry ? '?dry_run=true' : ''}`, headers: { authorization: auth, 'content-type': ctype }, body: JSON.stringify(spec) });
        if (r.status === 201) {
          assert.ok(JobCreatedSchema.safeParse(r.body).success, JSON.stringify(r.body));
          gw.track(jobId);
        } else if (r.status === 200) {
          assert.ok(dry || JobViewSchema.safeParse(r.body).success, JSON.stringify(r.body));
        } else rejectedIds.push(jobId);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${RUNS} arbitrary bodies and raw bytes on POST /v1/jobs: never a 5xx`, { timeout: 600_000 }, async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('{', '{"model":', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '{"a":'.repeat(2000), '\uFEFF{}'),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (raw, ctype) => {
        const r = await send({ method: 'POST', path: '/v1/jobs', headers: { authorization: `Bearer ${KEY}`, 'content-type': ctype }, body: raw });
        assert.notEqual(r.status, 201, `an arbitrary body started a job: ${raw.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${RUNS} random methods, paths and query strings: never a 5xx`, { timeout: 600_000 }, async () => {
    const query = fc.oneof(
      fc.constant(''),
      fc.dictionary(fc.constantFrom('status', 'model', 'limit', 'page_token', 'created_after', 'dry_run', 'x'), fc.string({ maxLength: 20 })).map(
        (q) => `?${new URLSearchParams(q).toString()}`,
      ),
    );
    const path = fc.oneof(
      fc.tuple(idSegment, fc.constantFrom('', '/cancel', '/pause', '/resume', '/parallelism', '/results', '/retry-failed', '/x', '/')).map(
        ([id, tail]) => `/v1/jobs/${encodeURIComponent(id)}${tail}`,
      ),
      fc.constantFrom('/v1/jobs', '/v1', '/v1/', '/', '/healthz', '/metrics', '/openapi.json', '/nope'),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'), path, query, authorization, fc.option(jsonValue), async (method, p, q, auth, body) => {
        const url = `${p}${q}`;
        const res = await fetch(gw.url + url, {
          method,
          headers: headerSafe({ authorization: auth, ...(body === null ? {} : { 'content-type': 'application/json' }) }),
          body: body === null || method === 'GET' ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        }).catch((err: unknown) => {
          // fetch itself refuses some URLs (it never sends them); nothing for the gateway to answer.
          if (err instanceof TypeError) return undefined;
          throw err;
        });
        if (!res) return;
        const text = await res.text();
        assert.ok(res.status < 500, `${method} ${url} -> ${res.status} ${text.slice(0, 300)}`);
        if (p === '/metrics' && res.status === 200) return;
        if (res.status === 200 && url.startsWith('/v1/jobs?')) assert.ok(JobListPageSchema.safeParse(JSON.parse(text)).success);
        if (res.status >= 400) assert.ok(ErrorBodySchema.safeParse(JSON.parse(text)).success, `${method} ${url}: ${text.slice(0, 300)}`);
      }),
      { numRuns: RUNS },
    );
  });

  test('no rejected body started a workflow', { timeout: 300_000 }, async () => {
    assert.ok(rejectedIds.length > RUNS / 4, `the fuzzer rejected too few bodies (${rejectedIds.length}) to mean anything`);
    for (const id of rejectedIds) {
      await assert.rejects(gw.temporal.workflow.getHandle(id).describe(), WorkflowNotFoundError, `rejected body ${id} has a workflow`);
    }
  });
});
