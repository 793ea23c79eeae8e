/**
 * Fault injection for the model server: errors by status code, added latency, hangs and a crash after N
 * requests. Off by default; set at start (flags / NIGHTSHIFT_MODEL_SERVER_FAULTS) and replaced at run time
 * through the admin endpoint (`PUT /faults`). The JSON format is documented in README.md.
 */
import { status } from '@grpc/grpc-js';
import { z } from 'zod';
import { mulberry32 } from './generateModels';

export const RPC_NAMES = ['Predict', 'GetModelMetadata', 'GetModelStatus'] as const;
export type RpcName = (typeof RPC_NAMES)[number];

const CODE_NAMES = Object.keys(status).filter((k) => Number.isNaN(Number(k)) && k !== 'OK') as [string, ...string[]];
const rate = z.number().min(0).max(1);
const ms = z.number().min(0);

const LatencySchema = z.union([
  ms.transform((v) => ({ kind: 'fixed' as const, ms: v, rate: 1 })),
  z.object({ kind: z.literal('fixed'), ms, rate: rate.default(1) }).strict(),
  z
    .object({ kind: z.literal('uniform'), min_ms: ms, max_ms: ms, rate: rate.default(1) })
    .strict()
    .refine((l) => l.min_ms <= l.max_ms, 'min_ms must not exceed max_ms'),
  z.object({ kind: z.literal('normal'), mean_ms: ms, stddev_ms: ms, rate: rate.default(1) }).strict(),
  z.object({ kind: z.literal('exponential'), mean_ms: ms, rate: rate.default(1) }).strict(),
]);

export const FaultConfigSchema = z
  .object({
    /** Probability per call of failing with that status code, e.g. `{ "UNAVAILABLE": 0.3 }`. */
    error_rates: z
      .partialRecord(z.enum(CODE_NAMES), rate)
      .default({})
      .refine((r) => Object.values(r).reduce<number>((a, b) => a + (b ?? 0), 0) <= 1, 'error rates must sum to at most 1'),
    /** Added before the call is handled (so it also delays injected errors). */
    latency: LatencySchema.nullable().default(null),
    /** Probability per call of never answering (the client's deadline or cancel ends it). */
    hang_rate: rate.default(0),
    /** After this many calls (counted from when the config was set), the next call crashes the server. */
    crash_after: z.number().int().nonnegative().nullable().default(null),
    /** Which RPCs the faults apply to. */
    methods: z.array(z.enum(RPC_NAMES)).min(1).default(['Predict']),
    /**
     * Pads each injected error's message to this many bytes (the servers users meet answer with stack
     * traces and whole request dumps): what a job does with a long failure message.
     */
    message_bytes: z.number().int().nonnegative().max(4 * 1024 * 1024).nullable().default(null),
    /** Seed for reproducible fault sequences; random when absent. */
    seed: z.number().int().nullable().default(null),
  })
  .strict();

export type FaultConfigInput = z.input<typeof FaultConfigSchema>;
export type FaultConfig = z.output<typeof FaultConfigSchema>;

export const NO_FAULTS: FaultConfig = FaultConfigSchema.parse({});

