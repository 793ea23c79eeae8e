/**
 * The S3 client against the test stack's real S3 server: what goes in comes back byte for byte.
 * AWS SDK v3 sends uploads as aws-chunked bodies with CRC trailers unless told otherwise, and some
 * S3-compatible servers store that framing inside the object; these tests catch that corruption.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/config';
import { createS3Client, ensureBucket, getObjectBytes, headObject, listObjects, putObject, uploadStream } from '../src/storage/s3';

const config = loadConfig();
const s3 = createS3Client(config.s3);
const bucket = config.s3.bucket;
const prefix = `test-s3/${Date.now()}-${randomBytes(3).toString('hex')}/`;
const MiB = 1024 * 1024;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const everyByteValue = () => Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));

/** A stream of `size` bytes in uneven chunks, as a file or socket would deliver them. */
function chunked(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7 + 65_537) % (1 << 20)) yield data.subarray(at, at + n);
    })(),
  );
}

test.before(async () => ensureBucket(s3, bucket), { timeout: 30_000 });
test.after(() => s3.destroy());

test('putObject stores every byte value unchanged', { timeout: 30_000 }, async () => {
  const data = everyByteValue();
  await putObject(s3, bucket, `${prefix}bytes.bin`, data);
  const back = await getObjectBytes(s3, bucket, `${prefix}bytes.bin`);
  assert.equal(back.length, data.length);
  assert.ok(back.equals(data), 'object read back differs from what was put');
  assert.equal((await headObject(s3, bucket, `${prefix}bytes.bin`))?.size, data.length);
});

test('putObject of a 6 MiB binary body reads back identical', { timeout: 60_000 }, async () => {
  const data = randomBytes(6 * MiB);
  await putObject(s3, bucket, `${prefix}six.bin`, data);
  const back = await getObjectBytes(s3, bucket, `${prefix}six.bin`);
  assert.equal(back.length, data.length);
  assert.equal(sha(back), sha(data));
});

test('putObject of a string body stores its UTF-8 bytes', { timeout: 30_000 }, async () => {
  const text = '{"user_id": 1, "name": "Zoë ✓ 東京"}\n'.repeat(100);
  await putObject(s3, bucket, `${prefix}text.jsonl`, text, { contentType: 'application/x-ndjson' });
  assert.ok((await getObjectBytes(s3, bucket, `${prefix}text.jsonl`)).equals(Buffer.from(text, 'utf8')));
});

test('uploadStream of a small stream (single request) reads back identical', { timeout: 30_000 }, async () => {
  const data = Buffer.concat([everyByteValue(), randomBytes(100_000)]);
  await uploadStream(s3, bucket, `${prefix}small-stream.bin`, chunked(data));
  assert.equal(sha(await getObjectBytes(s3, bucket, `${prefix}small-stream.bin`)), sha(data));
});

test('uploadStream of 13 MiB (multipart, uneven chunks) reads back identical', { timeout: 120_000 }, async () => {
  const data = randomBytes(13 * MiB);
  await uploadStream(s3, bucket, `${prefix}multipart.bin`, chunked(data));
  const back = await getObjectBytes(s3, bucket, `${prefix}multipart.bin`);
  assert.equal(back.length, data.length);
  assert.equal(sha(back), sha(data));
});

test('a byte range reads exactly those bytes', { timeout: 30_000 }, async () => {
  const data = everyByteValue();
  await putObject(s3, bucket, `${prefix}range.bin`, data);
  for (const [start, end] of [
    [0, 1],
    [100, 1000],
    [4000, 4096],
  ] as const) {
    const part = await getObjectBytes(s3, bucket, `${prefix}range.bin`, { start, end });
    assert.ok(part.equals(data.subarray(start, end)), `range [${start}, ${end})`);
  }
});

test('listObjects finds every uploaded key with its size', { timeout: 30_000 }, async () => {
  const listed = new Map<string, number>();
  for await (const o of listObjects(s3, bucket, prefix)) listed.set(o.key.slice(prefix.length), o.size);
  assert.equal(listed.get('bytes.bin'), 4096);
  assert.equal(listed.get('six.bin'), 6 * MiB);
  assert.equal(listed.get('multipart.bin'), 13 * MiB);
});

test('with checksums WHEN_SUPPORTED (aws-chunked CRC trailers) objects read back identical too', { timeout: 120_000 }, async () => {
  const chunkedS3 = createS3Client({ ...config.s3, checksums: 'WHEN_SUPPORTED' });
  try {
    const data = randomBytes(6 * MiB);
    await putObject(chunkedS3, bucket, `${prefix}crc-put.bin`, data);
    await uploadStream(chunkedS3, bucket, `${prefix}crc-upload.bin`, chunked(data));
    for (const key of ['crc-put.bin', 'crc-upload.bin']) {
      const back = await getObjectBytes(s3, bucket, `${prefix}${key}`);
      assert.equal(back.length, data.length, key);
      assert.equal(sha(back), sha(data), key);
    }
  } finally {
    chunkedS3.destroy();
  }
});
