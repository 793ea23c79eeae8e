/**
 * `npm run histories:record`: runs real jobs on a throwaway stack (Temporal dev server, S3 server,
 * an in-process model server with fault injection) and writes each run's event history to
 * `test/histories/<name>.json`, which the replay test (test/workflow.replay.test.ts) replays
 * against the current workflow code. See test/histories/README.md for when to record.
 *
 * The dev server runs with a low `limit.historyCount.suggestContinueAsNew`, so one job continues
 * as new after a few dozen batches; every other job stays below it (checked below).
 */
import '../../src/stack/quietAwsNodeWarning';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '../helpers/historyJson';
import { loadConfig } from '../../src/config';
import { temporalPart, s3Part, type PartContext, type PartSpec } from '../../src/stack/parts';
import { dataDirOf, logsDirOf, REPO_ROOT } from '../../src/stack/paths';
import { spawnInGroup, stopGroup, type GroupProcess } from '../../src/stack/processGroup';
import { testStackEnv } from '../../src/stack/testStack';
import { startModelServer } from '../../src/model-server/server';
import type { batchJob } from '../../workflows';
import { NightshiftModel, NightshiftSchedule, NightshiftStatus } from '../../src/job/messages';
import { templateDefaults, type ScheduledRunInput } from '../../src/schedule/scheduledRun';
import { parseJobSpec } from '../../src/job/spec';

/** Events after which the recording server suggests continue-as-new; the small jobs stay below it. */
export const RECORDING_SUGGEST_CONTINUE_AS_NEW = 120;
const HISTORIES_DIR = join(REPO_ROOT, 'test', 'histories');
/** `--suffix v2` names the files `<job>.v2.json`; `--overwrite` allows replacing existing files. */
const argAfter = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SUFFIX = argAfter('--suffix');
const OVERWRITE = process.argv.includes('--overwrite');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startPart(spec: PartSpec, ctx: PartContext, extraArgs: string[] = []): Promise<GroupProcess> {
  const launch = spec.launch(ctx);
  const proc = spawnInGroup(launch.command, [...launch.args, ...extraArgs], { cwd: REPO_ROOT, env: ctx.env, logFile: ctx.logFile });
  const deadline = Date.now() + spec.startupTimeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`${spec.name} exited during startup; log: ${ctx.logFile}`);
    if (await spec.ready(ctx)) return proc;
    await sleep(250);
  }
  await stopGroup(proc);
  throw new Error(`${spec.name} not healthy in time; log: ${ctx.logFile}`);
}

type Handle = WorkflowHandle<typeof batchJob>;

/** Every run of the job, first to last, following continue-as-new. */
async function writeRuns(handle: Handle, name: string, expectRuns: 'one' | 'several'): Promise<string[]> {
  const { temporalClient } = await import('../helpers/jobHarness');
  const client = await temporalClient();
  // A started job's handle knows its first run; a scheduled run here never continues as new.
  let runId = 'firstExecutionRunId' in handle && typeof handle.firstExecutionRunId === 'string' ? handle.firstExecutionRunId : (await handle.describe()).runId;
  const histories: { runId: string; json: string }[] = [];
  for (;;) {
    const h = client.workflow.getHandle(handle.workflowId, runId);
    const history = await h.fetchHistory();
    histories.push({ runId, json: historyToJSON(history) });
    const last = history.events?.[history.events.length - 1];
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) break;
    runId = next;
  }
  if (expectRuns === 'one' && histories.length !== 1) throw new Error(`${name}: expected one run, got ${histories.length}; raise RECORDING_SUGGEST_CONTINUE_AS_NEW`);
  if (expectRuns === 'several' && histories.length < 2) throw new Error(`${name}: expected continue-as-new, got one run`);
  return histories.map((h, i) => {
    const file = `${name}${histories.length === 1 ? '' : `.run${i + 1}`}${SUFFIX ? `.${SUFFIX}` : ''}.json`;
    // Recorded histories stand for jobs running in production: never replace one by accident.
    writeFileSync(join(HISTORIES_DIR, file), h.json + '\n', { flag: OVERWRITE ? 'w' : 'wx' });
    return file;
  });
}

