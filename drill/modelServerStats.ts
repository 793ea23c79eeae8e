/**
 * Counts read from the model server's admin endpoint (`GET /stats`): what the drill checks at the
 * model server itself rather than trusting the worker's own account.
 */
import { z } from 'zod';

const StatsSchema = z.object({
  rpcs: z.object({ Predict: z.object({ items: z.number(), requests: z.number() }) }),
});

async function predictStats(adminAddr: string): Promise<{ items: number; requests: number }> {
  const res = await fetch(`http://${adminAddr}/stats`);
  if (!res.ok) throw new Error(`model server admin ${adminAddr}: GET /stats answered ${res.status}`);
  return StatsSchema.parse(await res.json()).rpcs.Predict;
}

/** Items the model server answered OK since it started (`rpcs.Predict.items`). */
export const predictedItems = async (adminAddr: string): Promise<number> => (await predictStats(adminAddr)).items;

/** Predict calls that reached the model server since it started (`rpcs.Predict.requests`). */
export const predictRequests = async (adminAddr: string): Promise<number> => (await predictStats(adminAddr)).requests;
