/**
 * The S3 client and the few object operations Nightshift needs. Everything that touches S3
 * (gateway, activities, demo, tests) goes through here, so the checksum and addressing choices
 * are made once.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { Config } from '../config';
import { InputChangedError, s3ErrorCode } from './s3Errors';

export interface S3Object {
  key: string;
  size: number;
  etag?: string;
}

/**
 * AWS SDK v3 (>= 3.729) computes CRC32 checksums by default and sends uploads as aws-chunked
 * bodies with trailers. Several S3-compatible servers store that framing inside the object, so
 * the local default is WHEN_REQUIRED: plain bodies, checksums only where an operation demands
 * them. Against AWS S3 set NIGHTSHIFT_S3_CHECKSUMS=WHEN_SUPPORTED to get end-to-end CRCs.
 */
export function createS3Client(cfg: Config['s3']): S3Client {
  return new S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.forcePathStyle,
    requestChecksumCalculation: cfg.checksums,
    responseChecksumValidation: cfg.checksums,
    // The SDK waits forever by default: a dead connection would hold a batch until its batch_timeout.
    // socketTimeout is idle time (no bytes either way), so a slow but moving transfer is never cut.
    requestHandler: { connectionTimeout: cfg.connectTimeoutMs, socketTimeout: cfg.socketTimeoutMs },
    credentials:
      cfg.accessKeyId && cfg.secretAccessKey
        ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey }
        : undefined,
  });
}

/** Told of every request an observed client makes (worker metrics); the operation as the SDK names it, e.g. GetObject. */
export interface S3Recorder {
  s3Request(operation: string, seconds: number, ok: boolean): void;
}

/**
 * Times every request of `s3` from the command's start to its response headers (a streamed body is
 * read later), retries included: the latency a caller waits, which is what stalls a batch.
 */
export function observeS3Requests(s3: S3Client, recorder: S3Recorder): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const t0 = process.hrtime.bigint();
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      try {
        const out = await next(args);
        recorder.s3Request(operation, Number(process.hrtime.bigint() - t0) / 1e9, true);
        return out;
      } catch (err) {
        recorder.s3Request(operation, Number(process.hrtime.bigint() - t0) / 1e9, false);
        throw err;
      }
    },
    { step: 'initialize', name: 'nightshiftRequestTiming' },
  );
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }
}

/** Lists every object under a prefix, page by page, without holding the whole listing. */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): AsyncGenerator<S3Object> {
  let token: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal })
      .catch((err: unknown) => {
        throw aboutObject(err, bucket, prefix);
      });
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  opts: { contentType?: string; metadata?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      // Stated, so an empty body (`_SUCCESS`, an all-failed part) is not taken for a stream of unknown length.
      ContentLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      ContentType: opts.contentType ?? 'application/octet-stream',
      Metadata: opts.metadata,
    }),
    { abortSignal: opts.signal },
  );
}

/** Streams a large body (multipart when it needs to be) without buffering it whole. */
export async function uploadStream(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Readable,
  contentType = 'application/octet-stream',
): Promise<void> {
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType } }).done();
}

/** Records which object an S3 error is about, so a failure message can name it. */
function aboutObject(err: unknown, bucket: string, key: string): unknown {
  if (typeof err === 'object' && err !== null && !('s3_url' in err)) Object.assign(err, { s3_url: `s3://${bucket}/${key}` });
  return err;
}

/**
 * A readable stream of the object, or of bytes [start, end) of it. With `etag` (the ETag planning
 * recorded) the read is pinned: S3 answers 412 to `If-Match` when the object was overwritten, and
 * the answer's ETag is compared too, for servers that ignore the header.
 */
export async function getObjectStream(
  s3: S3Client,
  bucket: string,
  key: string,
  range?: { start: number; end: number },
  signal?: AbortSignal,
  etag?: string,
): Promise<Readable> {
  let res;
  try {
    res = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
        IfMatch: etag,
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    if (etag !== undefined) {
      const code = s3ErrorCode(err);
      if (code === 'PreconditionFailed') throw new InputChangedError(`s3://${bucket}/${key}`, 'was overwritten (ETag no longer matches)');
      if (code === 'NoSuchKey') throw new InputChangedError(`s3://${bucket}/${key}`, 'was deleted');
    }
    throw aboutObject(err, bucket, key);
  }
  const body = res.Body as Readable;
  if (etag !== undefined && res.ETag !== undefined && res.ETag !== etag) {
    body.destroy();
    throw new InputChangedError(`s3://${bucket}/${key}`, `was overwritten (ETag ${res.ETag}, planned ${etag})`);
  }
  return body;
}

export async function getObjectBytes(
  s3: S3Client,
  bucket: string,
  key: string,
  range?: { start: number; end: number },
  signal?: AbortSignal,
  etag?: string,
): Promise<Buffer> {
  if (range && range.end <= range.start) return Buffer.alloc(0);
  const stream = await getObjectStream(s3, bucket, key, range, signal, etag);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function getObjectText(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string> {
  return (await getObjectBytes(s3, bucket, key, undefined, signal)).toString('utf8');
}

/** Size and user metadata, or undefined when the object does not exist. */
export async function headObject(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ size: number; metadata: Record<string, string>; etag?: string } | undefined> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { size: res.ContentLength ?? 0, metadata: res.Metadata ?? {}, ...(res.ETag !== undefined ? { etag: res.ETag } : {}) };
  } catch (err) {
    if (err instanceof NotFound || err instanceof NoSuchKey || (err as { name?: string }).name === 'NotFound') {
      return undefined;
    }
    throw err;
  }
}

/** Deleting a missing key is not an error in S3, which is what a retried cleanup needs. */
export async function deleteObject(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
}
