/**
 * Writes one batch's results: `part-<batch>.jsonl` with one line per succeeded item and, when
 * items failed, `errors/part-<batch>.jsonl`. Both keys are fixed by the batch index, so a retry
 * replaces them; a stale error part from an earlier attempt is removed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { deleteObject, putObject } from '../storage/s3';
import { errorPartKey, partKey, type JobLocation } from '../job/layout';
import type { ItemOutcome } from './predictItems';

/** Where an item came from, written beside its outputs. */
export interface ItemRef {
  index: number;
  source?: string;
  line?: number;
  /**
   * The item's JSON text as the input held it, written as `input` (on result and error lines) only when
   * `include_input`: spliced in verbatim, so a number JSON.parse would round is echoed exactly as written.
   */
  input_json?: string;
}

/**
 * `{"index":…,"source":…,"line":…,"<key>":<value>}` (then `"input":<raw JSON text>` when there is one) as one
 * JSON line: the bytes JSON.stringify writes for that object, built without an object per line or
 * re-serialising the source, which every line of a part shares.
 */
function jsonLine(ref: ItemRef, sourceJson: string | undefined, key: 'outputs' | 'error', value: unknown, inputJson: string | undefined): string {
  let line = `{"index":${ref.index}`;
  if (sourceJson !== undefined) line += `,"source":${sourceJson}`;
  if (ref.line !== undefined) line += `,"line":${ref.line}`;
  line += `,"${key}":${JSON.stringify(value)}`;
  return inputJson === undefined ? `${line}}` : `${line},"input":${inputJson}}`;
}

export interface WrittenBatch {
  batch: number;
  part_key: string;
  part_bytes: number;
  items_succeeded: number;
  items_failed: number;
}

/** Runs one S3 request under the batch's stall limit (BatchWatch.track); by default just with `opts.signal`. */
export type TrackCall = <T>(name: string, fn: (signal: AbortSignal | undefined) => Promise<T>) => Promise<T>;

/** Item count stored on each part, so the manifest need not read parts back. */
export const ITEMS_METADATA = 'nightshift-items';

export async function writeBatchParts(
  s3: S3Client,
  loc: JobLocation,
  batch: number,
  refs: ItemRef[],
  outcomes: ItemOutcome[],
  includeInput: boolean,
  opts: { signal?: AbortSignal; mayHaveStaleErrors?: boolean; keyWidth?: number; track?: TrackCall } = {},
): Promise<WrittenBatch> {
  const track: TrackCall = opts.track ?? ((_name, fn) => fn(opts.signal));
  const ok: string[] = [];
  const bad: string[] = [];
  let source: string | undefined;
  let sourceJson: string | undefined;
  refs.forEach((ref, i) => {
    const outcome = outcomes[i]!;
    if (ref.source !== source) {
      source = ref.source;
      sourceJson = source === undefined ? undefined : JSON.stringify(source);
    }
    // Only with include_input: the output may be readable by people the input is not.
    const input = includeInput ? ref.input_json : undefined;
    if (outcome.ok) ok.push(jsonLine(ref, sourceJson, 'outputs', outcome.outputs, input));
    else bad.push(jsonLine(ref, sourceJson, 'error', outcome.error, input));
  });
  const body = ok.length ? `${ok.join('\n')}\n` : '';
  const key = partKey(loc, batch, opts.keyWidth);
  await track(`S3 PutObject s3://${loc.bucket}/${key}`, (signal) =>
    putObject(s3, loc.bucket, key, body, { contentType: 'application/x-ndjson', metadata: { [ITEMS_METADATA]: String(ok.length) }, signal }),
  );
  const errKey = errorPartKey(loc, batch, opts.keyWidth);
  if (bad.length) {
    await track(`S3 PutObject s3://${loc.bucket}/${errKey}`, (signal) =>
      putObject(s3, loc.bucket, errKey, `${bad.join('\n')}\n`, { contentType: 'application/x-ndjson', metadata: { [ITEMS_METADATA]: String(bad.length) }, signal }),
    );
  } else if (opts.mayHaveStaleErrors ?? true) {
    await track(`S3 DeleteObject s3://${loc.bucket}/${errKey}`, (signal) => deleteObject(s3, loc.bucket, errKey, signal));
  }
  return { batch, part_key: key, part_bytes: Buffer.byteLength(body), items_succeeded: ok.length, items_failed: bad.length };
}
