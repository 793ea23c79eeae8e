/**
 * The latest pointer against the test stack's real S3: a compare-and-swap on the object's ETag,
 * so it only ever moves to a newer scheduled time, whoever finishes last. The activity is called
 * directly with real S3 and a logger; nothing else of the worker is needed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPublishLatest, type PublishLatestInput, type PublishLatestResult } from '../activities/publishLatest';
import type { ActivityDeps } from '../activities/deps';
import { LatestPointerSchema, type LatestPointer } from '../src/schedule/latestPointer';
import { scheduledJobId } from '../src/schedule/scheduledRun';
import { createLogger } from '../src/logger';
import { putObject } from '../src/storage/s3';
import { BUCKET, s3, uniqueId } from './helpers/jobHarness';

const T = { timeout: 120_000 };
const PREFIX = `latest-pointer-test/${uniqueId('run')}`;
const written: string[] = [];
const logger = createLogger('latest-pointer-test', 'warn');

/** publishLatest needs only S3 and a logger from its deps. */
const publisherWith = (client: S3Client) => createPublishLatest({ s3: client, logger } as unknown as ActivityDeps);
const publish = publisherWith(s3);

function pointerUrl(name: string): { url: string; key: string } {
  const key = `${PREFIX}/${name}/latest.json`;
  written.push(key);
  return { url: `s3://${BUCKET}/${key}`, key };
}

function record(scheduleId: string, scheduledTime: string): LatestPointer {
  const jobId = scheduledJobId(scheduleId, new Date(scheduledTime));
  return {
    job_id: jobId,
    schedule_id: scheduleId,
    scheduled_time: scheduledTime,
    status: 'succeeded',
    output_path: `s3://${BUCKET}/out/${jobId}/`,
    manifest_path: `s3://${BUCKET}/out/${jobId}/manifest.json`,
    items_total: 10,
    items_succeeded: 10,
    items_failed: 0,
    finished_at: '2026-12-01T04:00:00Z',
  };
}

async function readRaw(key: string): Promise<{ text: string; etag: string }> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { text: (await res.Body?.transformToString()) ?? '', etag: res.ETag ?? '' };
}

async function readPointer(key: string): Promise<LatestPointer> {
  return LatestPointerSchema.parse(JSON.parse((await readRaw(key)).text));
}

const day = (n: number): string => new Date(Date.UTC(2026, 10, 1 + n, 2)).toISOString().replace('.000Z', 'Z');

/**
 * An S3 client whose first PutObject waits for `gate` before it is sent (the publisher has read
 * the pointer and decided to write); with `dropConditions`, the write is sent without If-Match /
 * If-None-Match: the plain read-then-put the activity must not be.
 */
function gatedClient(gate: Promise<void>, reachedPut: () => void, dropConditions = false): S3Client {
  let held = false;
  return {
    async send(cmd: unknown) {
      if (cmd instanceof PutObjectCommand && !held) {
        held = true;
        reachedPut();
        await gate;
        if (dropConditions) {
          delete cmd.input.IfMatch;
          delete cmd.input.IfNoneMatch;
        }
      }
      return s3.send(cmd as PutObjectCommand);
    },
  } as unknown as S3Client;
}

