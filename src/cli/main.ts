#!/usr/bin/env node
/**
 * `nightshift` (`npm run cli -- ...`): submit and steer jobs through the gateway's HTTP API.
 * One file per command under `commands/`; this one only reads arguments and dispatches.
 */
import { parseArgs } from 'node:util';
import { MAX_PARALLELISM, MIN_PARALLELISM } from '../job/messages';
import { loadConfig } from '../config';
import { GatewayClient, GatewayError } from './gatewayClient';
import { UsageError, USAGE } from './usage';
import type { CommandContext, ExitCode } from './context';
import { submit } from './commands/submit';
import { status } from './commands/status';
import { parallelism, signal } from './commands/control';

const OPTIONS = {
  gateway: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  wait: { type: 'boolean' },
  interval: { type: 'string' },
  json: { type: 'boolean' },
  reason: { type: 'string' },
} as const;

function args(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function positionals(command: string, got: string[], names: string[]): string[] {
  if (got.length !== names.length) {
    throw new UsageError(`${command} takes ${names.map((n) => `<${n}>`).join(' ')} (got ${got.length} argument${got.length === 1 ? '' : 's'})`);
  }
  return got;
}

function wholeNumber(what: string, s: string, min: number, max: number): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max} (got "${s}")`);
  return n;
}

export async function run(argv: string[], ctxFor: (gatewayUrl: string | undefined) => CommandContext): Promise<ExitCode> {
  const { values, positionals: pos } = args(argv);
  const [command, ...rest] = pos;
  if (values.help || command === 'help') {
    ctxFor(values.gateway).out(USAGE);
    return 0;
  }
  if (command === undefined) throw new UsageError('no command given');
  const only = (allowed: (keyof typeof OPTIONS)[]) => {
    const extra = Object.keys(values).filter((k) => k !== 'gateway' && !allowed.includes(k as keyof typeof OPTIONS));
    if (extra.length) throw new UsageError(`${command} does not take --${extra.join(', --')}`);
  };
  const ctx = ctxFor(values.gateway);
  switch (command) {
    case 'submit': {
      only(['wait', 'interval']);
      const [source] = positionals(command, rest, ['spec.json|-']);
      const intervalMs = values.interval === undefined ? 1000 : wholeNumber('--interval', values.interval, 1, 3600) * 1000;
      return submit(ctx, source!, { wait: values.wait ?? false, intervalMs });
    }
    case 'status': {
      only(['json']);
      const [jobId] = positionals(command, rest, ['job_id']);
      return status(ctx, jobId!, { json: values.json ?? false });
    }
    case 'cancel':
    case 'pause':
    case 'resume': {
      only(command === 'cancel' ? ['reason'] : []);
      const [jobId] = positionals(command, rest, ['job_id']);
      return signal(ctx, command, jobId!, values.reason);
    }
    case 'parallelism': {
      only([]);
      const [jobId, n] = positionals(command, rest, ['job_id', 'n']);
      return parallelism(ctx, jobId!, wholeNumber('parallelism', n!, MIN_PARALLELISM, MAX_PARALLELISM));
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function consoleContext(gatewayUrl: string | undefined): CommandContext {
  return {
    client: new GatewayClient(gatewayUrl ?? loadConfig().gateway.url),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

if (require.main === module) {
  run(process.argv.slice(2), consoleContext).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`nightshift: ${err.message}\n\n${USAGE}\n`);
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
