/**
 * One TF Serving client per target for the whole process (worker, gateway): built from `loadConfig().tfserving`,
 * a model named in NIGHTSHIFT_TFSERVING_MODEL_TARGETS gets its own target, every other model the default one.
 */
import type { Config } from '../config';
import { TfServingClient, type TfServingClientOptions } from './client';

export type TfServingConfig = Config['tfserving'];

export class TfServingClients {
  private readonly byTarget = new Map<string, TfServingClient>();

  constructor(
    private readonly cfg: TfServingConfig,
    /** Anything else for every client (keepalive, channel options in tests). */
    private readonly extra: Partial<TfServingClientOptions> = {},
  ) {}

  targetFor(model: string): string {
    return this.cfg.modelTargets[model] ?? this.cfg.target;
  }

  forModel(model: string): TfServingClient {
    const target = this.targetFor(model);
    let client = this.byTarget.get(target);
    if (!client) {
      client = new TfServingClient({
        target,
        tls: this.cfg.tls,
        tlsCaFile: this.cfg.tlsCaFile || undefined,
        tlsCertFile: this.cfg.tlsCertFile || undefined,
        tlsKeyFile: this.cfg.tlsKeyFile || undefined,
        deadlineMs: this.cfg.deadlineMs,
        maxMessageBytes: this.cfg.maxMessageBytes,
        maxBatchSize: this.cfg.maxBatchSize,
        ...this.extra,
      });
      this.byTarget.set(target, client);
    }
    return client;
  }

  close(): void {
    for (const c of this.byTarget.values()) c.close();
    this.byTarget.clear();
  }
}
