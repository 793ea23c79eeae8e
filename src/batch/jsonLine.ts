/**
 * One JSON input line, parsed without losing integers: JSON.parse reads 9007199254740993 as 9007199254740992, so a
 * user id beyond 2^53 would reach TF Serving as another user. Integers beyond Number's safe range are read as
 * bigint (the codec writes them to INT64/UINT64 exactly); every other number is a JS number as with JSON.parse.
 * The line's own text is kept, so outputs echo the input as written.
 */
import { isInteger, isSafeNumber, parse } from 'lossless-json';

/** A run of 16 digits is the shortest integer that can pass 2^53; lines without one take the fast path. */
const MAY_BE_UNSAFE = /\d{16}/;

const parseNumber = (n: string): number | bigint => (isInteger(n) && !isSafeNumber(n) ? BigInt(n) : Number(n));

/** JSON.parse semantics (a repeated key keeps the last value), with exact big integers. Throws SyntaxError. */
export function parseJsonLine(text: string): unknown {
  if (!MAY_BE_UNSAFE.test(text)) return JSON.parse(text);
  return parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}
