/**
 * `npm test` (after setup): start the test stack, run every compiled test with Node's runner against
 * it, stop the stack, exit with the runner's code. `npm test -- s3 gateway` runs only the test files
 * whose path contains one of the words.
 */
import './quietAwsNodeWarning';
import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { REPO_ROOT } from './paths';
import { stopStacksOnSignals } from './signals';
import { startStack, stopStack, StackStartError, type Stack } from './stack';
import { compiledTestFiles } from './testFiles';
import { testStackEnv, TEST_STACK_PARTS } from './testStack';
import { phase, seconds } from './timing';

function runTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], { cwd: REPO_ROOT, env, stdio: 'inherit' });
    // Ctrl-C reaches the runner through the terminal; SIGTERM is passed on by hand.
    const forward = () => child.kill('SIGTERM');
    process.once('SIGTERM', forward);
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.once('error', (err) => {
      console.error(`test: could not start the test runner: ${err.message}`);
      resolve(1);
    });
  });
}

async function main(): Promise<number> {
  const t0 = Date.now();
  stopStacksOnSignals();
  const files = compiledTestFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.error('test: no compiled test files found under lib/test/ (did the build run?)');
    return 1;
  }
  console.log(`test: ${files.length} test files: ${files.map((f) => relative(REPO_ROOT, f)).join(' ')}`);
  // A developer tool, not service config: it only moves the test stack's ports (src/stack/testStack.ts).
  const offset = Number(process.env.NIGHTSHIFT_TEST_PORT_OFFSET ?? 0) || 0;
  let stack: Stack | undefined;
  let code = 1;
  try {
    stack = await phase('test', 'start test stack', () =>
      startStack({ parts: TEST_STACK_PARTS, env: testStackEnv(offset), wipeData: true, log: (l) => console.log(`  ${l}`) }),
    );
    const env = stack.env;
    code = await phase('test', 'tests', () => runTests(files, env));
  } catch (err) {
    console.error(`test: ${err instanceof StackStartError ? err.message : ((err as Error).stack ?? String(err))}`);
  } finally {
    await phase('test', 'stop test stack', () => stopStack(stack));
  }
  console.log(`test: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds(Date.now() - t0)}`);
  return code;
}

void main().then((code) => process.exit(code));
