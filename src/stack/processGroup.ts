/**
 * Children of the stack run in their own process groups, with output going to a log file. Stopping
 * one signals its whole group (a part may fork helpers) and waits until the leader has exited, so
 * the stack never leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface GroupProcess {
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the leader has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
}

export function spawnInGroup(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): GroupProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'w');
  let child: ChildProcess;
  try {
    // detached: a new process group, so Ctrl-C in the terminal reaches only the stack, which then stops parts in order.
    child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      resolve(`spawn error: ${err.message}`);
    });
  });
  return { child, logFile: opts.logFile, exited, hasExited: () => done };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/** SIGTERM to the group, SIGKILL after `graceMs`, then SIGKILL again for any straggler in the group. */
export async function stopGroup(p: GroupProcess, graceMs = 10_000): Promise<void> {
  const pid = p.child.pid;
  if (!p.hasExited()) {
    signalGroup(pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(r, graceMs, 'timeout').unref());
    if ((await Promise.race([p.exited, timer])) === 'timeout') {
      signalGroup(pid, 'SIGKILL');
      await p.exited;
    }
  }
  signalGroup(pid, 'SIGKILL');
}

export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
