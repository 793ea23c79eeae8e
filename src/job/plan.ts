/**
 * The plan: the job's input cut into tasks, written to S3 under `<job>/_plan/` so that only
 * counts and keys travel through Temporal. A task is one activity; it writes one part
 * (`lines`, `objects`) or, for a gzip file that cannot be cut by byte range, one part per batch.
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
}

/** S3 objects whose bytes are one item each. */
export interface ObjectsTask {
  kind: 'objects';
  batch: number;
  first_item: number;
  objects: { bucket: string; key: string; size: number }[];
}

/** A whole gzip object, streamed once and written as `batches` consecutive parts. */
export interface GzipTask {
  kind: 'gzip';
  batch: number;
  batches: number;
  bucket: string;
  key: string;
  first_item: number;
  count: number;
  batch_size: number;
}

export type PlanTask = LinesTask | ObjectsTask | GzipTask;

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
}

export const TASKS_PER_CHUNK = 1000;

export const planChunkKey = (loc: JobLocation, chunk: number): string => `${planPrefix(loc)}tasks-${pad6(chunk)}.jsonl`;
export const planSummaryKey = (loc: JobLocation): string => `${planPrefix(loc)}plan.json`;
export const taskItemCount = (t: PlanTask): number => (t.kind === 'objects' ? t.objects.length : t.count);
export const taskBatchCount = (t: PlanTask): number => (t.kind === 'gzip' ? t.batches : 1);
