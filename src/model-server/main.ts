/**
 * `npm run model-server`: the TF-Serving-compatible model server as a process. Addresses, base path and
 * threads come from loadConfig(); faults from NIGHTSHIFT_MODEL_SERVER_FAULTS and flags (see README.md).
 * Flags: --addr H:P --admin-addr H:P (loopback only; none = no admin endpoint) --base-path DIR --threads N --response-encoding typed_fields|tensor_content,
 * plus the fault flags of faultConfigFromArgs.
 */
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { faultConfigFromArgs } from './faults';
import type { ResponseEncoding } from './rpcs';
import { startModelServer } from './server';

const SERVER_FLAGS = ['--addr', '--admin-addr', '--base-path', '--threads', '--response-encoding'] as const;
type ServerFlag = (typeof SERVER_FLAGS)[number];

function splitArgs(argv: string[]): { server: Partial<Record<ServerFlag, string>>; rest: string[] } {
  const server: Partial<Record<ServerFlag, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if ((SERVER_FLAGS as readonly string[]).includes(flag)) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      server[flag as ServerFlag] = value;
    } else rest.push(flag);
  }
  return { server, rest };
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger('model-server', cfg.logLevel);
  const { server: flags, rest } = splitArgs(process.argv.slice(2));
  const encoding = flags['--response-encoding'] ?? 'typed_fields';
  if (encoding !== 'typed_fields' && encoding !== 'tensor_content') {
    throw new Error('--response-encoding must be typed_fields or tensor_content');
  }
  const server = await startModelServer({
    addr: flags['--addr'] ?? cfg.modelServer.addr,
    adminAddr: flags['--admin-addr'] ?? cfg.modelServer.adminAddr,
    basePath: flags['--base-path'] ?? cfg.modelServer.basePath,
    threads: flags['--threads'] !== undefined ? Number(flags['--threads']) : cfg.modelServer.threads,
    faults: faultConfigFromArgs(rest, cfg.modelServer.faults),
    responseEncoding: encoding as ResponseEncoding,
    logger: log,
    onCrash: () => {
      // An injected crash: exit at once, with no graceful shutdown, as a killed tensorflow_model_server would.
      log.fatal('fault injection: crashing the process');
      process.exit(70);
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`model-server: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
