/** Readiness probes: each resolves true/false and never throws, so `waitUntil` can poll it. */
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** True when a command exits 0 within the timeout (its output is ignored). */
export function commandSucceeds(cmd: string, args: string[], timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', timeout: timeoutMs });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** True when a pino JSON log file has a line whose `msg` is `message`. */
export async function logHasMessage(file: string, message: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(message)) continue;
    try {
      if ((JSON.parse(line) as { msg?: unknown }).msg === message) return true;
    } catch {
      // not a JSON line (a stack trace, a warning from Node): keep looking
    }
  }
  return false;
}

/** True when nothing listens on host:port yet (so a part can bind it). */
export async function portFree(host: string, port: number): Promise<boolean> {
  return !(await tcpOpen(host === '0.0.0.0' ? '127.0.0.1' : host, port, 500));
}
