/**
 * Plan activity: validates the job against the model's signature, lists every matching object
 * (paginated), cuts the input into tasks and writes them to `<job>/_plan/` in chunks. Only the
 * counts and keys go back to the workflow, whatever the input's size.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createGunzip } from 'node:zlib';
import type { ActivityDeps } from './deps';
import { putObject, getObjectStream, getObjectBytes, headObject } from '../src/storage/s3';
import { parseS3Url } from '../src/storage/s3Url';
import { matchInputs, type MatchedObject } from '../src/job/matchInputs';
import { jobLocation, stagedItemsKey, type JobLocation } from '../src/job/layout';
import { planChunkKey, planSummaryKey, TASKS_PER_CHUNK, taskBatchCount, taskItemCount, type PlanSummary, type PlanTask } from '../src/job/plan';
import type { FieldIssue, ResolvedJobSpec } from '../src/job/spec';
import { checkItems, modelIssue, resolveBytesInput } from '../src/job/validateJob';
import { cutLines, parseLines } from '../src/batch/cutLines';
import { AutoHeartbeat } from '../src/batch/autoHeartbeat';
import { missingTasks, readOriginalOutput, type OriginalOutput } from '../src/job/retryTasks';
import { TfServingError } from '../src/tfserving/errors';
import type { ModelSignature } from '../src/tfserving/signature';

export interface PlanJobInput {
  spec: ResolvedJobSpec;
}

function invalidJob(issues: FieldIssue[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'InvalidJob',
    message: issues.map((i) => `${i.field}: ${i.reason}`).join('; '),
    nonRetryable: true,
    details: [issues],
  });
}

/** Buffers tasks and writes them to S3 a chunk at a time. */
class PlanWriter {
  private pending: PlanTask[] = [];
  private chunk = 0;
  tasks = 0;
  batches = 0;
  items = 0;

  constructor(
    private readonly deps: ActivityDeps,
    private readonly loc: JobLocation,
  ) {}

