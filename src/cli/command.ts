/**
 * How a command file plugs into commander: `action()` turns a typed handler into commander's
 * action, building the command's context from the global options and keeping its exit code for
 * `run()` (commander itself never exits the process).
 */
import type { Command } from 'commander';
import type { CommandContext, ContextFor, ExitCode, GlobalOptions } from './context';
import { UsageError } from './usage';

export interface CliRun {
  ctxFor: ContextFor;
  code: ExitCode;
}

/** What a command file exports: a builder of its commander command. */
export type CommandFactory = (cli: CliRun) => Command;

/**
 * `args` are commander's processed arguments in declaration order (custom parsers applied), `opts`
 * the command's options merged with the global ones; both are typed by the command that declares them.
 * A `UsageError` the handler throws without a usage gets the command's.
 */
export function action<A extends unknown[], O extends object>(
  cli: CliRun,
  handler: (ctx: CommandContext, opts: O & GlobalOptions, ...args: A) => Promise<ExitCode>,
): (this: Command) => Promise<void> {
  return async function (this: Command) {
    const opts = this.optsWithGlobals<O & GlobalOptions>();
    const ctx = cli.ctxFor({ gateway: opts.gateway, apiKey: opts.apiKey });
    try {
      cli.code = await handler(ctx, opts, ...(this.processedArgs as A));
    } catch (err) {
      if (err instanceof UsageError && !err.usage) throw new UsageError(err.message, this.helpInformation().trimEnd());
      throw err;
    }
  };
}

/** `--json`: one document on stdout. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}
