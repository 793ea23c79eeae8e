#!/usr/bin/env node
/**
 * `nightshift` (`npm run cli -- ...`): submit and steer jobs through the gateway's HTTP API.
 * Arguments are commander's; one file per command under `commands/`. `run()` never exits the
 * process, so tests drive the CLI in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { loadConfig } from '../config';
import type { CliRun } from './command';
import type { CommandContext, ContextFor, ExitCode } from './context';
import { GatewayClient, GatewayError } from './gatewayClient';
import { UsageError } from './usage';
import { submitCommand } from './commands/submit';
import { statusCommand } from './commands/status';
import { signalCommand } from './commands/signal';
import { parallelismCommand } from './commands/parallelism';
import { listCommand } from './commands/list';
import { resultsCommand } from './commands/results';
import { dryRunCommand } from './commands/dryRun';
import { retryFailedCommand } from './commands/retryFailed';
import { scheduleCommand } from './commands/schedule';

const EXAMPLES = `
Examples:
  nightshift dry-run job.json                 validate and estimate; starts nothing
  nightshift submit job.json --wait           submit and follow to the end
  nightshift status <job_id> --watch          follow a running job
  nightshift list --status running --model recommender
  nightshift pause <job_id>                   also: nightshift resume, nightshift cancel --reason <text>
  nightshift parallelism <job_id> 16
  nightshift results <job_id> --download ./out
  nightshift retry-failed <job_id> --wait     a new job over the failed items
  nightshift schedule create nightly.yaml     a recurring job (JSON or YAML: schedule_id, spec, job, ...)
  nightshift schedule show <id>               also: nightshift schedule list
  nightshift schedule update <id> patch.json  only the fields in the file change
  nightshift schedule pause <id> --note "retraining"   also: nightshift schedule unpause <id>
  nightshift schedule trigger <id>            one run now
  nightshift schedule backfill <id> --start 2026-11-01T03:00:00Z --end 2026-11-02T03:00:00Z
  nightshift list --schedule <id>             a schedule's runs
  nightshift schedule delete <id>             no more runs; past results stay

Environment: NIGHTSHIFT_GATEWAY_URL (--gateway), NIGHTSHIFT_API_KEY (--api-key).
Exit codes: 0 done, 1 failed (bad spec, gateway error, job not succeeded), 2 bad usage.`;

const COMMANDS = [
  submitCommand,
  dryRunCommand,
  statusCommand,
  listCommand,
  signalCommand('cancel'),
  signalCommand('pause'),
  signalCommand('resume'),
  parallelismCommand,
  resultsCommand,
  retryFailedCommand,
  scheduleCommand,
];

/**
 * Commander's exits that are not misuse: help asked for (`--help`, `help <command>`), which it
 * wrote to stdout. No command at all also exits as help (on stderr, with an exit code taken from
 * `process.exitCode`), so what was written tells the two apart.
 */
const notMisuse = (err: CommanderError, help: string[]): boolean =>
  err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && help.length > 0);

function program(cli: CliRun, help: string[]): Command {
  const root = new Command('nightshift')
    .description('Batch inference jobs on Temporal, through the Nightshift gateway.')
    .option('--gateway <url>', 'gateway URL (default: NIGHTSHIFT_GATEWAY_URL, else http://127.0.0.1:8080)')
    // No commander default: the key would be printed by --help.
    .addOption(new Option('--api-key <key>', 'API key sent as a bearer token (default: NIGHTSHIFT_API_KEY)'))
    .option('--json', 'print one JSON document on stdout instead of text')
    .addHelpText('after', EXAMPLES);
  for (const make of COMMANDS) root.addCommand(make(cli));
  const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
  for (const cmd of all(root)) {
    cmd
      .configureOutput({ writeOut: (s) => help.push(s), writeErr: () => {}, outputError: () => {} })
      .configureHelp({ showGlobalOptions: true })
      .exitOverride((err) => {
        if (notMisuse(err, help)) throw err;
        const message = err.code === 'commander.help' ? 'no command given' : err.message.replace(/^error: /, '');
        throw new UsageError(message, cmd.helpInformation().trimEnd());
      });
  }
  return root;
}

/** Runs one command line; throws `UsageError` for misuse and `GatewayError` when the gateway refuses. */
export async function run(argv: string[], ctxFor: ContextFor): Promise<ExitCode> {
  const cli: CliRun = { ctxFor, code: 0 };
  const help: string[] = [];
  try {
    await program(cli, help).parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError && notMisuse(err, help))) throw err;
  }
  if (help.length) ctxFor({ gateway: undefined, apiKey: undefined }).out(help.join('').trimEnd());
  return cli.code;
}

function consoleContext({ gateway, apiKey }: { gateway: string | undefined; apiKey: string | undefined }): CommandContext {
  const config = loadConfig();
  return {
    client: new GatewayClient(gateway ?? config.gateway.url, { apiKey: apiKey ?? config.cli.apiKey }),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progressStream: process.stderr,
  };
}

if (require.main === module) {
  run(process.argv.slice(2), consoleContext).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`nightshift: ${err.message}\n\n${err.usage}\n`);
        process.exitCode = 2;
      } else if (err instanceof GatewayError) {
        process.stderr.write(`nightshift: ${err.fields.length ? `rejected (${err.status} ${err.code}):` : err.message}\n`);
        for (const f of err.fields) process.stderr.write(`  ${f.field}: ${f.reason}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`nightshift: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
