/**
 * The local stack as a library: `startStack()` brings the parts up in dependency order, waits for
 * each to be healthy, and returns a handle whose `stop()` leaves no process behind. `npm run stack`,
 * `npm run demo` and `npm test` all start their stacks through here.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config';
import { dataDirOf, logsDirOf, REPO_ROOT } from './paths';
import {
  gatewayPart,
  modelServerPart,
  PART_NAMES,
  s3Part,
  temporalPart,
  workerPart,
  type PartContext,
  type PartName,
  type PartSpec,
} from './parts';
import { logTail, spawnInGroup, stopGroup, type GroupProcess } from './processGroup';
import { portFree } from './probes';
import { seconds } from './timing';
import { freePort } from './freePort';

/** Parts in a group start together; a group starts once the one before it is healthy. */
const ALL_PARTS: readonly PartSpec[] = [temporalPart, s3Part, modelServerPart, workerPart, gatewayPart];
const START_GROUPS: readonly (readonly PartSpec[])[] = [
  [temporalPart, s3Part, modelServerPart],
  [workerPart, gatewayPart],
];

export interface StackOptions {
  /** Which parts to start (default: all). The test stack leaves out worker and gateway. */
  parts?: readonly PartName[];
  /** NIGHTSHIFT_* values for this stack (e.g. test ports), over the caller's environment. */
  env?: Record<string, string>;
  /** Delete the stack's data directory first (the test stack starts empty every run). */
  wipeData?: boolean;
  /** Temporal server dynamic config values (e.g. lower history limits for a test); default none. */
  temporalDynamicConfig?: PartContext['temporalDynamicConfig'];
  /** Progress lines; default `console.log`. */
  log?: (line: string) => void;
  /** A part exited after startup. Default: say so and name the way to restart it; the others keep running. */
  onPartExit?: (part: RunningPart, code: number | string) => void;
}

export interface RunningPart {
  name: PartName;
  address: string;
  logFile: string;
  pid: number | undefined;
  exited: Promise<number | string>;
  alive(): boolean;
}

