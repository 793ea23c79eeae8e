import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * The compiled test files to run. Node 20's `--test <dir>` runs every .js file in the directory
 * (helpers included), so the list is explicit: `lib/test/**\/*.test.js` whose `.ts` source still
 * exists (a deleted test leaves its stale .js in lib/). `filters` keep files whose path contains one.
 */
export function compiledTestFiles(filters: readonly string[] = [], root = REPO_ROOT): string[] {
  const libTest = join(root, 'lib', 'test');
  if (!existsSync(libTest)) return [];
  const files = (readdirSync(libTest, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => existsSync(join(root, 'test', f.replace(/\.js$/, '.ts'))))
    .map((f) => join(libTest, f))
    .sort();
  if (filters.length === 0) return files;
  return files.filter((f) => filters.some((q) => relative(root, f).includes(q)));
}
