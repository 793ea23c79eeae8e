/**
 * The plan of a retry job (`retry_of`): the original job's own tasks, narrowed to what its output
 * lacks. A batch without a part failed whole (or never ran) and is run again whole; a batch with a
 * part is run again for the items its error file lists. Tasks keep the original batch numbers and
 * item indices, and are read from the original inputs through the original task (never from the
 * `input` of error lines, which is absent unless `include_input`).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText, listObjects } from '../storage/s3';
import { errorPartKey, type JobLocation } from './layout';
import { gzipBatchRange, gzipBatchesRun, inRanges, planChunkKey, planSummaryKey, toRanges, type ItemRanges, type PlanSummary, type PlanTask } from './plan';

const PART_FILE = /^part-(\d+)\.jsonl$/;

/** What the retry needs to know of the job it retries; batch numbers only, so memory stays small. */
export interface OriginalOutput {
  loc: JobLocation;
  plan: PlanSummary;
  /** Batches that have a part. */
  parts: Set<number>;
  /** Batches that have an error file. */
  errors: Set<number>;
}

async function batchesWithFile(s3: S3Client, bucket: string, prefix: string): Promise<Set<number>> {
  const found = new Set<number>();
  for await (const o of listObjects(s3, bucket, prefix)) {
    const m = PART_FILE.exec(o.key.slice(prefix.length));
    if (m) found.add(Number(m[1]));
  }
  return found;
}

/** Reads the original's plan summary and lists its parts and error files. */
export async function readOriginalOutput(s3: S3Client, loc: JobLocation, signal?: AbortSignal): Promise<OriginalOutput> {
  const plan = JSON.parse(await getObjectText(s3, loc.bucket, planSummaryKey(loc), signal)) as PlanSummary;
  const [parts, errors] = await Promise.all([batchesWithFile(s3, loc.bucket, loc.prefix), batchesWithFile(s3, loc.bucket, `${loc.prefix}errors/`)]);
  return { loc, plan, parts, errors };
}

async function errorIndices(s3: S3Client, orig: OriginalOutput, batch: number, signal?: AbortSignal): Promise<number[]> {
  const text = await getObjectText(s3, orig.loc.bucket, errorPartKey(orig.loc, batch, orig.plan.part_key_width), signal);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { index: number }).index);
}

/** The items of `[from, to)` the task runs (all of them, or those in its own `only`). */
function clip(from: number, to: number, only: ItemRanges | undefined): ItemRanges {
  if (!only) return [[from, to]];
  return only.flatMap(([a, b]): ItemRanges => (a < to && b > from ? [[Math.max(a, from), Math.min(b, to)]] : []));
}

/** The task narrowed to what the original lacks, or null when it lacks nothing of it. */
async function missingOf(s3: S3Client, orig: OriginalOutput, task: PlanTask, signal?: AbortSignal): Promise<PlanTask | null> {
  if (task.kind !== 'gzip') {
    if (!orig.parts.has(task.batch)) return task;
    if (!orig.errors.has(task.batch)) return null;
    return { ...task, only: toRanges(await errorIndices(s3, orig, task.batch, signal)) };
  }
  const ranges: ItemRanges = [];
  for (const k of gzipBatchesRun(task)) {
    const batch = task.batch + k;
    if (!orig.parts.has(batch)) {
      const [from, to] = gzipBatchRange(task, k);
      ranges.push(...clip(from, to, task.only));
    } else if (orig.errors.has(batch)) {
      const only = task.only;
      const failed = await errorIndices(s3, orig, batch, signal);
      ranges.push(...toRanges(only ? failed.filter((i) => inRanges(only, i)) : failed));
    }
  }
  if (!ranges.length) return null;
  const whole = !task.only && ranges.length === 1 && ranges[0]![0] === task.first_item && ranges[0]![1] === task.first_item + task.count;
  return whole ? task : { ...task, only: mergeRanges(ranges) };
}

function mergeRanges(r: ItemRanges): ItemRanges {
  const out: ItemRanges = [];
  for (const [from, to] of [...r].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && last[1] >= from) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

/** Every task of the original's plan, narrowed to what its output lacks; tasks it lacks nothing of are left out. */
export async function* missingTasks(s3: S3Client, orig: OriginalOutput, signal?: AbortSignal): AsyncGenerator<PlanTask> {
  const chunks = Math.ceil(orig.plan.tasks_total / orig.plan.tasks_per_chunk);
  for (let c = 0; c < chunks; c++) {
    const text = await getObjectText(s3, orig.loc.bucket, planChunkKey(orig.loc, c), signal);
    for (const line of text.split('\n')) {
      if (!line) continue;
      const narrowed = await missingOf(s3, orig, JSON.parse(line) as PlanTask, signal);
      if (narrowed) yield narrowed;
    }
  }
}
