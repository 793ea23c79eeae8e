import { isAbsolute, join, resolve } from 'node:path';

/** The repository root: this file is compiled to lib/src/stack/, three levels below it. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');
export const TOOLS_VENV_BIN = join(REPO_ROOT, '.tools', 'venv', 'bin');
/** Where `npm run setup` records what it found or installed (JSON per step). */
export const TOOLS_STAMPS = join(REPO_ROOT, '.tools', 'stamps');

/** `NIGHTSHIFT_DATA_DIR` is relative to the repository, whatever the caller's working directory. */
export function dataDirOf(configured: string): string {
  return isAbsolute(configured) ? configured : join(REPO_ROOT, configured);
}

export const logsDirOf = (dataDir: string): string => join(dataDir, 'logs');
