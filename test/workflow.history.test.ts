/**
 * Bounded history at the workflow's own ceiling. A dedicated Temporal dev server never suggests
 * continue-as-new (its suggestion limits are set out of reach) and hard-limits a run at
 * HISTORY_TARGET events, so only the workflow's own rule (stop scheduling at
 * HISTORY_TARGET - parallelism * 6 events, drain, continue as new) keeps the job alive. At
 * parallelism 100 that ceiling is 8,400 events, which 3,000 one-item batches cross (at most 2,899
 * fit in one run, see MAX_PER_RUN).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startStack, type Stack } from '../src/stack/stack';
import { freePort } from '../src/stack/freePort';
import { ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { HISTORY_TARGET } from '../workflows/batchJob';
import { allLines, BUCKET, config, exactlyOnce, putJsonLines, readOutputs, s3, startJob, uniqueId, users, withWorker } from './helpers/jobHarness';

const BATCHES = 3_000;
const PARALLELISM = 100;
/** As in workflows/batchJob.ts: the events one in-flight batch may add while the window drains. */
const EVENTS_PER_IN_FLIGHT = 6;
const CEILING = Math.max(1000, HISTORY_TARGET - PARALLELISM * EVENTS_PER_IN_FLIGHT);

/**
 * How many runs the job must take. A run stops scheduling at the first workflow task that starts at
 * or past CEILING events. Before that, every batch it saw complete cost three events (scheduled,
 * started, completed), so fewer than CEILING / 3 had completed, and it can have scheduled at most
 * PARALLELISM more: at most MAX_PER_RUN batches. Every run but the last schedules a full window
 * in its first task: at least PARALLELISM batches.
 */
const MAX_PER_RUN = Math.floor((CEILING - 1) / 3) + PARALLELISM;
const MIN_RUNS = Math.ceil(BATCHES / MAX_PER_RUN);
const MAX_RUNS = 1 + Math.floor((BATCHES - 1) / PARALLELISM);

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

interface RunFacts {
  events: number;
  continuedAs?: string;
  /** Task numbers of the predictBatch activities this run scheduled. */
  tasks: number[];
  /** Event id of the workflow task that scheduled the run's last batch (its historyLength). */
  lastSchedulingTaskStart: number;
  /** Whether some workflow task of the run started at or past CEILING. */
  reachedCeiling: boolean;
  suggested: boolean;
}

function runFacts(events: HistoryEvent[]): RunFacts {
  const startedByCompleted = new Map<number, number>();
  let lastStarted = 0;
  const facts: RunFacts = { events: events.length, tasks: [], lastSchedulingTaskStart: 0, reachedCeiling: false, suggested: false };
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.workflowTaskStartedEventAttributes) {
      lastStarted = id;
      if (id >= CEILING) facts.reachedCeiling = true;
      if (e.workflowTaskStartedEventAttributes.suggestContinueAsNew) facts.suggested = true;
    }
    if (e.workflowTaskCompletedEventAttributes) startedByCompleted.set(id, lastStarted);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'predictBatch') {
      const data = scheduled.input?.payloads?.[0]?.data;
      assert.ok(data, 'predictBatch input is a JSON payload');
      facts.tasks.push((JSON.parse(Buffer.from(data).toString('utf8')) as { task: number }).task);
      facts.lastSchedulingTaskStart = startedByCompleted.get(Number(scheduled.workflowTaskCompletedEventId)) ?? 0;
    }
  }
  facts.continuedAs = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  return facts;
}

