/**
 * Cuts a JSON-lines stream into batches of `batchSize` non-blank lines, as exact byte ranges.
 * The planner reads each file once, so every line lands in exactly one range and the batch
 * activities never read a byte twice or hold more than their own range.
 */
import type { Readable } from 'node:stream';
import { BlankLineScanner, isBlankLine } from './blankLine';
import { parseJsonLine } from './jsonLine';

export interface LineRange {
  start: number;
  end: number;
  /** 1-based line number of the first line in the range. */
  first_line: number;
  /** Non-blank lines in the range. */
  count: number;
}

const NL = 10;

/**
 * Streams `body` and yields ranges that tile it from 0 to its size. Blank lines (blankLine.ts) are not
 * items; they stay inside a range (so ranges tile the file) and the reader skips them.
 */
export async function* cutLines(body: Readable, batchSize: number): AsyncGenerator<LineRange> {
  let offset = 0;
  let line = 1;
  const blank = new BlankLineScanner();
  let range: LineRange = { start: 0, end: 0, first_line: 1, count: 0 };
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (b === NL) {
        if (blank.hasContent) range.count++;
        blank.reset();
        line++;
        if (range.count === batchSize) {
          range.end = offset + i + 1;
          yield range;
          range = { start: range.end, end: range.end, first_line: line, count: 0 };
        }
      } else if (!blank.decided) {
        blank.push(b);
      }
    }
    offset += buf.length;
  }
  if (blank.hasContent) range.count++; // last line without a trailing newline
  range.end = offset;
  if (range.count > 0) yield range;
}

export interface ParsedLine {
  /** 1-based line number within the object. */
  line: number;
  /** The parsed JSON value (integers beyond 2^53 as bigint), or undefined with `error` set. */
  value?: unknown;
  /** The JSON text of the line as written (without BOM and surrounding whitespace), when it parsed. */
  text?: string;
  error?: string;
}

/** Splits one range's bytes into parsed non-blank lines; a malformed line is an item error, not a batch failure. */
export function parseLines(bytes: Buffer, firstLine: number): ParsedLine[] {
  const out: ParsedLine[] = [];
  const text = bytes.toString('utf8');
  let line = firstLine;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const raw = text.slice(pos, nl).replace(/\r$/, '').replace(/^\uFEFF/, '');
    if (!isBlankLine(raw)) {
      try {
        const json = raw.replace(/^[ \t\r]+|[ \t\r]+$/g, '');
        out.push({ line, value: parseJsonLine(json), text: json });
      } catch (err) {
        out.push({ line, error: `line ${line} is not valid JSON: ${(err as Error).message}` });
      }
    }
    line++;
    pos = nl + 1;
  }
  return out;
}
