/**
 * Live job progress on stderr: a `cli-progress` bar (items done/total, items/s, ETA, failed) on a
 * TTY; otherwise plain `progressLine`s, at most one every few seconds and only when the line
 * changed, so a log or CI output stays short. The final view is always shown.
 */
import { SingleBar } from 'cli-progress';
import { isFinal } from '../job/messages';
import { progressLine } from '../job/progressLine';
import type { JobView } from '../gateway/jobView';
import type { CommandContext } from './context';

export const PLAIN_LINE_EVERY_MS = 5000;

export interface ProgressReporter {
  update(view: JobView): void;
  /** Leaves the last state on screen and releases the terminal. */
  stop(): void;
}

const num = (v: number): string => v.toLocaleString('en-US');

function etaText(view: JobView): string {
  if (isFinal(view.status)) return 'done';
  if (view.eta_s === null || view.status !== 'running') return '--';
  const s = Math.round(view.eta_s);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function barPayload(view: JobView) {
  return {
    status: view.status.padEnd(9),
    done: num(view.items_succeeded + view.items_failed),
    totalText: view.items_total === null ? '?' : num(view.items_total),
    rate: view.throughput_items_per_s === null ? '--' : num(Math.round(view.throughput_items_per_s)),
    // `eta` is cli-progress's own estimate from its samples; the job's is better informed.
    job_eta: etaText(view),
    failed: num(view.items_failed),
  };
}

function barReporter(stream: NodeJS.WritableStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: '{status} [{bar}] {done}/{totalText} items | {rate} items/s | eta {job_eta} | {failed} failed',
    barsize: 30,
    fps: 5,
    // A job still planning has no total yet: an empty bar, not a full one.
    emptyOnZero: true,
    linewrap: false,
    hideCursor: false,
  });
  let started = false;
  return {
    update(view) {
      const total = view.items_total ?? 0;
      const value = view.items_succeeded + view.items_failed;
      if (!started) {
        bar.start(total, value, barPayload(view));
        started = true;
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(value, barPayload(view));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function plainReporter(ctx: CommandContext, everyMs: number): ProgressReporter {
  let last = '';
  let lastAt = -Infinity;
  return {
    update(view) {
      const line = progressLine(view);
      const now = Date.now();
      if (line === last || (!isFinal(view.status) && now - lastAt < everyMs)) return;
      ctx.err(`  ${line}`);
      last = line;
      lastAt = now;
    },
    stop() {},
  };
}

export function progressReporter(ctx: CommandContext, plainEveryMs = PLAIN_LINE_EVERY_MS): ProgressReporter {
  return ctx.progressStream?.isTTY ? barReporter(ctx.progressStream) : plainReporter(ctx, plainEveryMs);
}
