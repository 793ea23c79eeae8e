/** The two gateway calls the demo needs, over plain fetch: submit a job, read its progress. */
import type { JobProgress } from '../job/messages';

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} -> ${res.status} ${text.slice(0, 2000)}`);
  return text ? JSON.parse(text) : undefined;
}

/** `POST /v1/jobs`; returns the job id from the response. */
export async function submitJob(gatewayUrl: string, spec: object): Promise<string> {
  const body = (await call(`${gatewayUrl}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  })) as { job_id?: unknown };
  if (typeof body?.job_id !== 'string') throw new Error(`POST /v1/jobs answered without a job_id: ${JSON.stringify(body)}`);
  return body.job_id;
}

export async function getJob(gatewayUrl: string, jobId: string): Promise<JobProgress> {
  return (await call(`${gatewayUrl}/v1/jobs/${encodeURIComponent(jobId)}`)) as JobProgress;
}

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
