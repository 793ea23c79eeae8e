import { randomBytes } from 'node:crypto';

/** `job-<yyyymmdd>-<8 hex>`: sortable by day in the Web UI, and unique without coordination. */
export function generateJobId(now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `job-${day}-${randomBytes(4).toString('hex')}`;
}
