/**
 * The measured inputs of docs/capacity.md: one `delimited_files` job with the default settings on a
 * private stack, then counted from what the parts recorded — every run's event history (workflow
 * tasks, activities and their attempts, timers, signals, continue-as-new, search-attribute upserts),
 * the worker's S3 requests by operation (its /metrics), and CPU seconds per process (/proc). Heartbeats
 * never reach a history, so they are bounded from each attempt's duration and the worker's throttle.
 *
 * `node lib/bench/capacityInputs.js [--users N (100000)] [--batch N (500)] [--parallelism N (8)] [--files N (10)]`
 * prints one JSON object; docs/capacity.md names which of its fields feed which formula.
 */
import '../src/stack/quietAwsNodeWarning';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { temporal } from '@temporalio/proto';
import { startBenchJob } from './startBenchJob';
import { startPrivateStack, type PrivateStack } from './benchStack';
import { uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import type { JobProgress } from '../src/job/messages';

const EventType = temporal.api.enums.v1.EventType;
const CLK_TCK = 100;

interface Flags {
  users: number;
  batch: number;
  parallelism: number;
  files: number;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { users: 100_000, batch: 500, parallelism: 8, files: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${argv[i]} needs a positive integer`);
    const key = argv[i]!.replace(/^--/, '');
    if (!(key in f)) throw new Error(`unknown flag ${argv[i]}`);
    f[key as keyof Flags] = n;
  }
  return f;
}

/** CPU seconds (user + system, reaped children included) of every process in the part's process group. */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / CLK_TCK;
}

function cpuByPart(stack: PrivateStack): Record<string, number> {
  return Object.fromEntries(stack.parts.filter((p) => p.pid !== undefined).map((p) => [p.name, groupCpuSeconds(p.pid!)]));
}

/** `name{labels} value` lines of a Prometheus text exposition, summed by the value of `label`. */
function sumBy(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    out[value] = (out[value] ?? 0) + Number(m[2]);
  }
  return out;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Number((v - (before[k] ?? 0)).toFixed(2))]));
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0;

export async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv);
  const stack = await startPrivateStack({ parts: ['temporal', 's3', 'model-server', 'worker'], label: 'capacity' });
  const { config } = stack;
  const s3 = createS3Client(config.s3);
  const client = await connectClient(config.temporal);
  const metricsUrl = `http://${config.worker.metricsAddr}/metrics`;
  try {
    await ensureBucket(s3, config.s3.bucket);
    await uploadDemoUsers(s3, config.s3.bucket, 'capacity/users/', { users: f.users, files: f.files });
    const jobId = `capacity-${randomBytes(4).toString('hex')}`;
    const metricsBefore = await (await fetch(metricsUrl)).text();
    const cpuBefore = cpuByPart(stack);
    const loadBefore = execFileSync('uptime').toString().trim();
    const t0 = performance.now();
    const handle = await startBenchJob(client, config, { jobId, model: 'recommender', inputUrl: `s3://${config.s3.bucket}/capacity/users/`, outputUrl: `s3://${config.s3.bucket}/capacity/results/`, batchSize: f.batch, parallelism: f.parallelism });
    // result() follows continue-as-new and sends no query, so the histories hold only the job's own actions.
    // A failed job (e.g. one item over max_failure_ratio 0 on a loaded machine) still did the work counted here.
    await handle.result().catch(() => undefined);
    const wallS = (performance.now() - t0) / 1000;
    const cpuAfter = cpuByPart(stack);
    const metricsAfter = await (await fetch(metricsUrl)).text();
    const loadAfter = execFileSync('uptime').toString().trim();
    const p = await handle.query<JobProgress>('status');
    if (p.started_at === null || p.finished_at === null) throw new Error(`job ${jobId} ended ${p.status} before its batches: ${p.error ?? ''}`);
    const batchS = (Date.parse(p.finished_at) - Date.parse(p.started_at)) / 1000;

    const events: Record<string, number> = {};
    let runs = 0;
    let largestRun = 0;
    let activityAttempts = 0;
    let heartbeatBound = 0;
    const throttleMs = config.worker.heartbeatThrottleMs;
    for await (const run of client.workflow.list({ query: `WorkflowId = '${jobId}'` })) {
      runs++;
      const history = await client.workflow.getHandle(jobId, run.runId).fetchHistory();
      const list = history.events ?? [];
      largestRun = Math.max(largestRun, list.length);
      const startedAt = new Map<number, number>();
      for (const e of list) {
        const type = EventType[e.eventType ?? 0] ?? String(e.eventType);
        events[type] = (events[type] ?? 0) + 1;
        if (e.activityTaskStartedEventAttributes) {
          activityAttempts += e.activityTaskStartedEventAttributes.attempt ?? 1;
          startedAt.set(Number(e.eventId), ms(e.eventTime));
        }
        // A heartbeat reaches the server at most once per throttle interval of a running attempt (the first one at once).
        const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
        if (closed?.startedEventId != null) {
          const t = startedAt.get(Number(closed.startedEventId));
          if (t !== undefined) heartbeatBound += 1 + Math.floor((ms(e.eventTime) - t) / throttleMs);
        }
      }
    }
    const count = (t: string): number => events[`EVENT_TYPE_${t}`] ?? 0;
    // Temporal Cloud's billable actions as its Actions page maps them to history (docs/capacity.md): a start per
    // run (continue-as-new included), every activity attempt, timers, signals, search-attribute upserts (memo
    // changes are not billed), accepted updates, local-activity markers (at most one per workflow task).
    const historyActions =
      runs + activityAttempts + count('TIMER_STARTED') + count('WORKFLOW_EXECUTION_SIGNALED') + count('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') + count('WORKFLOW_EXECUTION_UPDATE_ACCEPTED') + count('MARKER_RECORDED');
    const s3Ops = diff(sumBy(metricsAfter, 'nightshift_s3_request_duration_seconds_count', 'operation'), sumBy(metricsBefore, 'nightshift_s3_request_duration_seconds_count', 'operation'));
    const s3Total = Object.values(s3Ops).reduce((a, b) => a + b, 0);
    const cpu = diff(cpuAfter, cpuBefore);
    const per1k = (n: number): number => Number(((n * 1000) / f.users).toFixed(3));
    const result = {
      measured_at: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(),
      machine: { cores: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
      load_before: loadBefore,
      load_after: loadAfter,
      job: { id: jobId, status: p.status, error: p.error, users: f.users, batch_size: f.batch, parallelism: f.parallelism, batches: p.batches_total, wall_s: Number(wallS.toFixed(1)), batch_phase_s: Number(batchS.toFixed(1)) },
      items_per_s_per_worker: Math.round(f.users / batchS),
      runs,
      largest_run_events: largestRun,
      events,
      workflow_tasks: count('WORKFLOW_TASK_COMPLETED'),
      activities_scheduled: count('ACTIVITY_TASK_SCHEDULED'),
      activity_attempts: activityAttempts,
      timers: count('TIMER_STARTED'),
      signals: count('WORKFLOW_EXECUTION_SIGNALED'),
      updates: count('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'),
      search_attribute_upserts: count('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') + count('WORKFLOW_PROPERTIES_MODIFIED'),
      markers: count('MARKER_RECORDED'),
      continue_as_new: count('WORKFLOW_EXECUTION_CONTINUED_AS_NEW'),
      heartbeats_upper_bound: heartbeatBound,
      billable_actions_in_history: historyActions,
      billable_actions_upper_bound: historyActions + heartbeatBound,
      s3_requests: s3Ops,
      s3_requests_total: s3Total,
      cpu_s: cpu,
      per_1000_items: {
        workflow_tasks: per1k(count('WORKFLOW_TASK_COMPLETED')),
        history_events: per1k(Object.values(events).reduce((a, b) => a + b, 0)),
        billable_actions_in_history: per1k(historyActions),
        billable_actions_upper_bound: per1k(historyActions + heartbeatBound),
        s3_writes: per1k((s3Ops.PutObject ?? 0) + (s3Ops.DeleteObject ?? 0) + (s3Ops.CopyObject ?? 0) + (s3Ops.CreateMultipartUpload ?? 0) + (s3Ops.UploadPart ?? 0) + (s3Ops.CompleteMultipartUpload ?? 0)),
        activity_attempts: per1k(activityAttempts),
        heartbeats_upper_bound: per1k(heartbeatBound),
        s3_requests: per1k(s3Total),
        cpu_s: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, per1k(v)])),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    s3.destroy();
    await client.connection.close();
    await stack.dispose();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`capacityInputs: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
