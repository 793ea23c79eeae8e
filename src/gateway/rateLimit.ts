/**
 * Per-key submission limit: a token bucket of `perMinute` tokens, refilled continuously, so a
 * burst up to the limit passes and a runaway script is told to wait. Kept in the gateway process:
 * with N gateways a key gets N times the rate, which is the documented trade for no shared store.
 */
import { HttpError } from './errors';

export class SubmitRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`, or throws 429 saying when the next one is due. */
  take(key: string): void {
    if (this.perMinute <= 0) return;
    const t = this.now();
    const perMs = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * perMs);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const waitS = Math.ceil((1 - b.tokens) / perMs / 1000);
      throw new HttpError('resource_exhausted', `key "${key}" submitted more than ${this.perMinute} jobs a minute; retry in ${waitS} s`, undefined, {
        'retry-after': String(waitS),
      });
    }
    b.tokens -= 1;
  }
}
