/**
 * Reads task descriptors back from the plan in S3. Chunks of the plan are cached per worker
 * process (a small LRU), since a window of batch activities reads neighbouring tasks.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText } from '../storage/s3';
import type { JobLocation } from '../job/layout';
import { planChunkKey, type PlanTask } from '../job/plan';

const MAX_CACHED_CHUNKS = 32;
const cache = new Map<string, Promise<PlanTask[]>>();

function loadChunk(s3: S3Client, loc: JobLocation, chunk: number): Promise<PlanTask[]> {
  const id = `${loc.bucket}/${planChunkKey(loc, chunk)}`;
  let hit = cache.get(id);
  if (hit) {
    cache.delete(id); // re-insert: Map order is the LRU order
    cache.set(id, hit);
    return hit;
  }
  hit = getObjectText(s3, loc.bucket, planChunkKey(loc, chunk)).then((text) =>
    text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as PlanTask),
  );
  hit.catch(() => cache.delete(id));
  cache.set(id, hit);
  while (cache.size > MAX_CACHED_CHUNKS) cache.delete(cache.keys().next().value!);
  return hit;
}

export async function loadTask(s3: S3Client, loc: JobLocation, task: number, tasksPerChunk: number): Promise<PlanTask> {
  const tasks = await loadChunk(s3, loc, Math.floor(task / tasksPerChunk));
  const t = tasks[task % tasksPerChunk];
  if (!t) throw new Error(`task ${task} is not in the plan at s3://${loc.bucket}/${planChunkKey(loc, Math.floor(task / tasksPerChunk))}`);
  return t;
}
