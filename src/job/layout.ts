/**
 * Where a job's files live in S3. Keys are deterministic functions of the output path, the job
 * id and the batch index, so a retried batch overwrites its own part and never adds another.
 */
export interface JobLocation {
  bucket: string;
  /** `<output prefix>/<job_id>/`, always ending in a slash. */
  prefix: string;
}

export function jobLocation(outputS3Path: string, jobId: string): JobLocation {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(outputS3Path);
  if (!m) throw new Error(`"${outputS3Path}" is not an s3:// URL`);
  const base = m[2]!.replace(/\/+$/, '');
  return { bucket: m[1]!, prefix: `${base ? `${base}/` : ''}${jobId}/` };
}

export const jobUrl = (loc: JobLocation): string => `s3://${loc.bucket}/${loc.prefix}`;
export const pad6 = (n: number): string => String(n).padStart(6, '0');
/** Digits of part numbers in keys of jobs planned before the width was recorded, and the least of any job. */
export const DEFAULT_PART_KEY_WIDTH = 6;
/**
 * The digits a job's part keys use: 6, or as many as its last batch number needs, so that keys
 * sort lexically in batch order past 999,999 batches. Chosen once at planning and carried in the
 * plan; jobs of fewer than a million batches keep the 6-digit keys they always had.
 */
export const partKeyWidth = (batchesTotal: number): number => Math.max(DEFAULT_PART_KEY_WIDTH, String(Math.max(0, batchesTotal - 1)).length);
const padBatch = (batch: number, width: number): string => String(batch).padStart(width, '0');
export const partKey = (loc: JobLocation, batch: number, width = DEFAULT_PART_KEY_WIDTH): string => `${loc.prefix}part-${padBatch(batch, width)}.jsonl`;
export const errorPartKey = (loc: JobLocation, batch: number, width = DEFAULT_PART_KEY_WIDTH): string =>
  `${loc.prefix}errors/part-${padBatch(batch, width)}.jsonl`;
export const manifestKey = (loc: JobLocation): string => `${loc.prefix}manifest.json`;
export const successKey = (loc: JobLocation): string => `${loc.prefix}_SUCCESS`;
export const planPrefix = (loc: JobLocation): string => `${loc.prefix}_plan/`;
/** Chunk `n` (in planning order) of the plain JSON lines inflated from the job's `.gz` inputs. */
export const stagedChunkKey = (loc: JobLocation, n: number): string => `${planPrefix(loc)}staged/${pad6(n)}.jsonl`;
/** Inline item lists are written here (by the edge when large, by the planner otherwise). */
export const stagedItemsKey = (loc: JobLocation): string => `${loc.prefix}_input/items.jsonl`;
