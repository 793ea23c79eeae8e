/**
 * A gzip object cannot be cut by byte range, so one activity streams it and writes one part per
 * `batch_size` lines. After each part it checkpoints `next_batch` in its heartbeat details; a
 * retry decompresses past the finished batches without predicting or writing them again.
 */
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { getObjectStream } from '../storage/s3';
import type { JobLocation } from '../job/layout';
import { gzipBatchesRun, inRanges, type GzipTask, type ItemRanges } from '../job/plan';
import { parseLines } from './cutLines';
import { isBlankLine } from './blankLine';
import { PredictRun, type PredictCall } from './predictItems';
import { writeBatchParts } from './writeParts';
import { prepareLines, predictPrepared, selectItems } from './preparedItems';
import { S3_WAIT, type BatchWatch } from './batchWatch';
import type { S3Client } from '@aws-sdk/client-s3';

/** Heartbeat details of a batch activity; `next_batch` counts finished parts of the task. */
export interface GzipProgress {
  next_batch: number;
  items_succeeded: number;
  items_failed: number;
  /** Items predicted so far in the current part (liveness only). */
  items_done: number;
}

export interface GzipTaskArgs {
  deps: { s3: S3Client; maxPredictBatch: number; predictInFlight: number };
  loc: JobLocation;
  /** With `only` (a retry), the batches it touches are run, each with just those items. */
  task: GzipTask & { only?: ItemRanges };
  job: { include_input: boolean; part_key_width?: number };
  call: PredictCall;
  progress: GzipProgress;
  watch: BatchWatch<GzipProgress>;
  attempt: number;
}

export async function runGzipTask(a: GzipTaskArgs): Promise<{ modelVersion: string | null }> {
  const { task, progress } = a;
  const source = `s3://${task.bucket}/${task.key}`;
  // The open is tracked; the body is read between Predict calls, so its stalls are the S3 socket timeout's.
  const body = await a.watch.track(`S3 GetObject ${source}`, (signal) => getObjectStream(a.deps.s3, task.bucket, task.key, undefined, signal, task.etag), S3_WAIT);
  a.watch.signal.addEventListener('abort', () => body.destroy(), { once: true });
  const gunzip = body.pipe(createGunzip());
  const lines = createInterface({ input: gunzip, crlfDelay: Infinity });
  const run = new PredictRun(a.call, {
    maxBatch: a.deps.maxPredictBatch,
    inFlight: a.deps.predictInFlight,
    onProgress: (done) => a.watch.beat({ ...progress, items_done: done }),
  });
  let batchNo = 0;
  let lineNo = 0;
  let item = task.first_item;
  let pending: { line: number; text: string }[] = [];
  const only = task.only;
  const selected = only ? new Set(gzipBatchesRun(task)) : null;

  const flush = async () => {
    if (batchNo >= progress.next_batch && (!selected || selected.has(batchNo))) {
      const parsed = pending.flatMap((p) => parseLines(Buffer.from(p.text), p.line));
      const all = prepareLines(parsed, item, source);
      const prepared = only ? selectItems(all, (i) => inRanges(only, i)) : all;
      const outcomes = await predictPrepared(run, prepared);
      const written = await writeBatchParts(a.deps.s3, a.loc, task.batch + batchNo, prepared.refs, outcomes, a.job.include_input, {
        mayHaveStaleErrors: a.attempt > 1,
        keyWidth: a.job.part_key_width,
        track: (name, fn) => a.watch.track(name, fn, { ...S3_WAIT, whole: true }),
      });
      progress.next_batch = batchNo + 1;
      progress.items_succeeded += written.items_succeeded;
      progress.items_failed += written.items_failed;
      progress.items_done = 0;
      a.watch.beat({ ...progress });
    }
    item += pending.length;
    batchNo++;
    pending = [];
  };

  try {
    for await (const text of lines) {
      lineNo++;
      if (isBlankLine(text)) continue;
      pending.push({ line: lineNo, text });
      if (pending.length === task.batch_size) await flush();
    }
    if (pending.length) await flush();
  } finally {
    lines.close();
    body.destroy();
  }
  if (batchNo !== task.batches) {
    throw new Error(`${source} now has ${batchNo} batches of lines, the plan counted ${task.batches}: the object changed during the job`);
  }
  return { modelVersion: run.modelVersion };
}
