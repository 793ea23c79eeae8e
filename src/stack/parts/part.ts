import type { Config } from '../../config';

export const PART_NAMES = ['temporal', 's3', 'model-server', 'worker', 'gateway'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** What every part of the stack knows when it starts. */
export interface PartContext {
  config: Config;
  /** Environment of every child: the caller's plus the stack's NIGHTSHIFT_* overrides. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logFile: string;
  /** Temporal server dynamic config (`--dynamic-config-value key=JSON`) for a dev server started for a special test. */
  temporalDynamicConfig?: Readonly<Record<string, string | number | boolean>>;
}

export interface Launch {
  command: string;
  args: string[];
  /** Variables for this part only, over the stack's environment. */
  env?: Record<string, string>;
}

/** One process of the local stack: how to start it and how to know it is healthy. */
export interface PartSpec {
  name: PartName;
  /** The address it serves (named in the summary and in failures). */
  address(config: Config): string;
  /** The port to check is free before starting, if it binds a fixed one. */
  listen(config: Config): { host: string; port: number } | undefined;
  launch(ctx: PartContext): Launch;
  /** A second launch when the first exits during startup with a log that asks for it. */
  relaunch?(ctx: PartContext, log: string): Launch | undefined;
  ready(ctx: PartContext): Promise<boolean>;
  startupTimeoutMs: number;
  /** How a user brings it back by hand after it died. */
  restartHint: string;
}
