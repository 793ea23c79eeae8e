import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { connectionOptions } from './connectionOptions';

/** A client (gateway, CLI, tests) for the configured namespace. */
export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(cfg));
  return new Client({ connection, namespace: cfg.namespace });
}
