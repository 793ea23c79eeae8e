/**
 * The gateway's operations surface, on small express apps built from its modules: the OpenAPI
 * document (valid 3.1, every route in it), Prometheus metrics, request ids and 500 bodies, `/docs`,
 * and `/readyz` against the real Temporal, S3 and model server of the test stack.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { z } from 'zod';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../src/config';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { freePort } from '../src/stack/freePort';
import { TfServingClients } from '../src/tfserving/clients';
import { API_ROUTES, gatewayOpenApi, openApiHandler } from '../src/gateway/apiRoutes';
import { ListJobsQuerySchema, ResultsQuerySchema } from '../src/gateway/apiSchemas';
import { appRoutes } from '../src/gateway/appRoutes';
import { docsRouter } from '../src/gateway/docsPage';
import { errorHandler, HttpError, notFoundRoute } from '../src/gateway/errors';
import { createGatewayMetrics, submissionOutcome } from '../src/gateway/metrics';
import { buildOpenApi, openApiPath, type OpenApiDocument, type ParameterObject } from '../src/gateway/openapi';
import { checkReadiness, readyzHandler, type ReadinessDeps } from '../src/gateway/readiness';
import { requestContext } from '../src/gateway/requestId';

const T = { timeout: 60_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Served {
  url: string;
  close(): Promise<void>;
}

async function serve(app: express.Application): Promise<Served> {
  const server: Server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A pino logger whose lines the test reads back. */
function capturedLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const text = () => chunks.join('');
  return { logger, text, lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** The operations routes as the gateway will mount them, around a few stand-in job routes. */
function opsApp(logger: pino.Logger, readiness?: ReadinessDeps) {
  const metrics = createGatewayMetrics();
  const app = express();
  app.use(requestContext(logger));
  app.use(metrics.middleware);
  app.use(express.json());
  app.get('/metrics', metrics.handler);
  app.get('/openapi.json', openApiHandler('0.0.0-test'));
  app.use('/docs', docsRouter());
  if (readiness) app.get('/readyz', readyzHandler(readiness));
  app.post('/v1/jobs', (req, res) => {
    const outcome = (req.body as { outcome?: string }).outcome;
    if (outcome === 'rate_limited') throw new HttpError('resource_exhausted', 'slow down');
    if (outcome === 'forbidden') throw new HttpError('permission_denied', 'not yours');
    res.status(req.query.dry_run === 'true' ? 200 : 201).json({ job_id: 'j1' });
  });
  app.get('/v1/jobs/:id', (req, res) => {
    res.locals.keyId = 'team-a';
    if (req.params.id === 'boom') throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
    if (req.params.id === 'missing') throw new HttpError('not_found', 'job "missing" not found');
    res.json({ job_id: req.params.id });
  });
  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}

/** Every `$ref` in the document, so a test can prove each one resolves. */
function refsOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsOf(x, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsOf(x, out);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `a local reference: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

const paramsOf = (doc: OpenApiDocument, method: 'get' | 'post', path: string): ParameterObject[] =>
  (doc.paths[path]?.[method]?.parameters ?? []).filter((p): p is ParameterObject => 'name' in p);

describe('gateway operations', { timeout: 180_000 }, () => {
  describe('openapi.json', () => {
    const doc = gatewayOpenApi('1.2.3');

    test('validates as OpenAPI 3.1', T, async () => {
      const validator = new Validator();
      const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
      assert.deepEqual(result.errors, undefined);
      assert.equal(result.valid, true);
      assert.equal(validator.version, '3.1');
      assert.equal(doc.info.version, '1.2.3');
    });

    test('a broken document does not validate (the validator can fail)', T, async () => {
      // OpenAPI requires every path parameter to be required.
      const broken = structuredClone(doc);
      const idParam = broken.paths['/v1/jobs/{id}']!.get!.parameters.find((p): p is ParameterObject => 'in' in p && p.in === 'path')!;
      idParam.required = false;
      const result = await new Validator().validate(broken as unknown as Record<string, unknown>);
      assert.equal(result.valid, false);
    });

    test('every route of the table and of the contract is in it, with its path parameters', T, () => {
      const contract = [
        'post /v1/jobs',
        'get /v1/jobs',
        'get /v1/jobs/{id}',
        'delete /v1/jobs/{id}',
        'post /v1/jobs/{id}/cancel',
        'post /v1/jobs/{id}/pause',
        'post /v1/jobs/{id}/resume',
        'post /v1/jobs/{id}/parallelism',
        'get /v1/jobs/{id}/results',
        'post /v1/jobs/{id}/retry-failed',
        'get /healthz',
        'get /readyz',
        'get /metrics',
        'get /openapi.json',
        'get /docs',
      ];
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
      for (const route of contract) assert.ok(documented.includes(route), `${route} is documented`);
      assert.equal(documented.length, API_ROUTES.length);
      for (const r of API_ROUTES) {
        const { path, params } = openApiPath(r.path);
        const op = doc.paths[path]?.[r.method];
        assert.ok(op, `${r.method} ${r.path} → ${path}`);
        const pathParams = op.parameters.filter((p): p is ParameterObject => 'in' in p && p.in === 'path');
        assert.deepEqual(pathParams.map((p) => p.name), params);
        for (const p of pathParams) assert.equal(p.required, true);
        assert.deepEqual(op.security, r.auth ? [{ bearerAuth: [] }] : [], `${r.method} ${r.path} security`);
      }
      assert.deepEqual(paramsOf(doc, 'get', '/v1/jobs/{id}').map((p) => p.name), ['id']);
      assert.equal(paramsOf(doc, 'get', '/v1/jobs/{id}')[0]!.schema.pattern, '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$');
    });

    test('query parameters come from the query schemas', T, () => {
      const list = paramsOf(doc, 'get', '/v1/jobs').filter((p) => p.in === 'query');
      assert.deepEqual(list.map((p) => p.name), Object.keys(ListJobsQuerySchema.shape));
      assert.ok(list.every((p) => !p.required));
      assert.deepEqual(list.find((p) => p.name === 'status')!.schema.enum?.slice(0, 2), ['planning', 'running']);
      assert.deepEqual(list.find((p) => p.name === 'limit')!.schema, { default: 50, type: 'integer', minimum: 1, maximum: 1000 });
      const results = paramsOf(doc, 'get', '/v1/jobs/{id}/results');
      assert.deepEqual(results.map((p) => `${p.in}:${p.name}`), ['path:id', ...Object.keys(ResultsQuerySchema.shape).map((k) => `query:${k}`)]);
      assert.deepEqual(paramsOf(doc, 'post', '/v1/jobs').map((p) => p.name), ['dry_run']);
    });

    test('bodies and answers reference reusable components; every reference resolves', T, () => {
      const submit = doc.paths['/v1/jobs']!.post!;
      assert.deepEqual(submit.requestBody, { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JobSpec' } } } });
      assert.deepEqual(submit.responses['201']!.content!['application/json']!.schema, { $ref: '#/components/schemas/JobCreated' });
      assert.deepEqual(submit.responses['429']!.content!['application/json']!.schema, { $ref: '#/components/schemas/ErrorBody' });
      assert.equal(doc.paths['/v1/jobs/{id}/cancel']!.post!.requestBody!.required, false);
      for (const name of ['JobSpec', 'ErrorBody', 'JobView', 'JobCreated', 'JobListPage', 'ResultsPage', 'DryRunAnswer', 'Readiness']) {
        assert.ok(doc.components.schemas[name], `component ${name}`);
      }
      const refs = refsOf(doc);
      assert.ok(refs.length > 50);
      for (const ref of refs) assert.notEqual(resolvePointer(doc, ref), undefined, `${ref} resolves`);
      // Requests are documented as written (defaults optional), answers as sent (every field present).
      const spec = doc.components.schemas.JobSpec!;
      assert.deepEqual(spec.required, ['model', 'input', 'output']);
      assert.equal(spec.additionalProperties, false);
      const view = doc.components.schemas.JobView!;
      assert.ok(view.required?.includes('items_total') && view.required.includes('links'));
      assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
        type: 'http',
        scheme: 'bearer',
        description: doc.components.securitySchemes.bearerAuth!.description,
      });
    });

    test('a schema the document cannot hold, or one name with two shapes, fails the build', T, () => {
      const base = { summary: 's', tag: 't', auth: false } as const;
      assert.throws(
        () => buildOpenApi([{ ...base, method: 'get', path: '/x', responses: { 200: { description: 'd', schema: z.string().transform((s) => s.length) } } }], { version: '1' }),
        /response schema has no JSON Schema form/,
      );
      const Shared = z.object({ n: z.number().default(1) });
      assert.throws(
        () =>
          buildOpenApi([{ ...base, method: 'post', path: '/x', body: Shared, responses: { 200: { description: 'd', schema: Shared } } }], {
            version: '1',
            components: { Shared },
          }),
        /component Shared reads differently/,
      );
      assert.throws(
        () => buildOpenApi([{ ...base, method: 'get', path: '/x', responses: {} }, { ...base, method: 'get', path: '/x', responses: {} }], { version: '1' }),
        /described twice/,
      );
    });

    test('appRoutes lists an app’s routes, nested routers included, and each is documented', T, () => {
      const app = opsApp(pino({ level: 'silent' }), {} as ReadinessDeps);
      const v1 = express.Router();
      v1.delete('/jobs/:id', (_req, res) => void res.end());
      v1.all('/anything', (_req, res) => void res.end());
      app.use('/v1', v1);
      const routes = appRoutes(app);
      assert.deepEqual(routes, [
        { method: 'get', path: '/metrics' },
        { method: 'get', path: '/openapi.json' },
        { method: 'get', path: '/docs' },
        { method: 'get', path: '/docs/:asset' },
        { method: 'get', path: '/readyz' },
        { method: 'post', path: '/v1/jobs' },
        { method: 'get', path: '/v1/jobs/:id' },
        { method: 'delete', path: '/v1/jobs/:id' },
        { method: 'all', path: '/v1/anything' },
      ]);
      const undocumented = routes.filter((r) => !(doc.paths[openApiPath(r.path).path] as Record<string, unknown> | undefined)?.[r.method]);
      assert.deepEqual(undocumented, [{ method: 'all', path: '/v1/anything' }]);
    });
  });

  describe('metrics, request ids and error bodies', () => {
    const log = capturedLogger();
    let app: Served;
    before(async () => {
      app = await serve(opsApp(log.logger));
    });
    after(async () => {
      await app?.close();
    });
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    test('requests are counted by route template and code; unknown paths are "unmatched"', T, async () => {
      for (const id of ['a', 'b']) assert.equal((await fetch(`${app.url}/v1/jobs/${id}`)).status, 200);
      assert.equal((await fetch(`${app.url}/v1/jobs/missing`)).status, 404);
      assert.equal((await fetch(`${app.url}/no/such/path-7f3a`)).status, 404);
      assert.equal((await post('/v1/jobs', '{}')).status, 201);
      assert.equal((await post('/v1/jobs?dry_run=true', '{}')).status, 200);
      assert.equal((await post('/v1/jobs', '{"outcome":"rate_limited"}')).status, 429);
      assert.equal((await post('/v1/jobs', '{"outcome":"forbidden"}')).status, 403);
      assert.equal((await post('/v1/jobs/', '{not json')).status, 400);
      const res = await fetch(`${app.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      const sample = (line: string) => assert.ok(text.split('\n').includes(line), `metrics include: ${line}`);
      sample('nightshift_gateway_http_requests_total{method="GET",route="/v1/jobs/:id",code="200"} 2');
      sample('nightshift_gateway_http_requests_total{method="GET",route="/v1/jobs/:id",code="404"} 1');
      sample('nightshift_gateway_http_requests_total{method="GET",route="unmatched",code="404"} 1');
      sample('nightshift_gateway_http_requests_total{method="POST",route="/v1/jobs",code="201"} 1');
      sample('nightshift_gateway_http_request_duration_seconds_count{method="GET",route="/v1/jobs/:id"} 3');
      sample('nightshift_gateway_job_submissions_total{outcome="created"} 1');
      sample('nightshift_gateway_job_submissions_total{outcome="dry_run"} 1');
      sample('nightshift_gateway_job_submissions_total{outcome="rate_limited"} 1');
      sample('nightshift_gateway_job_submissions_total{outcome="forbidden"} 1');
      // The body parser refused it before any route ran: unmatched for the route, still an invalid submission.
      sample('nightshift_gateway_job_submissions_total{outcome="invalid"} 1');
      sample('nightshift_gateway_job_submissions_total{outcome="existing"} 0');
      assert.match(text, /^nightshift_gateway_process_cpu_user_seconds_total /m);
      assert.match(text, /^nightshift_gateway_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/jobs\/:id"\} \d+$/m);
      assert.doesNotMatch(text, /path-7f3a|jobs\/a"|jobs\/b"/);
    });

    test('submission outcomes follow the answer’s status', T, () => {
      const cases: [number, boolean, string][] = [
        [201, false, 'created'],
        [200, false, 'existing'],
        [200, true, 'dry_run'],
        [400, false, 'invalid'],
        [409, false, 'invalid'],
        [413, false, 'invalid'],
        [401, false, 'forbidden'],
        [403, false, 'forbidden'],
        [429, false, 'rate_limited'],
        [500, false, 'error'],
        [503, false, 'error'],
      ];
      for (const [status, dryRun, outcome] of cases) assert.equal(submissionOutcome(status, dryRun), outcome, `${status}`);
    });

    test('a sane X-Request-Id is echoed; an insane one is replaced; none gets a UUID', T, async () => {
      const echoed = await fetch(`${app.url}/v1/jobs/a`, { headers: { 'x-request-id': 'client-42.retry_1' } });
      assert.equal(echoed.headers.get('x-request-id'), 'client-42.retry_1');
      for (const insane of ['has space', 'a'.repeat(129), 'semi;colon', '../../etc/passwd', '']) {
        const res = await fetch(`${app.url}/v1/jobs/a`, { headers: { 'x-request-id': insane } });
        assert.match(res.headers.get('x-request-id') ?? '', UUID, `"${insane.slice(0, 20)}" is replaced`);
      }
      const longest = 'b'.repeat(128);
      assert.equal((await fetch(`${app.url}/v1/jobs/a`, { headers: { 'x-request-id': longest } })).headers.get('x-request-id'), longest);
      const generated = await fetch(`${app.url}/v1/jobs/a`);
      assert.match(generated.headers.get('x-request-id') ?? '', UUID);
    });

    test('each request logs one line: route template, status, ms, request id, key id; never headers', T, async () => {
      await fetch(`${app.url}/v1/jobs/job-77`, { headers: { 'x-request-id': 'log-check-1', authorization: 'Bearer sk-very-secret' } });
      await post('/v1/jobs', '{}', { 'x-request-id': 'log-check-2', authorization: 'Bearer sk-very-secret' });
      await new Promise((r) => setTimeout(r, 50));
      const lines = log.lines().filter((l) => l.msg === 'request' && String(l.request_id).startsWith('log-check-'));
      assert.equal(lines.length, 2);
      const [get, submit] = lines as [Record<string, unknown>, Record<string, unknown>];
      assert.equal(get.method, 'GET');
      assert.equal(get.route, '/v1/jobs/:id');
      assert.equal(get.status, 200);
      assert.equal(get.key_id, 'team-a');
      assert.equal(typeof get.ms, 'number');
      assert.equal(get.level, 20, 'GET at debug');
      assert.equal(submit.route, '/v1/jobs');
      assert.equal(submit.status, 201);
      assert.equal(submit.level, 30, 'POST at info');
      assert.equal(submit.key_id, undefined);
      assert.doesNotMatch(log.text(), /sk-very-secret|authorization/i);
    });

    test('a 500 carries the request id and a generic message; the real error is logged with the id', T, async () => {
      const res = await fetch(`${app.url}/v1/jobs/boom`, { headers: { 'x-request-id': 'boom-1' } });
      assert.equal(res.status, 500);
      assert.equal(res.headers.get('x-request-id'), 'boom-1');
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'internal', message: 'internal error (request id boom-1)', request_id: 'boom-1' } });
      assert.doesNotMatch(text, /ECONNREFUSED|hunter2|10\.1\.2\.3/);
      await new Promise((r) => setTimeout(r, 50));
      const failed = log.lines().find((l) => l.msg === 'request failed' && l.request_id === 'boom-1');
      assert.ok(failed, 'the failure is logged');
      assert.match(JSON.stringify(failed.err), /hunter2/);
      const reqLine = log.lines().find((l) => l.msg === 'request' && l.request_id === 'boom-1');
      assert.equal(reqLine?.status, 500);
      assert.equal(reqLine?.level, 40);
    });

    test('a 4xx keeps its message and carries the request id too', T, async () => {
      const res = await fetch(`${app.url}/v1/jobs/missing`, { headers: { 'x-request-id': 'nf-1' } });
      assert.deepEqual(await res.json(), { error: { code: 'not_found', message: 'job "missing" not found', request_id: 'nf-1' } });
    });

    test('/docs serves Swagger UI over /openapi.json from the gateway itself', T, async () => {
      const page = await fetch(`${app.url}/docs`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /<div id="swagger-ui">/);
      assert.doesNotMatch(html, /https?:\/\//, 'no CDN');
      const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
      assert.deepEqual(scripts, ['/docs/swagger-ui-bundle.js', '/docs/init.js']);
      const bundle = await fetch(app.url + scripts[0]!);
      assert.equal(bundle.status, 200);
      assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
      assert.match(await bundle.text(), /SwaggerUIBundle/);
      const init = await (await fetch(app.url + scripts[1]!)).text();
      assert.match(init, /url: "\/openapi\.json"/);
      const css = await fetch(`${app.url}/docs/swagger-ui.css`);
      assert.equal(css.status, 200);
      assert.match(css.headers.get('content-type') ?? '', /text\/css/);
      const other = await fetch(`${app.url}/docs/package.json`);
      assert.equal(other.status, 404);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'not_found');
      const spec = (await (await fetch(`${app.url}/openapi.json`)).json()) as OpenApiDocument;
      assert.equal(spec.openapi, '3.1.0');
      assert.equal(spec.info.version, '0.0.0-test');
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      assert.match(metrics, /route="\/docs\/:asset",code="200"\} 3/);
      assert.match(metrics, /route="\/docs",code="200"\} 1/);
    });
  });

  describe('readyz against the test stack', () => {
    let config: Config;
    let temporal: Client;
    let s3: S3Client;
    let tfserving: TfServingClients;
    const extra: { close(): void }[] = [];
    let blackhole: TcpServer;
    const held: Socket[] = [];
    before(async () => {
      config = loadConfig();
      temporal = await connectClient(config.temporal);
      s3 = createS3Client(config.s3);
      await ensureBucket(s3, config.s3.bucket);
      tfserving = new TfServingClients(config.tfserving);
      // Accepts connections and never answers: only the per-check deadline ends the wait.
      blackhole = createTcpServer((socket) => void held.push(socket));
      blackhole.listen(0, '127.0.0.1');
      await once(blackhole, 'listening');
    });
    after(async () => {
      for (const c of extra) c.close();
      tfserving?.close();
      s3?.destroy();
      await temporal?.connection.close();
      for (const s of held) s.destroy();
      blackhole?.close();
    });
    const deps = (over: Partial<ReadinessDeps> = {}): ReadinessDeps => ({ temporal, s3, config, tfserving, timeoutMs: 1500, ...over });
    const closedS3 = async (): Promise<S3Client> => {
      const client = createS3Client({ ...config.s3, endpoint: `http://127.0.0.1:${await freePort()}` });
      extra.push({ close: () => client.destroy() });
      return client;
    };
    const tfAt = (cfg: Partial<Config['tfserving']>): TfServingClients => {
      const clients = new TfServingClients({ ...config.tfserving, ...cfg });
      extra.push(clients);
      return clients;
    };

    test('ready when Temporal, S3 and the TF Serving target answer', T, async () => {
      const log = capturedLogger();
      const app = await serve(opsApp(log.logger, deps()));
      try {
        const res = await fetch(`${app.url}/readyz`);
        const body = (await res.json()) as { ready: boolean; checks: { name: string; ok: boolean; ms: number }[] };
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.ready, true);
        assert.deepEqual(body.checks.map((c) => [c.name, c.ok]), [['temporal', true], ['s3', true], ['tfserving', true]]);
        for (const c of body.checks) assert.ok(c.ms >= 0 && c.ms < 1500);
      } finally {
        await app.close();
      }
    });

    test('503 naming s3 when its endpoint is a closed port', T, async () => {
      const log = capturedLogger();
      const app = await serve(opsApp(log.logger, deps({ s3: await closedS3() })));
      try {
        const res = await fetch(`${app.url}/readyz`, { headers: { 'x-request-id': 'ready-1' } });
        assert.equal(res.status, 503);
        const body = (await res.json()) as { error: { code: string; message: string; request_id: string }; checks: { name: string; ok: boolean; error?: string }[] };
        assert.equal(body.error.code, 'unavailable');
        assert.equal(body.error.request_id, 'ready-1');
        assert.match(body.error.message, /^not ready: s3 \(.+\)$/);
        assert.doesNotMatch(body.error.message, /temporal|tfserving/);
        assert.deepEqual(body.checks.map((c) => [c.name, c.ok]), [['temporal', true], ['s3', false], ['tfserving', true]]);
        assert.match(body.checks[1]!.error ?? '', /ECONNREFUSED|connect/i);
      } finally {
        await app.close();
      }
    });

    test('503 naming tfserving when its target is a closed port', T, async () => {
      const port = await freePort();
      const r = await checkReadiness(deps({ tfserving: tfAt({ target: `127.0.0.1:${port}` }), config: { ...config, tfserving: { ...config.tfserving, target: `127.0.0.1:${port}` } } }));
      assert.equal(r.ready, false);
      const failed = r.checks.filter((c) => !c.ok);
      assert.deepEqual(failed.map((c) => c.name), ['tfserving']);
      assert.match(failed[0]!.error!, new RegExp(`^127\\.0\\.0\\.1:${port}: .+`));
    });

    test('each model target is checked; models sharing the default target are not asked twice', T, async () => {
      const port = await freePort();
      const cfg = { ...config.tfserving, modelTargets: { recommender: `127.0.0.1:${port}`, ranker: `127.0.0.1:${port}`, same: config.tfserving.target } };
      const r = await checkReadiness(deps({ tfserving: tfAt(cfg), config: { ...config, tfserving: cfg } }));
      assert.deepEqual(r.checks.map((c) => [c.name, c.ok]), [['temporal', true], ['s3', true], ['tfserving', true], ['tfserving:recommender,ranker', false]]);
      assert.match(r.checks[3]!.error!, new RegExp(`^127\\.0\\.0\\.1:${port}: `));
    });

    test('a missing bucket is named; a silent endpoint fails at the check deadline', T, async () => {
      const missing = await checkReadiness(deps({ config: { ...config, s3: { ...config.s3, bucket: 'nightshift-no-such-bucket-7f3a' } } }));
      assert.equal(missing.checks.find((c) => c.name === 's3')?.error, 'bucket "nightshift-no-such-bucket-7f3a" does not exist');
      const silent = createS3Client({ ...config.s3, endpoint: `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}` });
      extra.push({ close: () => silent.destroy() });
      const t0 = Date.now();
      const r = await checkReadiness(deps({ s3: silent, timeoutMs: 400 }));
      const s3Check = r.checks.find((c) => c.name === 's3')!;
      assert.equal(s3Check.ok, false);
      assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
      assert.ok(s3Check.ms >= 350 && s3Check.ms < 1500, `s3 check took ${s3Check.ms} ms`);
    });
  });
});
