/**
 * What one scenario of `npm run bench` is. bench/main.ts runs them in order, prints each result's
 * table, and writes every result (with the machine and the commit) to bench/results/<date>-<commit>.json.
 */
export interface BenchContext {
  /** Each scenario at small size (CI proves the harness works with this). */
  quick: boolean;
  /** Use the stack `npm run stack` is running (NIGHTSHIFT_* from the environment) instead of a private one. */
  useRunning: boolean;
  /** Progress lines; silent with --json. */
  log: (line: string) => void;
}

/** A target of issue #10 and whether this run met it. */
export interface TargetCheck {
  target: string;
  value: number | string;
  met: boolean;
  /** Why not, or what the figure depends on (e.g. the heartbeat setting). */
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  /** What was run: sizes, settings, the model-server mode. */
  parameters: Record<string, unknown>;
  /** Raw figures, for the results file and docs. */
  figures: Record<string, unknown>;
  /** What the printed table shows. */
  table: { columns: string[]; rows: (string | number)[][] };
  targets: TargetCheck[];
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
