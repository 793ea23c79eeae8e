/**
 * The README's configuration table, generated from ENV_VARS. `node lib/src/stack/envTable.js --write`
 * rewrites it in place between its markers; test/stackReadme.test.ts fails while it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARS } from '../config';
import { REPO_ROOT } from './paths';

export const README_PATH = join(REPO_ROOT, 'README.md');
const START = '<!-- env-table:start (generated from ENV_VARS: node lib/src/stack/envTable.js --write) -->';
const END = '<!-- env-table:end -->';

export function envTableMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = ENV_VARS.map((v) => `| \`${v.name}\` | ${v.default ? `\`${cell(v.default)}\`` : '(empty)'} | ${cell(v.description)} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The README with its table section replaced by the current one. */
export function readmeWithEnvTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} ... ${END} section`);
  return `${readme.slice(0, from)}${START}\n${envTableMarkdown()}\n${readme.slice(to)}`;
}

if (require.main === module && process.argv.includes('--write')) {
  const before = readFileSync(README_PATH, 'utf8');
  const after = readmeWithEnvTable(before);
  writeFileSync(README_PATH, after);
  console.log(before === after ? 'README.md table already current' : 'README.md table updated');
}
