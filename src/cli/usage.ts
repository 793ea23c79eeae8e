import { InvalidArgumentError } from 'commander';
import { BackfillBodySchema } from '../schedule/scheduleDefinition';

/** As the gateway reads the times of a backfill. */
const ISO_DATE_TIME = BackfillBodySchema.shape.start;

/** Wrong arguments: the CLI prints the message and the failing command's help, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The help of the command that was misused. */
    readonly usage: string = '',
  ) {
    super(message);
  }
}

/** An argument parser for commander: a whole number within bounds. */
export function wholeNumber(min: number, max: number): (s: string) => number {
  return (s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max} (got "${s}")`);
    return n;
  };
}

/** An argument parser for commander: seconds (decimals allowed) within bounds, as milliseconds. */
export function secondsAsMs(min: number, max: number): (s: string) => number {
  return (s) => {
    const n = Number(s);
    if (!/^\d+(\.\d+)?$/.test(s) || n < min || n > max) throw new InvalidArgumentError(`must be a number of seconds from ${min} to ${max} (got "${s}")`);
    return Math.round(n * 1000);
  };
}

/**
 * An argument parser for commander: an ISO-8601 date-time with a zone (what the gateway takes),
 * e.g. 2026-11-01T03:00:00Z; returned as written.
 */
export function isoDateTime(s: string): string {
  if (!ISO_DATE_TIME.safeParse(s).success) throw new InvalidArgumentError(`must be an ISO-8601 date-time with a zone, e.g. 2026-11-01T03:00:00Z (got "${s}")`);
  return s;
}
