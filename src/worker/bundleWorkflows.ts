/**
 * `npm run build` (after tsc): bundles `workflows/` once into `lib/workflow-bundle.js`, which
 * workers load with `workflowBundle: { codePath }`, so a worker starts without running webpack.
 * The bundle is rebuilt only when a file webpack read for it changed (content hashes in
 * `lib/workflow-bundle.json`), which keeps a build that touched no workflow code fast.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleOptions } from '@temporalio/worker';
import { workflowInterceptorModules } from './workflowInterceptors';

const LIB = join(__dirname, '..', '..');
export const WORKFLOW_BUNDLE_PATH = join(LIB, 'workflow-bundle.js');
const INPUTS_PATH = join(LIB, 'workflow-bundle.json');

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
interface Compiler {
  hooks: { done: { tap(name: string, fn: (stats: { compilation: { fileDependencies: Iterable<string> } }) => void): void } };
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** The one set of bundle options: the build, tests and replay all bundle the same way. */
export function workflowBundleOptions(): BundleOptions {
  return { workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules, logger: quiet };
}

const hashOf = (file: string): string | null => (existsSync(file) && statSync(file).isFile() ? createHash('sha256').update(readFileSync(file)).digest('hex') : null);

function upToDate(): boolean {
  if (!existsSync(WORKFLOW_BUNDLE_PATH) || !existsSync(INPUTS_PATH)) return false;
  const inputs = JSON.parse(readFileSync(INPUTS_PATH, 'utf8')) as Record<string, string>;
  return Object.entries(inputs).every(([file, hash]) => hashOf(file) === hash);
}

export async function buildWorkflowBundle(): Promise<{ rebuilt: boolean }> {
  if (upToDate()) return { rebuilt: false };
  // Loaded only to rebuild: the up-to-date check stays well under a second.
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  let inputs: string[] = [];
  const options = workflowBundleOptions();
  const { code } = await bundleWorkflowCode({
    ...options,
    webpackConfigHook: (config: WebpackConfig) => {
      const collect = { apply: (compiler: Compiler) => compiler.hooks.done.tap('nightshift-inputs', (stats) => (inputs = [...stats.compilation.fileDependencies])) };
      return { ...config, plugins: [...(config.plugins ?? []), collect as unknown as NonNullable<WebpackConfig['plugins']>[number]] };
    },
  });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  const hashes = Object.fromEntries(inputs.filter((f) => !f.includes('node_modules')).flatMap((f) => {
    const h = hashOf(f);
    return h ? [[f, h]] : [];
  }));
  // node_modules change only with package-lock.json: one hash stands for all of them.
  const lock = join(LIB, '..', 'package-lock.json');
  writeFileSync(INPUTS_PATH, JSON.stringify({ ...hashes, [lock]: hashOf(lock) }, null, 1));
  return { rebuilt: true };
}

if (require.main === module) {
  const t0 = Date.now();
  buildWorkflowBundle().then(
    ({ rebuilt }) => console.log(rebuilt ? `workflow bundle: ${WORKFLOW_BUNDLE_PATH} (${((Date.now() - t0) / 1000).toFixed(1)}s)` : 'workflow bundle: up to date'),
    (err: unknown) => {
      console.error(`workflow bundle: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    },
  );
}
