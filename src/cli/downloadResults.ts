/**
 * Downloads a finished job's files through the presigned URLs of `GET /v1/jobs/{id}/results`,
 * page by page (a page's URLs are used while fresh): parts to `<dir>/`, error files to
 * `<dir>/errors/`, and `manifest.json`. Each file's size is checked against the listing.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { mapLimit } from '../batch/mapLimit';
import type { JobResults, ResultFile } from '../gateway/apiTypes';
import type { GatewayClient } from './gatewayClient';

export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;
const ATTEMPTS = 3;

export interface DownloadedFiles {
  files: number;
  items: number;
  bytes: number;
}

export interface DownloadSummary {
  dir: string;
  manifest_path: string;
  parts: DownloadedFiles;
  error_files: DownloadedFiles;
  /** Files whose downloaded size differs from the listing (they are removed). */
  mismatches: { key: string; expected_bytes: number; got_bytes: number }[];
}

/** `part-000001.jsonl` from `s3://bucket/prefix/job/part-000001.jsonl`; anything else is refused rather than written outside `dir`. */
function fileName(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`refusing to write "${key}": not a plain file name`);
  return name;
}

/** Streams a URL to `path` (via a temporary name, so an interrupted download never looks complete); returns its size. */
async function fetchToFile(url: string, path: string): Promise<number> {
  const tmp = `${path}.download`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
      if (!res.ok || !res.body) throw new Error(`GET ${url.split('?')[0]} answered ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
      await rename(tmp, path);
      return (await stat(path)).size;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      // A presigned URL that answers 4xx (expired, forbidden) will not get better by retrying.
      if (attempt >= ATTEMPTS || /answered 4\d\d/.test((err as Error).message)) throw err;
    }
  }
}

export async function downloadResults(
  client: GatewayClient,
  jobId: string,
  dir: string,
  { concurrency = DEFAULT_DOWNLOAD_CONCURRENCY, onFile }: { concurrency?: number; onFile?: (f: ResultFile, path: string) => void } = {},
): Promise<DownloadSummary> {
  await mkdir(join(dir, 'errors'), { recursive: true });
  const summary: DownloadSummary = {
    dir,
    manifest_path: '',
    parts: { files: 0, items: 0, bytes: 0 },
    error_files: { files: 0, items: 0, bytes: 0 },
    mismatches: [],
  };
  const get = async (f: ResultFile, into: string, tally: DownloadedFiles) => {
    const path = join(into, fileName(f.key));
    const size = await fetchToFile(f.url, path);
    if (size !== f.bytes) {
      summary.mismatches.push({ key: f.key, expected_bytes: f.bytes, got_bytes: size });
      await unlink(path);
      return;
    }
    tally.files++;
    tally.items += f.items;
    tally.bytes += size;
    onFile?.(f, path);
  };
  let page: JobResults | undefined;
  do {
    page = await client.results(jobId, page?.next_page_token ?? undefined);
    if (!summary.manifest_path) {
      summary.manifest_path = page.manifest_path;
      await fetchToFile(page.manifest_url, join(dir, 'manifest.json'));
    }
    const files = [...page.parts.map((f) => [f, dir] as const), ...page.error_files.map((f) => [f, join(dir, 'errors')] as const)];
    await mapLimit(files, concurrency, ([f, into]) => get(f, into, into === dir ? summary.parts : summary.error_files));
  } while (page.next_page_token !== null);
  return summary;
}
