/**
 * Temporal connection settings from config: the dev server on loopback, a self-hosted cluster with
 * mTLS, or Temporal Cloud with an API key. Shared by client and worker connections.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config';

export interface TemporalConnectionOptions {
  address: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

export function connectionOptions(cfg: Config['temporal']): TemporalConnectionOptions {
  const useTls = cfg.tls || cfg.apiKey !== '' || (cfg.tlsCertFile !== '' && cfg.tlsKeyFile !== '');
  return {
    address: cfg.address,
    tls: !useTls
      ? undefined
      : cfg.tlsCertFile && cfg.tlsKeyFile
        ? { clientCertPair: { crt: readFileSync(cfg.tlsCertFile), key: readFileSync(cfg.tlsKeyFile) } }
        : {},
    apiKey: cfg.apiKey || undefined,
  };
}
