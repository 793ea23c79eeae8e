/**
 * Plan activity: validates the job against the model's signature, lists every matching object
 * (paginated), cuts the input into tasks and writes them to `<job>/_plan/` in chunks. Only the
 * counts and keys go back to the workflow, whatever the input's size. Every `.gz` input is
 * inflated once into staged plain chunks (src/batch/stageGzip.ts), checkpointed in the heartbeat
 * details, so a retried attempt does not upload them again.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { putObject, getObjectStream, getObjectBytes, headObject } from '../src/storage/s3';
import { parseS3Url } from '../src/storage/s3Url';
import { matchInputs, type MatchedObject } from '../src/job/matchInputs';
import { DEFAULT_PART_KEY_WIDTH, jobLocation, jobUrl, partKeyWidth, stagedItemsKey, type JobLocation } from '../src/job/layout';
import { clearJobOutput, earlierOutputKey } from '../src/job/earlierOutput';
import { InputChangedError, permanentFailure } from '../src/storage/s3Errors';
import { planChunkKey, planSummaryKey, TASKS_PER_CHUNK, taskBatchCount, taskItemCount, type PlanSummary, type PlanTask } from '../src/job/plan';
import type { FieldIssue, ResolvedJobSpec } from '../src/job/spec';
import { checkItems, modelIssue, resolveBytesInput } from '../src/job/validateJob';
import { cutLines, parseLines } from '../src/batch/cutLines';
import { mapLimit } from '../src/batch/mapLimit';
import { AutoHeartbeat } from '../src/batch/autoHeartbeat';
import { stageGzip, StagingChanged, type StagingCheckpoint } from '../src/batch/stageGzip';
import { missingTasks, readOriginalOutput, type OriginalOutput } from '../src/job/retryTasks';
import { TfServingError } from '../src/tfserving/errors';
import type { ModelSignature } from '../src/tfserving/signature';
import { pinnedVersion } from '../src/job/modelPin';

export interface PlanJobInput {
  spec: ResolvedJobSpec;
  /**
   * Set for a schedule's run: its id is fixed by the time it stands for, and a night that failed
   * runs again under that id, so it replaces what the failed run wrote (as `output.overwrite`).
   */
  replace_output?: boolean;
}

/** Heartbeat details of the planning activity; only `staging` is read back by a retried attempt. */
export interface PlanCheckpoint {
  tasks: number;
  staging: StagingCheckpoint;
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
    private readonly progress: Progress,
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
    this.progress.beat({ tasks: this.tasks });
  }
}

/** The checkpoint as it stands, sent with every heartbeat so no beat drops the staging count. */
class Progress {
  readonly hb: AutoHeartbeat<PlanCheckpoint>;

  constructor(private current: PlanCheckpoint) {
    this.hb = new AutoHeartbeat<PlanCheckpoint>(current);
  }

  get staging(): StagingCheckpoint {
    return this.current.staging;
  }

  beat(change: Partial<PlanCheckpoint>): void {
    this.current = { ...this.current, ...change };
    this.hb.beat(this.current);
  }
}

/** `obj.etag`: the ETag the object was listed with; the plan is cut from that content and batches read only it. */
async function planLines(w: PlanWriter, deps: ActivityDeps, obj: { bucket: string; key: string; etag?: string }, batchSize: number, hasSource: boolean): Promise<void> {
  const body = await getObjectStream(deps.s3, obj.bucket, obj.key, undefined, Context.current().cancellationSignal, obj.etag);
  const etag = obj.etag !== undefined ? { etag: obj.etag } : {};
  for await (const r of cutLines(body, batchSize)) {
    await w.add({ kind: 'lines', batch: w.batches, bucket: obj.bucket, key: obj.key, start: r.start, end: r.end, first_item: w.items, first_line: r.first_line, count: r.count, has_source: hasSource, ...etag });
  }
}

/**
 * gzip cannot be cut by byte range: inflate it once into staged chunks and plan ordinary byte-range
 * tasks over them, which keep the `.gz` object's URL as `source` and its line numbers. Returns the
 * number of the next chunk.
 */
async function planGzip(w: PlanWriter, deps: ActivityDeps, loc: JobLocation, obj: MatchedObject, batchSize: number, firstChunk: number, progress: Progress): Promise<number> {
  let next = firstChunk;
  const resume = progress.staging;
  const ranges = stageGzip({
    s3: deps.s3,
    loc,
    obj,
    batchSize,
    chunkBytes: deps.gzStageChunkBytes,
    firstChunk,
    resume,
    signal: Context.current().cancellationSignal,
    onChunk: (id) => {
      next = id.n + 1;
      // Re-deriving chunks an earlier attempt staged must not move the checkpoint back.
      if (next > progress.staging.staged) progress.beat({ staging: { staged: next, last: id } });
    },
  });
  const source = `s3://${obj.bucket}/${obj.key}`;
  for await (const r of ranges) {
    await w.add({ kind: 'lines', batch: w.batches, bucket: loc.bucket, key: r.key, start: r.start, end: r.end, first_item: w.items, first_line: r.first_line, count: r.count, has_source: true, source });
  }
  return next;
}

