/**
 * Liveness, stall limit and batch_timeout of one batch activity (design in docs/jobs.md, "Heartbeats,
 * stalls and batch_timeout").
 *
 * - Every Predict call and S3 request of the batch runs through `track()`. A tracked call that makes
 *   no progress for the stall limit is aborted and the attempt fails with a retryable `Stalled` error
 *   that names the call, so a hung TF Serving or S3 costs one stall limit, not the whole batch_timeout.
 * - A tick (1 s) heartbeats the current progress as long as no tracked call is older than the stall
 *   limit: a Predict that legitimately takes 20 s keeps its batch alive under the 10 s heartbeat
 *   timeout, and a killed worker's batch is still retried elsewhere within 10 s. The SDK throttles
 *   what reaches the server (NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS), and a cancellation arrives with
 *   the answer to a heartbeat.
 * - A batch that only waits for a Predict permit (no call of its own in flight) heartbeats every
 *   IDLE_BEAT_MS instead: it holds nothing a cancel must free, and with `parallelism` above the
 *   worker's permits most batches wait, so each tick of theirs would be a heartbeat write (and a
 *   billed action on Temporal Cloud) for no faster cancel of any Predict call.
 * - batch_timeout is the batch's own clock, and it stops while the batch waits for a Predict permit
 *   (`waitFor()`): queueing behind other batches on a busy worker never times a batch out. When the
 *   clock runs out, every call is aborted and the attempt fails with a retryable `BatchTimeout`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { isTransientS3Error } from '../storage/s3Errors';

/** Options of a batch's S3 requests: they wait out an unreachable S3 within the stall limit rather than fail the attempt. */
export const S3_WAIT = { retryWhile: isTransientS3Error } as const;

export class StalledError extends Error {
  override readonly name = 'Stalled';
}

export class BatchTimeoutError extends Error {
  override readonly name = 'BatchTimeout';
}

export interface BatchWatchOptions {
  stallLimitMs: number;
  /** batch_timeout: time the batch may run, not counting waits for a Predict permit. */
  budgetMs: number;
  tickMs?: number;
}

/** Heartbeat cadence of a batch that only waits for a permit: well inside the 10 s heartbeat timeout. */
const IDLE_BEAT_MS = 5000;

interface Tracked {
  name: string;
  since: number;
  abort: AbortController;
  stalled: StalledError | null;
}

export class BatchWatch<D> {
  private readonly ctx = Context.current();
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly tracked = new Set<Tracked>();
  private readonly started = Date.now();
  private waiting = 0;
  private waitStarted = 0;
  private waitedMs = 0;
  private lastBeat = 0;
  private timedOut: BatchTimeoutError | null = null;

  constructor(
    private details: D,
    private readonly opts: BatchWatchOptions,
  ) {
    const cancelled = this.ctx.cancellationSignal;
    if (cancelled.aborted) this.controller.abort(cancelled.reason);
    else cancelled.addEventListener('abort', () => this.controller.abort(cancelled.reason), { once: true });
    // No beat at start: a batch that finishes within the first tick costs no heartbeat RPC.
    this.timer = setInterval(() => this.tick(), opts.tickMs ?? 1000);
    this.timer.unref();
  }

  /** Aborted when the activity is cancelled or the batch runs out of batch_timeout. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The batch_timeout failure, once the clock ran out (the attempt's error, whatever a call threw). */
  get failure(): BatchTimeoutError | null {
    return this.timedOut;
  }

  /** Records progress and sends it (the SDK throttles what actually reaches the server). */
  beat(details: D): void {
    this.details = details;
    this.lastBeat = Date.now();
    this.ctx.heartbeat(details);
  }

  /**
   * Runs one Predict call or S3 request under the stall limit. A Predict is unary (no partial answer)
   * and a batch's S3 requests are small, so a call's age is its time without progress. With `whole`, only a stall aborts it, not a cancel or the batch's timeout (a part is written whole).
   * With `retryWhile`, an error it accepts (S3 unreachable) is retried after a short backoff within the
   * same call: the call's age keeps growing, so an outage longer than the stall limit still ends as
   * `Stalled`, while heartbeats keep the batch alive in between.
   */
  async track<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, opts: { whole?: boolean; retryWhile?: (err: unknown) => boolean } = {}): Promise<T> {
    const op: Tracked = { name, since: Date.now(), abort: new AbortController(), stalled: null };
    const onAbort = () => op.abort.abort(this.signal.reason);
    if (!opts.whole) {
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    }
    this.tracked.add(op);
    try {
      for (let backoffMs = 250; ; backoffMs = Math.min(backoffMs * 2, 2000)) {
        try {
          return await fn(op.abort.signal);
        } catch (err) {
          if (op.abort.signal.aborted || !opts.retryWhile?.(err)) throw err;
          await delay(backoffMs, undefined, { signal: op.abort.signal });
        }
      }
    } catch (err) {
      throw op.stalled ?? err;
    } finally {
      this.tracked.delete(op);
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** A wait that does not count against batch_timeout (a Predict permit). */
  async waitFor<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.waitStarted = Date.now();
    try {
      return await fn();
    } finally {
      if (--this.waiting === 0) this.waitedMs += Date.now() - this.waitStarted;
    }
  }

  /** Time spent waiting for permits so far (ms). */
  get waited(): number {
    return this.waitedMs + (this.waiting > 0 ? Date.now() - this.waitStarted : 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    if (!this.timedOut && now - this.started - this.waited > this.opts.budgetMs) {
      const waitedS = Math.round(this.waited / 1000);
      this.timedOut = new BatchTimeoutError(`batch ran longer than its batch_timeout of ${this.opts.budgetMs} ms (not counting ${waitedS} s waiting for Predict permits)`);
      this.controller.abort(this.timedOut);
      return;
    }
    let stalled = false;
    for (const op of this.tracked) {
      if (now - op.since <= this.opts.stallLimitMs) continue;
      stalled = true;
      if (op.stalled) continue;
      op.stalled = new StalledError(`${op.name} made no progress for ${this.opts.stallLimitMs} ms (NIGHTSHIFT_WORKER_STALL_LIMIT_MS); aborted`);
      op.abort.abort(op.stalled);
    }
    if (stalled || this.controller.signal.aborted) return;
    const idle = this.waiting > 0 && this.tracked.size === 0;
    if (idle && now - this.lastBeat < IDLE_BEAT_MS) return;
    this.lastBeat = now;
    this.ctx.heartbeat(this.details);
  }
}
