/**
 * Completion webhooks on the real stack: a job with `on_complete` makes its worker POST the
 * manifest summary, signed, to the webhook named in the server's webhooks file, retried by
 * Temporal until the receiver accepts it. The receiver is a plain node:http server that fails on
 * demand (the real thing, not a mock, answering what a flaky receiver would).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBucket } from '../src/storage/s3';
import { createActivityDeps } from '../src/worker/activityDeps';
import { loadWebhooks, parseWebhooks, webhookNameIssue } from '../src/webhooks/webhooksFile';
import { BUCKET, config, readOutputs, s3, silentLogger, startJob, temporalClient, uniqueId, users, withWorker } from './helpers/jobHarness';

const SECRET = 'test-secret-Ω';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** Receives webhooks; `/flaky` answers 500 twice, then 200; `/refuse` always 400. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly server: Server;
  private flakyFailures = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let answered = 200;
        if (req.url === '/refuse') answered = 400;
        else if (req.url === '/flaky' && this.flakyFailures < 2) {
          this.flakyFailures++;
          answered = 500;
        }
        this.deliveries.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'no');
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const header = (d: Delivery, name: string): string => {
  const v = d.headers[name];
  assert.equal(typeof v, 'string', `header ${name}`);
  return v as string;
};

const taskQueue = uniqueId('webhook');
const output = `s3://${BUCKET}/test-out/`;

describe('completion webhooks', { timeout: 300_000 }, () => {
  const receiver = new Receiver();
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-webhooks-'));
  let webhooksFile = '';

  before(async () => {
    await ensureBucket(s3, BUCKET);
    const base = await receiver.listen();
    webhooksFile = join(dir, 'webhooks.yaml');
    writeFileSync(
      webhooksFile,
      ['webhooks:', `  flaky: { url: "${base}/flaky", secret: "${SECRET}" }`, `  refuse: { url: "${base}/refuse" }`, `  quiet: { url: "${base}/quiet" }`, ''].join('\n'),
    );
  });
  after(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await (await temporalClient()).connection.close();
  });

  it('a finished job is POSTed exactly once, signed, after two failed deliveries; the payload matches the manifest', async () => {
    const jobId = uniqueId('hooked');
    const startedAt = Math.floor(Date.now() / 1000);
    const result = await withWorker({ taskQueue, webhooksFile }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items: users(0, 45), batch_size: 10 } },
        output: { s3_path: output },
        on_complete: { webhook: 'flaky' },
      });
      const r = await handle.result();
      // A late duplicate would arrive within a retry interval; wait for longer than one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return r;
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');

    const got = receiver.to('/flaky');
    assert.deepEqual(
      got.map((d) => d.answered),
      [500, 500, 200],
      'two refused deliveries, then exactly one accepted',
    );
    for (const d of got) {
      assert.equal(header(d, 'content-type'), 'application/json');
      assert.equal(header(d, 'x-nightshift-event'), 'job.finished');
      assert.equal(header(d, 'x-nightshift-delivery'), jobId, 'the same delivery id on every attempt');
      const ts = header(d, 'x-nightshift-timestamp');
      assert.match(ts, /^\d+$/);
      assert.ok(Number(ts) >= startedAt && Number(ts) <= Math.ceil(Date.now() / 1000), `timestamp ${ts} is the send time`);
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${d.body}`).digest('hex')}`;
      assert.equal(header(d, 'x-nightshift-signature'), expected, 'HMAC-SHA256 of "<timestamp>.<body>"');
      assert.equal(d.body, got[0]!.body, 'the same body on every attempt');
    }

    const payload = JSON.parse(got[2]!.body) as Record<string, unknown>;
    const { manifest } = await readOutputs(output, jobId);
    const timings = manifest['timings'] as Record<string, unknown>;
    assert.deepEqual(payload, {
      event: 'job.finished',
      job_id: jobId,
      status: manifest.status,
      items_total: manifest['items_total'],
      items_succeeded: manifest['items_succeeded'],
      items_failed: manifest['items_failed'],
      batches_total: manifest['batches_total'],
      batches_failed: manifest['batches_failed'],
      duration_s: timings['duration_s'],
      throughput_items_per_s: timings['throughput_items_per_s'],
      output_path: manifest['output_path'],
      manifest_path: `${String(manifest['output_path'])}manifest.json`,
      finished_at: timings['finished_at'],
    });
    assert.equal(payload['items_total'], 45);
    assert.equal(payload['items_succeeded'], 45);
    assert.equal(payload['batches_total'], 5);
    assert.equal(typeof payload['duration_s'], 'number');
  });

  it('no on_complete: no delivery; a refusing receiver or an unknown name: one try, the job keeps its status', async () => {
    const plain = uniqueId('plain');
    const refused = uniqueId('refused');
    const unknown = uniqueId('unknown');
    const before = receiver.deliveries.length;
    const spec = (job_id: string) => ({ job_id, model: { name: 'recommender' }, input: { item_list: { items: users(0, 5), batch_size: 5 } }, output: { s3_path: output } });
    const results = await withWorker({ taskQueue, webhooksFile }, async () => {
      const handles = await Promise.all([
        startJob(taskQueue, spec(plain)),
        startJob(taskQueue, { ...spec(refused), on_complete: { webhook: 'refuse' } }),
        // Only reachable around the gateway (which checks the name), e.g. `temporal workflow start`.
        startJob(taskQueue, { ...spec(unknown), on_complete: { webhook: 'not-configured' } }),
      ]);
      return Promise.all(handles.map((h) => h.result()));
    });
    assert.deepEqual(
      results.map((r) => r.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    const seen = receiver.deliveries.slice(before);
    assert.deepEqual(
      seen.map((d) => [d.path, header(d, 'x-nightshift-delivery'), d.answered]),
      [['/refuse', refused, 400]],
      'only the refused job called, once (a 400 is not retried)',
    );
    assert.equal(seen[0]!.headers['x-nightshift-signature'], undefined, 'no secret, no signature');
  });

  it('a bad webhooks file is a clear error naming the file and the field, and stops the worker', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ webhooks: { done: { url: 'ftp://example.com/x', secret: 's' }, 'bad name!': { url: 'https://x.example' } } }));
    assert.throws(() => loadWebhooks(bad), (err: Error) => {
      assert.match(err.message, new RegExp(`webhooks file ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(err.message, /webhooks\.done\.url: must be an http\(s\) URL/);
      assert.match(err.message, /webhooks\.bad name!/);
      return true;
    });
    assert.throws(() => parseWebhooks('webhooks:\n  a: { url: "https://x.example", sekret: "s" }\n', 'w.yaml'), /^WebhooksFileError: webhooks file w\.yaml: webhooks\.a\.sekret: unknown field$/);
    assert.throws(() => parseWebhooks('webhooks: [unclosed', 'w.yaml'), /webhooks file w\.yaml: not valid JSON or YAML/);
    assert.throws(() => parseWebhooks('{}', 'w.json'), /webhooks file w\.json: webhooks: /);
    assert.throws(() => loadWebhooks(join(dir, 'missing.yaml')), /webhooks file .*missing\.yaml: cannot be read/);
    // The worker reads the file before it starts.
    assert.throws(() => createActivityDeps({ ...config, webhooksFile: bad }, silentLogger), /webhooks\.done\.url/);
  });

  it('JSON and YAML files read the same; the gateway check names on_complete.webhook', () => {
    const json = parseWebhooks(JSON.stringify({ webhooks: { a: { url: 'https://h.example/x', secret: 'k' }, b: { url: 'http://127.0.0.1:9/y' } } }), 'w.json');
    const yaml = parseWebhooks('webhooks:\n  a:\n    url: https://h.example/x\n    secret: k\n  b:\n    url: http://127.0.0.1:9/y\n', 'w.yaml');
    assert.deepEqual([...json], [...yaml]);
    assert.deepEqual(json.get('b'), { url: 'http://127.0.0.1:9/y', secret: null });
    assert.equal(webhookNameIssue({}, json), null);
    assert.equal(webhookNameIssue({ on_complete: { webhook: 'a' } }, json), null);
    assert.deepEqual(webhookNameIssue({ on_complete: { webhook: 'c' } }, json), {
      field: 'on_complete.webhook',
      reason: 'no webhook named "c" is configured on this server',
    });
    assert.equal(webhookNameIssue({ on_complete: { webhook: 'a' } }, loadWebhooks(''))?.field, 'on_complete.webhook');
  });
});
