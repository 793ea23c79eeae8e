import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { cutLines, parseLines } from '../src/batch/cutLines';
import { keyFilter } from '../src/job/matchInputs';

async function cut(text: string, batch: number, chunk = 3) {
  const buf = Buffer.from(text);
  const chunks = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  const out = [];
  for await (const r of cutLines(Readable.from(chunks), batch)) out.push({ ...r, text: buf.subarray(r.start, r.end).toString() });
  return out;
}

describe('cutting JSON lines into byte ranges', () => {
  it('tiles the file; every non-blank line is in exactly one range', async () => {
    const text = '{"a":1}\n\n{"a":2}\r\n  \n{"a":3}\n{"a":4}';
    const ranges = await cut(text, 2);
    assert.equal(ranges[0]!.start, 0);
    assert.equal(ranges.at(-1)!.end, Buffer.byteLength(text));
    for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.start, ranges[i - 1]!.end);
    assert.deepEqual(ranges.map((r) => r.count), [2, 2]);
    const parsed = ranges.flatMap((r) => parseLines(Buffer.from(r.text), r.first_line));
    assert.deepEqual(parsed.map((p) => [p.line, p.value]), [
      [1, { a: 1 }],
      [3, { a: 2 }],
      [5, { a: 3 }],
      [6, { a: 4 }],
    ]);
  });

  it('handles multi-byte UTF-8 split across chunks', async () => {
    const text = '{"name":"Zoë"}\n{"name":"東京"}\n';
    const ranges = await cut(text, 1, 1);
    assert.deepEqual(ranges.flatMap((r) => parseLines(Buffer.from(r.text), r.first_line).map((p) => p.value)), [{ name: 'Zoë' }, { name: '東京' }]);
  });

  it('an empty or blank file has no ranges', async () => {
    assert.deepEqual(await cut('', 5), []);
    assert.deepEqual(await cut('\n \n', 5), []);
  });

  it('a malformed line is an item error naming the line, not an exception', () => {
    const [ok, bad] = parseLines(Buffer.from('{"a":1}\n{"a":\n'), 10);
    assert.deepEqual(ok, { line: 10, value: { a: 1 }, text: '{"a":1}' });
    assert.equal(bad!.line, 11);
    assert.match(bad!.error!, /line 11 is not valid JSON/);
  });
});

describe('include/exclude globs', () => {
  it('match the full key, includes then excludes', () => {
    const accept = keyFilter({ includes: ['**/*.jsonl', '**/*.jsonl.gz'], excludes: ['**/tmp/**'] });
    assert.ok(accept('demo/users/a.jsonl'));
    assert.ok(accept('a.jsonl'));
    assert.ok(accept('demo/.hidden/b.jsonl.gz'));
    assert.ok(!accept('demo/users/a.json'));
    assert.ok(!accept('demo/tmp/a.jsonl'));
  });
});
