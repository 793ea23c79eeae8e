/**
 * A job's throughput over time: items finished (succeeded or failed) per fixed-width bucket,
 * kept by the workflow as batches complete and carried through continue-as-new. Bounded for any
 * job length: past MAX_BUCKETS the buckets are merged in pairs and their width doubles, so a job
 * shorter than an hour keeps 10 s resolution and a 10-hour run keeps 2 minutes. Pure and
 * deterministic (time is passed in), so workflow code can use it.
 */

/** Finest resolution: the jobs page draws items/s per 10 s. */
export const BUCKET_S = 10;
/** At most this many buckets (~2.5 KB of JSON in the carried state and the manifest). */
export const MAX_BUCKETS = 360;

export interface ThroughputSeries {
  /** Start of bucket 0, epoch milliseconds. */
  start_ms: number;
  /** Width of every bucket in seconds: BUCKET_S times a power of two. */
  bucket_s: number;
  /** Items finished in each bucket; the last one is still filling while the job runs. */
  items: number[];
}

export function emptySeries(startMs: number): ThroughputSeries {
  return { start_ms: startMs, bucket_s: BUCKET_S, items: [] };
}

/** Pairs merged, width doubled: the same items over the same span, at half the resolution. */
function coarsen(s: ThroughputSeries): ThroughputSeries {
  const items: number[] = [];
  for (let i = 0; i < s.items.length; i += 2) items.push((s.items[i] ?? 0) + (s.items[i + 1] ?? 0));
  return { start_ms: s.start_ms, bucket_s: s.bucket_s * 2, items };
}

/** The series with `n` more items finished at `atMs`; a time before the start counts in bucket 0. */
export function addItems(series: ThroughputSeries, atMs: number, n: number): ThroughputSeries {
  if (!(n > 0)) return series;
  let s = series;
  let index = Math.max(0, Math.floor((atMs - s.start_ms) / (s.bucket_s * 1000)));
  while (index >= MAX_BUCKETS) {
    s = coarsen(s);
    index = Math.max(0, Math.floor((atMs - s.start_ms) / (s.bucket_s * 1000)));
  }
  const items = s.items.slice();
  while (items.length <= index) items.push(0);
  items[index] = (items[index] ?? 0) + n;
  return { ...s, items };
}

export interface ThroughputPoint {
  /** Start of the bucket, ISO-8601. */
  at: string;
  items_per_s: number;
}

/**
 * Items per second of each bucket. The last bucket is rated over the part of it that has passed
 * (`nowMs`), so a running job's newest point is not shown as a drop.
 */
export function throughputPoints(s: ThroughputSeries, nowMs: number): ThroughputPoint[] {
  const width = s.bucket_s * 1000;
  return s.items.map((n, i) => {
    const from = s.start_ms + i * width;
    const span = i === s.items.length - 1 ? Math.min(width, Math.max(1000, nowMs - from)) : width;
    return { at: new Date(from).toISOString(), items_per_s: Math.round((n / (span / 1000)) * 100) / 100 };
  });
}
