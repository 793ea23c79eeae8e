/**
 * The check every drill ends with: read back everything the job wrote under its prefix and compare
 * it with the input item by item. Each input item must be in exactly one place: a result line in a
 * part (with outputs, and its input echoed unchanged when the job ran with `include_input`) or a line
 * in `errors/` carrying a code and a message. Nothing else may be there: no duplicate, no index the
 * input did not have, no part whose lines differ from the count the manifest took from it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText, listObjects } from '../src/storage/s3';
import { jobLocation } from '../src/job/layout';

export interface OutputCheck {
  /** Items the input had. */
  items: number;
  /** In a part, with outputs (and the right input when echoed). */
  succeeded: number;
  /** In errors/, with a code: counted by code. */
  failed_by_code: Record<string, number>;
  missing: number;
  duplicated: number;
  /** Lines whose echoed input differs from the input item at their index, or with no outputs. */
  altered: number;
  /** Lines with an index outside the input. */
  unknown: number;
  /** Whether the manifest was written, and whether its counts match the lines. */
  manifest: boolean;
  problems: string[];
}

interface Line {
  index?: number;
  outputs?: Record<string, unknown>;
  input?: unknown;
  error?: { code?: string; message?: string };
}

const PART = /^part-\d+\.jsonl$/;
const ERROR_PART = /^errors\/part-\d+\.jsonl$/;

/**
 * `inputAt(i)`: the input item at index i as the job read it (compared as JSON text when the lines
 * carry `input`); `allowedCodes`: error codes the drill's fault may legitimately leave in errors/
 * (any other code is a problem; default: none, every item must succeed).
 */
export async function checkJobOutput(
  s3: S3Client,
  outputPath: string,
  jobId: string,
  opts: { items: number; inputAt?: (index: number) => unknown; allowedCodes?: readonly string[] },
): Promise<OutputCheck> {
  const loc = jobLocation(outputPath, jobId);
  const seen = new Uint8Array(opts.items);
  const check: OutputCheck = { items: opts.items, succeeded: 0, failed_by_code: {}, missing: 0, duplicated: 0, altered: 0, unknown: 0, manifest: false, problems: [] };
  const partKeys: string[] = [];
  let manifestText: string | undefined;

  const count = (index: number | undefined): boolean => {
    if (index === undefined || !Number.isInteger(index) || index < 0 || index >= opts.items) {
      check.unknown++;
      return false;
    }
    if (seen[index]! > 0) check.duplicated++;
    seen[index] = Math.min(255, seen[index]! + 1);
    return true;
  };

  for await (const o of listObjects(s3, loc.bucket, loc.prefix)) {
    const rel = o.key.slice(loc.prefix.length);
    const isPart = PART.test(rel);
    if (rel === 'manifest.json') manifestText = await getObjectText(s3, loc.bucket, o.key);
    if (!isPart && !ERROR_PART.test(rel)) continue;
    if (isPart) partKeys.push(o.key);
    const text = await getObjectText(s3, loc.bucket, o.key);
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        check.altered++;
        continue;
      }
      if (!count(line.index)) continue;
      if (isPart) {
        const wrongInput = opts.inputAt && 'input' in line && JSON.stringify(line.input) !== JSON.stringify(opts.inputAt(line.index!));
        if (!line.outputs || Object.keys(line.outputs).length === 0 || wrongInput) check.altered++;
        else check.succeeded++;
      } else {
        const code = line.error?.code ?? 'NO_CODE';
        check.failed_by_code[code] = (check.failed_by_code[code] ?? 0) + 1;
      }
    }
  }
  for (let i = 0; i < opts.items; i++) if (seen[i] === 0) check.missing++;

  if (check.missing) check.problems.push(`${check.missing} items missing from the output`);
  if (check.duplicated) check.problems.push(`${check.duplicated} items written more than once`);
  if (check.altered) check.problems.push(`${check.altered} lines altered (no outputs, or input not as read)`);
  if (check.unknown) check.problems.push(`${check.unknown} lines with an index the input does not have`);
  const allowed = new Set(opts.allowedCodes ?? []);
  for (const [code, n] of Object.entries(check.failed_by_code)) {
    if (!allowed.has(code)) check.problems.push(`${n} items in errors/ with ${code}, which this drill does not expect`);
  }
  if (manifestText === undefined) check.problems.push('no manifest.json');
  else {
    check.manifest = true;
    const m = JSON.parse(manifestText) as { items_in_parts?: number; parts?: { key: string; items: number }[] };
    // The manifest counts what each part says it holds (written with the part): lines beyond that are a half-written part.
    const lines = check.succeeded + check.altered;
    if (m.items_in_parts !== lines) check.problems.push(`manifest says ${String(m.items_in_parts)} items in parts, the parts hold ${lines} lines`);
    const listed = (m.parts ?? []).length;
    if (listed !== partKeys.length) check.problems.push(`manifest lists ${listed} parts, S3 holds ${partKeys.length}`);
  }
  return check;
}
