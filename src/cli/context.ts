import type { GatewayClient } from './gatewayClient';

/** What every command gets: the gateway, and where to write (stdout for results, stderr for the rest). */
export interface CommandContext {
  client: GatewayClient;
  out(line: string): void;
  err(line: string): void;
}

/** A command's exit code. */
export type ExitCode = 0 | 1 | 2;
