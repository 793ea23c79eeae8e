import type { GatewayClient } from './gatewayClient';

/** What every command gets: the gateway, and where to write (stdout for results, stderr for the rest). */
export interface CommandContext {
  client: GatewayClient;
  out(line: string): void;
  err(line: string): void;
  /**
   * The terminal a live progress bar may draw on (stderr). Without one, or when it is not a TTY,
   * progress is plain `err` lines, as logs and CI want it.
   */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A command's exit code: 0 done, 1 failed (bad spec, gateway error, job not succeeded), 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

/** Options every command takes (commander's global options). */
export interface GlobalOptions {
  gateway?: string;
  apiKey?: string;
  /** One JSON document on stdout instead of text. */
  json?: boolean;
}

/** Builds a command's context from the global options (tests inject theirs). */
export type ContextFor = (opts: { gateway: string | undefined; apiKey: string | undefined }) => CommandContext;
