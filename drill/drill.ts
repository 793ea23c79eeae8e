/**
 * What a fault drill is: a real job on its own stack, a fault injected while it runs, and the S3
 * output checked item by item against the input afterwards (drill/checkOutput.ts). `npm run drill`
 * runs them at full size; `test/drill.*.test.ts` runs each at small size inside `npm test`.
 */
import type { OutputCheck } from './checkOutput';

export type DrillSize = 'small' | 'full';

export interface DrillOptions {
  size: DrillSize;
  /** Progress lines (what was injected, when). */
  log: (line: string) => void;
}

export interface DrillReport {
  name: string;
  /** The job's final status, and the one the drill expects. */
  status: string;
  expected_status: string;
  /** Every item once in a part or in errors/ with its reason; see OutputCheck. */
  output: OutputCheck;
  /** Drill-specific measurements (downtime_s, resumed_after_s, max_in_flight, predicted, ...). */
  figures: Record<string, number | string | boolean>;
  /** Anything that breaks what the drill proves; empty when it passed. */
  problems: string[];
  wall_s: number;
}

export interface Drill {
  name: string;
  /** One line: the fault and what surviving it proves. */
  description: string;
  run(opts: DrillOptions): Promise<DrillReport>;
}

export const passed = (r: DrillReport): boolean => r.problems.length === 0;

/**
 * The problems a report must list for what every drill checks: the expected final status, and the
 * output check's own findings (missing, duplicated, altered items, half-written parts).
 */
export function commonProblems(status: string, expectedStatus: string, output: OutputCheck): string[] {
  const problems: string[] = [];
  if (status !== expectedStatus) problems.push(`job ended ${status}, expected ${expectedStatus}`);
  problems.push(...output.problems);
  return problems;
}
