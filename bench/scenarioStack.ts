/**
 * The stack a scenario measures: a private one on free ports (bench/benchStack.ts), or with
 * `--use-running` the one `npm run stack` runs (NIGHTSHIFT_* from the environment), which the bench
 * neither starts nor stops and whose processes it cannot see (no CPU figures, no extra workers).
 */
import { loadConfig, type Config } from '../src/config';
import type { PartName } from '../src/stack/parts';
import type { RunningPart } from '../src/stack/stack';
import { GatewayClient } from '../src/cli/gatewayClient';
import { startPrivateStack } from './benchStack';
import type { BenchContext } from './scenario';

export interface ScenarioStack {
  config: Config;
  /** The parts with their process-group leaders; empty for a running stack (not ours to inspect). */
  parts: readonly RunningPart[];
  /** One more worker process; undefined for a running stack. */
  addWorker?: () => Promise<RunningPart>;
  /** What the results file says about where the stack came from. */
  origin: 'private' | 'running';
  dispose(): Promise<void>;
}

export async function openScenarioStack(ctx: BenchContext, parts: readonly PartName[], label: string): Promise<ScenarioStack> {
  if (ctx.useRunning) {
    const config = loadConfig();
    if (parts.includes('gateway') && !(await new GatewayClient(config.gateway.url).healthy())) {
      throw new Error(`--use-running: no gateway answers at ${config.gateway.url} (start it with npm run stack)`);
    }
    return { config, parts: [], origin: 'running', dispose: async () => undefined };
  }
  const stack = await startPrivateStack({ parts, label, log: (l) => ctx.log(`  ${l}`) });
  return {
    config: stack.config,
    parts: stack.parts,
    addWorker: () => stack.addWorker(),
    origin: 'private',
    dispose: () => stack.dispose(),
  };
}
