/**
 * The model server's admin HTTP API as a drill uses it (src/model-server/README.md): set and clear
 * fault injection, and read the counts that prove what reached the server (items predicted, calls
 * in flight at most, calls hung and cancelled). Answers are parsed here, once, at the edge.
 */
import { z } from 'zod';
import type { FaultConfigInput } from '../src/model-server/faults';

const PredictStatsSchema = z.object({
  requests: z.number(),
  ok: z.number(),
  errors: z.record(z.string(), z.number()),
  in_flight: z.number(),
  max_in_flight: z.number(),
  cancelled: z.number(),
  items: z.number(),
});

const StatsSchema = z.object({
  rpcs: z.object({ Predict: PredictStatsSchema }),
  faults: z.object({ errors: z.record(z.string(), z.number()), delayed: z.number(), hung: z.number(), calls: z.number() }),
});

export type PredictStats = z.infer<typeof PredictStatsSchema>;
export type ModelServerStats = z.infer<typeof StatsSchema>;

export class ModelServerAdmin {
  /** `addr`: host:port of the admin endpoint (the stack's NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR). */
  constructor(private readonly addr: string) {}

  async stats(): Promise<ModelServerStats> {
    return StatsSchema.parse(await this.request('GET', '/stats'));
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
