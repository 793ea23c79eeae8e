/**
 * `POST /v1/jobs?dry_run=true`: what the job would do, without doing it. The same checks as a
 * submit (access, signature), then the matched objects and an estimate of items and batches.
 * Nothing is started and nothing is written; only lists, heads and one ranged read of a sample.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { matchInputs } from '../job/matchInputs';
import { batchSizeOf, inputKind, type JobSpec, type ModelRef } from '../job/spec';
import { parseLines } from '../batch/cutLines';
import { getObjectBytes, headObject } from '../storage/s3';
import { parseS3Url } from '../storage/s3Url';
import type { ModelSignature } from '../tfserving/signature';
import type { DryRunResult } from './apiTypes';

/** Objects listed in the answer; the count covers all of them. */
export const DRY_RUN_LISTED = 100;
const SAMPLE_BYTES = 64 * 1024;

export interface DryRunDeps {
  s3: S3Client;
  describeModel(model: ModelRef): Promise<ModelSignature | null>;
}

/** Items in the first 64 KiB of an object (whole lines only), and whether that was the whole object. */
async function sampleItems(s3: S3Client, bucket: string, key: string): Promise<{ items: number; bytes: number; whole: boolean }> {
  const head = await getObjectBytes(s3, bucket, key, { start: 0, end: SAMPLE_BYTES });
  const whole = head.length < SAMPLE_BYTES;
  const lines = whole ? head : head.subarray(0, head.lastIndexOf(10) + 1);
  return { items: parseLines(lines, 1).length, bytes: lines.length, whole };
}

export async function dryRun(deps: DryRunDeps, spec: JobSpec): Promise<DryRunResult> {
  const signature = await deps.describeModel(spec.model);
  const batchSize = batchSizeOf(spec);
  const matched: DryRunResult['matched_objects'] = { count: 0, bytes: 0, first: [] };
  let items = 0;
  let batches = 0;
  let estimate: DryRunResult['estimate'] = 'exact';
  const input = spec.input;

  if ('item_list' in input) {
    if (input.item_list.items) {
      items = input.item_list.items.length;
      batches = Math.ceil(items / batchSize);
    } else {
      const { bucket, key } = parseS3Url(input.item_list.items_s3_path!);
      const head = await headObject(deps.s3, bucket, key);
      if (head) {
        matched.count = 1;
        matched.bytes = head.size;
        matched.first.push({ path: input.item_list.items_s3_path!, size: head.size });
        const sample = await sampleItems(deps.s3, bucket, key);
        items = sample.whole ? sample.items : sample.items ? Math.round((head.size / sample.bytes) * sample.items) : 0;
        batches = Math.ceil(items / batchSize);
        if (!sample.whole) estimate = 'sampled';
      }
    }
  } else {
    const sel = 'delimited_files' in input ? input.delimited_files : input.file_path_lister;
    const delimited = 'delimited_files' in input;
    // The first DRY_RUN_LISTED files are each sampled (exact when they fit in the sample); later
    // ones are sized by the average of those. Gzip files count by their compressed bytes.
    let sampledItems = 0;
    let sampledBytes = 0;
    for await (const o of matchInputs(deps.s3, sel)) {
      matched.count++;
      matched.bytes += o.size;
      const listed = matched.first.length < DRY_RUN_LISTED;
      if (listed) matched.first.push({ path: `s3://${o.bucket}/${o.key}`, size: o.size });
      if (!delimited) continue;
      let n: number;
      if (listed && o.size > 0 && !o.key.endsWith('.gz')) {
        const sample = await sampleItems(deps.s3, o.bucket, o.key);
        sampledItems += sample.items;
        sampledBytes += sample.bytes;
        n = sample.whole ? sample.items : sample.items ? Math.round((o.size / sample.bytes) * sample.items) : 0;
        if (!sample.whole) estimate = 'sampled';
      } else {
        n = sampledItems ? Math.round((o.size / sampledBytes) * sampledItems) : 0;
        if (o.size > 0) estimate = 'sampled';
      }
      // The planner cuts each file on its own, so batches are counted per file.
      items += n;
      batches += Math.ceil(n / batchSize);
    }
    if (!delimited) {
      items = matched.count;
      batches = Math.ceil(items / batchSize);
    }
  }

  return {
    valid: true,
    job_id: spec.job_id ?? null,
    model: {
      name: spec.model.name,
      version: signature?.model.version || null,
      signature_name: spec.model.signature_name,
      inputs: Object.fromEntries(Object.entries(signature?.inputs ?? {}).map(([k, v]) => [k, { dtype: v.dtype, shape: v.shape }])),
    },
    input_kind: inputKind(spec),
    matched_objects: matched,
    estimated_items: items,
    estimated_batches: batches,
    estimate,
  };
}
