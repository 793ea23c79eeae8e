/**
 * Planning inflates a `.gz` input once into plain JSON-lines chunks under `<job>/_plan/staged/`,
 * so its batches become ordinary byte-range tasks that run in parallel. The object is streamed:
 * at most one batch of inflated bytes is held, and each chunk is uploaded as it is written.
 * Chunks end at batch boundaries (a task never spans two chunks) once they hold `chunkBytes`.
 *
 * Chunks are numbered across the whole plan in planning order, which is deterministic, so a
 * retried planning attempt knows which chunks an earlier attempt staged from a count alone: it
 * inflates the object again to find the ranges but uploads only the chunks after that count.
 */
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectStream, uploadStream } from '../storage/s3';
import { stagedChunkKey, type JobLocation } from '../job/layout';
import { cutLines } from './cutLines';

/** Identifies a staged chunk, so a resumed attempt can tell that it re-derived the same one. */
export interface StagedChunkId {
  n: number;
  source: string;
  etag: string | null;
  /** Offset in the inflated object just past the chunk. */
  end: number;
}

/** What a planning attempt checkpoints in its heartbeat details: chunks `[0, staged)` are in S3. */
export interface StagingCheckpoint {
  staged: number;
  last: StagedChunkId | null;
}

/** One batch of the `.gz` object: bytes `[start, end)` of staged chunk `key`. */
export interface StagedRange {
  key: string;
  start: number;
  end: number;
  /** Line number of the range's first line in the `.gz` object (1-based). */
  first_line: number;
  count: number;
}

export interface StageGzipArgs {
  s3: S3Client;
  loc: JobLocation;
  obj: { bucket: string; key: string; etag?: string };
  batchSize: number;
  chunkBytes: number;
  /** Number of the object's first chunk (chunks of earlier objects come first). */
  firstChunk: number;
  /** From the previous attempt: chunks below `resume.staged` are not uploaded again. */
  resume: StagingCheckpoint;
  signal: AbortSignal;
  /** Called after each chunk is in S3 (or was found staged by an earlier attempt). */
  onChunk: (id: StagedChunkId) => void;
}

/** Thrown when a resumed attempt derives a different chunk than the one its checkpoint names. */
export class StagingChanged extends Error {
  override name = 'StagingChanged';
}

/** The batches of the inflated object as they are found, collecting their bytes into one upload per chunk. */
class ChunkWriter {
  private pass: PassThrough | null = null;
  private upload: Promise<void> | null = null;
  bytes = 0;
  start = 0;

  constructor(private readonly a: StageGzipArgs) {}

  open(n: number, start: number): void {
    this.start = start;
    this.bytes = 0;
    if (n < this.a.resume.staged) return; // staged by an earlier attempt: only the ranges are wanted
    this.pass = new PassThrough();
    this.upload = uploadStream(this.a.s3, this.a.loc.bucket, stagedChunkKey(this.a.loc, n), this.pass, 'application/x-ndjson');
    // Awaited in close() or abort(); a rejection before then must not be unhandled.
    this.upload.catch(() => undefined);
  }

  async write(bytes: Buffer): Promise<void> {
    this.bytes += bytes.length;
    if (!this.pass) return;
    if (!this.pass.write(bytes)) await Promise.race([once(this.pass, 'drain'), this.upload]);
  }

  async close(): Promise<void> {
    if (!this.pass) return;
    this.pass.end();
    await this.upload;
    this.pass = null;
  }

  async abort(err: Error): Promise<void> {
    if (!this.pass) return;
    this.pass.destroy(err);
    await this.upload?.catch(() => undefined);
    this.pass = null;
  }
}

/** Keeps the inflated bytes cutLines has seen until their range is known, and no longer. */
class HeldBytes {
  private bufs: Buffer[] = [];

  async *tap(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const b of src) {
      this.bufs.push(b);
      yield b;
    }
  }

  /** The next `n` held bytes (ranges tile the object, so they always start where the last ended). */
  take(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const b = this.bufs[0]!;
      if (b.length <= need) {
        out.push(b);
        this.bufs.shift();
        need -= b.length;
      } else {
        out.push(b.subarray(0, need));
        this.bufs[0] = b.subarray(need);
        need = 0;
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

/**
 * Inflates `obj` and yields its batches as ranges of staged chunks, uploading each chunk (except
 * those an earlier attempt staged) and reporting it through `onChunk`.
 */
export async function* stageGzip(a: StageGzipArgs): AsyncGenerator<StagedRange> {
  const source = `s3://${a.obj.bucket}/${a.obj.key}`;
  const body = await getObjectStream(a.s3, a.obj.bucket, a.obj.key, undefined, a.signal);
  const held = new HeldBytes();
  const inflated = Readable.from(held.tap(body.pipe(createGunzip())));
  const chunk = new ChunkWriter(a);
  let n = a.firstChunk;
  let open = false;
  let offset = 0;

  const closeChunk = async () => {
    await chunk.close();
    const id: StagedChunkId = { n, source, etag: a.obj.etag ?? null, end: offset };
    const last = a.resume.last;
    if (last && last.n === n && (last.source !== id.source || last.etag !== id.etag || last.end !== id.end)) {
      throw new StagingChanged(`${source} is not what the previous planning attempt staged as chunk ${n}: restaging from the start`);
    }
    a.onChunk(id);
    n++;
    open = false;
  };

  try {
    for await (const r of cutLines(inflated, a.batchSize)) {
      if (!open) {
        chunk.open(n, r.start);
        open = true;
      }
      await chunk.write(held.take(r.end - offset));
      offset = r.end;
      yield { key: stagedChunkKey(a.loc, n), start: r.start - chunk.start, end: r.end - chunk.start, first_line: r.first_line, count: r.count };
      if (chunk.bytes >= a.chunkBytes) await closeChunk();
    }
    if (open) await closeChunk();
  } catch (err) {
    await chunk.abort(err as Error);
    throw err;
  } finally {
    inflated.destroy();
    body.destroy();
  }
}