/**
 * A retry reads the inputs as they are when it is planned (the docs say to fix bad rows in place
 * first), and is pinned to that content for its own run: each task's ETag is replaced by the
 * object's current one. A deleted object keeps the planned ETag, so its batches fail InputChanged.
 */
function currentEtags(deps: ActivityDeps, signal: AbortSignal): (task: PlanTask) => Promise<PlanTask> {
  let last: { url: string; etag: string | undefined } | undefined; // tasks of one object are consecutive
  const etagOf = async (bucket: string, key: string): Promise<string | undefined> => {
    const url = `s3://${bucket}/${key}`;
    if (last?.url !== url) last = { url, etag: (await headObject(deps.s3, bucket, key, signal))?.etag };
    return last.etag;
  };
  return async (task) => {
    if (task.kind === 'objects') {
      const objects = await mapLimit(task.objects, 8, async (o) =>
        o.etag === undefined ? o : { ...o, etag: (await headObject(deps.s3, o.bucket, o.key, signal))?.etag ?? o.etag },
      );
      return { ...task, objects };
    }
    return task.etag === undefined ? task : { ...task, etag: (await etagOf(task.bucket, task.key)) ?? task.etag };
  };
}

async function sampleItems(deps: ActivityDeps, obj: { bucket: string; key: string; etag?: string }): Promise<unknown[]> {
  const head = await getObjectBytes(deps.s3, obj.bucket, obj.key, { start: 0, end: 64 * 1024 }, undefined, obj.etag);
  const text = head.subarray(0, head.lastIndexOf(10) + 1 || head.length);
  return parseLines(text, 1)
    .filter((l) => l.error === undefined)
    .map((l) => l.value);
}