describe('bounded history', { timeout: 1_800_000 }, () => {
  let temporalStack: Stack | undefined;
  let client: Client | undefined;
  const dataDir = `.data/test/history-${randomBytes(3).toString('hex')}`;
  let temporalConfig: typeof config.temporal;

  before(async () => {
    const env = {
      NIGHTSHIFT_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      NIGHTSHIFT_TEMPORAL_UI_PORT: String(await freePort()),
      NIGHTSHIFT_DATA_DIR: dataDir,
    };
    temporalStack = await startStack({
      parts: ['temporal'],
      env,
      wipeData: true,
      log: () => undefined,
      temporalDynamicConfig: {
        // No suggestion ever: by count or by size (the defaults are 4,096 events and 4 MB).
        'limit.historyCount.suggestContinueAsNew': 1_000_000,
        'limit.historySize.suggestContinueAsNew': 1024 * 1024 * 1024,
        // The server terminates a run that passes the target, so an overshoot cannot go unseen.
        'limit.historyCount.error': HISTORY_TARGET,
      },
    });
    temporalConfig = { ...config.temporal, address: env.NIGHTSHIFT_TEMPORAL_ADDRESS };
    client = await connectClient(temporalConfig);
  });
  after(async () => {
    await client?.connection.close();
    await temporalStack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${BATCHES} batches at parallelism ${PARALLELISM}: each run stops at the workflow's ceiling of ${CEILING} events`, async (t) => {
    assert.ok(client);
    await ensureBucket(s3, BUCKET);
    const taskQueue = uniqueId('history');
    const jobId = uniqueId('history');
    const input = await putJsonLines(`test-in/${jobId}/users.jsonl`, users(0, BATCHES).map((u) => ({ user_id: u.user_id % 1000 })));
    const output = `s3://${BUCKET}/test-out/`;
    let firstRunId = '';
    const result = await withWorker({ taskQueue, maxActivities: 200, temporal: temporalConfig }, async () => {
      const handle = await startJob(
        taskQueue,
        {
          job_id: jobId,
          model: { name: 'recommender' },
          input: { delimited_files: { s3_paths: [input], batch_size: 1 } },
          output: { s3_path: output },
          parallelism: PARALLELISM,
        },
        client,
      );
      firstRunId = handle.firstExecutionRunId;
      return handle.result();
    });
    assert.equal(result.status, 'succeeded', result.error ?? '');
    assert.equal(result.batches_succeeded, BATCHES);

    // Follow the continue-as-new chain from the first run.
    const runs: RunFacts[] = [];
    let runId: string | undefined = firstRunId;
    while (runId) {
      const history = await client.workflow.getHandle(jobId, runId).fetchHistory();
      const facts = runFacts(history.events ?? []);
      runs.push(facts);
      runId = facts.continuedAs;
    }
    t.diagnostic(
      `ceiling ${CEILING}; ${runs.length} runs: ` +
        runs.map((r) => `${r.events} events, ${r.tasks.length} batches, last scheduled at ${r.lastSchedulingTaskStart}`).join('; '),
    );

    assert.ok(runs.length >= MIN_RUNS && runs.length <= MAX_RUNS, `runs: ${runs.length}, expected ${MIN_RUNS}..${MAX_RUNS}`);
    assert.ok(runs.length > 1, 'continued as new');
    assert.deepEqual(
      runs.map((r) => r.suggested),
      runs.map(() => false),
      'the server never suggested continue-as-new',
    );
    for (const [i, r] of runs.entries()) {
      assert.ok(r.events < HISTORY_TARGET, `run ${i}: ${r.events} events, target ${HISTORY_TARGET}`);
      assert.ok(r.lastSchedulingTaskStart < CEILING, `run ${i} scheduled a batch in a task that started at event ${r.lastSchedulingTaskStart}`);
      if (i < runs.length - 1) assert.ok(r.reachedCeiling, `run ${i} continued as new before reaching ${CEILING} events (${r.events})`);
    }
    // Every batch was scheduled exactly once across the runs, in order.
    assert.deepEqual(
      runs.flatMap((r) => r.tasks),
      Array.from({ length: BATCHES }, (_, i) => i),
    );

    const out = await readOutputs(output, jobId);
    assert.equal(out.manifest.parts.length, BATCHES);
    assert.deepEqual(exactlyOnce(allLines(out.parts), BATCHES), { duplicates: [], missing: [] });
  });
});
