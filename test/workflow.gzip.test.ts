/**
 * `.gz` inputs: planning inflates each one once into plain chunks under `<job>/_plan/staged/`, and
 * its batches then run as parallel byte-range tasks, each item with the `.gz` object's URL and
 * line. A planning attempt that fails mid-staging resumes after the last staged chunk. A plan made
 * before staging (one `gzip` task for the whole file) still runs through the old streaming path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { temporal } from '@temporalio/proto';
import { deleteObject, getObjectText, listObjects, putObject } from '../src/storage/s3';
import { jobLocation, partKey, planPrefix } from '../src/job/layout';
import { planChunkKey, planSummaryKey, TASKS_PER_CHUNK, type GzipTask, type PlanSummary } from '../src/job/plan';
import { stageGzip, StagingChanged, type StagedChunkId, type StagedRange, type StagingCheckpoint } from '../src/batch/stageGzip';
import type { ActivityDeps } from '../activities';
import { BUCKET, allLines, exactlyOnce, readOutputs, s3, startJob, suiteModelServer, uniqueId, users, withWorker, type OutputLine, type WorkerOptions } from './helpers/jobHarness';

type History = temporal.api.history.v1.IHistory;
const output = `s3://${BUCKET}/test-out/`;

/** JSON lines with a blank line after every 97th item, so line numbers and item indices differ. */
function gzText(from: number, to: number): { text: string; lineOf: Map<number, number> } {
  const lineOf = new Map<number, number>();
  let text = '';
  let line = 0;
  for (const u of users(from, to)) {
    lineOf.set(u.user_id, ++line);
    text += `${JSON.stringify(u)}\n`;
    if (u.user_id % 97 === 0) {
      text += '\n';
      line++;
    }
  }
  return { text, lineOf };
}

/** The staged chunks of a job, in key order, as text. */
async function stagedChunks(jobId: string): Promise<{ key: string; text: string }[]> {
  const loc = jobLocation(output, jobId);
  const out: { key: string; text: string }[] = [];
  for await (const o of listObjects(s3, loc.bucket, `${planPrefix(loc)}staged/`)) out.push({ key: o.key, text: await getObjectText(s3, loc.bucket, o.key) });
  return out;
}

/** Most predictBatch activities open at once, read from the workflow's history. */
function maxOpenBatches(history: History): { scheduled: number; maxOpen: number } {
  const open = new Set<string>();
  let scheduled = 0;
  let maxOpen = 0;
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'predictBatch') {
      scheduled++;
      open.add(String(e.eventId));
      maxOpen = Math.max(maxOpen, open.size);
    }
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) open.delete(String(closed.scheduledEventId));
  }
  return { scheduled, maxOpen };
}

function assertSourcesAndLines(lines: OutputLine[], source: string, lineOf: Map<number, number>, firstUser: number): void {
  for (const l of lines) {
    assert.equal(l.source, source, `item ${l.index}`);
    assert.equal(l.line, lineOf.get(firstUser + l.index), `line of item ${l.index}`);
    assert.ok(l.outputs !== undefined, `item ${l.index} has outputs`);
  }
}

