/**
 * Scenario 1, the ceiling: the raw TF Serving client against the model server, swept over
 * concurrency at the request size the worker sends (NIGHTSHIFT_TFSERVING_MAX_BATCH_SIZE). The best
 * level is the physical limit of this machine; end to end is measured against it.
 */
import type { Config } from '../src/config';
import { TfServingClient } from '../src/tfserving/client';
import type { BenchContext, Scenario, ScenarioResult } from './scenario';
import { openScenarioStack } from './scenarioStack';
import { round } from './table';
import { runLevel, waitReady, type Flags, type LevelResult } from './tfserving';

export const CEILING_MODEL = 'recommender';
const CEILING_DEADLINE_MS = 180_000;

export interface CeilingSweepOptions {
  levels: readonly number[];
  seconds: number;
}

export interface CeilingSweep {
  model: string;
  request_items: number;
  seconds_per_level: number;
  levels: LevelResult[];
  best: LevelResult;
}

export function ceilingOptions(quick: boolean): CeilingSweepOptions {
  return quick ? { levels: [1, 8, 32], seconds: 2 } : { levels: [1, 2, 4, 8, 16, 32, 64], seconds: 5 };
}

/** Sweeps the model server `config` points at; the best level is the one with the most items/s. */
export async function sweepCeiling(config: Config, opts: CeilingSweepOptions, log: (line: string) => void): Promise<CeilingSweep> {
  const requestItems = config.tfserving.maxBatchSize;
  const client = new TfServingClient({
    target: config.tfserving.target,
    maxMessageBytes: config.tfserving.maxMessageBytes,
    maxBatchSize: requestItems,
    // At 64 calls of 128 items in flight a call waits for the 63 before it: on a loaded machine that
    // is longer than a worker's deadline, and the sweep measures throughput, not the deadline.
    deadlineMs: Math.max(config.tfserving.deadlineMs, CEILING_DEADLINE_MS),
  });
  try {
    const flags: Flags = { model: CEILING_MODEL, batch: requestItems, seconds: opts.seconds, levels: [...opts.levels], users: 100_000, json: false };
    const signature = await waitReady(client, CEILING_MODEL, null);
    await runLevel(client, flags, signature, 4, 1); // warm-up: connections, JIT, the server's threads
    const levels: LevelResult[] = [];
    for (const c of opts.levels) {
      const r = await runLevel(client, flags, signature, c, opts.seconds);
      levels.push(r);
      log(`ceiling: concurrency ${String(c).padStart(2)}: ${r.items_per_s.toFixed(0)} items/s${r.errors ? `, ${r.errors} failed calls (${r.first_error ?? ''})` : ''}`);
    }
    // Failed calls count no items, so a level that overloads the server loses on items/s by itself.
    if (!levels.some((l) => l.items > 0)) throw new Error(`ceiling: no Predict call succeeded: ${levels.find((l) => l.first_error)?.first_error ?? ''}`);
    const best = levels.reduce((a, b) => (b.items_per_s > a.items_per_s ? b : a));
    return { model: CEILING_MODEL, request_items: requestItems, seconds_per_level: opts.seconds, levels, best };
  } finally {
    client.close();
  }
}

/** The sweep's raw figures, rounded for the results file. */
export function ceilingFigures(s: CeilingSweep): Record<string, unknown> {
  return {
    best_concurrency: s.best.concurrency,
    best_items_per_s: round(s.best.items_per_s),
    levels: s.levels.map((l) => ({
      concurrency: l.concurrency,
      requests: l.requests,
      items: l.items,
      items_per_s: round(l.items_per_s),
      p50_ms: round(l.p50_ms, 2),
      p99_ms: round(l.p99_ms, 2),
      errors: l.errors,
      ...(l.first_error ? { first_error: l.first_error } : {}),
    })),
  };
}

export const scenario: Scenario = {
  name: 'ceiling',
  description: 'raw TF Serving client vs the model server, concurrency 1..64 at the worker request size: the physical limit',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const opts = ceilingOptions(ctx.quick);
    const stack = await openScenarioStack(ctx, ['model-server'], 'bench-ceiling');
    try {
      const s = await sweepCeiling(stack.config, opts, ctx.log);
      return {
        scenario: 'ceiling',
        parameters: {
          model: s.model,
          request_items: s.request_items,
          seconds_per_level: s.seconds_per_level,
          levels: opts.levels,
          target: stack.config.tfserving.target,
          stack: stack.origin,
        },
        figures: ceilingFigures(s),
        table: {
          columns: ['concurrency', 'requests', 'items/s', 'p50 ms', 'p99 ms', 'errors', 'best'],
          rows: s.levels.map((l) => [l.concurrency, l.requests, round(l.items_per_s), l.p50_ms.toFixed(1), l.p99_ms.toFixed(1), l.errors, l === s.best ? '<- best' : '']),
        },
        targets: [],
      };
    } finally {
      await stack.dispose();
    }
  },
};
