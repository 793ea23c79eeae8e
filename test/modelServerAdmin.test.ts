/**
 * The model server's admin endpoint can make it fail on purpose and has no authentication, so it is
 * off by default, binds loopback only, and docker-compose neither enables nor publishes it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config';
import { startModelServer } from '../src/model-server/server';
import { modelServerPart } from '../src/stack/parts';
import { silentLogger } from './helpers/jobHarness';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'lib', 'src', 'model-server', 'main.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the model server as `npm run model-server` does, with the admin variable as given (the test
 * stack sets one, so it is removed first), until it logs that it listens (then SIGTERM) or exits.
 */
function runMain(adminEnv: string | undefined): Promise<Exit & { listening: Record<string, unknown> | null }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NIGHTSHIFT_LOG_LEVEL: 'info', NIGHTSHIFT_MODEL_SERVER_THREADS: '1' };
  delete env.NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR;
  if (adminEnv !== undefined) env.NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR = adminEnv;
  const child = spawn(process.execPath, [MAIN, '--addr', '127.0.0.1:0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let listening: Record<string, unknown> | null = null;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const line of stdout.split('\n')) {
      if (!listening && line.includes('"model server listening"')) {
        listening = JSON.parse(line) as Record<string, unknown>;
        child.kill('SIGTERM');
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, listening });
    }),
  );
}

describe('model server admin endpoint', { timeout: 180_000 }, () => {
  it('is off by default: no admin address in the config, no admin listener in the process', async () => {
    assert.equal(loadConfig({}).modelServer.adminAddr, null);
    assert.equal(loadConfig({ NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: '127.0.0.1:8505' }).modelServer.adminAddr, '127.0.0.1:8505');
    const run = await runMain(undefined);
    assert.ok(run.listening, `the server started: ${run.stderr}${run.stdout}`);
    assert.equal(run.listening['adminPort'], null, 'no admin listener');
    assert.ok(typeof run.listening['port'] === 'number' && run.listening['port'] > 0);
  });

  it('a non-loopback admin address refuses to start, with a message that says why', async () => {
    const run = await runMain('0.0.0.0:0');
    assert.equal(run.listening, null, 'it never listened');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /admin address 0\.0\.0\.0:0 is not loopback/);
    assert.match(run.stderr, /NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR/);
  });

  it('in-process: any non-loopback host is refused and loopback hosts are served', async () => {
    const start = (adminAddr: string) => startModelServer({ addr: '127.0.0.1:0', adminAddr, basePath: 'models', threads: 1, logger: silentLogger });
    for (const bad of ['0.0.0.0:0', ':0', '10.1.2.3:0', '[::]:0', 'example.com:0', '128.0.0.1:0']) {
      await assert.rejects(start(bad), new RegExp(`admin address ${bad.replace(/[.[\]]/g, '\\$&')} is not loopback`), bad);
    }
    for (const good of ['127.0.0.1:0', '127.0.0.2:0', 'localhost:0']) {
      const server = await start(good);
      try {
        assert.ok(server.adminPort, good);
        const res = await fetch(`http://${good.startsWith('localhost') ? 'localhost' : good.split(':')[0]}:${server.adminPort}/healthz`);
        assert.equal(res.status, 200, good);
      } finally {
        await server.stop();
      }
    }
  });

  it('the local stack enables it on loopback; docker-compose does not set or publish it', () => {
    const launch = (env: NodeJS.ProcessEnv) => modelServerPart.launch({ config: loadConfig(env), env, dataDir: '.data', logFile: 'x.log' }).args;
    assert.deepEqual(launch({}).slice(-2), ['--admin-addr', '127.0.0.1:8505']);
    assert.deepEqual(launch({ NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: '127.0.0.1:18705' }).slice(-2), ['--admin-addr', '127.0.0.1:18705']);

    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, unknown>; ports?: unknown[] }>;
    };
    const modelServer = compose.services['model-server'];
    assert.ok(modelServer, 'the bundled model server service exists');
    assert.equal(modelServer.environment?.['NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR'], undefined);
    assert.equal(modelServer.ports, undefined, 'the bundled model server publishes nothing');
    for (const [name, service] of Object.entries(compose.services)) {
      assert.ok(!(service.ports ?? []).some((p) => String(p).includes('8505')), `${name} publishes no admin port`);
    }
  });
});