describe('.gz inputs', { timeout: 600_000 }, () => {
  const suite = suiteModelServer();
  const taskQueue = uniqueId('gzip');
  const rowsPredicted = (): number => suite.server.stats().models.reduce((n, m) => n + m.rows, 0);

  /** Runs a job of `spec` on a worker of `opts` to its end; its result and its history. */
  const runJob = (opts: Omit<WorkerOptions, 'taskQueue' | 'tfservingTarget'>, spec: Parameters<typeof startJob>[1]) =>
    withWorker({ taskQueue, tfservingTarget: suite.target, ...opts }, async () => {
      const handle = await startJob(taskQueue, spec);
      const result = await handle.result();
      return { result, history: await handle.fetchHistory() };
    });

  it('a multi-batch .gz runs its batches as parallel tasks over staged chunks; each item once, with its .gz source and line', async () => {
    const jobId = uniqueId('gzpar');
    const key = `test-in/${jobId}/users.jsonl.gz`;
    const { text, lineOf } = gzText(0, 600);
    await putObject(s3, BUCKET, key, gzipSync(text));
    const rowsBefore = rowsPredicted();
    const okBefore = suite.server.stats().rpcs.Predict.ok;
    const { result, history } = await runJob({ gzStageChunkBytes: 2000 }, {
      job_id: jobId,
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: [`s3://${BUCKET}/${key}`], batch_size: 50 } },
      output: { s3_path: output },
      parallelism: 4,
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.items_total, 600);
    assert.equal(result.batches_total, 12);
    const loc = jobLocation(output, jobId);
    const plan = JSON.parse(await getObjectText(s3, BUCKET, planSummaryKey(loc))) as PlanSummary;
    assert.equal(plan.tasks_total, 12, 'one task per batch, not one task for the file');
    const batches = maxOpenBatches(history);
    assert.equal(batches.scheduled, 12, 'one predictBatch activity per batch');
    assert.ok(batches.maxOpen > 1, `batches ran in parallel (at most ${batches.maxOpen} open at once)`);

    const chunks = await stagedChunks(jobId);
    assert.ok(chunks.length > 1, `staged in several chunks: ${chunks.length}`);
    assert.equal(chunks.map((c) => c.text).join(''), text, 'the staged chunks are the inflated file, byte for byte');

    assert.equal(rowsPredicted() - rowsBefore, 600, 'the model server predicted each item once');
    assert.equal(suite.server.stats().rpcs.Predict.ok - okBefore, 12);
    const out = await readOutputs(output, jobId);
    assert.equal(out.parts.size, 12);
    const lines = allLines(out.parts);
    assert.deepEqual(exactlyOnce(lines, 600), { duplicates: [], missing: [] });
    assertSourcesAndLines(lines, `s3://${BUCKET}/${key}`, lineOf, 0);
    assert.equal(lines.find((l) => l.index === 98)!.line, 101, 'the blank lines after items 0 and 97 count in line numbers');
  });

  it('a planning attempt that fails mid-staging resumes after the last staged chunk', async () => {
    const jobId = uniqueId('gzstage');
    const key = `test-in/${jobId}/users.jsonl.gz`;
    const { text, lineOf } = gzText(1000, 1400);
    await putObject(s3, BUCKET, key, gzipSync(text));
    const stagedPuts = new Map<string, number>();
    let gzReads = 0;
    let injected = false;
    // The fault is injected into the worker's real S3 client: the PUT of chunk 3 fails once, before it is sent.
    const faultStaging = (deps: ActivityDeps) =>
      deps.s3.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { Key?: string };
          if (context.commandName === 'GetObjectCommand' && input.Key === key) gzReads++;
          if (context.commandName !== 'PutObjectCommand' || !input.Key?.includes(`/${jobId}/_plan/staged/`)) return next(args);
          if (!injected && input.Key.endsWith('/000003.jsonl')) {
            injected = true;
            throw new Error('injected fault: connection reset while staging chunk 3');
          }
          const res = await next(args);
          stagedPuts.set(input.Key, (stagedPuts.get(input.Key) ?? 0) + 1);
          return res;
        },
        { step: 'initialize', name: 'faultStaging' },
      );
    const rowsBefore = rowsPredicted();
    const { result, history } = await runJob({ gzStageChunkBytes: 1000, onDeps: faultStaging }, {
      job_id: jobId,
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: [`s3://${BUCKET}/${key}`], batch_size: 20 } },
      output: { s3_path: output },
      parallelism: 4,
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.ok(injected, 'the fault was injected');
    const planScheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planJob')!;
    const planStarted = history.events!.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(planScheduled.eventId))?.activityTaskStartedEventAttributes;
    assert.equal(planStarted?.attempt, 2, 'planning succeeded on its second attempt');
    assert.match(planStarted?.lastFailure?.message ?? '', /injected fault/);
    assert.equal(gzReads, 2, 'the second attempt inflated the .gz again (a gzip stream cannot be entered midway)');

    const chunks = await stagedChunks(jobId);
    assert.equal(chunks.length, 7, '20 batches of 20 items, 3 batches (>= 1000 bytes) per chunk');
    assert.deepEqual(
      [...stagedPuts.values()],
      chunks.map(() => 1),
      `each chunk was uploaded once: the chunks staged before the failure were not uploaded again (${JSON.stringify([...stagedPuts])})`,
    );
    assert.equal(chunks.map((c) => c.text).join(''), text, 'the staged chunks are the inflated file, byte for byte');
    assert.equal(rowsPredicted() - rowsBefore, 400, 'the model server predicted each item once');
    const lines = allLines((await readOutputs(output, jobId)).parts);
    assert.deepEqual(exactlyOnce(lines, 400), { duplicates: [], missing: [] });
    assertSourcesAndLines(lines, `s3://${BUCKET}/${key}`, lineOf, 1000);
  });

  it('a staging checkpoint that does not match the input is not trusted; one that does skips every upload', async () => {
    const jobId = uniqueId('gzcheck');
    const key = `test-in/${jobId}/users.jsonl.gz`;
    await putObject(s3, BUCKET, key, gzipSync(gzText(0, 100).text));
    const loc = jobLocation(output, jobId);
    const stage = async (resume: StagingCheckpoint) => {
      const ids: StagedChunkId[] = [];
      const ranges: StagedRange[] = [];
      const run = stageGzip({ s3, loc, obj: { bucket: BUCKET, key }, batchSize: 10, chunkBytes: 300, firstChunk: 0, resume, signal: new AbortController().signal, onChunk: (id) => ids.push(id) });
      for await (const r of run) ranges.push(r);
      return { ids, ranges };
    };
    const first = await stage({ staged: 0, last: null });
    assert.ok(first.ids.length > 2, `several chunks: ${first.ids.length}`);
    const staged = await stagedChunks(jobId);
    assert.equal(staged.length, first.ids.length);

    const last = first.ids[first.ids.length - 1]!;
    await assert.rejects(stage({ staged: first.ids.length, last: { ...last, end: last.end + 1 } }), StagingChanged);
    // Remove the chunks: a resume that trusts a matching checkpoint must not upload them again.
    for (const c of staged) await deleteObject(s3, BUCKET, c.key);
    const again = await stage({ staged: first.ids.length, last });
    assert.deepEqual(again.ranges, first.ranges, 'the same ranges are derived again');
    assert.equal((await stagedChunks(jobId)).length, 0, 'no chunk was uploaded again');
  });

  it('a plan made before staging (one gzip task) still runs, resuming from its checkpoint; so does its retry of part of it', async () => {
    // An "original" job as the old planner left it: one gzip task of 3 batches; batch 0 has its part.
    const origId = uniqueId('gzlegacy');
    const key = `test-in/${origId}/users.jsonl.gz`;
    const source = `s3://${BUCKET}/${key}`;
    const { text, lineOf } = gzText(0, 25);
    await putObject(s3, BUCKET, key, gzipSync(text));
    const loc = jobLocation(output, origId);
    const task: GzipTask = { kind: 'gzip', batch: 0, batches: 3, bucket: BUCKET, key, first_item: 0, count: 25, batch_size: 10 };
    const summary: PlanSummary = {
      tasks_total: 1,
      batches_total: 3,
      items_total: 25,
      objects_total: 1,
      tasks_per_chunk: TASKS_PER_CHUNK,
      plan_prefix: `s3://${BUCKET}/${planPrefix(loc)}`,
      input_name: null,
      model_version: null,
    };
    await putObject(s3, BUCKET, planChunkKey(loc, 0), `${JSON.stringify(task)}\n`);
    await putObject(s3, BUCKET, planSummaryKey(loc), JSON.stringify(summary));
    await putObject(s3, BUCKET, partKey(loc, 0), users(0, 10).map((u, i) => `${JSON.stringify({ index: i, source, line: lineOf.get(u.user_id), outputs: {} })}\n`).join(''));

    // Seeded: the task's first batch succeeds, its second fails once, so the retried attempt must resume.
    suite.server.faults.set({ error_rates: { UNAVAILABLE: 0.3 }, seed: 1 });
    const okBefore = suite.server.stats().rpcs.Predict.ok;
    const rowsBefore = rowsPredicted();
    const faultsBefore = suite.server.faults.stats().errors['UNAVAILABLE'] ?? 0;
    try {
      const retryId = `${origId}-retry`;
      const { result } = await runJob({}, {
        job_id: retryId,
        retry_of: origId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [source], batch_size: 10 } },
        output: { s3_path: output },
        retry: { max_attempts: 30, initial_interval: '50ms', max_interval: '100ms' },
      });
      assert.equal(result.status, 'succeeded', result.error ?? '');
      assert.equal(result.items_total, 15, 'the retry runs what the original lacks: batches 1 and 2 of the gzip task');
      assert.equal((suite.server.faults.stats().errors['UNAVAILABLE'] ?? 0) - faultsBefore, 1, 'one attempt failed midway');
      assert.equal(suite.server.stats().rpcs.Predict.ok - okBefore, 2, 'each of the 2 batches was predicted once (the task resumed from its checkpoint)');
      assert.equal(rowsPredicted() - rowsBefore, 15);
      const out = await readOutputs(output, retryId);
      assert.deepEqual([...out.parts.keys()].sort(), ['part-000001.jsonl', 'part-000002.jsonl']);
      const lines = allLines(out.parts);
      assert.deepEqual(lines.map((l) => l.index).sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => 10 + i));
      assertSourcesAndLines(lines, source, lineOf, 0);
      assert.equal((await stagedChunks(retryId)).length, 0, 'an old plan stages nothing');
    } finally {
      suite.server.faults.set({});
    }
  });
});