export function parseFaultConfig(value: unknown): FaultConfig {
  const parsed = FaultConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`invalid fault config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** `message` followed by ` xxx…` up to `bytes` (ASCII, so characters are bytes). */
function padded(message: string, bytes: number | null): string {
  if (bytes === null || bytes <= message.length) return message;
  return `${message} ${'x'.repeat(bytes - message.length - 1)}`;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'crash' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; then: FaultDecision }
  | { kind: 'error'; code: status; message: string };

export interface FaultStats {
  calls: number;
  errors: Record<string, number>;
  delayed: number;
  hung: number;
  crashed: boolean;
}

export class FaultController {
  private cfg: FaultConfig = NO_FAULTS;
  private random: () => number = Math.random;
  private counted = 0;
  private readonly injected: FaultStats = { calls: 0, errors: {}, delayed: 0, hung: 0, crashed: false };

  constructor(initial?: FaultConfigInput) {
    if (initial) this.set(initial);
  }

  get config(): FaultConfig {
    return this.cfg;
  }

  /** Replaces the whole config (validated) and restarts the crash_after count. */
  set(config: unknown): FaultConfig {
    this.cfg = parseFaultConfig(config);
    const seeded = this.cfg.seed === null ? null : mulberry32(this.cfg.seed);
    this.random = seeded ? () => seeded() / 4294967296 : Math.random;
    this.counted = 0;
    return this.cfg;
  }

  clear(): void {
    this.set({});
  }

  stats(): FaultStats & { calls_since_set: number } {
    return { ...this.injected, errors: { ...this.injected.errors }, calls_since_set: this.counted };
  }

  /** What to do with one incoming call of `method`. */
  decide(method: RpcName): FaultDecision {
    const c = this.cfg;
    if (!c.methods.includes(method)) return { kind: 'none' };
    this.injected.calls++;
    this.counted++;
    if (c.crash_after !== null && this.counted > c.crash_after) {
      this.injected.crashed = true;
      return { kind: 'crash' };
    }
    const outcome = this.outcome();
    const delay = this.delayMs();
    if (delay > 0) {
      this.injected.delayed++;
      return { kind: 'delay', ms: delay, then: outcome };
    }
    return outcome;
  }

  private outcome(): FaultDecision {
    const c = this.cfg;
    if (c.hang_rate > 0 && this.random() < c.hang_rate) {
      this.injected.hung++;
      return { kind: 'hang' };
    }
    let r = this.random();
    for (const [name, p] of Object.entries(c.error_rates)) {
      if (!p) continue;
      if (r < p) {
        this.injected.errors[name] = (this.injected.errors[name] ?? 0) + 1;
        return { kind: 'error', code: status[name as keyof typeof status] as status, message: padded(`injected fault: ${name}`, c.message_bytes) };
      }
      r -= p;
    }
    return { kind: 'none' };
  }

  private delayMs(): number {
    const l = this.cfg.latency;
    if (!l || (l.rate < 1 && this.random() >= l.rate)) return 0;
    switch (l.kind) {
      case 'fixed':
        return l.ms;
      case 'uniform':
        return l.min_ms + this.random() * (l.max_ms - l.min_ms);
      case 'normal': {
        // Box-Muller; negative draws clamp to no delay.
        const u = 1 - this.random();
        const n = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
        return Math.max(0, l.mean_ms + n * l.stddev_ms);
      }
      case 'exponential':
        return -Math.log(1 - this.random()) * l.mean_ms;
    }
  }
}

/**
 * The start-up fault config: NIGHTSHIFT_MODEL_SERVER_FAULTS (JSON) overlaid by flags
 * `--faults JSON`, `--error-rate CODE=P` (repeatable), `--latency-ms N|MIN-MAX`, `--hang-rate P`,
 * `--crash-after N`, `--fault-methods Predict,GetModelStatus`, `--fault-seed N`, `--fault-message-bytes N`.
 */
export function faultConfigFromArgs(argv: string[], envJson = ''): FaultConfig {
  const cfg: Record<string, unknown> = envJson.trim() ? (JSON.parse(envJson) as Record<string, unknown>) : {};
  const errorRates: Record<string, number> = { ...((cfg.error_rates as Record<string, number> | undefined) ?? {}) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--faults':
        Object.assign(cfg, JSON.parse(value()));
        break;
      case '--error-rate': {
        const [code, p] = value().split('=');
        errorRates[code!.toUpperCase()] = Number(p);
        break;
      }
      case '--latency-ms': {
        const [a, b] = value().split('-').map(Number);
        cfg.latency = b === undefined ? { kind: 'fixed', ms: a } : { kind: 'uniform', min_ms: a, max_ms: b };
        break;
      }
      case '--hang-rate':
        cfg.hang_rate = Number(value());
        break;
      case '--crash-after':
        cfg.crash_after = Number(value());
        break;
      case '--fault-methods':
        cfg.methods = value().split(',');
        break;
      case '--fault-seed':
        cfg.seed = Number(value());
        break;
      case '--fault-message-bytes':
        cfg.message_bytes = Number(value());
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (Object.keys(errorRates).length) cfg.error_rates = errorRates;
  return parseFaultConfig(cfg);
}
