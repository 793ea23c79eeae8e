/**
 * Deploys never break running jobs: the recorded histories of real jobs (test/histories/, see its
 * README) replay against the current workflow code. A change that alters the commands a running
 * job already made fails here, before it fails in production. No stack needed: replay is local.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker, type ReplayResult, type WorkflowBundleOption } from '@temporalio/worker';
import { REPO_ROOT } from '../src/stack/paths';
import { workflowBundleOptions } from '../src/worker/bundleWorkflows';
import { historyFromJSON } from './helpers/historyJson';
import { workflowBundle } from './helpers/jobHarness';

const HISTORIES = join(REPO_ROOT, 'test', 'histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();

async function replayAll(bundle: WorkflowBundleOption): Promise<Map<string, ReplayResult>> {
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJSON(readFileSync(join(HISTORIES, f), 'utf8')) }));
  const results = new Map<string, ReplayResult>();
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.set(r.workflowId, r);
  return results;
}

describe('replay of recorded histories', { timeout: 300_000 }, () => {
  it('has the histories the issue names: succeeded, continued as new (every run), cancelled, failed batches, paused and resumed', () => {
    for (const name of ['succeeded.json', 'continued-as-new.run1.json', 'continued-as-new.run2.json', 'cancelled.json', 'failed-batches.json', 'paused-resumed.json']) {
      assert.ok(files.includes(name), `test/histories/${name} is missing (npm run histories:record)`);
    }
  });

  it('every history replays against the current workflow code', async () => {
    const results = await replayAll(await workflowBundle());
    assert.deepEqual([...results.keys()].sort(), files);
    const failures = [...results.values()].filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.name}: ${r.error?.message}`);
    assert.deepEqual(failures, []);
  });

  it('a workflow change that adds a command fails the replay of every history', async () => {
    const changed = await bundleWorkflowCode({ ...workflowBundleOptions(), workflowsPath: require.resolve('./replay/changedWorkflows') });
    const results = await replayAll(changed);
    assert.equal(results.size, files.length);
    for (const [file, r] of results) {
      assert.ok(r.error, `${file} replayed against a changed workflow`);
      assert.match(`${r.error.name}: ${r.error.message}`, /nondetermin/i, file);
    }
  });
});
