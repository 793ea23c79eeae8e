/** The README's configuration table is the documentation of ENV_VARS and must not drift from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ENV_VARS } from '../src/config';
import { README_PATH, readmeWithEnvTable } from '../src/stack/envTable';

const readme = readFileSync(README_PATH, 'utf8');

test('the README configuration table is generated from the current ENV_VARS', () => {
  assert.ok(
    readmeWithEnvTable(readme) === readme,
    'README.md configuration table is stale: run `npm run build && node lib/src/stack/envTable.js --write`',
  );
  for (const v of ENV_VARS) assert.ok(readme.includes(`| \`${v.name}\` |`), v.name);
});
