/**
 * A client of the model server's admin HTTP API (README.md beside this file), for drills and benches:
 * set and clear fault injection, and read the counts that prove what reached the server (items
 * predicted, calls in flight at most, calls hung and cancelled, when the last one was cancelled).
 * Answers are parsed here, once, at the edge.
 */
import { z } from 'zod';
import type { FaultConfigInput } from './faults';

const PredictStatsSchema = z.object({
  requests: z.number(),
  ok: z.number(),
  errors: z.record(z.string(), z.number()),
  in_flight: z.number(),
  max_in_flight: z.number(),
  cancelled: z.number(),
  last_cancelled_at_ms: z.number().nullable(),
  items: z.number(),
});

const StatsSchema = z.object({
  rpcs: z.object({ Predict: PredictStatsSchema }),
  faults: z.object({ errors: z.record(z.string(), z.number()), delayed: z.number(), hung: z.number(), calls: z.number() }),
});

export type PredictStats = z.infer<typeof PredictStatsSchema>;
export type ModelServerStats = z.infer<typeof StatsSchema>;

export class ModelServerAdmin {
  private readonly addr: string;

  /** `addr`: host:port of the admin endpoint (the stack's NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR). */
  constructor(addr: string | null) {
    if (!addr) throw new Error('the model server runs without its admin endpoint (NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR)');
    this.addr = addr;
  }

  async stats(): Promise<ModelServerStats> {
    return StatsSchema.parse(await this.request('GET', '/stats'));
  }

  /** The Predict counters alone. */
  async predict(): Promise<PredictStats> {
    return (await this.stats()).rpcs.Predict;
  }

  /** Replaces the whole fault config. */
  async setFaults(config: FaultConfigInput): Promise<void> {
    await this.request('PUT', '/faults', config);
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`http://${this.addr}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`model server admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }
}
