/**
 * The model server's admin endpoint as a bench sees it: its Predict counters (what was really
 * predicted, in flight and cancelled, counted at the server) and its fault config.
 */
import type { ModelServerStats, RpcStats } from '../src/model-server/server';
import type { FaultConfigInput } from '../src/model-server/faults';

export interface ModelServerAdmin {
  predict(): Promise<RpcStats>;
  setFaults(faults: FaultConfigInput): Promise<void>;
}

export function modelServerAdmin(adminAddr: string | null): ModelServerAdmin {
  if (!adminAddr) throw new Error('the stack runs the model server without its admin endpoint (NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR)');
  const base = `http://${adminAddr}`;
  return {
    async predict() {
      const res = await fetch(`${base}/stats`);
      if (!res.ok) throw new Error(`model server GET /stats: HTTP ${res.status}`);
      return ((await res.json()) as ModelServerStats).rpcs.Predict;
    },
    async setFaults(faults) {
      const res = await fetch(`${base}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
      if (!res.ok) throw new Error(`model server PUT /faults: HTTP ${res.status} ${await res.text()}`);
    },
  };
}
