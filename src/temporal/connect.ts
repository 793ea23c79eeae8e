/**
 * Connections to Temporal from config: the dev server on loopback, a self-hosted cluster with
 * mTLS, or Temporal Cloud with an API key. The gateway/CLI use a client connection; workers a
 * native one. Both read the same settings.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

interface TlsSettings {
  clientCertPair?: { crt: Buffer; key: Buffer };
}

function tlsOptions(cfg: Config['temporal']): TlsSettings | boolean {
  if (cfg.tlsCertFile && cfg.tlsKeyFile) {
    return { clientCertPair: { crt: readFileSync(cfg.tlsCertFile), key: readFileSync(cfg.tlsKeyFile) } };
  }
  return cfg.tls || cfg.apiKey !== '';
}

export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const tls = tlsOptions(cfg);
  const connection = await Connection.connect({
    address: cfg.address,
    tls: tls === false ? undefined : tls === true ? {} : tls,
    apiKey: cfg.apiKey || undefined,
  });
  return new Client({ connection, namespace: cfg.namespace });
}

export async function connectWorker(cfg: Config['temporal']): Promise<NativeConnection> {
  const tls = tlsOptions(cfg);
  return NativeConnection.connect({
    address: cfg.address,
    tls: tls === false ? undefined : tls === true ? {} : tls,
    apiKey: cfg.apiKey || undefined,
  });
}