  async add(task: PlanTask): Promise<void> {
    this.pending.push(task);
    this.tasks++;
    this.batches += taskBatchCount(task);
    this.items += taskItemCount(task);
    if (this.pending.length === TASKS_PER_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const body = `${this.pending.map((t) => JSON.stringify(t)).join('\n')}\n`;
    await putObject(this.deps.s3, this.loc.bucket, planChunkKey(this.loc, this.chunk), body, { contentType: 'application/x-ndjson' });
    this.pending = [];
    this.chunk++;
    Context.current().heartbeat({ tasks: this.tasks });
  }
}

async function planLines(w: PlanWriter, deps: ActivityDeps, obj: { bucket: string; key: string }, batchSize: number, hasSource: boolean): Promise<void> {
  const body = await getObjectStream(deps.s3, obj.bucket, obj.key, undefined, Context.current().cancellationSignal);
  for await (const r of cutLines(body, batchSize)) {
    await w.add({ kind: 'lines', batch: w.batches, bucket: obj.bucket, key: obj.key, start: r.start, end: r.end, first_item: w.items, first_line: r.first_line, count: r.count, has_source: hasSource });
  }
}

/** gzip cannot be cut by byte range: count its lines once, and give it one task of many batches. */
async function planGzip(w: PlanWriter, deps: ActivityDeps, obj: MatchedObject, batchSize: number): Promise<void> {
  const body = await getObjectStream(deps.s3, obj.bucket, obj.key, undefined, Context.current().cancellationSignal);
  let count = 0;
  for await (const r of cutLines(body.pipe(createGunzip()), batchSize)) count += r.count;
  if (count === 0) return;
  await w.add({ kind: 'gzip', batch: w.batches, batches: Math.ceil(count / batchSize), bucket: obj.bucket, key: obj.key, first_item: w.items, count, batch_size: batchSize });
}

async function sampleItems(deps: ActivityDeps, obj: { bucket: string; key: string }): Promise<unknown[]> {
  const head = await getObjectBytes(deps.s3, obj.bucket, obj.key, { start: 0, end: 64 * 1024 });
  const text = head.subarray(0, head.lastIndexOf(10) + 1 || head.length);
  return parseLines(text, 1)
    .filter((l) => l.error === undefined)
    .map((l) => l.value);
}

export function createPlanJob(deps: ActivityDeps) {
  return async function planJob({ spec }: PlanJobInput): Promise<PlanSummary> {
    // Listing millions of keys or counting a large file writes no chunk for a while: keep beating.
    const hb = new AutoHeartbeat<{ tasks: number }>({ tasks: 0 });
    try {
      return await plan(spec);
    } finally {
      hb.stop();
    }
  };

  async function plan(spec: ResolvedJobSpec): Promise<PlanSummary> {
    const loc = jobLocation(spec.output.s3_path, spec.job_id);
    const signal = Context.current().cancellationSignal;
    let signature: ModelSignature;
    try {
      signature = await deps.tfserving.forModel(spec.model.name).getModelMetadata(spec.model, { signal });
    } catch (err) {
      if (err instanceof TfServingError && !err.retryable) throw invalidJob([modelIssue(spec.model, err)]);
      throw err;
    }
    const w = new PlanWriter(deps, loc);
    if (spec.retry_of !== undefined) return planRetry(spec, spec.retry_of, w, loc, signature, signal);
    const input = spec.input;
    let inputName: string | null = null;
    let objects = 0;
    if ('item_list' in input) {
      const list = input.item_list;
      let staged: { bucket: string; key: string };
      if (list.items) {
        const issues = checkItems(signature, list.items, 'input.item_list.items');
        if (issues.length) throw invalidJob(issues);
        staged = { bucket: loc.bucket, key: stagedItemsKey(loc) };
        await putObject(deps.s3, staged.bucket, staged.key, `${list.items.map((i) => JSON.stringify(i)).join('\n')}\n`, { contentType: 'application/x-ndjson' });
      } else {
        staged = parseS3Url(list.items_s3_path!);
        if (!(await headObject(deps.s3, staged.bucket, staged.key, signal))) {
          throw invalidJob([{ field: 'input.item_list.items_s3_path', reason: `no object at ${list.items_s3_path}` }]);
        }
        const issues = checkItems(signature, await sampleItems(deps, staged), 'input.item_list.items');
        if (issues.length) throw invalidJob(issues);
      }
      objects = 1;
      await planLines(w, deps, staged, list.batch_size, false);
    } else if ('delimited_files' in input) {
      const sel = input.delimited_files;
      let sampled = false;
      for await (const obj of matchInputs(deps.s3, sel, signal)) {
        objects++;
        if (obj.key.endsWith('.gz')) {
          await planGzip(w, deps, obj, sel.batch_size);
          continue;
        }
        if (!sampled && obj.size > 0) {
          sampled = true;
          const issues = checkItems(signature, await sampleItems(deps, obj), `input.delimited_files (s3://${obj.bucket}/${obj.key})`);
          if (issues.length) throw invalidJob(issues);
        }
        await planLines(w, deps, obj, sel.batch_size, true);
      }
    } else {
      const sel = input.file_path_lister;
      const resolved = resolveBytesInput(signature, sel.input_name);
      if (resolved.issue) throw invalidJob([resolved.issue]);
      inputName = resolved.name!;
      let group: { bucket: string; key: string; size: number }[] = [];
      let first = 0;
      for await (const obj of matchInputs(deps.s3, sel, signal)) {
        objects++;
        group.push({ bucket: obj.bucket, key: obj.key, size: obj.size });
        if (group.length === sel.batch_size) {
          await w.add({ kind: 'objects', batch: w.batches, first_item: first, objects: group });
          first += group.length;
          group = [];
        }
      }
      if (group.length) await w.add({ kind: 'objects', batch: w.batches, first_item: first, objects: group });
    }
    await w.flush();
    if (w.items === 0) {
      const field = 'item_list' in input ? 'input.item_list' : `input.${'delimited_files' in input ? 'delimited_files' : 'file_path_lister'}.s3_paths`;
      throw invalidJob([{ field, reason: objects ? `matched ${objects} object(s) but no items` : 'matches no object' }]);
    }
    return writeSummary(w, loc, objects, inputName, signature);
  }

  async function writeSummary(w: PlanWriter, loc: JobLocation, objects: number, inputName: string | null, signature: ModelSignature): Promise<PlanSummary> {
    const summary: PlanSummary = {
      tasks_total: w.tasks,
      batches_total: w.batches,
      items_total: w.items,
      objects_total: objects,
      tasks_per_chunk: TASKS_PER_CHUNK,
      plan_prefix: `s3://${loc.bucket}/${loc.prefix}_plan/`,
      input_name: inputName,
      model_version: signature.model.version ?? null,
    };
    await putObject(deps.s3, loc.bucket, planSummaryKey(loc), JSON.stringify(summary, null, 2), { contentType: 'application/json' });
    deps.logger.info({ tasks: summary.tasks_total, batches: summary.batches_total, items: summary.items_total, objects, model_version: summary.model_version }, 'job planned');
    return summary;
  }

  /** A retry plans no input: it takes the original's tasks, narrowed to what the original's output lacks. */
  async function planRetry(spec: ResolvedJobSpec, retryOf: string, w: PlanWriter, loc: JobLocation, signature: ModelSignature, signal: AbortSignal): Promise<PlanSummary> {
    const origLoc = jobLocation(spec.output.s3_path, retryOf);
    let orig: OriginalOutput;
    try {
      orig = await readOriginalOutput(deps.s3, origLoc, signal);
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
      throw invalidJob([{ field: 'retry_of', reason: `job ${retryOf} has no plan at s3://${origLoc.bucket}/${planSummaryKey(origLoc)}` }]);
    }
    for await (const task of missingTasks(deps.s3, orig, signal)) await w.add(task);
    await w.flush();
    if (w.items === 0) throw invalidJob([{ field: 'retry_of', reason: `job ${retryOf} lacks no item: nothing to retry` }]);
    return writeSummary(w, loc, orig.plan.objects_total, orig.plan.input_name, signature);
  }
}
