import type { JobProgress } from './messages';

/** One status line: `running  6,500/10,000 items  13/20 batches (4 in flight)  2,100 items/s  eta 2s`. */
export function progressLine(p: JobProgress): string {
  const n = (v: number | null) => (v === null ? '?' : v.toLocaleString('en-US'));
  const parts = [
    p.status.padEnd(9),
    `${n(p.items_succeeded + p.items_failed)}/${n(p.items_total)} items`,
    `${n(p.batches_succeeded + p.batches_failed)}/${n(p.batches_total)} batches (${p.batches_in_flight} in flight)`,
  ];
  if (p.items_failed) parts.push(`${n(p.items_failed)} failed`);
  if (p.throughput_items_per_s !== null) parts.push(`${Math.round(p.throughput_items_per_s).toLocaleString('en-US')} items/s`);
  if (p.eta_s !== null && p.status === 'running') parts.push(`eta ${Math.round(p.eta_s)}s`);
  return parts.join('  ');
}
