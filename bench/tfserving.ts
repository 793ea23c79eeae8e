/**
 * Raw TF Serving client throughput: Predict on the recommender at concurrency 1, 4, 16 and 64 for a fixed time
 * each, reporting items/s and per-request p50/p99 latency. It is the ceiling orchestrated jobs are compared with.
 *
 * By default it spawns the bundled model server on free loopback ports (models from NIGHTSHIFT_MODEL_BASE_PATH);
 * `--target host:port` measures a server that is already running (any TF Serving).
 *
 * Flags: --target H:P  --model NAME (recommender)  --batch N items per request (64)  --seconds S per level (5)
 *        --levels 1,4,16,64  --users N user ids drawn from [0, N) (100000)  --threads N model-server threads  --json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config';
import { TfServingClient } from '../src/tfserving/client';
import type { ModelSignature } from '../src/tfserving/signature';
import { freePort } from '../src/stack/freePort';
import { formatTable } from './table';

export const DESCRIPTION = 'raw TF Serving client throughput against the model server (items/s, p50/p99)';

export interface Flags {
  target?: string;
  model: string;
  batch: number;
  seconds: number;
  levels: number[];
  users: number;
  threads?: number;
  json: boolean;
}

export interface LevelResult {
  concurrency: number;
  requests: number;
  items: number;
  errors: number;
  items_per_s: number;
  p50_ms: number;
  p99_ms: number;
  first_error?: string;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { model: 'recommender', batch: 64, seconds: 5, levels: [1, 4, 16, 64], users: 100_000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
      return n;
    };
    switch (flag) {
      case '--target': f.target = value(); break;
      case '--model': f.model = value(); break;
      case '--batch': f.batch = num(); break;
      case '--seconds': f.seconds = num(); break;
      case '--users': f.users = num(); break;
      case '--threads': f.threads = num(); break;
      case '--levels': f.levels = value().split(',').map(Number).filter((n) => n > 0); break;
      case '--json': f.json = true; break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  return f;
}


async function spawnModelServer(threads: number | undefined): Promise<{ target: string; child: ChildProcess }> {
  const port = await freePort();
  const adminPort = await freePort();
  const main = resolve(__dirname, '..', 'src', 'model-server', 'main.js');
  const args = [main, '--addr', `127.0.0.1:${port}`, '--admin-addr', `127.0.0.1:${adminPort}`];
  if (threads !== undefined) args.push('--threads', String(threads));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NIGHTSHIFT_LOG_LEVEL: 'warn', NIGHTSHIFT_MODEL_BASE_PATH: process.env.NIGHTSHIFT_MODEL_BASE_PATH ?? join(resolve(__dirname, '..', '..'), 'models') },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`model server exited ${code}: ${stderr}`);
  });
  return { target: `127.0.0.1:${port}`, child };
}

/** Waits until the model is AVAILABLE (the server may still be loading it) and returns its signature. */
export async function waitReady(client: TfServingClient, model: string, child: ChildProcess | null): Promise<ModelSignature> {
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      const status = await client.getModelStatus({ name: model }, { deadlineMs: 2000 });
      if (status.some((s) => s.state === 'AVAILABLE')) return await client.getModelMetadata({ name: model });
    } catch (err) {
      if (Date.now() > until || (child && child.exitCode !== null)) throw new Error(`model server not ready: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** mulberry32: the same request mix on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLevel(client: TfServingClient, f: Flags, signature: ModelSignature, concurrency: number, seconds: number): Promise<LevelResult> {
  const random = rng(concurrency);
  const inputName = Object.keys(signature.inputs)[0]!;
  const makeBatch = () => Array.from({ length: f.batch }, () => ({ [inputName]: Math.floor(random() * f.users) }));
  const latencies: number[] = [];
  let items = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const batch = makeBatch();
      const s = performance.now();
      try {
        await client.predict({ name: f.model }, batch, { signature });
        latencies.push(performance.now() - s);
        items += batch.length;
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests: latencies.length,
    items,
    errors,
    items_per_s: items / elapsed,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    ...(firstError ? { first_error: firstError } : {}),
  };
}

function table(rows: LevelResult[]): string {
  return formatTable(
    ['concurrency', 'requests', 'items/s', 'p50 ms', 'p99 ms', 'errors'],
    rows.map((r) => [r.concurrency, r.requests, r.items_per_s.toFixed(0), r.p50_ms.toFixed(2), r.p99_ms.toFixed(2), r.errors]),
  );
}

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags(argv);
  const cfg = loadConfig();
  const spawned = f.target ? null : await spawnModelServer(f.threads);
  const target = f.target ?? spawned!.target;
  const client = new TfServingClient({
    target,
    maxMessageBytes: cfg.tfserving.maxMessageBytes,
    maxBatchSize: Math.max(f.batch, 1),
    deadlineMs: cfg.tfserving.deadlineMs,
  });
  try {
    const signature = await waitReady(client, f.model, spawned?.child ?? null);
    await runLevel(client, f, signature, 4, Math.min(1, f.seconds)); // warm-up: connections, JIT, worker threads
    const where = spawned ? `spawned model server at ${target}` : target;
    if (!f.json) {
      console.log(`TF Serving client: ${f.model} v${signature.model.version}, ${f.batch} items/request, ${f.seconds} s per level, ${where}`);
    }
    const rows: LevelResult[] = [];
    for (const c of f.levels) {
      rows.push(await runLevel(client, f, signature, c, f.seconds));
      if (!f.json) process.stdout.write(`  concurrency ${c}: ${rows.at(-1)!.items_per_s.toFixed(0)} items/s\n`);
    }
    if (f.json) console.log(JSON.stringify({ bench: 'tfserving', model: f.model, batch: f.batch, seconds: f.seconds, target, levels: rows }));
    else {
      console.log(`\n${table(rows)}`);
      const err = rows.find((r) => r.first_error);
      if (err) console.log(`\nfirst error: ${err.first_error}`);
    }
  } finally {
    client.close();
    if (spawned) {
      spawned.child.kill('SIGTERM');
      await new Promise((r) => (spawned.child.exitCode !== null ? r(null) : spawned.child.once('exit', r)));
    }
  }
}