export interface Stack {
  config: Config;
  /** The environment the parts run with; hand it to anything that should talk to this stack. */
  env: NodeJS.ProcessEnv;
  /** Just the NIGHTSHIFT_* overrides this stack was started with. */
  overrides: Record<string, string>;
  dataDir: string;
  logsDir: string;
  parts: RunningPart[];
  stop(): Promise<void>;
  /**
   * Signals one part's process group (default SIGKILL, as a crash) and waits until it has exited; it
   * stays down until `start(name)`. For drills and benches; a killed worker's running activities are
   * retried by Temporal after their heartbeat timeout. A part name means its newest process; a
   * RunningPart from `parts` names one process (which of two workers holds a job's batches).
   */
  kill(which: PartName | RunningPart, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a killed part again with the same config and data (same ports, same database) and waits until it is healthy. */
  start(name: PartName): Promise<RunningPart>;
  /** One more worker process on the task queue, with its own metrics port and log (worker-<n>.log); stopped with the stack. */
  addWorker(): Promise<RunningPart>;
}

/** A part did not come up: names it, its address and its log, and carries the end of the log. */
export class StackStartError extends Error {
  constructor(
    readonly part: PartName,
    readonly address: string,
    readonly logFile: string,
    readonly reason: string,
  ) {
    super(`${part} (${address}) did not come up: ${reason}. Log: ${logFile}\n--- last lines of ${logFile} ---\n${logTail(logFile)}`);
    this.name = 'StackStartError';
  }
}

interface Started {
  spec: PartSpec;
  ctx: PartContext;
  proc: GroupProcess;
  part: RunningPart;
}

/** Every stack this process started and has not stopped: for `stopStack()` and the exit safety net. */
const running = new Map<Started[], () => Promise<void>>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spawnPart(spec: PartSpec, ctx: PartContext, launch = spec.launch(ctx)): Started {
  const proc = spawnInGroup(launch.command, launch.args, { cwd: REPO_ROOT, env: { ...ctx.env, ...launch.env }, logFile: ctx.logFile });
  const part: RunningPart = {
    name: spec.name,
    address: spec.address(ctx.config),
    logFile: ctx.logFile,
    pid: proc.child.pid,
    exited: proc.exited,
    alive: () => !proc.hasExited(),
  };
  return { spec, ctx, proc, part };
}

/** Polls the part's probe until it is healthy; relaunches once if its log asks for it. */
async function waitHealthy(s: Started, started: Started[], relaunched = false): Promise<Started> {
  const deadline = Date.now() + s.spec.startupTimeoutMs;
  while (Date.now() < deadline) {
    if (s.proc.hasExited()) {
      const code = await s.proc.exited;
      const again = relaunched ? undefined : s.spec.relaunch?.(s.ctx, logTail(s.ctx.logFile, 50));
      if (again) {
        const next = spawnPart(s.spec, s.ctx, again);
        started.splice(started.indexOf(s), 1, next);
        return waitHealthy(next, started, true);
      }
      throw new StackStartError(s.spec.name, s.part.address, s.ctx.logFile, `exited during startup (${code})`);
    }
    if (await s.spec.ready(s.ctx)) return s;
    await sleep(250);
  }
  throw new StackStartError(s.spec.name, s.part.address, s.ctx.logFile, `not healthy after ${seconds(s.spec.startupTimeoutMs)}`);
}

async function stopAll(started: Started[]): Promise<void> {
  // Reverse start order: gateway and worker first (the worker drains gracefully), Temporal last.
  const byGroup = START_GROUPS.map((g) => started.filter((s) => g.includes(s.spec))).reverse();
  for (const group of byGroup) await Promise.all(group.map((s) => stopGroup(s.proc, s.spec.name === 'worker' ? 20_000 : 10_000)));
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const overrides = opts.env ?? {};
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  const config = loadConfig(env);
  const dataDir = dataDirOf(config.dataDir);
  const logsDir = logsDirOf(dataDir);
  const wanted = new Set(opts.parts ?? PART_NAMES);
  if (opts.wipeData) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  mkdirSync(logsDir, { recursive: true });

  const started: Started[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await stopAll(started);
    running.delete(started);
  };
  running.set(started, stop);
  const onPartExit =
    opts.onPartExit ??
    ((p: RunningPart, code: number | string) =>
      log(`stack: ${p.name} exited (${code}); the other parts keep running. Log: ${p.logFile}. Restart: ${restartHintOf(p.name)}`));

  try {
    for (const group of START_GROUPS) {
      const specs = group.filter((s) => wanted.has(s.name));
      for (const spec of specs) {
        const at = spec.listen(config);
        if (at && !(await portFree(at.host, at.port))) {
          throw new StackStartError(spec.name, spec.address(config), join(logsDir, `${spec.name}.log`), `port ${at.port} is already in use (another stack running?)`);
        }
      }
      const t0 = Date.now();
      const spawned = specs.map((spec) => {
        const s = spawnPart(spec, { config, env, dataDir, logFile: join(logsDir, `${spec.name}.log`), temporalDynamicConfig: opts.temporalDynamicConfig });
        started.push(s);
        return s;
      });
      const results = await Promise.allSettled(
        spawned.map(async (s) => {
          const healthy = await waitHealthy(s, started);
          log(`stack: ${s.spec.name.padEnd(12)} healthy after ${seconds(Date.now() - t0).padStart(6)}  ${healthy.part.address}`);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const killed = new Set<Started>();
  const watchExit = (s: Started) => {
    void s.proc.exited.then((code) => {
      if (!stopping && !killed.has(s)) onPartExit(s.part, code);
    });
  };
  started.forEach(watchExit);
  const parts = started.map((s) => s.part);
  const latest = (name: PartName): Started => {
    const s = [...started].reverse().find((x) => x.spec.name === name);
    if (!s) throw new Error(`stack: no ${name} part in this stack`);
    return s;
  };
  /** Runs a part's process and puts it where the old one was (or at the end), once healthy. */
  const launch = async (spec: PartSpec, ctx: PartContext, replacing?: Started): Promise<RunningPart> => {
    const s = spawnPart(spec, ctx);
    started.push(s);
    const healthy = await waitHealthy(s, started);
    if (replacing) started.splice(started.indexOf(replacing), 1);
    const at = replacing ? parts.indexOf(replacing.part) : -1;
    if (at >= 0) parts.splice(at, 1, healthy.part);
    else parts.push(healthy.part);
    watchExit(healthy);
    log(`stack: ${spec.name.padEnd(12)} ${replacing ? 'restarted' : 'added'}, healthy  ${healthy.part.address}`);
    return healthy.part;
  };
  let extraWorkers = 0;
  let restarts = 0;
  return {
    config,
    env,
    overrides,
    dataDir,
    logsDir,
    parts,
    stop,
    async kill(which, signal = 'SIGKILL') {
      const s = typeof which === 'string' ? latest(which) : started.find((x) => x.part === which);
      if (!s) throw new Error(`stack: that process is not a running part of this stack`);
      killed.add(s);
      if (s.proc.child.pid !== undefined && !s.proc.hasExited()) {
        try {
          process.kill(-s.proc.child.pid, signal);
        } catch {
          // already gone
        }
      }
      await s.proc.exited;
    },
    async start(name) {
      const s = latest(name);
      if (!s.proc.hasExited()) throw new Error(`stack: ${name} is still running (kill it first)`);
      // A log of its own: readiness probes read the log, and the old one already says "ready".
      return launch(s.spec, { ...s.ctx, logFile: join(logsDir, `${name}.restart-${++restarts}.log`) }, s);
    },
    async addWorker() {
      extraWorkers++;
      const metrics = await freePort();
      const workerEnv = { ...env, NIGHTSHIFT_WORKER_METRICS_ADDR: `127.0.0.1:${metrics}` };
      const ctx: PartContext = { config: loadConfig(workerEnv), env: workerEnv, dataDir, logFile: join(logsDir, `worker-${extraWorkers + 1}.log`) };
      return launch(workerPart, ctx);
    },
  };
}

function restartHintOf(name: PartName): string {
  return ALL_PARTS.find((p) => p.name === name)?.restartHint ?? 'npm run stack';
}

/** Stops the given stack, or every stack this process started. */
export async function stopStack(stack?: Stack): Promise<void> {
  if (stack) return stack.stop();
  await Promise.all([...running.values()].map((stop) => stop()));
}

/** Last resort when this process exits without stopping its stacks (an uncaught error): kill the groups now. */
process.on('exit', () => {
  for (const started of running.keys()) {
    for (const s of started) {
      if (s.proc.child.pid !== undefined && !s.proc.hasExited()) {
        try {
          process.kill(-s.proc.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
});
