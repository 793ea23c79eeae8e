/**
 * The `nightshift` CLI against an in-process gateway on the real Temporal and S3: arguments,
 * exit codes, a bad spec caught before any request, and `submit --wait` following a real job.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main';
import { GatewayClient, GatewayError } from '../src/cli/gatewayClient';
import { users, withWorker } from './helpers/jobHarness';
import { itemListSpec, startGateway, type GatewayHarness } from './helpers/gatewayHarness';

const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');
const T = { timeout: 60_000 };

/** The CLI as a user runs it: a process, its exit code and its two streams. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in-process, its output captured. */
async function runIn(gw: GatewayHarness, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, () => ({ client: new GatewayClient(gw.url), out: (l) => out.push(l), err: (l) => err.push(l) }));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('nightshift CLI', { timeout: 240_000 }, () => {
  let gw: GatewayHarness;
  let dir: string;
  const specFile = (name: string, spec: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof spec === 'string' ? spec : JSON.stringify(spec));
    return p;
  };
  before(async () => {
    gw = await startGateway({ queryTimeoutMs: 3000 });
    dir = mkdtempSync(join(tmpdir(), 'nightshift-cli-'));
  });
  after(async () => {
    await gw?.close();
  });

  test('--help prints the usage and exits 0', T, () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['submit', 'status', 'cancel', 'pause', 'resume', 'parallelism']) assert.match(r.stdout, new RegExp(`nightshift ${cmd}`));
  });

  test('bad usage exits 2 with the reason and the usage', T, () => {
    for (const args of [[], ['frob'], ['status'], ['status', 'a', 'b'], ['parallelism', 'job-1', 'many'], ['parallelism', 'job-1', '0'], ['status', 'job-1', '--bogus'], ['pause', 'job-1', '--reason', 'x']]) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^nightshift: .+\n\n.*Usage:/s);
    }
  });

  test('a bad spec is refused before any request, naming each field', T, () => {
    const r = cli(['submit', specFile('bad.json', { model: {}, input: { item_list: { items: [] } }, output: { s3_path: 's3://b/o/' } })], {
      NIGHTSHIFT_GATEWAY_URL: 'http://127.0.0.1:9',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /model\.name: /);
    assert.match(r.stderr, /input\.item_list\.items: must hold at least one item/);
    assert.doesNotMatch(r.stderr, /cannot reach/);
    const notJson = cli(['submit', specFile('broken.json', '{"model":')]);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /broken\.json: .*JSON/);
  });

  test('an unreachable gateway is exit 1 with its address', T, () => {
    const r = cli(['status', 'job-1', '--gateway', 'http://127.0.0.1:9']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });

  test('submit prints the job id; status, pause, resume and cancel act on it', T, async () => {
    const jobId = gw.jobId('cli');
    const submitted = await runIn(gw, ['submit', specFile('ok.json', { ...itemListSpec(gw.outputPath), job_id: jobId })]);
    assert.deepEqual([submitted.code, submitted.out], [0, jobId]);
    assert.match(submitted.err, /submitted -> s3:\/\//);
    const again = await runIn(gw, ['submit', specFile('ok.json', { ...itemListSpec(gw.outputPath), job_id: jobId })]);
    assert.equal(again.code, 0);
    assert.match(again.err, /already exists/);

    const json = await runIn(gw, ['status', jobId, '--json']);
    assert.equal(json.code, 0);
    assert.equal((JSON.parse(json.out) as { status: string }).status, 'planning');
    const human = await runIn(gw, ['status', jobId]);
    assert.match(human.out, new RegExp(`^job ${jobId}\\n\\s+status\\s+planning`));

    for (const action of ['pause', 'resume', 'cancel']) {
      const r = await runIn(gw, [action, jobId]);
      assert.deepEqual([r.code, r.out], [0, `job ${jobId}: ${action} requested`]);
    }
    // In-process: a spawned CLI calling this process's gateway would block the loop serving it.
    await assert.rejects(runIn(gw, ['status', gw.jobId('missing')]), (e) => e instanceof GatewayError && e.status === 404 && /not found/.test(e.message));
  });

  test('submit --wait follows a real job and exits 0 when it succeeded', { timeout: 180_000 }, async () => {
    const jobId = gw.jobId('cli-wait');
    const file = specFile('wait.json', { ...itemListSpec(gw.outputPath, users(0, 300)), job_id: jobId });
    const r = await withWorker({ taskQueue: gw.config.temporal.taskQueue }, () => runIn(gw, ['submit', file, '--wait']));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `job ${jobId} succeeded: 300 items -> ${gw.outputPath}${jobId}/`);
    assert.match(r.err, /succeeded\s+300\/300 items/);
  });
});
