/**
 * Scale: a 1,000,000-item and a 10,000,000-item `delimited_files` job (100,000 with --quick), each on
 * its own private stack, with default job settings (batch_size 500, parallelism 8). The model server
 * serves a tiny generated recommender (1,000 users, 16 items, dim 4: a few hundred flops per item),
 * so the Predict path costs little and what is measured is the orchestration: wall time, the worker's
 * peak RSS, events per run and the number of runs, the largest Temporal payload, activities, Temporal
 * actions and S3 requests per 1,000 items, and the time lost at each continue-as-new.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { startPrivateStack, type PrivateStack } from './benchStack';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from './scenario';
import { historyStats, type HistoryStats } from './historyStats';
import { startBenchJob } from './startBenchJob';
import { generateModels } from '../src/model-server/generateModels';
import { createS3Client, ensureBucket, getObjectText, putObject } from '../src/storage/s3';
import { parseS3Url } from '../src/storage/s3Url';
import { connectClient } from '../src/temporal/connectClient';
import type { JobProgress } from '../src/job/messages';
import { mapLimit } from '../src/batch/mapLimit';

/** The cheap model: enough users for the input's ids, the fewest items a top 10 allows. */
const TINY_MODEL = { numUsers: 1000, numItems: 16, dim: 4 };
const ITEMS_PER_FILE = 100_000;
const BATCH_SIZE = 500;
const PARALLELISM = 8;
const MiB = 1024 * 1024;

export const TARGETS = { rssBytes: 400 * MiB, eventsPerRun: 10_000, payloadBytes: 256 * 1024, canLostRatio: 0.02 };

/** One input file, generated when it is uploaded: 10M rows never sit in memory at once. */
function fileBody(first: number, count: number): string {
  const lines = new Array<string>(count);
  for (let i = 0; i < count; i++) lines[i] = `{"user_id":${(first + i) % TINY_MODEL.numUsers}}`;
  return `${lines.join('\n')}\n`;
}

async function uploadItems(s3: S3Client, bucket: string, prefix: string, items: number): Promise<void> {
  const files = Math.ceil(items / ITEMS_PER_FILE);
  await mapLimit(
    Array.from({ length: files }, (_, f) => f),
    4,
    async (f) => {
      const first = f * ITEMS_PER_FILE;
      const key = `${prefix}items-${String(f).padStart(5, '0')}.jsonl`;
      await putObject(s3, bucket, key, fileBody(first, Math.min(ITEMS_PER_FILE, items - first)), { contentType: 'application/x-ndjson' });
    },
  );
}

