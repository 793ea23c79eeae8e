/**
 * How a worker process is started so that its memory stays bounded (issue #10: 10M items under
 * 400 MB). Node's default heap limit is a quarter of RAM; V8 grows the heap lazily towards it, so
 * a worker whose live data is ~60 MB sat at 400-560 MB RSS, mostly garbage not yet collected in the
 * main thread and in the SDK's workflow thread (V8 flags apply to every isolate of the process).
 * glibc's per-thread malloc arenas (Temporal core, libuv, worker threads) add tens of MB more.
 */
import type { Config } from '../config';

/**
 * Young generation semi-space (MB), V8's own 64-bit default, stated because V8 otherwise derives it from
 * the old-space limit (about 1 MB at 160 MB). A batch allocates ~12 KB per item of short-lived objects:
 * at 4 MB a 100,000-item job ran 118 s (a scavenge every ~350 items), at 16 MB 69 s, for +57 MB peak RSS.
 */
const MAX_SEMI_SPACE_MB = 16;

/** Node flags for the worker process (before the script path). */
export function workerNodeFlags(config: Config): string[] {
  const mb = config.worker.maxOldSpaceMb;
  return mb > 0 ? [`--max-old-space-size=${mb}`, `--max-semi-space-size=${MAX_SEMI_SPACE_MB}`] : [];
}

/** Environment for the worker process: two malloc arenas instead of 8 per core. */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