export function createPlanJob(deps: ActivityDeps) {
  return async function planJob({ spec, replace_output }: PlanJobInput): Promise<PlanSummary> {
    const resumed = (Context.current().info.heartbeatDetails as Partial<PlanCheckpoint> | undefined)?.staging;
    // Listing millions of keys or counting a large file writes no chunk for a while: keep beating.
    const progress = new Progress({ tasks: 0, staging: resumed ?? { staged: 0, last: null } });
    try {
      return await plan(spec, replace_output === true || spec.output.overwrite === true, progress);
    } catch (err) {
      // Changed while being planned: the next attempt lists it again and plans what is there now.
      if (err instanceof InputChangedError) throw new Error(err.message);
      if (err instanceof StagingChanged) {
        // The input is not what the checkpoint describes: the next attempt stages everything again.
        progress.beat({ staging: { staged: 0, last: null } });
        throw ApplicationFailure.create({ type: err.name, message: err.message });
      }
      throw permanentFailure(err, `planning job ${spec.job_id}`) ?? err;
    } finally {
      progress.hb.stop();
    }
  };

  /** Refuses a prefix holding an earlier job's parts, or clears it when the job may replace them. */
  async function claimOutput(loc: JobLocation, overwrite: boolean, signal: AbortSignal): Promise<void> {
    if (overwrite) {
      const deleted = await clearJobOutput(deps.s3, loc, signal, (n) => Context.current().heartbeat({ deleted: n }));
      if (deleted) deps.logger.info({ output: jobUrl(loc), deleted }, 'cleared the output of an earlier job (output.overwrite)');
      return;
    }
    const earlier = await earlierOutputKey(deps.s3, loc, signal);
    if (earlier === undefined) return;
    throw ApplicationFailure.create({
      type: 'OutputExists',
      message: `${jobUrl(loc)} already holds parts of an earlier job (s3://${loc.bucket}/${earlier}); choose another job_id, or set output.overwrite: true to replace them`,
      nonRetryable: true,
      details: [{ output_path: jobUrl(loc), key: `s3://${loc.bucket}/${earlier}` }],
    });
  }

  async function plan(spec: ResolvedJobSpec, overwrite: boolean, progress: Progress): Promise<PlanSummary> {
    const loc = jobLocation(spec.output.s3_path, spec.job_id);
    const signal = Context.current().cancellationSignal;
    let signature: ModelSignature;
    try {
      signature = await deps.tfserving.forModel(spec.model.name).getModelMetadata(spec.model, { signal });
    } catch (err) {
      if (err instanceof TfServingError && !err.retryable) throw invalidJob([modelIssue(spec.model, err)]);
      throw err;
    }
    // An attempt that resumes staging follows one that claimed the prefix: clearing it again would delete the staged chunks.
    if (progress.staging.staged === 0) await claimOutput(loc, overwrite, signal);
    const w = new PlanWriter(deps, loc, progress);
    if (spec.retry_of !== undefined) return planRetry(spec, spec.retry_of, w, loc, signature, signal);
    const input = spec.input;
    let inputName: string | null = null;
    let objects = 0;
    if ('item_list' in input) {
      const list = input.item_list;
      let staged: { bucket: string; key: string; etag?: string };
      if (list.items) {
        const issues = checkItems(signature, list.items, 'input.item_list.items');
        if (issues.length) throw invalidJob(issues);
        staged = { bucket: loc.bucket, key: stagedItemsKey(loc) };
        await putObject(deps.s3, staged.bucket, staged.key, `${list.items.map((i) => JSON.stringify(i)).join('\n')}\n`, { contentType: 'application/x-ndjson' });
      } else {
        const url = parseS3Url(list.items_s3_path!);
        const head = await headObject(deps.s3, url.bucket, url.key, signal);
        if (!head) throw invalidJob([{ field: 'input.item_list.items_s3_path', reason: `no object at ${list.items_s3_path}` }]);
        // The job's own staged list cannot change under it; a list the user keeps elsewhere is pinned like any input.
        staged = url.key === stagedItemsKey(loc) && url.bucket === loc.bucket ? url : { ...url, etag: head.etag };
        const issues = checkItems(signature, await sampleItems(deps, staged), 'input.item_list.items');
        if (issues.length) throw invalidJob(issues);
      }
      objects = 1;
      await planLines(w, deps, staged, list.batch_size, false);
    } else if ('delimited_files' in input) {
      const sel = input.delimited_files;
      let sampled = false;
      let chunks = 0;
      for await (const obj of matchInputs(deps.s3, sel, signal)) {
        objects++;
        if (obj.key.endsWith('.gz')) {
          chunks = await planGzip(w, deps, loc, obj, sel.batch_size, chunks, progress);
          continue;
        }
        if (!sampled && obj.size > 0) {
          sampled = true;
          const issues = checkItems(signature, await sampleItems(deps, obj), `input.delimited_files (s3://${obj.bucket}/${obj.key})`);
          if (issues.length) throw invalidJob(issues);
        }
        await planLines(w, deps, obj, sel.batch_size, true);
      }
      if (progress.staging.staged > chunks) {
        throw new StagingChanged(`the previous planning attempt staged ${progress.staging.staged} chunk(s), the inputs now make ${chunks}`);
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
        group.push({ bucket: obj.bucket, key: obj.key, size: obj.size, ...(obj.etag !== undefined ? { etag: obj.etag } : {}) });
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
    return writeSummary(w, loc, objects, inputName, signature, pinnedVersion(spec.model, signature.model.version), partKeyWidth(w.batches));
  }

  async function writeSummary(
    w: PlanWriter,
    loc: JobLocation,
    objects: number,
    inputName: string | null,
    signature: ModelSignature,
    pinned: string | null,
    keyWidth: number,
  ): Promise<PlanSummary> {
    const summary: PlanSummary = {
      tasks_total: w.tasks,
      batches_total: w.batches,
      items_total: w.items,
      objects_total: objects,
      tasks_per_chunk: TASKS_PER_CHUNK,
      plan_prefix: `s3://${loc.bucket}/${loc.prefix}_plan/`,
      input_name: inputName,
      model_version: signature.model.version ?? null,
      pinned_version: pinned,
      part_key_width: keyWidth,
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
    const repin = currentEtags(deps, signal);
    for await (const task of missingTasks(deps.s3, orig, signal)) await w.add(await repin(task));
    await w.flush();
    if (w.items === 0) throw invalidJob([{ field: 'retry_of', reason: `job ${retryOf} lacks no item: nothing to retry` }]);
    // A retry fills in the original's output: it calls the version the original was pinned to, not today's latest.
    const pinned = pinnedVersion(spec.model, orig.plan.pinned_version ?? signature.model.version);
    // The retry writes the original's batch numbers: the same key width keeps both outputs alike.
    const width = orig.plan.part_key_width ?? DEFAULT_PART_KEY_WIDTH;
    return writeSummary(w, loc, orig.plan.objects_total, orig.plan.input_name, signature, pinned, width);
  }
}
