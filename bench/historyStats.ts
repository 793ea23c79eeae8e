/**
 * What a job cost Temporal, read from the histories of every run of its continue-as-new chain:
 * events per run, the largest payload, the billable actions, and the slot time lost while a run
 * drained its window before continuing as new.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RunStats {
  run_id: string;
  events: number;
  batch_activities: number;
  /** Bytes of the run's input (the spec, and the state continue-as-new carries). */
  input_bytes: number;
}

export interface ActionCounts {
  /** Workflow starts: the first run; each continue-as-new is counted under `continue_as_new`. */
  workflow_started: number;
  activities_scheduled: number;
  /** Attempts beyond the first (ActivityTaskStarted.attempt - 1 on each started event). */
  activity_retries: number;
  timers: number;
  signals: number;
  updates: number;
  continue_as_new: number;
  search_attribute_upserts: number;
  memo_upserts: number;
  /**
   * Heartbeats Temporal recorded, ESTIMATED (they are not in the history): the first heartbeat of an
   * attempt is sent at once, later ones at most every `heartbeatThrottleMs`, so 1 + floor(duration /
   * throttle) per predictBatch attempt that ran.
   */
  heartbeats_estimated: number;
  total: number;
}

/** Slot time a continue-as-new cost: from each slot's last completion until the next run scheduled again. */
export interface ContinueAsNewGap {
  run: number;
  /** Last batch scheduled in the ending run → first batch scheduled in the next run. */
  gap_s: number;
  /** Sum over the slots freed after the last schedule of (next run's first schedule - completion). */
  idle_slot_s: number;
  /** idle_slot_s / parallelism: the wall time the job lost. */
  lost_s: number;
}

export interface HistoryStats {
  runs: RunStats[];
  max_events: number;
  max_payload_bytes: number;
  max_payload_where: string;
  actions: ActionCounts;
  continue_as_new: ContinueAsNewGap[];
  lost_s_total: number;
}

function payloadSize(p: temporal.api.common.v1.IPayload): number {
  let n = p.data?.length ?? 0;
  for (const [k, v] of Object.entries(p.metadata ?? {})) n += k.length + (v?.length ?? 0);
  return n;
}

/** Every payload anywhere in an event's attributes, with the attribute path it was found at. */
function* payloadsOf(value: unknown, path: string): Generator<[string, number]> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  const o = value as Record<string, unknown>;
  if (o.data instanceof Uint8Array && 'metadata' in o) {
    yield [path, payloadSize(o as temporal.api.common.v1.IPayload)];
    return;
  }
  for (const [k, v] of Object.entries(o)) yield* payloadsOf(v, `${path}.${k}`);
}

const at = (e: HistoryEvent): number => tsToMs(e.eventTime);

/** The run ids of a workflow id's continue-as-new chain, from its first run. */
async function fetchChain(client: Client, workflowId: string, firstRunId: string): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const chain: { runId: string; events: HistoryEvent[] }[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    chain.push({ runId, events });
    const last: HistoryEvent | undefined = events[events.length - 1];
    runId = last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ? last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId : null;
  }
  return chain;
}

export async function historyStats(
  client: Client,
  workflowId: string,
  firstRunId: string,
  opts: { parallelism: number; heartbeatThrottleMs: number; batchActivity?: string },
): Promise<HistoryStats> {
  const batchActivity = opts.batchActivity ?? 'predictBatch';
  const chain = await fetchChain(client, workflowId, firstRunId);
  const actions: ActionCounts = {
    workflow_started: 1,
    activities_scheduled: 0,
    activity_retries: 0,
    timers: 0,
    signals: 0,
    updates: 0,
    continue_as_new: 0,
    search_attribute_upserts: 0,
    memo_upserts: 0,
    heartbeats_estimated: 0,
    total: 0,
  };
  let maxPayload = 0;
  let maxWhere = '';
  const runs: RunStats[] = [];
  /** Per run: batch schedule times and completion times (ms). */
  const timing: { schedules: number[]; completions: number[] }[] = [];
  for (const [i, { runId, events }] of chain.entries()) {
    const batchScheduled = new Map<number, boolean>();
    const startedAt = new Map<number, number>();
    const t = { schedules: [] as number[], completions: [] as number[] };
    let inputBytes = 0;
    for (const e of events) {
      for (const [where, size] of payloadsOf(e, '')) {
        if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED && where.includes('.input.')) inputBytes += size;
        if (size > maxPayload) {
          maxPayload = size;
          maxWhere = `run ${i + 1} event ${String(e.eventId)} ${EventType[e.eventType ?? 0]}${where}`;
        }
      }
      const id = Number(e.eventId);
      switch (e.eventType) {
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
          actions.activities_scheduled++;
          const isBatch = e.activityTaskScheduledEventAttributes?.activityType?.name === batchActivity;
          batchScheduled.set(id, isBatch);
          if (isBatch) t.schedules.push(at(e));
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const a = e.activityTaskStartedEventAttributes;
          actions.activity_retries += Math.max(0, (a?.attempt ?? 1) - 1);
          startedAt.set(Number(a?.scheduledEventId), at(e));
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
          const sched = Number(
            e.activityTaskCompletedEventAttributes?.scheduledEventId ??
              e.activityTaskFailedEventAttributes?.scheduledEventId ??
              e.activityTaskTimedOutEventAttributes?.scheduledEventId ??
              e.activityTaskCanceledEventAttributes?.scheduledEventId,
          );
          if (batchScheduled.get(sched)) {
            t.completions.push(at(e));
            const started = startedAt.get(sched);
            if (started !== undefined) actions.heartbeats_estimated += 1 + Math.floor((at(e) - started) / opts.heartbeatThrottleMs);
          }
          break;
        }
        case EventType.EVENT_TYPE_TIMER_STARTED:
          actions.timers++;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
          actions.signals++;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
          actions.updates++;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
          actions.continue_as_new++;
          break;
        case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
          actions.search_attribute_upserts++;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
          actions.memo_upserts++;
          break;
        default:
      }
    }
    runs.push({ run_id: runId, events: events.length, batch_activities: t.schedules.length, input_bytes: inputBytes });
    timing.push(t);
  }
  actions.total =
    actions.workflow_started +
    actions.activities_scheduled +
    actions.activity_retries +
    actions.timers +
    actions.signals +
    actions.updates +
    actions.continue_as_new +
    actions.search_attribute_upserts +
    actions.memo_upserts +
    actions.heartbeats_estimated;

  const gaps: ContinueAsNewGap[] = [];
  for (let i = 0; i + 1 < timing.length; i++) {
    const cur = timing[i]!;
    const next = timing[i + 1]!;
    if (cur.schedules.length === 0 || next.schedules.length === 0) continue;
    const lastSchedule = Math.max(...cur.schedules);
    const nextStart = Math.min(...next.schedules);
    const freed = cur.completions.filter((c) => c >= lastSchedule);
    const idle = freed.reduce((s, c) => s + Math.max(0, nextStart - c), 0) / 1000;
    gaps.push({ run: i + 1, gap_s: (nextStart - lastSchedule) / 1000, idle_slot_s: idle, lost_s: idle / opts.parallelism });
  }
  return {
    runs,
    max_events: Math.max(...runs.map((r) => r.events)),
    max_payload_bytes: maxPayload,
    max_payload_where: maxWhere,
    actions,
    continue_as_new: gaps,
    lost_s_total: gaps.reduce((s, g) => s + g.lost_s, 0),
  };
}
