/**
 * Optional OpenTelemetry tracing, on the real stack: with an OTLP endpoint set, a job's spans (the
 * client's start, the workflow, each activity) reach an OTLP/HTTP receiver as one trace, and the
 * activities' log lines name it. Its own file: tracing registers process-wide OpenTelemetry globals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { startTracing, type Tracing } from '../src/temporal/tracing';
import { NightshiftModel, NightshiftStatus } from '../src/job/messages';
import type { batchJob } from '../workflows';
import { BUCKET, capturingLogger, config, s3, uniqueId, users, withWorker } from './helpers/jobHarness';

interface ReceivedSpan {
  name: string;
  traceId: string;
  service: string;
}

/** A minimal OTLP/HTTP trace receiver (JSON encoding, what exporter-trace-otlp-http sends). */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[]; requests: () => number }> {
  const spans: ReceivedSpan[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        requests++;
        type Body = { resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: { name: string; traceId: string }[] }[] }[] };
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ name: s.name, traceId: s.traceId, service });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}`, spans, requests: () => requests };
}

describe('OpenTelemetry tracing', { timeout: 300_000 }, () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let tracing: Tracing;
  let client: Client;
  before(async () => {
    await ensureBucket(s3, BUCKET);
    receiver = await otlpReceiver();
    tracing = startTracing('nightshift-test', receiver.url)!;
    client = await connectClient(config.temporal, tracing);
  });
  after(async () => {
    await client.connection.close();
    receiver.server.close();
  });

  it('is off without an endpoint', () => {
    assert.equal(startTracing('nightshift-test', null), null);
  });

  it("a job's client, workflow and activity spans arrive as one trace, and activity logs name it", async () => {
    const taskQueue = uniqueId('tracing');
    const jobId = uniqueId('traced');
    const { logger, lines } = capturingLogger();
    const result = await withWorker({ taskQueue, tracing, logger }, async () => {
      const handle = await client.workflow.start<typeof batchJob>('batchJob', {
        workflowId: jobId,
        taskQueue,
        args: [{ job_id: jobId, model: { name: 'recommender' }, input: { item_list: { items: users(0, 20), batch_size: 10 } }, output: { s3_path: `s3://${BUCKET}/test-out/` } }],
        typedSearchAttributes: [
          { key: NightshiftStatus, value: 'planning' },
          { key: NightshiftModel, value: 'recommender' },
        ],
      });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    await tracing.shutdown(); // flushes what the batch processor still holds

    assert.ok(receiver.requests() > 0, 'the exporter posted to /v1/traces');
    const names = receiver.spans.map((s) => s.name);
    const start = receiver.spans.find((s) => s.name === 'StartWorkflow:batchJob');
    assert.ok(start, `StartWorkflow span in ${names.join(', ')}`);
    for (const name of ['RunWorkflow:batchJob', 'StartActivity:planJob', 'RunActivity:planJob', 'StartActivity:predictBatch', 'RunActivity:predictBatch']) {
      const found = receiver.spans.filter((s) => s.name === name);
      assert.ok(found.length > 0, `${name} in ${names.join(', ')}`);
      assert.ok(found.every((s) => s.traceId === start.traceId), `${name} in the job's trace`);
    }
    assert.equal(receiver.spans.filter((s) => s.name === 'RunActivity:predictBatch').length, 2, 'one span per batch');
    assert.ok(receiver.spans.every((s) => s.service === 'nightshift-test'));

    const batchLines = lines.filter((l) => l.msg === 'batch done');
    assert.equal(batchLines.length, 2);
    const normalise = (id: unknown) => String(id).toLowerCase();
    assert.ok(batchLines.every((l) => normalise(l.trace_id) === normalise(start.traceId)), 'log lines carry the trace id');
  });
});
