/** The stack's small tools: which compiled tests run, and how setup fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../src/stack/paths';
import { compiledTestFiles } from '../src/stack/testFiles';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-tree-'));
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

test('only compiled *.test.js files whose TypeScript source exists are run, helpers never', () => {
  const root = tree([
    'test/a.test.ts',
    'test/sub/b.test.ts',
    'test/helpers/stack.ts',
    'lib/test/a.test.js',
    'lib/test/sub/b.test.js',
    'lib/test/helpers/stack.js',
    'lib/test/a.test.js.map',
    'lib/test/deleted.test.js',
  ]);
  try {
    const rel = (files: string[]) => files.map((f) => relative(root, f));
    assert.deepEqual(rel(compiledTestFiles([], root)), ['lib/test/a.test.js', 'lib/test/sub/b.test.js']);
    assert.deepEqual(rel(compiledTestFiles(['sub/'], root)), ['lib/test/sub/b.test.js']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failing setup step names itself and the command to retry', { timeout: 30_000 }, () => {
  // A checkout with no tools built and no Go on PATH: the first step must fail, clearly.
  const root = mkdtempSync(join(tmpdir(), 'nightshift-setup-'));
  try {
    mkdirSync(join(root, 'src', 'stack'), { recursive: true });
    copyFileSync(join(REPO_ROOT, 'src', 'stack', 'setup.mjs'), join(root, 'src', 'stack', 'setup.mjs'));
    const res = spawnSync(process.execPath, [join(root, 'src', 'stack', 'setup.mjs'), '--quiet'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent', HOME: root },
    });
    assert.equal(res.status, 1);
    assert.equal(res.stdout, '', '--quiet prints failures only');
    assert.match(res.stderr, /setup: step "temporal CLI" failed after [\d.]+s/);
    assert.match(res.stderr, /go not found on PATH/);
    assert.match(res.stderr, /retry with: npm run setup/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a supported temporal on PATH is used first: linked, stamped, and found present on the next run', { timeout: 60_000 }, (t) => {
  // The real CLI that setup installed for this checkout stands in for one a user has on PATH.
  const installed = join(REPO_ROOT, '.tools', 'bin', 'temporal');
  if (!existsSync(installed)) return t.skip('no .tools/bin/temporal in this checkout');
  const root = mkdtempSync(join(tmpdir(), 'nightshift-setup-'));
  try {
    mkdirSync(join(root, 'src', 'stack'), { recursive: true });
    copyFileSync(join(REPO_ROOT, 'src', 'stack', 'setup.mjs'), join(root, 'src', 'stack', 'setup.mjs'));
    const setup = () =>
      spawnSync(process.execPath, [join(root, 'src', 'stack', 'setup.mjs')], { encoding: 'utf8', env: { PATH: dirname(installed), HOME: root } });
    const first = setup();
    // No Go on this PATH: the next step (the S3 server) fails, after the temporal step succeeded.
    assert.match(first.stdout, /temporal CLI +[\d.]+s {2}linked .*temporal: temporal version 1\.\d+\.\d+/, first.stdout + first.stderr);
    assert.match(first.stderr, /setup: step "S3 server" failed/);
    assert.equal(readlinkSync(join(root, '.tools', 'bin', 'temporal')), realpathSync(installed));
    const stamp = JSON.parse(readFileSync(join(root, '.tools', 'stamps', 'temporal.json'), 'utf8')) as { source: string; path: string };
    assert.equal(stamp.source, 'path');
    assert.equal(stamp.path, realpathSync(installed));
    const second = setup();
    assert.match(second.stdout, /temporal CLI +[\d.]+s {2}temporal CLI 1\.\d+\.\d+ present \(linked from /, second.stdout + second.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
