/**
 * What a results file records besides the scenarios: the machine (cores, memory, CPU model, Node,
 * load at start and end) and the git commit, and where the file goes:
 * bench/results/<YYYY-MM-DD>-<short commit>[-<scenarios>][-quick].json. Quick runs are git-ignored.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/stack/paths';
import { round } from './table';

export interface Machine {
  cores: number;
  cpu_model: string;
  total_memory_bytes: number;
  node_version: string;
  platform: string;
  load_average_start: number[];
  load_average_end?: number[];
}

export interface GitState {
  commit: string;
  short: string;
  /** Uncommitted changes outside bench/results/ (results of earlier runs do not count). */
  dirty: boolean;
}

export function machineNow(): Machine {
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    total_memory_bytes: totalmem(),
    node_version: process.version,
    platform: `${process.platform} ${release()}`,
    load_average_start: loadavg().map((l) => round(l, 2)),
  };
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function gitState(): GitState {
  const commit = git(['rev-parse', 'HEAD']) ?? 'unknown';
  const status = git(['status', '--porcelain', '--', '.', ':(exclude)bench/results']);
  return { commit, short: commit === 'unknown' ? 'unknown' : commit.slice(0, 7), dirty: status === undefined ? true : status.length > 0 };
}

/** Writes the document and returns its path; a run of chosen scenarios never overwrites a full run's file. */
export function writeResults(doc: unknown, opts: { startedAt: Date; git: GitState; scenarios: string[] | 'all'; quick: boolean }): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const parts = [opts.startedAt.toISOString().slice(0, 10), opts.git.short];
  if (opts.scenarios !== 'all') parts.push(opts.scenarios.join('+'));
  if (opts.quick) parts.push('quick');
  const file = join(dir, `${parts.join('-')}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
