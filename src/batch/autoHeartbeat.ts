/**
 * Heartbeats on a timer as well as at each step, so a slow Predict call still reports liveness
 * and the activity learns of a cancellation within about a second, not at its next step.
 */
import { Context } from '@temporalio/activity';

export class AutoHeartbeat<D> {
  private readonly timer: NodeJS.Timeout;
  private readonly ctx = Context.current();

  constructor(
    private details: D,
    intervalMs = 1000,
  ) {
    // No beat at start: a batch that finishes within the first interval costs no heartbeat RPC.
    this.timer = setInterval(() => this.ctx.heartbeat(this.details), intervalMs);
    this.timer.unref();
  }

  /** Records progress and sends it (the SDK throttles what actually reaches the server). */
  beat(details: D): void {
    this.details = details;
    this.ctx.heartbeat(details);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
