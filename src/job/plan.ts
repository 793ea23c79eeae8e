/**
 * The plan: the job's input cut into tasks, written to S3 under `<job>/_plan/` so that only
 * counts and keys travel through Temporal. A task is one activity; it writes one part
 * (`lines`, `objects`) or, for a `gzip` task of a plan made before `.gz` inputs were staged,
 * one part per batch.
 */
import type { JobLocation } from './layout';
import { pad6, planPrefix } from './layout';

/** JSON-lines bytes [start, end) of one object; lines are cut so each belongs to one task. */
export interface LinesTask {
  kind: 'lines';
  batch: number;
  bucket: string;
  key: string;
  start: number;
  end: number;
  /** Global index of the first item (non-blank line) of the range. */
  first_item: number;
  /** 1-based line number of the first line of the range in its object. */
  first_line: number;
  count: number;
  /** False for staged item lists: their index is the item's position, not a file line. */
  has_source: boolean;
  /** ETag of the object when planned; reads send it as `If-Match` (absent in older plans and for lists the job staged). */
  etag?: string;
  /**
   * The `s3://` URL written as `source` when it is not the object read: a chunk staged from a
   * `.gz` input names the `.gz` object, and `first_line` counts that object's lines.
   */
  source?: string;
}

/** S3 objects whose bytes are one item each. */
export interface ObjectsTask {
  kind: 'objects';
  batch: number;
  first_item: number;
  /** `etag`: as for LinesTask. */
  objects: { bucket: string; key: string; size: number; etag?: string }[];
}

/**
 * A whole gzip object, streamed once and written as `batches` consecutive parts. Planning no
 * longer makes these (it stages `.gz` inputs as plain chunks); plans made before still run them.
 */
export interface GzipTask {
  kind: 'gzip';
  batch: number;
  batches: number;
  bucket: string;
  key: string;
  first_item: number;
  count: number;
  batch_size: number;
  /** As for LinesTask. */
  etag?: string;
}

/**
 * Set on the tasks of a retry job (`retry_of`): the items of the task to run, as sorted, disjoint
 * half-open ranges of global item indices `[from, to)`. Ranges keep a whole missing gzip batch to
 * one pair. The task keeps its original batch number, so the retry's part for batch N holds
 * exactly the items the original's part N lacks.
 */
export type ItemRanges = [number, number][];

export type PlanTask = (LinesTask | ObjectsTask | GzipTask) & { only?: ItemRanges };

export interface PlanSummary {
  tasks_total: number;
  batches_total: number;
  items_total: number;
  objects_total: number;
  tasks_per_chunk: number;
  plan_prefix: string;
  /** The STRING input fed with object bytes (file_path_lister only). */
  input_name: string | null;
  /** Model version that answered GetModelMetadata, as TF Serving reports it. */
  model_version: string | null;
  /**
   * The version every batch calls (src/job/modelPin.ts), or null when the spec names a version or label or
   * follows the latest. Absent in plans written by older code: their batches ask as the spec says.
   */
  pinned_version?: string | null;
  /** Digits of the part numbers in part and error keys (layout.ts partKeyWidth); absent in older plans: 6. */
  part_key_width?: number;
}

export const TASKS_PER_CHUNK = 1000;

export const planChunkKey = (loc: JobLocation, chunk: number): string => `${planPrefix(loc)}tasks-${pad6(chunk)}.jsonl`;
export const planSummaryKey = (loc: JobLocation): string => `${planPrefix(loc)}plan.json`;
export const rangesSize = (r: ItemRanges): number => r.reduce((n, [from, to]) => n + to - from, 0);
export const inRanges = (r: ItemRanges, index: number): boolean => r.some(([from, to]) => index >= from && index < to);
export const taskItemCount = (t: PlanTask): number => (t.only ? rangesSize(t.only) : t.kind === 'objects' ? t.objects.length : t.count);
export const taskBatchCount = (t: PlanTask): number => (t.kind === 'gzip' ? gzipBatchesRun(t).length : 1);
/** The batch numbers (part numbers) the task writes, in order. */
export const taskBatches = (t: PlanTask): number[] => (t.kind === 'gzip' ? gzipBatchesRun(t).map((k) => t.batch + k) : [t.batch]);

/** Item range `[from, to)` of batch `k` (0-based within the task) of a gzip task. */
export function gzipBatchRange(t: GzipTask, k: number): [number, number] {
  const from = t.first_item + k * t.batch_size;
  return [from, Math.min(from + t.batch_size, t.first_item + t.count)];
}

/** The batches (0-based within the task) a gzip task predicts and writes: all, or those `only` touches. */
export function gzipBatchesRun(t: GzipTask & { only?: ItemRanges }): number[] {
  const all = Array.from({ length: t.batches }, (_, k) => k);
  const only = t.only;
  if (!only) return all;
  return all.filter((k) => {
    const [from, to] = gzipBatchRange(t, k);
    return only.some(([a, b]) => a < to && b > from);
  });
}

/** Sorted indices to ranges, adjacent indices merged. */
export function toRanges(indices: Iterable<number>): ItemRanges {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: ItemRanges = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}