/** VmRSS and VmHWM (peak) of a process, in bytes, or null once it is gone. */
function processMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Sums of a Prometheus text exposition's samples of `metric` by the value of `label`. */
function samplesBy(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

function sampleValue(text: string, metric: string): number | null {
  const m = new RegExp(`^${metric} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

export interface ScaleRun {
  items: number;
  job_id: string;
  status: string;
  manifest_items_in_parts: number | null;
  manifest_items_succeeded: number | null;
  /** Items done when measured (all of them unless stopped at the time limit). */
  items_done: number;
  completed: boolean;
  upload_s: number;
  wall_s: number;
  items_per_s: number;
  worker_peak_rss_bytes: number;
  /** Peaks of the worker's main-thread V8 heap and of its external memory (Buffers), from its /metrics. */
  worker_peak_heap_used_bytes: number;
  worker_peak_external_bytes: number;
  history: HistoryStats;
  s3_requests: Record<string, number>;
  per_1000_items: { activities: number; temporal_actions: number; s3_requests: number };
  can_lost_ratio: number;
  load: string;
}

/** Runs one job of `items` items on its own private stack and measures it. */
export async function runScale(
  ctx: BenchContext,
  items: number,
  opts: { workerEnv?: Record<string, string>; /** Epoch ms: stop measuring (and end the job) then, finished or not. */ stopAt?: number } = {},
): Promise<ScaleRun> {
  const modelDir = mkdtempSync(join(tmpdir(), 'nightshift-scale-models-'));
  generateModels({ basePath: modelDir, recommender: TINY_MODEL, echoBytes: false });
  let stack: PrivateStack | null = null;
  try {
    stack = await startPrivateStack({
      parts: ['temporal', 's3', 'model-server', 'worker'],
      env: { NIGHTSHIFT_MODEL_BASE_PATH: modelDir, ...opts.workerEnv },
      log: (l) => ctx.log(`  ${l}`),
      label: 'bench-scale',
    });
    const { config } = stack;
    const workerPid = stack.parts.find((p) => p.name === 'worker')?.pid;
    if (workerPid === undefined) throw new Error('the private stack has no worker process');
    const metricsUrl = `http://${config.worker.metricsAddr ?? ''}/metrics`;
    const s3 = createS3Client(config.s3);
    const client = await connectClient(config.temporal);
    try {
      const bucket = config.s3.bucket;
      await ensureBucket(s3, bucket);
      const u0 = performance.now();
      ctx.log(`uploading ${items} items`);
      await uploadItems(s3, bucket, 'scale/input/', items);
      const uploadS = (performance.now() - u0) / 1000;

      let peakRss = 0;
      let peakHeap = 0;
      let peakExternal = 0;
      const sampler = setInterval(() => {
        const m = processMemory(workerPid);
        if (m) peakRss = Math.max(peakRss, m.rss, m.hwm);
      }, 1000);
      const scrape = async (): Promise<string> => (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
      const heapPoll = setInterval(() => {
        scrape().then(
          (text) => {
            peakHeap = Math.max(peakHeap, sampleValue(text, 'nightshift_worker_nodejs_heap_size_used_bytes') ?? 0);
            peakExternal = Math.max(peakExternal, sampleValue(text, 'nightshift_worker_nodejs_external_memory_bytes') ?? 0);
          },
          () => undefined,
        );
      }, 5000);

      const jobId = `scale-${items}-${randomBytes(3).toString('hex')}`;
      const t0 = performance.now();
      const handle = await startBenchJob(client, config, {
        jobId,
        model: 'recommender',
        inputUrl: `s3://${bucket}/scale/input/`,
        outputUrl: `s3://${bucket}/scale/output/`,
        batchSize: BATCH_SIZE,
        parallelism: PARALLELISM,
      });
      const progressLog = setInterval(() => {
        handle.query<JobProgress>('status').then(
          (p) =>
            ctx.log(
              `  ${jobId}: ${p.status} ${p.items_succeeded + p.items_failed}/${p.items_total ?? '?'} items, ` +
                `rss ${((processMemory(workerPid)?.rss ?? 0) / MiB) | 0} MiB (peak ${(peakRss / MiB) | 0}, main heap peak ${(peakHeap / MiB) | 0})`,
            ),
          () => undefined,
        );
      }, 30_000);
      let final: JobProgress;
      let stopTimer: NodeJS.Timeout | undefined;
      try {
        // Follows the continue-as-new chain to the last run's result.
        const result = handle.result();
        if (opts.stopAt === undefined) final = await result;
        else {
          // Out of time (a busy machine): measure what ran so far, then end the job.
          const outOfTime = new Promise<null>((r) => (stopTimer = setTimeout(() => r(null), Math.max(0, opts.stopAt! - Date.now()))));
          const first = await Promise.race([result, outOfTime]);
          if (first) final = first;
          else {
            final = { ...(await handle.query<JobProgress>('status')), status: 'running' };
            ctx.log(`  ${jobId}: stopped at the time limit with ${final.items_succeeded} items done`);
            result.catch(() => undefined);
          }
        }
      } finally {
        clearTimeout(stopTimer);
        clearInterval(progressLog);
        clearInterval(sampler);
        clearInterval(heapPoll);
      }
      const wallS = (performance.now() - t0) / 1000;
      const last = processMemory(workerPid);
      if (last) peakRss = Math.max(peakRss, last.hwm);

      let manifest: { items_in_parts?: number; items_succeeded?: number } = {};
      if (final.manifest_path) {
        const m = parseS3Url(final.manifest_path);
        manifest = JSON.parse(await getObjectText(s3, m.bucket, m.key)) as typeof manifest;
      }
      const metrics = await scrape();
      if (final.status === 'running') await handle.terminate('bench time limit');
      const s3Requests = samplesBy(metrics, 'nightshift_s3_requests_total', 'operation');
      const history = await historyStats(client, jobId, handle.firstExecutionRunId, {
        parallelism: PARALLELISM,
        heartbeatThrottleMs: config.worker.heartbeatThrottleMs,
      });
      const done = final.items_succeeded + final.items_failed;
      const perK = (n: number): number => (done > 0 ? Math.round((n / done) * 1000 * 100) / 100 : 0);
      const s3Total = Object.values(s3Requests).reduce((a, b) => a + b, 0);
      const run: ScaleRun = {
        items,
        job_id: jobId,
        status: final.status,
        manifest_items_in_parts: manifest.items_in_parts ?? null,
        manifest_items_succeeded: manifest.items_succeeded ?? null,
        items_done: done,
        completed: final.status === 'succeeded' && manifest.items_in_parts === items && manifest.items_succeeded === items,
        upload_s: Math.round(uploadS),
        wall_s: Math.round(wallS * 10) / 10,
        items_per_s: Math.round(done / wallS),
        worker_peak_rss_bytes: peakRss,
        worker_peak_heap_used_bytes: peakHeap,
        worker_peak_external_bytes: peakExternal,
        history,
        s3_requests: s3Requests,
        per_1000_items: {
          activities: perK(history.actions.activities_scheduled),
          temporal_actions: perK(history.actions.total),
          s3_requests: perK(s3Total),
        },
        can_lost_ratio: history.lost_s_total / wallS,
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      };
      ctx.log(
        `  ${items} items: ${run.status}, ${run.wall_s} s, peak RSS ${(peakRss / MiB).toFixed(0)} MiB, ` +
          `${history.runs.length} runs, max ${history.max_events} events, max payload ${history.max_payload_bytes} B, ` +
          `CAN lost ${history.lost_s_total.toFixed(1)} s (load ${run.load})`,
      );
      return run;
    } finally {
      s3.destroy();
      await client.connection.close();
    }
  } finally {
    await stack?.dispose();
    rmSync(modelDir, { recursive: true, force: true });
  }
}

function targetsOf(runs: ScaleRun[], quick: boolean): TargetCheck[] {
  const biggest = runs[runs.length - 1]!;
  const mib = (b: number): string => `${(b / MiB).toFixed(0)} MiB`;
  return [
    { target: `${quick ? biggest.items : '10,000,000'} items complete (succeeded, manifest counts every item)`, value: biggest.status, met: biggest.completed },
    ...runs.map((r) => ({
      target: `worker RSS <= 400 MiB (${r.items} items)`,
      value: mib(r.worker_peak_rss_bytes),
      met: r.worker_peak_rss_bytes <= TARGETS.rssBytes,
    })),
    ...runs.map((r) => ({ target: `every run <= 10,000 events (${r.items} items)`, value: r.history.max_events, met: r.history.max_events <= TARGETS.eventsPerRun })),
    ...runs.map((r) => ({
      target: `no payload > 256 KiB (${r.items} items)`,
      value: r.history.max_payload_bytes,
      met: r.history.max_payload_bytes <= TARGETS.payloadBytes,
      note: r.history.max_payload_where,
    })),
    ...runs.map((r) => ({
      target: `time lost at continue-as-new <= 2% of wall (${r.items} items)`,
      value: `${(r.can_lost_ratio * 100).toFixed(2)}%`,
      met: r.can_lost_ratio <= TARGETS.canLostRatio,
    })),
  ];
}

export const scenario: Scenario = {
  name: 'scale',
  description: '1M- and 10M-item jobs (tiny recommender): completes, worker RSS, history per run, payloads, costs per 1,000 items',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    if (ctx.useRunning) ctx.log('scale: runs on private stacks (the worker RSS and counters must be its own); --use-running is ignored');
    const sizes = ctx.quick ? [100_000] : [1_000_000, 10_000_000];
    const runs: ScaleRun[] = [];
    for (const items of sizes) runs.push(await runScale(ctx, items));
    return {
      scenario: 'scale',
      parameters: { sizes, batch_size: BATCH_SIZE, parallelism: PARALLELISM, items_per_file: ITEMS_PER_FILE, model: { kind: 'tiny recommender', ...TINY_MODEL } },
      figures: { runs },
      table: {
        columns: ['items', 'status', 'wall s', 'items/s', 'peak RSS MiB', 'runs', 'max events', 'max payload B', 'activities/1k', 'actions/1k', 'S3 req/1k', 'CAN lost s', 'load'],
        rows: runs.map((r) => [
          r.items,
          r.status,
          r.wall_s,
          r.items_per_s,
          Math.round(r.worker_peak_rss_bytes / MiB),
          r.history.runs.length,
          r.history.max_events,
          r.history.max_payload_bytes,
          r.per_1000_items.activities,
          r.per_1000_items.temporal_actions,
          r.per_1000_items.s3_requests,
          Math.round(r.history.lost_s_total * 10) / 10,
          r.load,
        ]),
      },
      targets: targetsOf(runs, ctx.quick),
    };
  },
};
