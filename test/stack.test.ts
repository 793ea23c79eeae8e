/**
 * The local stack library on real binaries, on free ports of its own (so it runs beside the test
 * stack): parts come up healthy, a part that cannot start is named with its port and log, a part
 * that dies later is reported while the others keep running, and stopping leaves no process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createS3Client, listObjects, putObject } from '../src/storage/s3';
import { TEMPORAL_BIN } from '../src/stack/parts';
import { dataDirOf } from '../src/stack/paths';
import { startStack, StackStartError, type RunningPart } from '../src/stack/stack';
import { freePort } from '../src/stack/freePort';


const dataDirs: string[] = [];
test.after(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function stackEnv(): Promise<Record<string, string>> {
  const [temporal, ui, s3] = [await freePort(), await freePort(), await freePort()];
  const dataDir = `.data/test/stack-${randomBytes(3).toString('hex')}`;
  dataDirs.push(dataDirOf(dataDir));
  return {
    NIGHTSHIFT_TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    NIGHTSHIFT_TEMPORAL_UI_PORT: String(ui),
    NIGHTSHIFT_TEMPORAL_UI_URL: `http://127.0.0.1:${ui}`,
    NIGHTSHIFT_S3_ENDPOINT: `http://127.0.0.1:${s3}`,
    NIGHTSHIFT_DATA_DIR: dataDir,
  };
}

function processGone(pid: number | undefined): boolean {
  try {
    process.kill(pid!, 0);
    return false;
  } catch {
    return true;
  }
}

const quiet = () => undefined;

test('Temporal and S3 come up healthy, with the search attributes and the bucket, and stop without a trace', { timeout: 120_000 }, async () => {
  const env = await stackEnv();
  const stack = await startStack({ parts: ['temporal', 's3'], env, wipeData: true, log: quiet });
  try {
    const attrs = execFileSync(TEMPORAL_BIN, ['operator', 'search-attribute', 'list', '--address', stack.config.temporal.address], {
      encoding: 'utf8',
    });
    assert.match(attrs, /NightshiftStatus\s+Keyword/);
    assert.match(attrs, /NightshiftModel\s+Keyword/);

    const s3 = createS3Client(stack.config.s3);
    await putObject(s3, stack.config.s3.bucket, 'probe.txt', 'hello');
    const keys: string[] = [];
    for await (const o of listObjects(s3, stack.config.s3.bucket, '')) keys.push(o.key);
    assert.deepEqual(keys, ['probe.txt']);
    s3.destroy();
  } finally {
    await stack.stop();
  }
  for (const p of stack.parts) assert.ok(processGone(p.pid), `${p.name} (pid ${p.pid}) is gone`);
});

test('a part that cannot start is named with its address and log file, and the others are stopped', { timeout: 120_000 }, async () => {
  const env = await stackEnv();
  // Hold the Web UI port: the Temporal dev server exits when it cannot bind it.
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(Number(env.NIGHTSHIFT_TEMPORAL_UI_PORT), '127.0.0.1', r));
  const seen: RunningPart[] = [];
  try {
    await assert.rejects(
      startStack({ parts: ['temporal', 's3'], env, wipeData: true, log: quiet, onPartExit: (p) => seen.push(p) }),
      (err: unknown) => {
        assert.ok(err instanceof StackStartError);
        assert.equal(err.part, 'temporal');
        assert.equal(err.address, env.NIGHTSHIFT_TEMPORAL_ADDRESS);
        assert.match(err.logFile, /logs\/temporal\.log$/);
        assert.match(err.message, /temporal \(127\.0\.0\.1:\d+\) did not come up/);
        return true;
      },
    );
  } finally {
    await new Promise((r) => blocker.close(r));
  }
  // S3 started beside Temporal and must have been stopped with it: its port is free again.
  const s3Port = Number(new URL(env.NIGHTSHIFT_S3_ENDPOINT!).port);
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(s3Port, '127.0.0.1', resolve);
  });
  await new Promise((r) => probe.close(r));
  assert.deepEqual(seen, [], 'no exit is reported for parts the failed start stopped itself');
});

test('a port already taken is reported before anything starts', { timeout: 30_000 }, async () => {
  const env = await stackEnv();
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(Number(new URL(env.NIGHTSHIFT_S3_ENDPOINT!).port), '127.0.0.1', r));
  try {
    await assert.rejects(startStack({ parts: ['s3'], env, log: quiet }), /s3 \(http:\/\/127\.0\.0\.1:\d+\) did not come up: port \d+ is already in use/);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('a part that dies after startup is reported and the others keep running', { timeout: 120_000 }, async () => {
  const env = await stackEnv();
  const exits: string[] = [];
  const stack = await startStack({ parts: ['temporal', 's3'], env, wipeData: true, log: quiet, onPartExit: (p) => exits.push(p.name) });
  try {
    const s3 = stack.parts.find((p) => p.name === 's3')!;
    process.kill(-s3.pid!, 'SIGKILL');
    await s3.exited;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, ['s3']);
    const temporal = stack.parts.find((p) => p.name === 'temporal')!;
    assert.ok(temporal.alive(), 'Temporal keeps running');
  } finally {
    await stack.stop();
  }
  assert.deepEqual(exits, ['s3'], 'a deliberate stop is not reported as a part dying');
});