describe('latest pointer (publishLatest on real S3)', { timeout: 300_000 }, () => {
  after(async () => {
    for (const key of written) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  });

  test('the first write creates the object with the whole record', T, async () => {
    const { url, key } = pointerUrl('first');
    const rec = record('nightly', day(29));
    assert.deepEqual(await publish({ pointer: url, record: rec }), { published: true, current_job_id: 'nightly-2026-11-30T02:00:00Z' });
    assert.deepEqual(await readPointer(key), rec);
    assert.equal(JSON.parse((await readRaw(key)).text).job_id, 'nightly-2026-11-30T02:00:00Z');
  });

  test('an older run finishing after a newer one leaves the object unchanged, byte for byte', T, async () => {
    const { url, key } = pointerUrl('older-after-newer');
    const newer = record('nightly', day(29));
    const older = record('nightly', day(28));
    assert.equal((await publish({ pointer: url, record: newer })).published, true);
    const before = await readRaw(key);
    assert.deepEqual(await publish({ pointer: url, record: older }), { published: false, current_job_id: newer.job_id });
    const afterwards = await readRaw(key);
    assert.equal(afterwards.text, before.text);
    assert.equal(afterwards.etag, before.etag, 'not even rewritten with the same bytes');
    // And forward again: a newer one still moves it.
    const newest = record('nightly', day(30));
    assert.equal((await publish({ pointer: url, record: newest })).published, true);
    assert.deepEqual(await readPointer(key), newest);
  });

  test('the same record again (a retried attempt) is idempotent', T, async () => {
    const { url, key } = pointerUrl('idempotent');
    const rec = record('nightly', day(10));
    assert.equal((await publish({ pointer: url, record: rec })).published, true);
    const first = (await readRaw(key)).text;
    assert.deepEqual(await publish({ pointer: url, record: rec }), { published: true, current_job_id: rec.job_id });
    assert.equal((await readRaw(key)).text, first);
  });

  test('two schedules sharing a pointer at the same time: the larger job id wins in either order', T, async () => {
    const a = record('alpha', day(5));
    const z = record('zulu', day(5));
    for (const [name, order] of [['az', [a, z]] as const, ['za', [z, a]] as const]) {
      const { url, key } = pointerUrl(`tie-${name}`);
      for (const r of order) await publish({ pointer: url, record: r });
      assert.equal((await readPointer(key)).job_id, z.job_id, name);
    }
  });

  test('an object that is not a pointer record (not JSON, or JSON of another shape) is replaced', T, async () => {
    for (const [name, garbage] of [['not-json', 'this is not json {'], ['other-json', JSON.stringify({ job_id: 'x', scheduled_time: '2099-01-01T00:00:00Z' })]]) {
      const { url, key } = pointerUrl(`garbage-${name}`);
      await putObject(s3, BUCKET, key, garbage);
      const rec = record('nightly', day(1));
      assert.deepEqual(await publish({ pointer: url, record: rec }), { published: true, current_job_id: rec.job_id }, name);
      assert.deepEqual(await readPointer(key), rec, name);
    }
  });

  test('an older run that read the pointer before a newer one wrote it cannot overwrite it (the ETag condition)', T, async () => {
    // The interleaving a plain read-then-put loses: OLD reads (the pointer names day 1), NEW
    // publishes day 20, then OLD writes. Conditional, OLD's write is refused (412), it reads
    // again, sees day 20 and stops. Shown against both a first write and a replacement.
    for (const existing of [null, record('nightly', day(1))]) {
      const { url, key } = pointerUrl(`interleaved-${existing ? 'replace' : 'create'}`);
      if (existing) await publish({ pointer: url, record: existing });
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let reached!: () => void;
      const atPut = new Promise<void>((r) => (reached = r));
      const old = publisherWith(gatedClient(gate, reached))({ pointer: url, record: record('nightly', day(2)) });
      await atPut; // OLD has read and is about to write
      const newer = record('nightly', day(20));
      assert.equal((await publish({ pointer: url, record: newer })).published, true);
      open();
      assert.deepEqual(await old, { published: false, current_job_id: newer.job_id }, existing ? 'replace' : 'create');
      assert.deepEqual(await readPointer(key), newer);
    }
  });

  test('the same interleaving without the condition moves the pointer backwards: the condition is what protects it', T, async () => {
    const { url, key } = pointerUrl('interleaved-unconditional');
    await publish({ pointer: url, record: record('nightly', day(1)) });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let reached!: () => void;
    const atPut = new Promise<void>((r) => (reached = r));
    const old = publisherWith(gatedClient(gate, reached, true))({ pointer: url, record: record('nightly', day(2)) });
    await atPut;
    await publish({ pointer: url, record: record('nightly', day(20)) });
    open();
    assert.equal((await old).published, true);
    assert.equal((await readPointer(key)).scheduled_time, day(2), 'a plain put lets the older run win: this is the race the ETag condition closes');
  });

  test('20 publishers at once, scheduled times shuffled: every call resolves and the pointer names the newest', T, async () => {
    for (let round = 0; round < 3; round++) {
      const { url, key } = pointerUrl(`concurrent-${round}`);
      const records = Array.from({ length: 20 }, (_, i) => record('nightly', day(i)));
      const shuffled = [...records].sort(() => Math.random() - 0.5);
      const settled = await Promise.allSettled(shuffled.map((r) => publish({ pointer: url, record: r } satisfies PublishLatestInput)));
      const rejected = settled.filter((s) => s.status === 'rejected');
      assert.deepEqual(rejected.map((r) => String((r as PromiseRejectedResult).reason)), [], `round ${round}: no call threw`);
      const results = settled.map((s) => (s as PromiseFulfilledResult<PublishLatestResult>).value);
      const newest = records.at(-1)!;
      assert.deepEqual(await readPointer(key), newest, `round ${round}`);
      const winner = shuffled.findIndex((r) => r.job_id === newest.job_id);
      assert.deepEqual(results[winner], { published: true, current_job_id: newest.job_id }, `round ${round}: the newest run says it published`);
      // Every publisher that stood down names a run newer than its own.
      for (const [i, res] of results.entries()) {
        if (!res.published) assert.ok(res.current_job_id > shuffled[i]!.job_id, `round ${round}: ${shuffled[i]!.job_id} stood down for ${res.current_job_id}`);
      }
    }
  });
});
