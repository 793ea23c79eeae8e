/**
 * Each input variant end to end on the real stack: the workflow plans, fans out, writes parts
 * and a manifest, and every item comes back exactly once, checked by reading S3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ensureBucket, putObject, listObjects } from '../src/storage/s3';
import {
  BUCKET,
  allLines,
  exactlyOnce,
  putJsonLines,
  readOutputs,
  s3,
  startJob,
  temporalClient,
  uniqueId,
  users,
  withWorker,
} from './helpers/jobHarness';

const taskQueue = uniqueId('inputs');

describe('batchJob inputs', { timeout: 300_000 }, () => {
  before(async () => {
    await ensureBucket(s3, BUCKET);
  });
  after(async () => {
    await (await temporalClient()).connection.close();
  });

  it('item_list: every item once, in order, with its input when include_input', async () => {
    const jobId = uniqueId('items');
    const output = `s3://${BUCKET}/test-out/`;
    const items = users(0, 230);
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { item_list: { items, batch_size: 40 } },
        output: { s3_path: output, include_input: true },
        parallelism: 4,
      });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.items_total, 230);
    assert.equal(result.items_succeeded, 230);
    assert.equal(result.batches_total, 6);
    const out = await readOutputs(output, jobId);
    assert.equal(out.parts.size, 6);
    const lines = allLines(out.parts);
    assert.deepEqual(exactlyOnce(lines, 230), { duplicates: [], missing: [] });
    for (const l of lines) {
      assert.deepEqual(l.input, { user_id: l.index });
      const ids = l.outputs!['item_ids'] as unknown[];
      const scores = l.outputs!['scores'] as number[];
      assert.equal(ids.length, 10);
      assert.ok(scores.every((s, i) => i === 0 || scores[i - 1]! >= s), 'scores sorted descending');
    }
    assert.equal(out.manifest.status, 'succeeded');
    assert.equal(out.manifest.parts.reduce((n, p) => n + p.items, 0), 230);
    assert.ok(out.success, '_SUCCESS written');
  });

  it('delimited_files: globs, a .gz file and blank lines; each line once with its source and line', async () => {
    const jobId = uniqueId('lines');
    const base = `test-in/${jobId}/`;
    await putJsonLines(`${base}a/part-0.jsonl`, users(0, 250));
    // Blank lines and CRLF are not items; line numbers still count them.
    await putObject(s3, BUCKET, `${base}a/part-1.jsonl`, '{"user_id": 250}\r\n\n{"user_id": 251}\n   \n{"user_id": 252}');
    await putObject(s3, BUCKET, `${base}b/part-2.jsonl.gz`, gzipSync(users(253, 383).map((u) => JSON.stringify(u)).join('\n') + '\n'));
    await putJsonLines(`${base}b/skip/ignored.jsonl`, users(0, 10));
    await putObject(s3, BUCKET, `${base}b/readme.txt`, 'not an input');
    const output = `s3://${BUCKET}/test-out/`;
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: {
          delimited_files: {
            s3_paths: [`s3://${BUCKET}/${base}a/`, `s3://${BUCKET}/${base}b`],
            includes: ['**/*.jsonl', '**/*.jsonl.gz'],
            excludes: ['**/skip/**'],
            batch_size: 50,
          },
        },
        output: { s3_path: output },
        parallelism: 3,
      });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.items_total, 383);
    const out = await readOutputs(output, jobId);
    const lines = allLines(out.parts);
    assert.equal(lines.length, 383);
    assert.deepEqual(exactlyOnce(lines, 383), { duplicates: [], missing: [] });
    // gzip: 130 lines in batches of 50 → 3 tasks over the staged chunk, with the .gz object's URL and lines
    const gz = lines.filter((l) => l.source === `s3://${BUCKET}/${base}b/part-2.jsonl.gz`);
    assert.equal(gz.length, 130);
    assert.deepEqual(gz.map((l) => l.line).sort((a, b) => a! - b!), Array.from({ length: 130 }, (_, i) => i + 1));
    assert.ok(gz.every((l) => l.index - l.line! === 252), 'the .gz file\'s items follow the plain files\' 253, in line order');
    const crlf = lines.filter((l) => l.source?.endsWith('a/part-1.jsonl')).map((l) => l.line).sort();
    assert.deepEqual(crlf, [1, 3, 5]);
    assert.ok(!lines.some((l) => l.source?.includes('/skip/')));
    assert.ok(lines.every((l) => l.input === undefined), 'no input unless include_input');
    assert.equal(out.manifest.parts.length, result.batches_total);
  });

  it('file_path_lister: each object is one item fed as bytes', async () => {
    const jobId = uniqueId('objects');
    const base = `test-in/${jobId}/`;
    const blobs = Array.from({ length: 7 }, (_, i) => Buffer.from(Array.from({ length: 100 + i * 37 }, (_, j) => (i * 31 + j * 7) % 256)));
    for (const [i, b] of blobs.entries()) await putObject(s3, BUCKET, `${base}img-${i}.bin`, b);
    const output = `s3://${BUCKET}/test-out/`;
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'echo_bytes' },
        input: { file_path_lister: { s3_paths: [`s3://${BUCKET}/${base}`], includes: ['**/*.bin'], batch_size: 3, input_name: 'image_bytes' } },
        output: { s3_path: output },
      });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    const lines = allLines((await readOutputs(output, jobId)).parts);
    assert.deepEqual(exactlyOnce(lines, 7), { duplicates: [], missing: [] });
    for (const l of lines) {
      const i = Number(/img-(\d+)\.bin$/.exec(l.source!)![1]);
      const sha = createHash('sha256').update(blobs[i]!).digest('hex');
      assert.equal(Number(l.outputs!['length']), blobs[i]!.length);
      assert.equal(l.outputs!['sha256'], sha);
    }
  });

  it('model not found: failed before any batch runs, with a manifest', async () => {
    const jobId = uniqueId('nomodel');
    const output = `s3://${BUCKET}/test-out/`;
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'no_such_model' },
        input: { item_list: { items: users(0, 5) } },
        output: { s3_path: output },
      });
      return handle.result();
    });
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /Servable not found for request: Latest\(no_such_model\)/);
    assert.equal(result.batches_succeeded + result.batches_failed, 0);
    const out = await readOutputs(output, jobId);
    assert.equal(out.parts.size, 0);
    assert.equal(out.manifest.status, 'failed');
    assert.ok(!out.success);
  });

  it('a job whose globs match nothing fails at planning and names the field', async () => {
    const jobId = uniqueId('nomatch');
    const output = `s3://${BUCKET}/test-out/`;
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [`s3://${BUCKET}/test-in/${jobId}/`] } },
        output: { s3_path: output },
      });
      return handle.result();
    });
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /input\.delimited_files\.s3_paths: matches no object/);
    const keys: string[] = [];
    for await (const o of listObjects(s3, BUCKET, `test-out/${jobId}/part-`)) keys.push(o.key);
    assert.deepEqual(keys, []);
  });
});
