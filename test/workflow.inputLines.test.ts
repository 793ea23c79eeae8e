/**
 * Input lines end to end: a delimited file with lines that hold only NBSP, form feed or a BOM (not items, for the
 * planner and the reader alike: items_total == succeeded + failed), and integers beyond 2^53 (they reach TF
 * Serving exactly: the model server's own error names the exact id). With include_input, output and error lines
 * echo each line's JSON text as written.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getObjectText, putObject } from '../src/storage/s3';
import { jobLocation } from '../src/job/layout';
import { BUCKET, allLines, readOutputs, s3, startJob, uniqueId, jobSuiteHooks, withWorker } from './helpers/jobHarness';

const taskQueue = uniqueId('inputlines');
const output = `s3://${BUCKET}/test-out/`;

describe('input lines end to end', { timeout: 300_000 }, () => {
  jobSuiteHooks();

  it('blank-looking lines are not items; big integers reach the model server exactly; inputs echo as written', async () => {
    const jobId = uniqueId('lines');
    const key = `test-in/${jobId}/users.jsonl`;
    const lines = [
      '{"user_id": 1}', // 1
      '\u00a0', // 2: NBSP only
      '\f', // 3: form feed only
      '\ufeff', // 4: BOM only
      '{"user_id": 9007199254740993}', // 5: 2^53 + 1, unknown to the model: its error names the id it received
      '\ufeff{"user_id": 2}', // 6
      '{"user_id": 3}\u00a0', // 7: NBSP is not JSON whitespace: an item error
      ' \u3000 \u2028 ', // 8: other Unicode blanks
      '{"user_id":   5 }\r', // 9: echoed without reformatting
      '{"user_id": 12345678901234567890}', // 10: beyond INT64 (but within UINT64): refused by the codec, exactly
    ];
    await putObject(s3, BUCKET, key, lines.join('\n') + '\n');
    const result = await withWorker({ taskQueue }, async () => {
      const handle = await startJob(taskQueue, {
        job_id: jobId,
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [`s3://${BUCKET}/${key}`], batch_size: 2 } },
        output: { s3_path: output, include_input: true },
        max_failure_ratio: 1,
      });
      return handle.result();
    });
    assert.equal(result.status, 'completed_with_errors', result.error ?? '');
    // A planner that counted lines 2-4 and 8 as items would say 10, not 3 + 3.
    const { items_total, items_succeeded, items_failed } = result;
    assert.deepEqual({ items_total, items_succeeded, items_failed }, { items_total: 6, items_succeeded: 3, items_failed: 3 });

    const out = await readOutputs(output, jobId);
    assert.deepEqual(allLines(out.parts).map((l) => l.line).sort((a, b) => a! - b!), [1, 6, 9]);
    const errors = allLines(out.errors).sort((a, b) => a.line! - b.line!);
    assert.deepEqual(errors.map((e) => e.line), [5, 7, 10]);
    assert.match(errors[0]!.error!.message, /unknown user_id 9007199254740993\b/, 'the model server received 2^53 + 1, not 2^53');
    assert.equal(errors[0]!.error!.code, 'INVALID_ARGUMENT');
    assert.match(errors[1]!.error!.message, /line 7 is not valid JSON/);
    assert.match(errors[2]!.error!.message, /12345678901234567890 is out of range for DT_INT64/);

    // The raw text of the output: JSON.parse in readOutputs would round the echoed numbers again.
    const loc = jobLocation(output, jobId);
    const raw = (await Promise.all([...out.parts.keys(), ...out.errors.keys()].map((k) => getObjectText(s3, BUCKET, `${loc.prefix}${k}`)))).join('');
    assert.ok(raw.includes('"input":{"user_id": 9007199254740993}}'), 'the error line echoes the big id as written');
    assert.ok(raw.includes('"input":{"user_id": 12345678901234567890}}'));
    assert.ok(raw.includes('"input":{"user_id":   5 }}'), 'the input is echoed as written');
    assert.ok(raw.includes('"input":{"user_id": 2}}'), 'the BOM is not part of the echoed input');
    assert.ok(!raw.includes('9007199254740992'), 'the rounded value appears nowhere');
    assert.ok(!/"line":7[^\n]*"input"/.test(raw), 'a line that is not JSON has no input to echo');
    assert.equal(out.manifest['items_total'], 6);
  });
});
