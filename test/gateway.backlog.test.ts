/**
 * The task queue backlog on the gateway's /metrics, against the real Temporal of the test stack: a
 * job submitted while nothing polls its task queue leaves a workflow task waiting; a worker that runs
 * workflows only takes it and leaves the job's first activity waiting; a full worker drains both and
 * the job succeeds. Each stage is read from the gauges an autoscaler would read.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { connectClient } from '../src/temporal/connectClient';
import { connectWorker } from '../src/temporal/connectWorker';
import { cachedBacklogReader, describeTaskQueueBacklog } from '../src/temporal/taskQueueBacklog';
import { createGatewayMetrics } from '../src/gateway/metrics';
import { startGateway, itemListSpec, type GatewayHarness } from './helpers/gatewayHarness';
import { eventually, withWorker, workflowBundle } from './helpers/jobHarness';

const T = { timeout: 240_000 };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const m of text.matchAll(/^(\w+)(?:\{([^}]*)\})? (\S+)$/gm)) {
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

describe('task queue backlog on /metrics', () => {
  let gw: GatewayHarness;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  /** The gauge's value for this harness's task queue and `type`, undefined while it has no series. */
  async function gauge(name: string, type: 'workflow' | 'activity'): Promise<number | undefined> {
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    const samples = parseMetrics(await res.text());
    return samples.find((s) => s.name === name && s.labels.task_queue === gw.config.temporal.taskQueue && s.labels.type === type)?.value;
  }
  const backlog = (type: 'workflow' | 'activity') => gauge('nightshift_task_queue_backlog', type);

  test('rises while tasks wait for a worker and falls to 0 once workers drain them', T, async () => {
    const up = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text()).find((s) => s.name === 'nightshift_task_queue_stats_up');
    assert.equal(up?.value, 1, 'DescribeTaskQueue answers');
    assert.equal(await backlog('workflow'), 0, 'a fresh task queue has nothing waiting');

    const items = Array.from({ length: 30 }, (_, i) => ({ user_id: i + 1 }));
    const submitted = await gw.post('/v1/jobs', itemListSpec(gw.outputPath, items));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.job_id!;

    // Nobody polls: the job's first workflow task waits.
    await eventually('a waiting workflow task', async () => ((await backlog('workflow')) ?? 0) >= 1, 60_000);
    assert.ok((await gauge('nightshift_task_queue_backlog_age_seconds', 'workflow'))! > 0, 'the waiting task has an age');
    assert.equal(await backlog('activity'), 0, 'no activity was scheduled yet');

    // A worker without activities runs the workflow task, which schedules planJob: now an activity waits.
    const connection = await connectWorker(gw.config.temporal);
    try {
      const workflowsOnly = await Worker.create({
        connection,
        namespace: gw.config.temporal.namespace,
        taskQueue: gw.config.temporal.taskQueue,
        workflowBundle: await workflowBundle(),
      });
      await workflowsOnly.runUntil(eventually('a waiting activity task', async () => ((await backlog('activity')) ?? 0) >= 1, 60_000));
    } finally {
      await connection.close();
    }
    assert.equal(await backlog('workflow'), 0, 'the workflow task was taken');

    // A full worker drains both; the job succeeds, so what drained was real work.
    await withWorker({ taskQueue: gw.config.temporal.taskQueue }, async () => {
      await eventually('the job to succeed', async () => (await gw.get(`/v1/jobs/${id}`)).body.status === 'succeeded', 120_000);
      await eventually('an empty activity backlog', async () => (await backlog('activity')) === 0, 60_000);
      await eventually('an empty workflow backlog', async () => (await backlog('workflow')) === 0, 60_000);
    });
  });

  test('a Temporal that does not answer leaves the gauges without series and stats_up at 0', T, async () => {
    const closed = await connectClient(gw.config.temporal);
    await closed.connection.close();
    const reader = cachedBacklogReader(() => describeTaskQueueBacklog(closed, gw.config.temporal.namespace, gw.config.temporal.taskQueue), 5000);
    const metrics = createGatewayMetrics({ processMetrics: false, taskQueueBacklog: reader });
    const samples = parseMetrics(await metrics.registry.metrics());
    assert.equal(samples.find((s) => s.name === 'nightshift_task_queue_stats_up')?.value, 0);
    assert.deepEqual(samples.filter((s) => s.name.startsWith('nightshift_task_queue_') && s.name !== 'nightshift_task_queue_stats_up'), []);
  });
});
