/**
 * Input lines: one definition of a blank line for the planner (bytes, streamed in arbitrary chunks) and the
 * readers (decoded text), checked as properties; and JSON lines parsed without losing integers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { cutLines, parseLines } from '../src/batch/cutLines';
import { BLANK_CODE_POINTS, BlankLineScanner, isBlankLine } from '../src/batch/blankLine';
import { parseJsonLine } from '../src/batch/jsonLine';
import { prepareLines } from '../src/batch/preparedItems';

/** Pieces lines are made of: JSON, every kind of blank, near-misses, and bytes that are not UTF-8. */
const PIECES: Buffer[] = [
  '{"user_id":1}', '[1,2]', '"x"', ' ', '\t', '\r', '\u000b', '\f', '\u00a0', '\ufeff', '\u2028', '\u2029', '\u3000',
  '\u1680', '\u200a', '\u202f', '\u205f', '\u0085', '\u200b', 'é', '東', '😀',
].map((s) => Buffer.from(s, 'utf8')).concat([
  Buffer.from([0xc2]), Buffer.from([0xe2, 0x80]), Buffer.from([0xa0]), Buffer.from([0xc0, 0xa0]), Buffer.from([0xe0, 0x80, 0xa0]),
  Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff]),
]);

const lineArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 5 }).map((p) => Buffer.concat(p));
const fileArb = fc.record({
  lines: fc.array(lineArb, { maxLength: 30 }),
  trailingNewline: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
  batch: fc.integer({ min: 1, max: 7 }),
});

function fileBytes(lines: Buffer[], trailingNewline: boolean): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((l, i) => parts.push(l, ...(i < lines.length - 1 || trailingNewline ? [Buffer.from('\n')] : [])));
  return Buffer.concat(parts);
}

function chunks(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (buf.length ? c % buf.length : 0)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, buf.length]) {
    out.push(buf.subarray(from, c));
    from = c;
  }
  return out.filter((c) => c.length > 0);
}

async function cut(buf: Buffer, batch: number, cuts: number[]) {
  const out = [];
  for await (const r of cutLines(Readable.from(chunks(buf, cuts)), batch)) out.push(r);
  return out;
}

describe('one definition of a blank line', () => {
  it('is exactly what String.prototype.trim removes (less LF), for every code point', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp === 0x0a || (cp >= 0xd800 && cp <= 0xdfff)) continue;
      const ch = String.fromCodePoint(cp);
      assert.equal(isBlankLine(ch), ch.trim() === '', `U+${cp.toString(16)}`);
    }
    assert.ok(!BLANK_CODE_POINTS.has(0x0a));
  });

  it('the byte scanner agrees with the text test on any bytes', () => {
    fc.assert(
      fc.property(lineArb, (line) => {
        const s = new BlankLineScanner();
        for (const b of line) s.push(b);
        assert.equal(s.hasContent, !isBlankLine(line.toString('utf8')), JSON.stringify(line.toString('utf8')));
      }),
      { numRuns: 2000 },
    );
  });

  it('the planner counts, per range, exactly the lines the reader parses; ranges tile the file', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async ({ lines, trailingNewline, cuts, batch }) => {
        const buf = fileBytes(lines, trailingNewline);
        const ranges = await cut(buf, batch, cuts);
        let pos = 0;
        for (const r of ranges) {
          assert.equal(r.start, pos);
          pos = r.end;
          const parsed = parseLines(buf.subarray(r.start, r.end), r.first_line);
          assert.equal(parsed.length, r.count, `range ${r.start}-${r.end}`);
          assert.ok(r.count >= 1 && r.count <= batch);
        }
        const items = parseLines(buf, 1);
        assert.equal(ranges.reduce((n, r) => n + r.count, 0), items.length);
        assert.equal(parseLines(buf.subarray(pos), 1).length, 0, 'no item after the last range');
      }),
      { numRuns: 500 },
    );
  });

  it('lines of NBSP, form feed or a BOM alone are not items; a NBSP before JSON is an item error', async () => {
    const buf = Buffer.from('{"a":1}\n\u00a0\n\f\n\ufeff\n\ufeff{"a":2}\n\u00a0{"a":3}\n');
    const ranges = await cut(buf, 100, []);
    assert.deepEqual(ranges.map((r) => r.count), [3]);
    const parsed = parseLines(buf, 1);
    assert.deepEqual(parsed.map((p) => [p.line, p.value ?? p.error?.slice(0, 25)]), [
      [1, { a: 1 }],
      [5, { a: 2 }],
      [6, 'line 6 is not valid JSON:'],
    ]);
  });
});

describe('lossless JSON lines', () => {
  it('integers beyond 2^53 are exact bigints, everything else reads as JSON.parse reads it', () => {
    assert.deepEqual(parseJsonLine('{"user_id": 9007199254740993}'), { user_id: 9007199254740993n });
    assert.deepEqual(parseJsonLine('[-18446744073709551615, 1.5, 1e3, 12345678901234567.5, 9007199254740991]'), [-18446744073709551615n, 1.5, 1000, 12345678901234567.5, 9007199254740991]);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        // The same value as JSON.parse reads, except that integers it cannot hold exactly are exact bigints.
        const bigints: bigint[] = [];
        const asNumbers = (x: unknown): unknown => {
          if (typeof x === 'bigint') {
            bigints.push(x);
            return Number(x);
          }
          if (Array.isArray(x)) return x.map(asNumbers);
          if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, asNumbers(y)]));
          return x;
        };
        assert.deepEqual(asNumbers(parseJsonLine(text)), JSON.parse(text));
        for (const b of bigints) assert.ok(!Number.isSafeInteger(Number(b)));
      }),
      { numRuns: 500 },
    );
    assert.deepEqual(parseJsonLine('{"a": 1, "a": 12345678901234567890}'), { a: 12345678901234567890n }, 'a repeated key keeps the last');
    assert.throws(() => parseJsonLine('{"a": 12345678901234567890'), SyntaxError);
  });

  it('the reader keeps the text of each line as written, for include_input to echo', () => {
    const parsed = parseLines(Buffer.from('\ufeff {"user_id": 9007199254740993, "x": 1.50} \r\n{bad\n'), 1);
    assert.equal(parsed[0]!.text, '{"user_id": 9007199254740993, "x": 1.50}');
    assert.equal(parsed[1]!.text, undefined);
    const prepared = prepareLines(parsed, 0, 's3://b/k');
    assert.deepEqual(prepared.values, [{ user_id: 9007199254740993n, x: 1.5 }]);
    assert.equal(prepared.refs[0]!.input_json, '{"user_id": 9007199254740993, "x": 1.50}');
  });
});
