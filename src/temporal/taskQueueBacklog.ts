/**
 * The backlog of the job task queue as Temporal's matching service sees it (`DescribeTaskQueue` with
 * `report_stats`): tasks waiting for a worker, the age of the oldest, and the add and dispatch rates.
 * This is the signal to scale workers on — it rises before any worker is busy enough to show it in
 * CPU — read once per `ttlMs` however many scrapers ask, so a fleet of Prometheus replicas never
 * turns into load on Temporal.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const TASK_QUEUE_TYPES = ['workflow', 'activity'] as const;
export type TaskQueueTypeName = (typeof TASK_QUEUE_TYPES)[number];

const PROTO_TYPE: Record<TaskQueueTypeName, temporal.api.enums.v1.TaskQueueType> = {
  workflow: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  activity: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
};

export interface TaskQueueBacklog {
  taskQueue: string;
  type: TaskQueueTypeName;
  /** Tasks no worker has taken yet (sticky workflow tasks excluded; Temporal says it converges, fit for scaling). */
  backlog: number;
  /** Age of the oldest waiting task; 0 when nothing waits. */
  backlogAgeSeconds: number;
  /** Tasks per second added and dispatched, averaged by the server over about 30 s. */
  addRate: number;
  dispatchRate: number;
  /** The task queue's own rate limit held dispatches back lately: more workers would not help. */
  rateLimited: boolean;
}

/** One `DescribeTaskQueue` per task queue type. */
export async function describeTaskQueueBacklog(client: Client, namespace: string, taskQueue: string, timeoutMs = 2000): Promise<TaskQueueBacklog[]> {
  return Promise.all(
    TASK_QUEUE_TYPES.map(async (type) => {
      const res = await client.withDeadline(Date.now() + timeoutMs, () =>
        client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: PROTO_TYPE[type],
          reportStats: true,
        }),
      );
      const s = res.stats;
      const age = s?.approximateBacklogAge;
      return {
        taskQueue,
        type,
        backlog: Number(s?.approximateBacklogCount ?? 0),
        backlogAgeSeconds: age ? Number(age.seconds ?? 0) + (age.nanos ?? 0) / 1e9 : 0,
        addRate: s?.tasksAddRate ?? 0,
        dispatchRate: s?.tasksDispatchRate ?? 0,
        rateLimited: s?.rateLimitingActive ?? false,
      };
    }),
  );
}

export interface BacklogReader {
  /** The last reading if younger than the cache time, else a fresh one; concurrent callers share one request. */
  read(): Promise<TaskQueueBacklog[]>;
}

export function cachedBacklogReader(fetchBacklog: () => Promise<TaskQueueBacklog[]>, ttlMs: number): BacklogReader {
  let last: { at: number; value: TaskQueueBacklog[] } | undefined;
  let inFlight: Promise<TaskQueueBacklog[]> | undefined;
  return {
    read() {
      if (last && Date.now() - last.at < ttlMs) return Promise.resolve(last.value);
      inFlight ??= fetchBacklog()
        .then((value) => {
          last = { at: Date.now(), value };
          return value;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