async function recordJobs(): Promise<string[]> {
  // Imported after the environment names the recording stack: the harness reads config on load.
  const h = await import('../helpers/jobHarness');
  const server = await startModelServer({ addr: '127.0.0.1:0', adminAddr: null, basePath: 'models', threads: 1, logger: h.silentLogger });
  const target = `127.0.0.1:${server.port}`;
  const taskQueue = 'histories';
  const output = `s3://${h.BUCKET}/histories-out/`;
  const files: string[] = [];
  const run = async (name: string, fn: () => Promise<Handle>, expectRuns: 'one' | 'several' = 'one', status?: string): Promise<void> => {
    server.faults.set({});
    const handle = await h.withWorker({ taskQueue, tfservingTarget: target, maxPredictBatch: 10 }, async () => {
      const handle = await fn();
      const result = await handle.result();
      if (status && result.status !== status) throw new Error(`${name}: expected ${status}, got ${result.status} (${result.error ?? ''})`);
      return handle;
    });
    const written = await writeRuns(handle, name, expectRuns);
    console.log(`histories: ${name}: ${written.join(' ')}`);
    files.push(...written);
  };
  try {
    const input = await h.putJsonLines('histories-in/users.jsonl', h.users(0, 60));

    await run('succeeded', () =>
      h.startJob(taskQueue, {
        job_id: 'history-succeeded',
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 20 } },
        output: { s3_path: output },
        parallelism: 2,
      }),
    'one', 'succeeded');

    // Inline items are staged by the planner, so the later runs carry an S3 key instead (withStagedItems).
    await run('continued-as-new', () =>
      h.startJob(taskQueue, {
        job_id: 'history-continued-as-new',
        model: { name: 'recommender' },
        input: { item_list: { items: h.users(0, 80), batch_size: 2 } },
        output: { s3_path: output },
        parallelism: 2,
      }),
    'several', 'succeeded');

    await run('cancelled', async () => {
      server.faults.set({ latency: { kind: 'fixed', ms: 300 } });
      const handle = await h.startJob(taskQueue, {
        job_id: 'history-cancelled',
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 5 } },
        output: { s3_path: output },
        parallelism: 2,
      });
      await h.waitForProgress(handle, (p) => p.batches_succeeded >= 2 && p.batches_in_flight > 0);
      await handle.signal('cancel', 'recording');
      return handle;
    }, 'one', 'cancelled');

    // Failed batches both ways: UNAVAILABLE on the last attempt (reported by the activity) and a
    // hung call past batch_timeout (the workflow counts the task with countTask), plus a poisoned item.
    await run('failed-batches', async () => {
      const items: unknown[] = h.users(0, 40);
      items[7] = { user_id: 987654321 };
      const key = 'histories-in/poisoned.jsonl';
      const poisoned = await h.putJsonLines(key, items);
      server.faults.set({ error_rates: { UNAVAILABLE: 0.3 }, hang_rate: 0.2, seed: 5 });
      return h.startJob(taskQueue, {
        job_id: 'history-failed-batches',
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [poisoned], batch_size: 4 } },
        output: { s3_path: output },
        parallelism: 3,
        batch_timeout: '2s',
        retry: { max_attempts: 1 },
        max_failure_ratio: 1,
      });
    }, 'one', 'completed_with_errors');

    await run('paused-resumed', async () => {
      server.faults.set({ latency: { kind: 'fixed', ms: 150 } });
      const handle = await h.startJob(taskQueue, {
        job_id: 'history-paused-resumed',
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 6 } },
        output: { s3_path: output },
        parallelism: 1,
      });
      await h.waitForProgress(handle, (p) => p.batches_succeeded >= 2);
      await handle.signal('pause');
      await h.waitForProgress(handle, (p) => p.status === 'paused' && p.batches_in_flight === 0);
      await handle.executeUpdate('setParallelism', { args: [3] });
      await handle.signal('resume');
      return handle;
    }, 'one', 'succeeded');

    await run('scheduled', async () => {
      const client = await h.temporalClient();
      const template = {
        model: { name: 'recommender' },
        input: { delimited_files: { s3_paths: [input], batch_size: 30 } },
        output: { s3_path: `s3://${h.BUCKET}/histories-out/{{schedule_id}}/{{scheduled_time | date: "YYYY-MM-DD"}}/` },
      };
      // The action the gateway builds (src/gateway/schedules.ts), without its owner bookkeeping.
      const sample = parseJobSpec(template);
      if (!sample.ok) throw new Error(`scheduled: ${JSON.stringify(sample.issues)}`);
      const defaults = templateDefaults(template, sample.spec);
      const args: [ScheduledRunInput] = [{ scheduled_run: { schedule_id: 'history-schedule', timezone: 'UTC' }, template, defaults }];
      const schedule = await client.schedule.create({
        scheduleId: 'history-schedule',
        spec: { intervals: [{ every: '1d' }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'batchJob',
          workflowId: 'history-schedule',
          taskQueue,
          args,
          typedSearchAttributes: [
            { key: NightshiftStatus, value: 'planning' },
            { key: NightshiftModel, value: 'recommender' },
            { key: NightshiftSchedule, value: 'history-schedule' },
          ],
        },
        state: { paused: true },
      });
      await schedule.trigger();
      let workflowId: string | undefined;
      while (!workflowId) {
        workflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!workflowId) await sleep(200);
      }
      await schedule.delete();
      return client.workflow.getHandle(workflowId) as Handle;
    }, 'one', 'succeeded');
  } finally {
    await server.stop();
    await (await h.temporalClient()).connection.close();
  }
  return files;
}

async function main(): Promise<void> {
  const offset = Number(process.env.NIGHTSHIFT_TEST_PORT_OFFSET ?? 0) || 0;
  const overrides = { ...testStackEnv(offset), NIGHTSHIFT_DATA_DIR: '.data/histories' };
  Object.assign(process.env, overrides);
  const config = loadConfig();
  const dataDir = dataDirOf(config.dataDir);
  const ctx = (name: string): PartContext => ({ config, env: process.env, dataDir, logFile: join(logsDirOf(dataDir), `${name}.log`) });
  const { rmSync, mkdirSync } = await import('node:fs');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const parts: GroupProcess[] = [];
  try {
    parts.push(await startPart(s3Part, ctx('s3')));
    parts.push(await startPart(temporalPart, ctx('temporal'), ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${RECORDING_SUGGEST_CONTINUE_AS_NEW}`]));
    const files = await recordJobs();
    console.log(`histories: wrote ${files.length} files to ${HISTORIES_DIR}`);
  } finally {
    for (const p of parts.reverse()) await stopGroup(p);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`histories: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
